namespace Multiproc.Analyzers;

/// <summary>
/// MP0015: a <c>ProcessPool</c> created into a local of the method and not ended (disposed, or closed/terminated and
/// joined) nor handed on, on some normal path to the end of the method; overwritten while still open; or used without
/// being stored (<c>new ProcessPool().Map(…)</c>).
/// </summary>
/// <remarks>
/// Forward "may" dataflow in the style of MP0003, over <see cref="FlowGraph"/> with
/// <see cref="ExceptionSemantics.HandlersAtTryEntry"/> (exceptional paths are not paths for this rule; finally blocks run
/// on the normal paths through them, so try/finally Dispose counts). A fact is a pool creation assigned to a tracked
/// local; <c>Dispose</c>, <c>DisposeAsync</c> and <c>Join</c> (which only succeeds after Close or Terminate) kill the facts
/// of their local, and so does any use that hands the pool on (returned, stored, passed, aliased). A fact alive at the
/// exit, or when its local is assigned again, is reported at the creation. Locals of <c>using</c> declarations and
/// statements are not tracked (they are disposed), nor locals captured by a lambda or passed by reference.
/// </remarks>
internal static class PoolNotDisposed
{
    /// <summary>Property: the name of the pool's local (absent for a pool that is not stored).</summary>
    public const string VariableProperty = "Variable";

    /// <summary>A pool that is used and never stored: nobody can dispose it (reported per operation, no fix).</summary>
    public static void Created(OperationAnalysisContext ctx, IObjectCreationOperation creation)
    {
        IOperation current = creation;
        var parent = creation.Parent;
        while (parent is IConversionOperation) { current = parent; parent = parent.Parent; }
        var unstored = parent switch
        {
            IInvocationOperation invocation => invocation.Instance == current && invocation.TargetMethod.Name is not ("Dispose" or "DisposeAsync"),
            IPropertyReferenceOperation property => property.Instance == current,
            IExpressionStatementOperation => true,
            _ => false,
        };
        if (unstored)
            ctx.ReportDiagnostic(Diagnostic.Create(Descriptors.MP0015_PoolNotDisposed, creation.Syntax.GetLocation(), "new ProcessPool(...)"));
    }

    /// <param name="creationSpans">The spans of the pool creations of the body (nested functions holding one get a graph).</param>
    public static void AnalyzeBlock(OperationBlockAnalysisContext context, MultiprocTypes types, List<TextSpan> creationSpans)
    {
        var tracked = new HashSet<ILocalSymbol>(SymbolEqualityComparer.Default);
        var rejected = new HashSet<ILocalSymbol>(SymbolEqualityComparer.Default);
        var roots = new HashSet<IOperation>();
        foreach (var block in context.OperationBlocks)
        {
            var root = block;
            while (root.Parent is not null) root = root.Parent;
            if (roots.Add(root)) Prepass(root, types, tracked, rejected);
        }
        tracked.ExceptWith(rejected);
        if (tracked.Count == 0) return;
        var reported = new HashSet<SyntaxNode>();
        foreach (var cfg in FlowGraph.GraphsOf(context, span => ContainsAny(span, creationSpans)))
            Analyze(new FlowGraph(cfg, ExceptionSemantics.HandlersAtTryEntry), tracked, types, reported, context);
    }

    /// <summary>Which ProcessPool locals to follow: declared here, every write a new pool or null, not captured, not by reference, not <c>using</c>.</summary>
    private static void Prepass(IOperation root, MultiprocTypes types, HashSet<ILocalSymbol> tracked, HashSet<ILocalSymbol> rejected)
    {
        foreach (var op in root.DescendantsAndSelf())
        {
            switch (op)
            {
                case IVariableDeclaratorOperation declarator when types.IsProcessPool(declarator.Symbol.Type):
                {
                    if (declarator.Parent is not IVariableDeclarationOperation declaration
                        || declaration.Parent is IUsingOperation or IUsingDeclarationOperation
                        || declaration.Parent is IVariableDeclarationGroupOperation { Parent: IUsingOperation or IUsingDeclarationOperation })
                    {
                        rejected.Add(declarator.Symbol);
                        break;
                    }
                    var init = declarator.Initializer?.Value ?? declarator.GetVariableInitializer()?.Value;
                    if (init is null || IsCreationOrNull(init, types)) tracked.Add(declarator.Symbol);
                    else rejected.Add(declarator.Symbol);
                    break;
                }
                case ISimpleAssignmentOperation { Target: ILocalReferenceOperation target } assign when types.IsProcessPool(target.Local.Type):
                    if (!IsCreationOrNull(assign.Value, types)) rejected.Add(target.Local);
                    break;
                case ILocalReferenceOperation reference when types.IsProcessPool(reference.Local.Type):
                    if (IsCapturedReference(reference) || reference.Parent is IArgumentOperation { Parameter.RefKind: not RefKind.None })
                        rejected.Add(reference.Local);
                    break;
            }
        }
    }

    private static bool IsCreationOrNull(IOperation value, MultiprocTypes types)
    {
        while (value is IConversionOperation c) value = c.Operand;
        return value.ConstantValue is { HasValue: true, Value: null } || value is IDefaultValueOperation
            || value is IObjectCreationOperation creation && types.IsProcessPool(creation.Type);
    }

    private static bool IsCapturedReference(ILocalReferenceOperation reference)
    {
        for (var p = reference.Parent; p is not null; p = p.Parent)
        {
            if (p is IAnonymousFunctionOperation or ILocalFunctionOperation)
                return !p.Descendants().OfType<IVariableDeclaratorOperation>().Any(d => SymbolEqualityComparer.Default.Equals(d.Symbol, reference.Local));
        }
        return false;
    }

    private static bool ContainsAny(TextSpan outer, List<TextSpan> spans)
    {
        foreach (var span in spans)
            if (outer.Contains(span)) return true;
        return false;
    }

    /// <summary>What the transfer function looks at, in evaluation order: a tracked local assigned, or used.</summary>
    private readonly struct Event
    {
        public readonly ILocalSymbol Local;
        public readonly IOperation? AssignedValue;       // an assignment (declaration) of Local
        public readonly ILocalReferenceOperation? Use;   // a use of Local

        public Event(ILocalSymbol local, IOperation? assignedValue, ILocalReferenceOperation? use)
        {
            Local = local;
            AssignedValue = assignedValue;
            Use = use;
        }
    }

    private static void Collect(IOperation operation, HashSet<ILocalSymbol> tracked, ref List<Event>? events)
    {
        switch (operation)
        {
            case IFlowAnonymousFunctionOperation or IAnonymousFunctionOperation or ILocalFunctionOperation:
                return;
            case IVariableDeclaratorOperation declarator when tracked.Contains(declarator.Symbol):
            {
                var init = declarator.Initializer?.Value;
                if (init is not null) Collect(init, tracked, ref events);
                (events ??= new List<Event>()).Add(new Event(declarator.Symbol, init, null));
                return;
            }
            case ISimpleAssignmentOperation { Target: ILocalReferenceOperation target } assign when tracked.Contains(target.Local):
                Collect(assign.Value, tracked, ref events);
                (events ??= new List<Event>()).Add(new Event(target.Local, assign.Value, null));
                return;
            case ILocalReferenceOperation reference when tracked.Contains(reference.Local):
                (events ??= new List<Event>()).Add(new Event(reference.Local, null, reference));
                return;
        }
        foreach (var child in operation.ChildOperations) Collect(child, tracked, ref events);
    }

    private static void Analyze(FlowGraph graph, HashSet<ILocalSymbol> tracked, MultiprocTypes types, HashSet<SyntaxNode> reported, OperationBlockAnalysisContext context)
    {
        var n = graph.BlockCount;
        var events = new List<Event>?[n];
        var anyCreation = false;
        for (var b = 0; b < n; b++)
        {
            List<Event>? list = null;
            foreach (var step in graph.Steps(b)) Collect(step, tracked, ref list);
            events[b] = list;
            if (list is null) continue;
            foreach (var e in list)
                if (e.AssignedValue is not null && AsCreation(e.AssignedValue, types) is not null) anyCreation = true;
        }
        if (!anyCreation) return;

        // A fact: (local, creation syntax) of a pool still open.
        var inStates = new HashSet<(ILocalSymbol Local, SyntaxNode Creation)>?[n];
        var worklist = new Queue<int>();
        var queued = new bool[n];
        void Flow(int ordinal, HashSet<(ILocalSymbol, SyntaxNode)> state)
        {
            var current = inStates[ordinal];
            var changed = false;
            if (current is null) { inStates[ordinal] = new HashSet<(ILocalSymbol, SyntaxNode)>(state, FactComparer.Instance); changed = true; }
            else
            {
                foreach (var s in state)
                    if (current.Add(s)) changed = true;
            }
            if (changed && !queued[ordinal]) { queued[ordinal] = true; worklist.Enqueue(ordinal); }
        }

        Flow(0, new HashSet<(ILocalSymbol, SyntaxNode)>(FactComparer.Instance));
        while (worklist.Count > 0)
        {
            var ordinal = worklist.Dequeue();
            queued[ordinal] = false;
            if (graph.IsExit(ordinal)) continue;
            var state = new HashSet<(ILocalSymbol Local, SyntaxNode Creation)>(inStates[ordinal]!, FactComparer.Instance);
            if (events[ordinal] is { } blockEvents)
            {
                foreach (var e in blockEvents)
                {
                    if (e.Use is { } use)
                    {
                        if (Ends(use)) state.RemoveWhere(f => SymbolEqualityComparer.Default.Equals(f.Local, e.Local));
                        continue;
                    }
                    // Assigned again: a pool still open is lost.
                    foreach (var f in state.Where(f => SymbolEqualityComparer.Default.Equals(f.Local, e.Local)).ToList())
                    {
                        Report(f.Local, f.Creation, reported, context);
                        state.Remove(f);
                    }
                    if (AsCreation(e.AssignedValue!, types) is { } creation) state.Add((e.Local, creation.Syntax));
                }
            }
            foreach (var successor in graph.NormalSuccessors(ordinal)) Flow(successor, state);
        }

        var exit = inStates[graph.ExitOrdinal];
        if (exit is not null)
            foreach (var f in exit) Report(f.Local, f.Creation, reported, context);
    }

    private static IObjectCreationOperation? AsCreation(IOperation value, MultiprocTypes types)
    {
        while (value is IConversionOperation c) value = c.Operand;
        return value is IObjectCreationOperation creation && types.IsProcessPool(creation.Type) ? creation : null;
    }

    /// <summary>Whether a use of the pool's local ends the pool for this rule: disposed, joined, or handed on.</summary>
    private static bool Ends(ILocalReferenceOperation reference)
    {
        IOperation current = reference;
        var parent = reference.Parent;
        while (parent is IConversionOperation { IsImplicit: true }) { current = parent; parent = parent.Parent; }
        switch (parent)
        {
            case IInvocationOperation invocation when invocation.Instance == current:
                return invocation.TargetMethod.Name is "Dispose" or "DisposeAsync" or "Join";
            case IMemberReferenceOperation member when member.Instance == current:
            case INameOfOperation:
            case IBinaryOperation:
            case IIsNullOperation:
            case IIsPatternOperation:
            case IIsTypeOperation:
                return false;
            default:
                // Returned, stored, passed on, added to a collection, aliased: someone else ends it.
                return true;
        }
    }

    private static void Report(ILocalSymbol local, SyntaxNode creation, HashSet<SyntaxNode> reported, OperationBlockAnalysisContext context)
    {
        if (!reported.Add(creation)) return;
        var properties = ImmutableDictionary<string, string?>.Empty.Add(VariableProperty, local.Name);
        context.ReportDiagnostic(Diagnostic.Create(Descriptors.MP0015_PoolNotDisposed, creation.GetLocation(), properties, local.Name));
    }

    private sealed class FactComparer : IEqualityComparer<(ILocalSymbol Local, SyntaxNode Creation)>
    {
        public static readonly FactComparer Instance = new();

        public bool Equals((ILocalSymbol Local, SyntaxNode Creation) x, (ILocalSymbol Local, SyntaxNode Creation) y) =>
            SymbolEqualityComparer.Default.Equals(x.Local, y.Local) && x.Creation == y.Creation;

        public int GetHashCode((ILocalSymbol Local, SyntaxNode Creation) obj) => obj.Creation.GetHashCode();
    }
}
