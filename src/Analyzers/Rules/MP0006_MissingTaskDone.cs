namespace Multiproc.Analyzers;

/// <summary>
/// MP0006: an item taken from a <c>JoinableQueue</c> (<c>Get</c>, <c>GetNowait</c>, <c>GetAsync</c>, or <c>TryGet</c>
/// when it returns true) with a path after it, in the same method, that reaches the end of the method, a
/// <c>throw</c>, a catch handler or the next take without <c>TaskDone()</c> on the same queue.
/// </summary>
internal static class MissingTaskDone
{
    /// <summary>Property: the queue expression as written.</summary>
    public const string QueueProperty = "Queue";

    internal static bool IsTakeName(string name) => name is "Get" or "GetNowait" or "GetAsync" or "TryGet";

    /// <summary>Get, GetNowait, GetAsync or TryGet of a JoinableQueue: the calls the analysis starts from.</summary>
    internal static bool IsTake(IInvocationOperation inv, MultiprocTypes types) =>
        IsTakeName(inv.TargetMethod.Name) && types.IsAnyJoinableQueue(inv.Instance?.Type) && types.IsAnyQueue(inv.TargetMethod.ContainingType);

    internal static void AnalyzeGraph(ControlFlowGraph cfg, MultiprocTypes types, System.Action<Diagnostic> report)
    {
        FlowGraph? graph = null;
        var handedOn = new Dictionary<ISymbol, bool>(SymbolEqualityComparer.Default);

        bool IsHandedOn(ISymbol symbol)
        {
            if (!handedOn.TryGetValue(symbol, out var value))
                handedOn[symbol] = value = FlowKey.IsHandedOn(cfg.OriginalOperation, symbol, types.IsAnyQueue);
            return value;
        }

        foreach (var block in cfg.Blocks)
        {
            if (!block.IsReachable) continue;
            var steps = FlowGraph.Steps(block);
            for (var i = 0; i < steps.Count; i++)
            {
                var step = steps[i];
                foreach (var inv in step.DescendantsAndSelf().OfType<IInvocationOperation>())
                {
                    var name = inv.TargetMethod.Name;
                    var isTake = name is "Get" or "GetNowait" or "GetAsync";
                    var isTryGet = name == "TryGet";
                    if (!isTake && !isTryGet) continue;
                    if (!types.IsAnyJoinableQueue(inv.Instance?.Type) || !types.IsAnyQueue(inv.TargetMethod.ContainingType)) continue;
                    if (FlowKey.Of(inv.Instance, allowElements: false) is not { } key || IsHandedOn(key.Symbol)) continue;

                    bool Satisfies(IOperation op) => op.DescendantsAndSelf().OfType<IInvocationOperation>().Any(t =>
                        t.TargetMethod.Name == "TaskDone" && types.IsAnyJoinableQueue(t.TargetMethod.ContainingType)
                        && FlowKey.Of(t.Instance, allowElements: false) is { } k && k.Equals(key));

                    graph ??= new FlowGraph(cfg, ExceptionSemantics.ExplicitThrowsAndImplicitEdges);
                    bool missing;
                    if (isTake)
                    {
                        if (IsReturned(block, step, inv)) continue;
                        missing = PathSearch.HasUnsatisfiedPath(graph, block.Ordinal, i, Satisfies,
                            PathSearch.RestOfStepMayThrow(step, inv), revisit: (block.Ordinal, i));
                    }
                    else
                    {
                        // TryGet counts only where it decides a branch directly (if/while condition, possibly negated).
                        if (step != block.BranchValue) continue;
                        var value = true;
                        IOperation cond = step;
                        while (cond is IUnaryOperation { OperatorKind: UnaryOperatorKind.Not } not)
                        {
                            value = !value;
                            cond = not.Operand;
                        }
                        if (cond != inv) continue;
                        var whenTrue = PathSearch.SuccessorWhen(block, value);
                        if (whenTrue is null) continue;
                        missing = PathSearch.HasUnsatisfiedPath(graph, whenTrue.Ordinal, -1, Satisfies,
                            startStepMayThrow: false, revisit: (block.Ordinal, i));
                    }
                    if (!missing) continue;

                    var queueText = inv.Instance!.Syntax.ToString();
                    var properties = ImmutableDictionary<string, string?>.Empty.Add(QueueProperty, queueText);
                    report(Diagnostic.Create(Descriptors.MP0006_MissingTaskDone, inv.Syntax.GetLocation(), properties, key.Symbol.Name));
                }
            }
        }
    }

    /// <summary>
    /// Whether a take of the body (nested functions included) is a <c>TryGet</c>: <see cref="AnalyzeFlow"/> does not read
    /// those (it does not tell a condition's edges apart), so the body gets its graph.
    /// </summary>
    internal static bool HasTryGetTake(IOperation body, MultiprocTypes types)
    {
        foreach (var op in body.Descendants())
            if (op is IInvocationOperation { TargetMethod.Name: "TryGet" } inv && IsTake(inv, types)) return true;
        return false;
    }

    /// <summary>
    /// What <see cref="AnalyzeGraph"/> finds, over a structured graph (<see cref="FlowGraph.Structured"/>) of a function
    /// with no <c>TryGet</c> take (<see cref="HasTryGetTake"/>). Such a graph has no try region, so no exception edge and no
    /// throw; its blocks are reachable but those after an endless loop that no break leaves, whose takes are skipped as the
    /// graph analysis skips unreachable blocks (the paths through them are followed, as there); its steps hold nested
    /// functions, which a control flow graph's do not, so the
    /// takes and the TaskDone calls are looked for outside them; <c>return q.Get();</c> is a return step whose value is the take.
    /// </summary>
    internal static void AnalyzeFlow(FlowGraph graph, MultiprocTypes types, System.Action<Diagnostic> report)
    {
        var handedOn = new Dictionary<ISymbol, bool>(SymbolEqualityComparer.Default);
        var takes = new List<IInvocationOperation>();
        for (var b = 0; b < graph.BlockCount; b++)
        {
            if (!graph.IsReachable(b)) continue;
            var steps = graph.Steps(b);
            for (var i = 0; i < steps.Count; i++)
            {
                var step = steps[i];
                takes.Clear();
                LinearFlow.ForEachOutsideFunctions(step, takes, static (op, list) =>
                {
                    if (op is IInvocationOperation { TargetMethod.Name: "Get" or "GetNowait" or "GetAsync" } inv) list.Add(inv);
                });
                foreach (var inv in takes)
                {
                    if (!types.IsAnyJoinableQueue(inv.Instance?.Type) || !types.IsAnyQueue(inv.TargetMethod.ContainingType)) continue;
                    if (FlowKey.Of(inv.Instance, allowElements: false) is not { } key) continue;
                    if (!handedOn.TryGetValue(key.Symbol, out var escaped))
                        handedOn[key.Symbol] = escaped = FlowKey.IsHandedOn(graph.Root, key.Symbol, types.IsAnyQueue);
                    if (escaped) continue;

                    bool Satisfies(IOperation op) => LinearFlow.AnyOutsideFunctions(op, o => o is IInvocationOperation t
                        && t.TargetMethod.Name == "TaskDone" && types.IsAnyJoinableQueue(t.TargetMethod.ContainingType)
                        && FlowKey.Of(t.Instance, allowElements: false) is { } k && k.Equals(key));

                    if (IsReturned(step, inv)) continue;
                    if (!PathSearch.HasUnsatisfiedPath(graph, b, i, Satisfies, PathSearch.RestOfStepMayThrow(step, inv), revisit: (b, i))) continue;

                    var queueText = inv.Instance!.Syntax.ToString();
                    var properties = ImmutableDictionary<string, string?>.Empty.Add(QueueProperty, queueText);
                    report(Diagnostic.Create(Descriptors.MP0006_MissingTaskDone, inv.Syntax.GetLocation(), properties, key.Symbol.Name));
                }
            }
        }
    }

    /// <summary><c>return q.Get();</c> (a return step of a structured graph): the item goes to the caller.</summary>
    private static bool IsReturned(IOperation step, IInvocationOperation take)
    {
        if (step is not IReturnOperation { ReturnedValue: { } value }) return false;
        IOperation op = take;
        while (op.Parent is IConversionOperation or IAwaitOperation) op = op.Parent;
        return op == value;
    }

    /// <summary>
    /// Whether every take in the body is released by the shape the tutorial teaches, so that no graph is needed:
    /// <c>var item = q.Get();</c> (or <c>item = …;</c>, <c>q.Get();</c>, <c>await q.GetAsync(…)</c>, also
    /// <c>.ConfigureAwait(…)</c> outside any try/catch, where the graph would follow an exception it throws) directly followed by a
    /// <c>try</c> whose <c>finally</c> calls <c>q.TaskDone()</c> as one of its statements. Every path from the take runs that
    /// finally before it ends, throws or takes again, which is what <see cref="AnalyzeGraph"/> would find (in a nested function,
    /// over the function's own graph). False when a take has another shape or is a <c>TryGet</c>, or there is no take.
    /// </summary>
    internal static bool AllTakesReleasedByFinally(IOperation body, MultiprocTypes types)
    {
        var all = true;
        var any = false;
        foreach (var op in body.Descendants())
        {
            if (op is not IInvocationOperation inv || !IsTake(inv, types)) continue;
            any = true;
            if (inv.TargetMethod.Name == "TryGet" || !ReleasedByNextFinally(inv, types)) { all = false; break; }
        }
        return any && all;
    }

    private static bool ReleasedByNextFinally(IInvocationOperation take, MultiprocTypes types)
    {
        if (FlowKey.Of(take.Instance, allowElements: false) is not { } key) return false;
        IOperation value = take;
        while (value.Parent is IConversionOperation or IAwaitOperation
               || (value.Parent is IInvocationOperation { TargetMethod.Name: "ConfigureAwait" } configure && configure.Instance == value && !InTryWithCatch(configure)))
            value = value.Parent;
        var statement = value.Parent switch
        {
            IExpressionStatementOperation s => s,
            ISimpleAssignmentOperation { Parent: IExpressionStatementOperation s } a when a.Value == value => s,
            IVariableInitializerOperation { Parent: IVariableDeclaratorOperation { Parent: IVariableDeclarationOperation { Declarators.Length: 1, Parent: IVariableDeclarationGroupOperation { Declarations.Length: 1 } group } } } => group,
            _ => (IOperation?)null,
        };
        if (statement?.Parent is not IBlockOperation block) return false;
        var index = block.Operations.IndexOf(statement);
        if (index < 0 || index + 1 >= block.Operations.Length || block.Operations[index + 1] is not ITryOperation { Finally: { } @finally }) return false;
        foreach (var s in @finally.Operations)
        {
            if (s is IExpressionStatementOperation { Operation: IInvocationOperation done }
                && done.TargetMethod.Name == "TaskDone" && types.IsAnyJoinableQueue(done.TargetMethod.ContainingType)
                && FlowKey.Of(done.Instance, allowElements: false) is { } k && k.Equals(key))
                return true;
        }
        return false;
    }

    /// <summary>
    /// Whether the operation is inside a try/catch of its function: there an exception thrown after the take in the same
    /// statement (a <c>ConfigureAwait</c> call) is a path to a handler in the graph analysis.
    /// </summary>
    private static bool InTryWithCatch(IOperation operation)
    {
        for (var p = operation.Parent; p is not null; p = p.Parent)
        {
            if (p.Kind is OperationKind.AnonymousFunction or OperationKind.LocalFunction) return false;
            if (p is ITryOperation { Catches.Length: > 0 }) return true;
        }
        return false;
    }

    /// <summary><c>return q.Get();</c> hands the item, and its TaskDone, to the caller.</summary>
    private static bool IsReturned(BasicBlock block, IOperation step, IInvocationOperation take)
    {
        if (step != block.BranchValue || block.ConditionKind != ControlFlowConditionKind.None) return false;
        if (block.FallThroughSuccessor?.Semantics != ControlFlowBranchSemantics.Return) return false;
        IOperation op = take;
        while (op.Parent is IConversionOperation or IAwaitOperation) op = op.Parent;
        return op == step;
    }
}
