using System.Collections.Concurrent;

namespace Multiproc.Analyzers;

/// <summary>
/// A per-compilation call graph among source methods, recorded from operation actions, for rules that
/// need "the target and the methods it calls within the compilation". Thread-safe: filled from
/// concurrent operation actions, read in the compilation-end action.
/// </summary>
internal sealed class CallGraph
{
    /// <summary>The operation kinds <see cref="Record"/> looks at: register an operation action for them.</summary>
    public static readonly ImmutableArray<OperationKind> CalleeKinds = ImmutableArray.Create(
        OperationKind.Invocation, OperationKind.MethodReference, OperationKind.ObjectCreation, OperationKind.PropertyReference);

    // Adjacency lists, filled from _edges under _buildLock and only read under it: plain collections, no
    // per-caller concurrent dictionary. Duplicate edges are harmless (the walk keeps a seen set).
    private readonly Dictionary<IMethodSymbol, List<IMethodSymbol>> _callees = new(SymbolEqualityComparer.Default);
    private readonly Dictionary<IMethodSymbol, HashSet<IMethodSymbol>> _reachableFromOne = new(SymbolEqualityComparer.Default);

    private readonly IAssemblySymbol _assembly;
    private readonly ConcurrentQueue<(IMethodSymbol Caller, List<IMethodSymbol> Callees)> _edges = new();
    private readonly object _buildLock = new();

    /// <summary>
    /// A call graph filled through <see cref="Record"/> and <see cref="AddCallees"/> from operation actions (no walk of its own):
    /// only callees declared in <paramref name="assembly"/> are kept, since only they have bodies that
    /// can lead further (and only they are asked about).
    /// </summary>
    public CallGraph(IAssemblySymbol assembly) => _assembly = assembly;

    /// <summary>
    /// Adds the method <paramref name="operation"/> (one of <see cref="CalleeKinds"/>) invokes or references to
    /// <paramref name="callees"/>, the list of one body, when it is a method of this compilation; the body hands its list
    /// over with <see cref="AddCallees"/> when it ends (one hand-over per body: the operations of both threads do not
    /// meet on a shared queue per call). Cheap: no allocation unless the callee is a method of this compilation.
    /// </summary>
    public void Record(IOperation operation, ref List<IMethodSymbol>? callees)
    {
        // By kind: one virtual call instead of a chain of interface type tests.
        switch (operation.Kind)
        {
            case OperationKind.Invocation: RecordCallee(((IInvocationOperation)operation).TargetMethod, ref callees); break;
            case OperationKind.MethodReference: RecordCallee(((IMethodReferenceOperation)operation).Method, ref callees); break;
            case OperationKind.ObjectCreation: RecordCallee(((IObjectCreationOperation)operation).Constructor, ref callees); break;
            case OperationKind.PropertyReference: RecordAccessor(((IPropertyReferenceOperation)operation).Property, ref callees); break;
        }
    }

    /// <summary>
    /// <see cref="Record"/> of an invoked, referenced or constructing method: kept when it is a method of this compilation.
    /// Most callees are metadata methods (the BCL's): they have no declaring syntax, which is much cheaper to ask (an
    /// empty array) than their containing assembly (a walk up the namespaces).
    /// </summary>
    public void RecordCallee(IMethodSymbol? callee, ref List<IMethodSymbol>? callees)
    {
        if (callee is null || callee.DeclaringSyntaxReferences.IsEmpty
            || !SymbolEqualityComparer.Default.Equals(callee.ContainingAssembly, _assembly)) return;
        (callees ??= new List<IMethodSymbol>()).Add(callee.OriginalDefinition);
    }

    /// <summary>
    /// <see cref="Record"/> of a property reference: its getter (else its setter). A property with no declaring syntax (a
    /// metadata property, or one of a constructed metadata type) has no accessor with declaring syntax either (an
    /// accessor is declared inside its property), so it is passed over without asking for the accessor (which, for a
    /// property of a constructed type, is looked up among that type's members).
    /// </summary>
    /// <remarks>
    /// A property of an anonymous type (<c>select new { Month = … }</c>, then <c>x.Month</c>) is passed over first: its
    /// getter is synthesized, with no declaring syntax, so it is never recorded, while the property's own
    /// <c>DeclaringSyntaxReferences</c> finds its declarator again by a token search in the tree on every call.
    /// </remarks>
    public void RecordAccessor(IPropertySymbol property, ref List<IMethodSymbol>? callees)
    {
        if (property.ContainingType.IsAnonymousType || property.DeclaringSyntaxReferences.IsEmpty) return;
        RecordCallee(property.GetMethod ?? property.SetMethod, ref callees);
    }

    /// <summary>
    /// The callees one body recorded (<see cref="Record"/>), as callees of <paramref name="owner"/>, the owner of the
    /// operation block: lambdas and local functions count for their containing method.
    /// </summary>
    public void AddCallees(ISymbol owner, List<IMethodSymbol> callees)
    {
        if (owner is IMethodSymbol caller) _edges.Enqueue((caller.OriginalDefinition, callees));
    }

    /// <summary>Moves the recorded edges into the adjacency lists (before a query; call with <see cref="_buildLock"/> held).</summary>
    [MethodImpl(Jit.Optimize)] // compilation end: too few calls to leave tier-0 code
    private void Build()
    {
        if (_edges.IsEmpty) return;
        while (_edges.TryDequeue(out var edges))
        {
            if (!_callees.TryGetValue(edges.Caller, out var list)) _callees[edges.Caller] = list = new List<IMethodSymbol>();
            list.AddRange(edges.Callees);
        }
        _reachableFromOne.Clear();   // new edges: earlier answers may have grown
    }

    /// <summary>Every method reachable from <paramref name="roots"/> (roots included), in a set of its own.</summary>
    [MethodImpl(Jit.Optimize)] // compilation end: too few calls to leave tier-0 code
    public HashSet<IMethodSymbol> ReachableFrom(IEnumerable<IMethodSymbol> roots)
    {
        lock (_buildLock)
        {
            Build();
            return Walk(roots);
        }
    }

    /// <summary>Every method reachable from <paramref name="root"/> (included), remembered per root. The set must not be modified.</summary>
    [MethodImpl(Jit.Optimize)] // compilation end: too few calls to leave tier-0 code
    public IReadOnlyCollection<IMethodSymbol> ReachableFrom(IMethodSymbol root)
    {
        lock (_buildLock)
        {
            Build();
            var key = root.OriginalDefinition;
            if (!_reachableFromOne.TryGetValue(key, out var set)) _reachableFromOne[key] = set = Walk(new[] { key });
            return set;
        }
    }

    /// <summary>
    /// Every method reachable from <paramref name="roots"/> when the roots and all they reach are declared in
    /// <paramref name="type"/> (a top-level type declared in one file) or its nested types, in that file; else null. At the
    /// type's symbol end this answer is final: every body of the type has recorded its callees.
    /// </summary>
    public HashSet<IMethodSymbol>? ReachableWithin(IEnumerable<IMethodSymbol> roots, INamedTypeSymbol type)
    {
        var references = type.DeclaringSyntaxReferences;
        if (references.Length != 1) return null;
        var tree = references[0].SyntaxTree;
        var reachable = ReachableFrom(roots);
        foreach (var m in reachable)
            if (!DeclaredIn(m, type, tree)) return null;
        return reachable;
    }

    /// <summary>Whether <paramref name="symbol"/> is declared in <paramref name="type"/> (or a type nested in it), only in the one file of that type.</summary>
    public static bool DeclaredIn(ISymbol symbol, INamedTypeSymbol type)
    {
        var references = type.DeclaringSyntaxReferences;
        return references.Length == 1 && DeclaredIn(symbol, type, references[0].SyntaxTree);
    }

    /// <summary><see cref="DeclaredIn(ISymbol, INamedTypeSymbol)"/> with the one tree of <paramref name="type"/> found once by the caller.</summary>
    private static bool DeclaredIn(ISymbol symbol, INamedTypeSymbol type, SyntaxTree tree)
    {
        var top = symbol as INamedTypeSymbol ?? symbol.ContainingType;
        while (top?.ContainingType is not null) top = top.ContainingType;
        if (!SymbolEqualityComparer.Default.Equals(top, type)) return false;
        foreach (var reference in symbol.DeclaringSyntaxReferences)
            if (reference.SyntaxTree != tree) return false;
        return true;
    }

    [MethodImpl(Jit.Optimize)] // compilation end: too few calls to leave tier-0 code
    private HashSet<IMethodSymbol> Walk(IEnumerable<IMethodSymbol> roots)
    {
        var seen = new HashSet<IMethodSymbol>(SymbolEqualityComparer.Default);
        var stack = new Stack<IMethodSymbol>();
        foreach (var r in roots)
            if (seen.Add(r.OriginalDefinition)) stack.Push(r.OriginalDefinition);
        while (stack.Count > 0)
        {
            var m = stack.Pop();
            if (!_callees.TryGetValue(m, out var callees)) continue;
            foreach (var c in callees)
                if (seen.Add(c)) stack.Push(c);
        }
        return seen;
    }
}
