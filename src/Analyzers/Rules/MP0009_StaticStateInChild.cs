using System.Collections.Concurrent;

namespace Multiproc.Analyzers;

/// <summary>
/// MP0009: a child target, or a method it calls within the compilation, writes a static field or
/// property of this compilation that the parent reads after joining a child: each process has its own
/// statics, so the parent reads its own, unchanged value. Reported at the parent's read.
/// </summary>
/// <remarks>
/// The rule's state for one compilation, fed by <see cref="MultiprocAnalyzer"/> (which records the call
/// graph once for MP0001, MP0009 and MP0013).
/// </remarks>
internal sealed class StaticStateInChild
{
    private static readonly string[] MutatorPrefixes = { "Add", "Insert", "Remove", "Clear", "Enqueue", "Push", "TryAdd", "Set", "Append" };

    private sealed class Parent
    {
        public Parent(ImmutableArray<IMethodSymbol> targets, List<(ISymbol Member, Location Location)> reads)
        {
            Targets = targets;
            Reads = reads;
        }

        public ImmutableArray<IMethodSymbol> Targets { get; }
        public List<(ISymbol Member, Location Location)> Reads { get; }
    }

    private readonly MultiprocTypes _types;
    private readonly IAssemblySymbol _assembly;
    private readonly ConcurrentDictionary<IMethodSymbol, ConcurrentDictionary<ISymbol, byte>> _writes = new(SymbolEqualityComparer.Default);
    private readonly ConcurrentBag<Parent> _parents = new();
    /// <summary>The same parents by their top-level type (<see cref="LocalChildTargets.TopType"/>), for <see cref="TypeEnded"/>.</summary>
    private readonly ConcurrentDictionary<INamedTypeSymbol, ConcurrentBag<Parent>> _parentsByType = new(SymbolEqualityComparer.Default);
    /// <summary>Parents decided at their type's symbol end: the compilation end skips them.</summary>
    private readonly ConcurrentDictionary<Parent, byte> _decidedInType = new();

    public StaticStateInChild(Compilation compilation, MultiprocTypes types)
    {
        _types = types;
        _assembly = compilation.Assembly;
    }

    /// <summary>
    /// A field or property reference (any operation block): the static member of this compilation it writes, if any. The
    /// host keeps a body's writes and hands them over once, at the body's end (<see cref="AddWrites"/>): one lookup of the
    /// method per body, not one per write.
    /// </summary>
    public ISymbol? WrittenMember(ISymbol containingSymbol, IOperation operation)
    {
        // Cheapest checks first: most member references are not static, and most static ones are only read.
        if (!IsStaticMember(operation) || !(IsWritten(operation) || IsMutatedThrough(operation))) return null;
        // Static constructors initialise statics (readonly ones included) in every process alike.
        if (containingSymbol is not IMethodSymbol { MethodKind: not MethodKind.StaticConstructor }) return null;
        return StaticMember(operation, _assembly);
    }

    /// <summary>The statics one body wrote (<see cref="WrittenMember"/>), as written by <paramref name="owner"/>, the body's owner.</summary>
    public void AddWrites(ISymbol owner, List<ISymbol> members)
    {
        if (owner is not IMethodSymbol method) return;
        var writes = _writes.GetOrAdd(method.OriginalDefinition, _ => new ConcurrentDictionary<ISymbol, byte>(SymbolEqualityComparer.Default));
        foreach (var member in members) writes.TryAdd(member, 0);
    }

    /// <summary>
    /// At the end of a method's operation block that creates a ChildProcess (parents: only such bodies get
    /// their graph built): the reads of statics after a Join. The host calls it only for bodies whose operations showed a
    /// ChildProcess Join and a static member reference (with its fast paths on): without both this finds nothing.
    /// </summary>
    /// <param name="linear">The body's linear form (<see cref="LinearFlow"/>), when it is linear: no graph is built then.</param>
    public void BlockEnded(OperationBlockAnalysisContext block, LinearFlow? linear)
    {
        var types = _types;
        var assembly = _assembly;
        foreach (var body in block.OperationBlocks)
        {
            if (body is not (IMethodBodyOperation or IBlockOperation)) continue;
            // One walk: the targets, and whether there is a Join and a read of this compilation's statics
            // at all (ReadsAfterJoin finds nothing without both, so no graph is built then).
            List<IMethodSymbol>? targetList = null;
            bool joins = false, readsStatic = false;
            // The descendants in the order of Descendants() (the targets' order is the diagnostics'), with no enumerator.
            foreach (var child in body.ChildOperations) Scan(child, types, assembly, ref targetList, ref joins, ref readsStatic);
            if (targetList is null || !joins || !readsStatic) continue;
            var root = body;
            while (root.Parent is not null) root = root.Parent;
            var graph = linear is not null && linear.Root == root
                ? FlowGraph.Linear(linear)
                : new FlowGraph(block.GetControlFlowGraph(body), ExceptionSemantics.BranchDestinationsOnly);
            var reads = ReadsAfterJoin(graph, types, assembly);
            if (reads.Count == 0) continue;
            var parent = new Parent(targetList.ToImmutableArray(), reads);
            _parents.Add(parent);
            if (LocalChildTargets.TopType(block.OwningSymbol) is { } type)
                _parentsByType.GetOrAdd(type, static _ => new ConcurrentBag<Parent>()).Add(parent);
        }
    }

    /// <summary><see cref="BlockEnded"/>'s one walk of a body, pre-order: the child targets, whether it joins, whether it reads a static of this compilation.</summary>
    private static void Scan(IOperation op, MultiprocTypes types, IAssemblySymbol assembly, ref List<IMethodSymbol>? targetList, ref bool joins, ref bool readsStatic)
    {
        switch (op.Kind)
        {
            case OperationKind.ObjectCreation:
                if (ChildTargets.GetTargetInvocation((IObjectCreationOperation)op, types)?.TargetMethod.OriginalDefinition is { } t)
                {
                    targetList ??= new List<IMethodSymbol>();
                    if (!targetList.Contains(t, SymbolEqualityComparer.Default)) targetList.Add(t);
                }
                break;
            case OperationKind.Invocation:
                if (!joins && ChildProcessSites.IsJoin((IInvocationOperation)op, types)) joins = true;
                break;
            case OperationKind.FieldReference:
            case OperationKind.PropertyReference:
                if (!readsStatic && StaticMember(op, assembly) is not null) readsStatic = true;
                break;
        }
        foreach (var child in op.ChildOperations) Scan(child, types, assembly, ref targetList, ref joins, ref readsStatic);
    }

    /// <summary>
    /// A top-level type's symbol end, for a type whose child targets and every method they reach (<paramref name="reachable"/>)
    /// are declared in the type, in its one file: its parents whose targets are all among those are decided here (every
    /// write those children make is in a body of the type, so it has been seen), with the descriptor per-document analysis
    /// shows; the compilation end skips them.
    /// </summary>
    public void TypeEnded(SymbolAnalysisContext end, INamedTypeSymbol type, HashSet<IMethodSymbol> reachable, CallGraph graph)
    {
        if (!_parentsByType.TryGetValue(type, out var parents)) return;
        foreach (var parent in parents)
        {
            if (!parent.Targets.All(reachable.Contains) || !_decidedInType.TryAdd(parent, 0)) continue;
            foreach (var diagnostic in Diagnose(parent, graph, Descriptors.MP0009_StaticStateWrittenInChild)) end.ReportDiagnostic(diagnostic);
        }
    }

    [MethodImpl(Jit.Optimize)] // compilation end: too few calls to leave tier-0 code
    public void CompilationEnded(CompilationAnalysisContext end, CallGraph graph)
    {
        if (_parents.IsEmpty || _writes.IsEmpty) return;
        foreach (var parent in _parents)
        {
            if (_decidedInType.ContainsKey(parent)) continue;
            foreach (var diagnostic in Diagnose(parent, graph, Descriptors.MP0009_StaticStateWrittenInChild)) end.ReportDiagnostic(diagnostic);
        }
    }

    /// <summary>
    /// The diagnostics of one parent; the callers report them themselves (no delegate made from a context's method per
    /// parent: that boxes the context struct and takes the runtime's slow path).
    /// </summary>
    private List<Diagnostic> Diagnose(Parent parent, CallGraph graph, DiagnosticDescriptor descriptor)
    {
        var found = new List<Diagnostic>();
        if (_writes.IsEmpty) return found;
        var reported = new HashSet<ISymbol>(SymbolEqualityComparer.Default);
        foreach (var target in parent.Targets)
        {
            var writtenInChild = new HashSet<ISymbol>(SymbolEqualityComparer.Default);
            foreach (var m in graph.ReachableFrom(target))
                if (_writes.TryGetValue(m, out var w)) writtenInChild.UnionWith(w.Keys);
            foreach (var (member, location) in parent.Reads)
            {
                if (!writtenInChild.Contains(member) || !reported.Add(member)) continue;
                found.Add(Diagnostic.Create(descriptor, location, member.ContainingType.Name + "." + member.Name, target.Name));
            }
        }
        return found;
    }

    private static bool IsStaticMember(IOperation op) => op.Kind switch
    {
        OperationKind.FieldReference => ((IFieldReferenceOperation)op).Field is { IsStatic: true, IsConst: false },
        OperationKind.PropertyReference => ((IPropertyReferenceOperation)op).Property.IsStatic,
        _ => false,
    };

    private static ISymbol? StaticMember(IOperation op, IAssemblySymbol assembly)
    {
        ISymbol? member = op switch
        {
            IFieldReferenceOperation { Field: { IsStatic: true, IsConst: false } f } => f.OriginalDefinition,
            IPropertyReferenceOperation { Property.IsStatic: true } p => p.Property.OriginalDefinition,
            _ => null,
        };
        return member is not null && SymbolEqualityComparer.Default.Equals(member.ContainingAssembly, assembly) ? member : null;
    }

    /// <summary>Assigned, compound-assigned, incremented, or passed by ref/out.</summary>
    /// <remarks>By the parent's kind (one virtual call) before any interface type test: this runs on every static member reference.</remarks>
    private static bool IsWritten(IOperation op)
    {
        var parent = op.Parent;
        if (parent is null) return false;
        switch (parent.Kind)
        {
            case OperationKind.SimpleAssignment or OperationKind.CompoundAssignment or OperationKind.CoalesceAssignment
                or OperationKind.DeconstructionAssignment:
                return ((IAssignmentOperation)parent).Target == op;
            case OperationKind.Increment or OperationKind.Decrement:
                return true;
            case OperationKind.Argument:
                return ((IArgumentOperation)parent).Parameter?.RefKind is RefKind.Ref or RefKind.Out;
            case OperationKind.Tuple:
                return parent.Parent is IDeconstructionAssignmentOperation d && d.Target == parent;
            default:
                return false;
        }
    }

    /// <summary><c>Items.Add(x)</c>, <c>Cache[k] = v</c>, <c>Array[i] = v</c> on a static collection.</summary>
    private static bool IsMutatedThrough(IOperation op)
    {
        var parent = op.Parent;
        if (parent is null || parent.Kind is not (OperationKind.Invocation or OperationKind.PropertyReference or OperationKind.ArrayElementReference))
            return false;
        switch (parent)
        {
            case IInvocationOperation invocation when invocation.Instance == op:
                var name = invocation.TargetMethod.Name;
                foreach (var prefix in MutatorPrefixes)
                    if (name.StartsWith(prefix, System.StringComparison.Ordinal)) return true;
                return false;
            case IPropertyReferenceOperation { Property.IsIndexer: true } indexer when indexer.Instance == op:
                return IsWritten(indexer);
            case IArrayElementReferenceOperation element when element.ArrayReference == op:
                return IsWritten(element);
            default:
                return false;
        }
    }

    /// <summary>
    /// Reads of this compilation's statics on a path after a ChildProcess Join()/JoinAsync(), over <paramref name="graph"/>
    /// (a body's graph with <see cref="ExceptionSemantics.BranchDestinationsOnly"/>, or a linear one).
    /// </summary>
    private static List<(ISymbol, Location)> ReadsAfterJoin(FlowGraph graph, MultiprocTypes types, IAssemblySymbol assembly)
    {
        // First step index in each block that runs after some Join (int.MaxValue: none).
        var startIndex = new int[graph.BlockCount];
        for (var i = 0; i < startIndex.Length; i++) startIndex[i] = int.MaxValue;

        var worklist = new Stack<int>();
        for (var b = 0; b < startIndex.Length; b++)
        {
            if (!graph.IsReachable(b)) continue;
            var steps = graph.Steps(b);
            for (var i = 0; i < steps.Count; i++)
            {
                if (!LinearFlow.AnyOutsideFunctions(steps[i], op => op is IInvocationOperation inv && ChildProcessSites.IsJoin(inv, types))) continue;
                if (i + 1 < startIndex[b]) startIndex[b] = i + 1;
                foreach (var successor in graph.NormalSuccessors(b)) worklist.Push(successor);
                break;
            }
        }
        while (worklist.Count > 0)
        {
            var b = worklist.Pop();
            if (startIndex[b] == 0) continue;
            startIndex[b] = 0;
            foreach (var successor in graph.NormalSuccessors(b)) worklist.Push(successor);
        }

        var reads = new List<(ISymbol, Location)>();
        for (var b = 0; b < startIndex.Length; b++)
        {
            var steps = graph.Steps(b);
            for (var i = startIndex[b]; i < steps.Count; i++)
            {
                LinearFlow.ForEachOutsideFunctions(steps[i], (reads, assembly), static (op, state) =>
                {
                    var member = StaticMember(op, state.assembly);
                    if (member is null || op.Parent is ISimpleAssignmentOperation s && s.Target == op) return;
                    state.reads.Add((member, op.Syntax.GetLocation()));
                });
            }
        }
        return reads;
    }
}
