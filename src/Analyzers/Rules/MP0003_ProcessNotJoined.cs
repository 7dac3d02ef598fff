namespace Multiproc.Analyzers;

/// <summary>
/// MP0003: a <c>ChildProcess</c> created in a method, started there and not joined (nor handed on)
/// on some normal path to the end of the method, or overwritten (a loop iteration, a reassignment)
/// while still running un-joined.
/// </summary>
/// <remarks>
/// Forward "may" dataflow over the ControlFlowGraph. A fact is a <c>Start()</c> call on a tracked
/// local; <c>Join</c>/<c>JoinAsync</c> (and <c>Terminate</c>/<c>Kill</c>, which MP0010 follows up)
/// kill the facts of their local, and so does any use that hands the process on (returned, stored,
/// passed as an argument, added to a collection, aliased). A fact alive at the exit block, or alive
/// when its local is assigned again, is reported. Exceptional paths are not paths for this rule:
/// catch handlers start from the state at the entry of their try block, and finally blocks run on
/// the normal paths that go through them.
/// </remarks>
internal static class ProcessNotJoined
{
    /// <summary>Property: "Scope" (insert Join at the end of the scope) or "Loop" (collect and join after the loop).</summary>
    public const string FixKindProperty = "FixKind";
    public const string FixKindScope = "Scope";
    public const string FixKindLoop = "Loop";
    public const string VariableProperty = "Variable";

    /// <summary>A <c>Start()</c> call on a ChildProcess (by its declaring type or its receiver's type).</summary>
    internal static bool MayStart(IInvocationOperation invocation, MultiprocTypes types)
    {
        var method = invocation.TargetMethod;
        return method.Name == "Start"
            && (types.IsChildProcess(method.ContainingType) || types.IsChildProcess(invocation.Instance?.Type));
    }

    /// <param name="linear">The body and its nested functions when all are linear (<see cref="LinearFlow"/>): no graph is built then.</param>
    /// <param name="structured">Otherwise, the body and its nested functions when all are structured (<see cref="StructuredFlow"/>): no graph either.</param>
    internal static void AnalyzeBlock(OperationBlockAnalysisContext context, MultiprocTypes types, List<LinearFlow>? linear, List<StructuredFlow>? structured)
    {
        var seen = new HashSet<IOperation>();
        foreach (var block in context.OperationBlocks)
        {
            var body = block;
            while (body.Parent is not null) body = body.Parent;
            if (body is not (IMethodBodyOperation or IConstructorBodyOperation) || !seen.Add(body)) continue;
            var info = Prepass(body, types, context);
            if (info.Tracked.Count == 0) continue;
            if (linear is not null)
            {
                foreach (var function in linear) Analyze(FlowGraph.Linear(function), info, context);
                continue;
            }
            if (structured is not null)
            {
                foreach (var function in structured) Analyze(FlowGraph.Structured(function), info, context);
                continue;
            }
            var graph = context.GetControlFlowGraph(block);
            // Nested graphs (lambdas, local functions) only matter where a tracked local is started.
            var startSpans = info.StartSpans;
            foreach (var cfg in FlowGraph.WithNestedGraphs(graph, span => ContainsAny(span, startSpans)))
                Analyze(new FlowGraph(cfg, ExceptionSemantics.HandlersAtTryEntry), info, context);
        }
    }

    private sealed class PrepassInfo
    {
        public readonly HashSet<ILocalSymbol> Tracked = new(SymbolEqualityComparer.Default);
        public readonly HashSet<ILocalSymbol> UsingLocals = new(SymbolEqualityComparer.Default);
        /// <summary>Spans of the <c>local.Start()</c> calls on ChildProcess locals.</summary>
        public readonly List<Microsoft.CodeAnalysis.Text.TextSpan> StartSpans = new();
    }

    /// <summary>
    /// Decides which locals to track: ChildProcess locals declared with a declarator whose every
    /// write is a (non-daemon) <c>new ChildProcess(…)</c> or null, not captured by a lambda or local
    /// function, and never made a daemon. Reports <c>new ChildProcess(…).Start()</c> directly.
    /// </summary>
    private static PrepassInfo Prepass(IOperation body, MultiprocTypes types, OperationBlockAnalysisContext context)
    {
        var info = new PrepassInfo();
        var rejected = new HashSet<ILocalSymbol>(SymbolEqualityComparer.Default);
        foreach (var op in body.DescendantsAndSelf())
        {
            // The kinds the cases below look at, by one virtual call, before their interface tests.
            if (op.Kind is not (OperationKind.VariableDeclarator or OperationKind.SimpleAssignment or OperationKind.LocalReference or OperationKind.Invocation))
                continue;
            switch (op)
            {
                case IVariableDeclaratorOperation declarator when types.IsChildProcess(declarator.Symbol.Type):
                {
                    if (declarator.Parent is not IVariableDeclarationOperation declaration) { rejected.Add(declarator.Symbol); break; }
                    if (declaration.Parent is IVariableDeclarationGroupOperation { Parent: IUsingOperation or IUsingDeclarationOperation }
                        || declaration.Parent is IUsingOperation or IUsingDeclarationOperation)
                        info.UsingLocals.Add(declarator.Symbol);
                    var init = declarator.Initializer?.Value ?? declarator.GetVariableInitializer()?.Value;
                    if (init is null || IsFreshNonDaemonCreation(init, types)) info.Tracked.Add(declarator.Symbol);
                    else rejected.Add(declarator.Symbol);
                    break;
                }
                case ISimpleAssignmentOperation { Target: ILocalReferenceOperation target } assign when types.IsChildProcess(target.Local.Type):
                    if (!IsFreshNonDaemonCreation(assign.Value, types)) rejected.Add(target.Local);
                    break;
                case ISimpleAssignmentOperation { Target: IPropertyReferenceOperation { Property.Name: "Daemon", Instance: ILocalReferenceOperation daemonOwner } } daemonAssign
                    when types.IsChildProcess(daemonOwner.Local.Type) && daemonAssign.Value.ConstantValue is not { HasValue: true, Value: false }:
                    rejected.Add(daemonOwner.Local);
                    break;
                case ILocalReferenceOperation reference when types.IsChildProcess(reference.Local.Type):
                    if (IsCapturedReference(reference)) rejected.Add(reference.Local);
                    if (reference.Parent is IArgumentOperation { Parameter.RefKind: not RefKind.None }) rejected.Add(reference.Local);
                    break;
                case IInvocationOperation { TargetMethod.Name: "Start" } start when types.IsChildProcess(start.TargetMethod.ContainingType) || types.IsChildProcess(start.Instance?.Type):
                {
                    if (start.Instance is ILocalReferenceOperation) info.StartSpans.Add(start.Syntax.Span);
                    if (!types.IsChildProcess(start.TargetMethod.ContainingType)) break;
                    var creation = ChildTargets.AsChildProcessCreation(start.Instance, types);
                    if (creation is not null && IsFreshNonDaemonCreation(creation, types))
                        context.ReportDiagnostic(Diagnostic.Create(Descriptors.MP0003_ProcessNotJoined, start.Syntax.GetLocation(), "new ChildProcess(...)"));
                    break;
                }
            }
        }
        info.Tracked.ExceptWith(rejected);
        return info;
    }

    private static bool ContainsAny(Microsoft.CodeAnalysis.Text.TextSpan outer, List<Microsoft.CodeAnalysis.Text.TextSpan> spans)
    {
        foreach (var span in spans)
            if (outer.Contains(span)) return true;
        return false;
    }

    private static bool IsCapturedReference(ILocalReferenceOperation reference)
    {
        for (var p = reference.Parent; p is not null; p = p.Parent)
        {
            if (p is IAnonymousFunctionOperation or ILocalFunctionOperation)
            {
                // Captured unless the local is declared inside this function.
                return !p.Descendants().OfType<IVariableDeclaratorOperation>().Any(d => SymbolEqualityComparer.Default.Equals(d.Symbol, reference.Local));
            }
        }
        return false;
    }

    private static bool IsFreshNonDaemonCreation(IOperation value, MultiprocTypes types)
    {
        while (value is IConversionOperation c) value = c.Operand;
        if (value.ConstantValue is { HasValue: true, Value: null }) return true;
        if (value is IDefaultValueOperation) return true;
        if (value is not IObjectCreationOperation creation || !types.IsChildProcess(creation.Type)) return false;
        if (creation.Initializer is { } init)
        {
            foreach (var member in init.Initializers)
            {
                if (member is ISimpleAssignmentOperation { Target: IPropertyReferenceOperation { Property.Name: "Daemon" } } a
                    && a.Value.ConstantValue is not { HasValue: true, Value: false })
                    return false;
            }
        }
        return true;
    }

    /// <summary>
    /// The facts (<c>Start()</c> calls not yet joined) over <paramref name="graph"/>, a may-analysis with
    /// <see cref="ExceptionSemantics.HandlersAtTryEntry"/>; the facts alive at the exit are reported. A linear graph
    /// (<see cref="FlowGraph.Linear"/>) is its one path, read in order.
    /// </summary>
    private static void Analyze(FlowGraph graph, PrepassInfo info, OperationBlockAnalysisContext context)
    {
        var n = graph.BlockCount;

        // The references to tracked locals of each block, in evaluation order: the only operations the
        // transfer function looks at, collected once instead of walking every operation on each visit.
        var references = new List<IOperation>?[n];
        var anyStart = false;
        var declarators = graph.IsStructured;
        for (var b = 0; b < n; b++)
        {
            List<IOperation>? list = null;
            foreach (var step in graph.Steps(b)) CollectTrackedReferences(step, info, declarators, ref list, ref anyStart);
            references[b] = list;
        }
        // No Start() on a tracked local in this graph: no fact is ever made, nothing to report (and no edges built).
        if (!anyStart) return;

        var inStates = new HashSet<object>?[n];
        var reported = new HashSet<IInvocationOperation>();
        var startLocal = new Dictionary<IInvocationOperation, ILocalSymbol>();
        var worklist = new Queue<int>();
        var queued = new bool[n];
        void Flow(int ordinal, HashSet<object> state)
        {
            var current = inStates[ordinal];
            var changed = false;
            if (current is null) { inStates[ordinal] = new HashSet<object>(state); changed = true; }
            else
            {
                foreach (var s in state)
                    if (current.Add(s)) changed = true;
            }
            if (changed && !queued[ordinal]) { queued[ordinal] = true; worklist.Enqueue(ordinal); }
        }

        Flow(0, new HashSet<object>());
        while (worklist.Count > 0)
        {
            var ordinal = worklist.Dequeue();
            queued[ordinal] = false;
            if (graph.IsExit(ordinal)) continue;
            var state = new HashSet<object>(inStates[ordinal]!);
            if (references[ordinal] is { } blockReferences)
                foreach (var reference in blockReferences) Transfer(reference, state, info, startLocal, reported, context);
            foreach (var successor in graph.NormalSuccessors(ordinal)) Flow(successor, state);
        }

        var exit = inStates[graph.ExitOrdinal];
        if (exit is not null)
            foreach (var start in exit.OfType<IInvocationOperation>()) Report(start, startLocal[start], reported, context);
    }

    /// <summary>
    /// Pre-order (the order of <c>DescendantsAndSelf</c>) collection of the references to tracked locals. Nested functions are
    /// not entered: a graph holds none, and in a linear one (<see cref="FlowGraph.Linear"/>) they are functions of their own.
    /// With <paramref name="declarators"/> (a structured graph, <see cref="FlowGraph.Structured"/>), also the declarators of
    /// tracked locals with an initializer, where a control flow graph has an assignment to the local instead: in a loop
    /// the declaration runs again and replaces the process of the last pass. (A linear graph runs a declaration once,
    /// before any use of its local, so there it would change nothing.)
    /// </summary>
    private static void CollectTrackedReferences(IOperation operation, PrepassInfo info, bool declarators, ref List<IOperation>? list, ref bool anyStart)
    {
        if (operation.Kind is OperationKind.AnonymousFunction or OperationKind.LocalFunction) return;
        if (operation is ILocalReferenceOperation reference && info.Tracked.Contains(reference.Local))
        {
            (list ??= new List<IOperation>()).Add(reference);
            if (reference.Parent is IInvocationOperation { TargetMethod.Name: "Start" } invocation && invocation.Instance == reference) anyStart = true;
        }
        else if (declarators && operation is IVariableDeclaratorOperation declarator && info.Tracked.Contains(declarator.Symbol)
            && declarator.GetVariableInitializer() is not null)
        {
            (list ??= new List<IOperation>()).Add(declarator);
        }
        foreach (var child in operation.ChildOperations) CollectTrackedReferences(child, info, declarators, ref list, ref anyStart);
    }

    /// <summary>The transfer function for one reference to a tracked local (or one declarator with an initializer, as an assignment).</summary>
    private static void Transfer(IOperation operation, HashSet<object> state, PrepassInfo info,
        Dictionary<IInvocationOperation, ILocalSymbol> startLocal, HashSet<IInvocationOperation> reported, OperationBlockAnalysisContext context)
    {
        if (operation is IVariableDeclaratorOperation declarator)
        {
            Assigned(declarator.Symbol, state, startLocal, reported, context);
            return;
        }
        var reference = (ILocalReferenceOperation)operation;
        {
            var local = reference.Local;
            IOperation? parent = reference.Parent;
            var disposeOnly = false;
            while (parent is IConversionOperation { IsImplicit: true } conversion)
            {
                if (conversion.Parent is IInvocationOperation { TargetMethod.Name: "Dispose" }) disposeOnly = true;
                parent = conversion.Parent;
            }
            // The capture a using statement/declaration makes to dispose the process is no hand-off.
            if (disposeOnly || parent is IIsNullOperation || (parent is IFlowCaptureOperation && info.UsingLocals.Contains(local))) return;
            switch (parent)
            {
                case ISimpleAssignmentOperation assign when assign.Target == reference:
                    Assigned(local, state, startLocal, reported, context);
                    break;
                case IInvocationOperation invocation when invocation.Instance == reference:
                    switch (invocation.TargetMethod.Name)
                    {
                        case "Start":
                            startLocal[invocation] = local;
                            if (!state.Contains(local)) state.Add(invocation);
                            break;
                        case "Join":
                        case "JoinAsync":
                        case "Terminate":
                        case "Kill":
                            Kill(state, local, startLocal);
                            break;
                    }
                    break;
                case IPropertyReferenceOperation property when property.Instance == reference:
                    break;
                case IMemberReferenceOperation member when member.Instance == reference:
                    break;
                case INameOfOperation:
                case IBinaryOperation:          // p != null, p == q: a comparison hands nothing on
                case IIsPatternOperation:       // p is not null
                case IIsTypeOperation:
                    break;
                default:
                    // Returned, stored, passed on, added to a collection, aliased: handed on.
                    Escape(state, local, startLocal);
                    break;
            }
        }
    }

    /// <summary>A new process replaces one still running un-joined: that one is lost.</summary>
    private static void Assigned(ILocalSymbol local, HashSet<object> state, Dictionary<IInvocationOperation, ILocalSymbol> startLocal,
        HashSet<IInvocationOperation> reported, OperationBlockAnalysisContext context)
    {
        state.Remove(local);
        // The starts of this local still alive (no LINQ: every declaration is an assignment in the graph).
        List<IInvocationOperation>? lost = null;
        foreach (var s in state)
            if (s is IInvocationOperation start && SymbolEqualityComparer.Default.Equals(startLocal[start], local))
                (lost ??= new List<IInvocationOperation>()).Add(start);
        if (lost is null) return;
        foreach (var s in lost)
        {
            Report(s, local, reported, context);
            state.Remove(s);
        }
    }

    private static void Kill(HashSet<object> state, ILocalSymbol local, Dictionary<IInvocationOperation, ILocalSymbol> startLocal)
    {
        // No closure unless a start of this local is alive (most kills find none left).
        var any = false;
        foreach (var s in state)
            if (s is IInvocationOperation start && SymbolEqualityComparer.Default.Equals(startLocal[start], local)) { any = true; break; }
        if (any) state.RemoveWhere(s => s is IInvocationOperation start && SymbolEqualityComparer.Default.Equals(startLocal[start], local));
    }

    /// <summary>Handed on: the facts die, and later Start() calls on the same value are someone else's to join.</summary>
    private static void Escape(HashSet<object> state, ILocalSymbol local, Dictionary<IInvocationOperation, ILocalSymbol> startLocal)
    {
        Kill(state, local, startLocal);
        state.Add(local);
    }

    private static void Report(IInvocationOperation start, ILocalSymbol local, HashSet<IInvocationOperation> reported, OperationBlockAnalysisContext context)
    {
        if (!reported.Add(start)) return;
        var inLoop = IsInLoop(start);
        var props = ImmutableDictionary<string, string?>.Empty
            .Add(FixKindProperty, inLoop ? FixKindLoop : FixKindScope)
            .Add(VariableProperty, local.Name);
        context.ReportDiagnostic(Diagnostic.Create(Descriptors.MP0003_ProcessNotJoined, start.Syntax.GetLocation(), props, local.Name));
    }

    /// <summary>
    /// Whether the Start() sits in a loop of its own method body (then the fix collects the
    /// processes). CFG operations have no loop parents, so this looks at the syntax the fixer edits.
    /// </summary>
    private static bool IsInLoop(IInvocationOperation start)
    {
        for (var node = start.Syntax.Parent; node is not null; node = node.Parent)
        {
            switch (node)
            {
                case Microsoft.CodeAnalysis.CSharp.Syntax.MemberDeclarationSyntax:
                case Microsoft.CodeAnalysis.CSharp.Syntax.AnonymousFunctionExpressionSyntax:
                case Microsoft.CodeAnalysis.CSharp.Syntax.LocalFunctionStatementSyntax:
                    return false;
                case Microsoft.CodeAnalysis.CSharp.Syntax.ForStatementSyntax:
                case Microsoft.CodeAnalysis.CSharp.Syntax.ForEachStatementSyntax:
                case Microsoft.CodeAnalysis.CSharp.Syntax.WhileStatementSyntax:
                case Microsoft.CodeAnalysis.CSharp.Syntax.DoStatementSyntax:
                    return true;
            }
        }
        return false;
    }
}
