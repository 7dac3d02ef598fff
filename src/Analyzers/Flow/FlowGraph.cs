namespace Multiproc.Analyzers;

/// <summary>
/// What a <see cref="FlowGraph"/> makes of exceptions. Every rule that asks a path or data-flow question picks one.
/// The first two have the same structured parts: a branch that leaves try regions goes through their finally regions
/// first, and the end of a finally region continues to every destination recorded for it. The last two skip finally
/// regions (<see cref="FinallyOnEdges"/> hands them to the rule on the edge instead).
/// </summary>
internal enum ExceptionSemantics
{
    /// <summary>
    /// Normal paths only, with exceptions taken to occur before a try block did anything: every edge that enters a try
    /// region also leads to its catch handlers (and to theirs, when a handler starts another try region), and
    /// <c>throw</c>/<c>rethrow</c> lead nowhere. <see cref="FlowGraph.ExceptionSuccessors"/> is always empty.
    /// For "can this run after that" (MP0001) and for facts that hold until a later statement undoes them (MP0003).
    /// </summary>
    HandlersAtTryEntry,

    /// <summary>
    /// Exceptions as paths of their own: <c>throw</c>/<c>rethrow</c> are normal edges to the catch handlers of the
    /// enclosing try regions (through the finally regions on the way) and, unless a catch-all stops them, out of the
    /// method (<see cref="FlowGraph.Escape"/>); an implicit exception (a call that throws) inside a try region is an edge
    /// in <see cref="FlowGraph.ExceptionSuccessors"/> from its block to the handlers that can receive it; an implicit
    /// exception that leaves the method is not a path. For "does every path from here reach X" (MP0005, MP0006, MP0010,
    /// MP0012).
    /// </summary>
    ExplicitThrowsAndImplicitEdges,

    /// <summary>
    /// Neither exceptions nor finally regions are paths: a branch goes straight to its destination (the finally regions
    /// it runs on the way are skipped), the end of a finally region and <c>throw</c> lead nowhere, and catch handlers and
    /// finally regions are only reached from inside them. <see cref="FlowGraph.ExceptionSuccessors"/> is always empty.
    /// For "what runs after this statement on the plain paths" (MP0009's reads of statics after a Join).
    /// </summary>
    BranchDestinationsOnly,

    /// <summary>
    /// Finally regions as effects of the edges that run them, exceptions from anywhere in a try block: a branch goes
    /// straight to its destination and carries the finally regions it runs on the way (<see cref="FlowBranch.FinallyRegions"/>:
    /// the rule applies what they do to the fact it follows on that edge), so the blocks of a finally region are only
    /// reached from inside it; <c>throw</c>/<c>rethrow</c> is an edge to <see cref="FlowGraph.Escape"/> (with its finally
    /// regions); every block inside the try block of a try/catch has <see cref="FlowGraph.ExceptionSuccessors"/> to the
    /// entries of the handlers (a filter's first block) of every enclosing try/catch, a catch-all stopping none of them;
    /// <see cref="FlowGraph.ExceptionHandled"/> says whether an exception raised in a block is caught by a catch-all or runs
    /// a finally region the rule accepts. Rules follow <see cref="FlowGraph.ConditionalBranch"/> and
    /// <see cref="FlowGraph.FallThroughBranch"/> to carry a different fact on each edge of a condition.
    /// For facts that a finally region or a condition changes on the way, exceptions included (MP0002: held, maybe held,
    /// held on an exception).
    /// </summary>
    FinallyOnEdges,
}

/// <summary>
/// One branch of a block of a <see cref="FlowGraph"/> (<see cref="FlowGraph.ConditionalBranch"/>,
/// <see cref="FlowGraph.FallThroughBranch"/>): where it goes, when it is taken, the finally regions it runs on the way.
/// </summary>
internal readonly struct FlowBranch
{
    /// <summary><see cref="Target"/> of a branch that goes to no block: absent, or the end of a finally or filter region.</summary>
    public const int NoTarget = -1;

    public FlowBranch(int target, bool? when, ImmutableArray<ControlFlowRegion> finallyRegions)
    {
        Target = target;
        When = when;
        FinallyRegions = finallyRegions;
    }

    /// <summary>The block's ordinal; <see cref="FlowGraph.Escape"/> for <c>throw</c>/<c>rethrow</c>; <see cref="NoTarget"/> for none.</summary>
    public int Target { get; }

    /// <summary>Null: taken whatever the block's branch value; true or false: taken when the branch value is that.</summary>
    public bool? When { get; }

    /// <summary>The finally regions the branch runs before it reaches <see cref="Target"/> (innermost first); never default.</summary>
    public ImmutableArray<ControlFlowRegion> FinallyRegions { get; }

    public static FlowBranch None => new(NoTarget, null, ImmutableArray<ControlFlowRegion>.Empty);
}

/// <summary>
/// The one successor graph the rules ask path and data-flow questions of: the blocks of a <see cref="ControlFlowGraph"/>
/// with the exception semantics the rule picks (<see cref="ExceptionSemantics"/>), or, in its linear mode
/// (<see cref="Linear"/>), the one path of a function read from its operation tree (<see cref="LinearFlow"/>) with no
/// graph built. Either way a rule sees blocks, their steps (<see cref="Steps(int)"/>) and their successors, so one
/// analysis serves both.
/// </summary>
internal sealed class FlowGraph
{
    /// <summary>Node id of "an exception leaves the method" (<see cref="ExceptionSemantics.ExplicitThrowsAndImplicitEdges"/> only).</summary>
    public const int Escape = -2;

    private static readonly List<int> None = new();

    private readonly IReadOnlyList<IOperation>? _linearSteps;
    private readonly StructuredFlow? _structured;
    private readonly Dictionary<ControlFlowRegion, HashSet<int>> _finallyContinuations = new();
    private List<int>[]? _normal;
    private List<int>[]? _exceptional;
    private Dictionary<int, List<int>>? _handlerEntries;
    private List<int>?[]? _handlersAround;

    /// <summary>The graph read; null in the linear and structured modes.</summary>
    public ControlFlowGraph? Cfg { get; }

    public ExceptionSemantics Semantics { get; }

    /// <summary>The function: the graph's original operation, or the linear function's root.</summary>
    public IOperation Root { get; }

    /// <summary>Whether this is the linear mode: blocks 0 (entry), 1 (the function's steps) and 2 (exit), one path.</summary>
    public bool IsLinear => _linearSteps is not null;

    /// <summary>Whether this is the structured mode (<see cref="Structured"/>): a function's blocks read from its operation tree.</summary>
    public bool IsStructured => _structured is not null;

    public int BlockCount => _linearSteps is not null ? 3 : _structured is not null ? _structured.BlockCount : Cfg!.Blocks.Length;

    public int ExitOrdinal => BlockCount - 1;

    /// <summary>The graph of <paramref name="cfg"/> with <paramref name="semantics"/>; its edges are built when first asked for.</summary>
    public FlowGraph(ControlFlowGraph cfg, ExceptionSemantics semantics)
    {
        Cfg = cfg;
        Semantics = semantics;
        Root = cfg.OriginalOperation;
    }

    private void Build()
    {
        var cfg = Cfg!;
        var semantics = Semantics;
        var n = cfg.Blocks.Length;
        var normal = new List<int>[n];
        var exceptional = new List<int>[n];
        for (var i = 0; i < n; i++)
        {
            normal[i] = new List<int>();
            exceptional[i] = semantics == ExceptionSemantics.ExplicitThrowsAndImplicitEdges ? new List<int>() : None;
        }
        _normal = normal;
        _exceptional = exceptional;
        if (semantics == ExceptionSemantics.FinallyOnEdges)
        {
            foreach (var block in cfg.Blocks)
            {
                foreach (var branch in Branches(block))
                {
                    if (branch.Semantics is ControlFlowBranchSemantics.Throw or ControlFlowBranchSemantics.Rethrow) AddEdge(normal[block.Ordinal], Escape);
                    else if (branch.Destination is { } destination) AddEdge(normal[block.Ordinal], destination.Ordinal);
                }
            }
            return;
        }
        if (semantics == ExceptionSemantics.BranchDestinationsOnly)
        {
            foreach (var block in cfg.Blocks)
                foreach (var branch in Branches(block))
                    if (branch.Destination is { } destination) AddEdge(normal[block.Ordinal], destination.Ordinal);
            return;
        }
        if (semantics == ExceptionSemantics.HandlersAtTryEntry)
        {
            _handlerEntries = new Dictionary<int, List<int>>();
            CollectHandlers(cfg.Root, _handlerEntries);
        }

        // Pass 1: the edges of regular branches (through finally regions), of throws, of implicit exceptions; the
        // continuations of every finally region entered on the way.
        foreach (var block in cfg.Blocks)
        {
            AddBranch(block, block.FallThroughSuccessor);
            AddBranch(block, block.ConditionalSuccessor);
            if (semantics == ExceptionSemantics.ExplicitThrowsAndImplicitEdges)
                foreach (var (chain, dest) in ExceptionRoutes(block, includeEscape: false))
                    AddRoute(exceptional[block.Ordinal], chain, dest);
        }

        // Pass 2: the end of a finally region continues to what was recorded for it.
        foreach (var block in cfg.Blocks)
        {
            foreach (var branch in Branches(block))
            {
                if (branch.Semantics != ControlFlowBranchSemantics.StructuredExceptionHandling) continue;
                var finallyRegion = EnclosingFinally(block.EnclosingRegion);
                if (finallyRegion is null) continue;
                // With explicit exceptions, only the region's own last block ends it (not a filter nested in it).
                if (semantics == ExceptionSemantics.ExplicitThrowsAndImplicitEdges && finallyRegion.LastBlockOrdinal != block.Ordinal) continue;
                if (_finallyContinuations.TryGetValue(finallyRegion, out var conts))
                    foreach (var c in conts) AddEdge(normal[block.Ordinal], c);
            }
        }
    }

    private FlowGraph(LinearFlow function)
    {
        Semantics = ExceptionSemantics.ExplicitThrowsAndImplicitEdges;
        Root = function.Root;
        _linearSteps = function.Steps;
        _normal = new[] { new List<int> { 1 }, new List<int> { 2 }, None };
        _exceptional = new[] { None, None, None };
    }

    /// <summary>
    /// The linear mode: the one path of a function whose steps are <paramref name="function"/>'s, as blocks 0 (entry),
    /// 1 (the steps) and 2 (exit). A linear function has no try region, so both exception semantics give this graph: no
    /// exception edges, no throw.
    /// </summary>
    public static FlowGraph Linear(LinearFlow function) => new(function);

    /// <summary>
    /// The structured mode: the blocks of a function of ifs, loops and returns read from its operation tree
    /// (<see cref="StructuredFlow"/>), with no try region, so both exception semantics give this graph: no exception
    /// edges, no throw. For the rules that read a linear graph too (MP0003, MP0010, MP0012); a branch's condition is the
    /// last step of its block, but <see cref="ConditionalBranch"/> and <see cref="FallThroughBranch"/> do not tell the edges apart.
    /// </summary>
    public static FlowGraph Structured(StructuredFlow function) => new(function);

    private FlowGraph(StructuredFlow function)
    {
        Semantics = ExceptionSemantics.ExplicitThrowsAndImplicitEdges;
        Root = function.Root;
        _structured = function;
        var n = function.BlockCount;
        var normal = new List<int>[n];
        var exceptional = new List<int>[n];
        for (var i = 0; i < n; i++)
        {
            normal[i] = function.Successors(i);
            exceptional[i] = None;
        }
        _normal = normal;
        _exceptional = exceptional;
    }

    /// <summary>The steps of a block: its operations, then its branch value (in the linear mode, block 1's are the function's statements).</summary>
    public StepList Steps(int ordinal) =>
        _linearSteps is not null ? new StepList(ordinal == 1 ? _linearSteps : Array.Empty<IOperation>())
        : _structured is not null ? new StepList(_structured.Steps(ordinal))
        : Steps(Cfg!.Blocks[ordinal]);

    public bool IsExit(int ordinal) => ordinal == ExitOrdinal;

    /// <summary>
    /// Whether the block can run at all (every block of a linear graph can; of a structured one, all but those after an
    /// endless loop that no break leaves: <see cref="StructuredFlow.IsReachable"/>).
    /// </summary>
    public bool IsReachable(int ordinal) =>
        _structured is not null ? _structured.IsReachable(ordinal) : Cfg is null || Cfg.Blocks[ordinal].IsReachable;

    /// <summary>Successors on normal flow, explicit throws included (<see cref="Escape"/> among them when one leaves the method).</summary>
    public IReadOnlyList<int> NormalSuccessors(int ordinal)
    {
        if (_normal is null) Build();
        return _normal![ordinal];
    }

    /// <summary>
    /// Catch handlers an exception thrown implicitly inside this block can reach (none with
    /// <see cref="ExceptionSemantics.HandlersAtTryEntry"/> or <see cref="ExceptionSemantics.BranchDestinationsOnly"/>;
    /// with <see cref="ExceptionSemantics.FinallyOnEdges"/>, the handler entries of every enclosing try/catch, innermost first).
    /// </summary>
    public IReadOnlyList<int> ExceptionSuccessors(int ordinal)
    {
        if (Semantics == ExceptionSemantics.FinallyOnEdges && Cfg is not null)
        {
            _handlersAround ??= new List<int>?[Cfg.Blocks.Length];
            return _handlersAround[ordinal] ??= HandlersAround(Cfg.Blocks[ordinal]);
        }
        if (_exceptional is null) Build();
        return _exceptional![ordinal];
    }

    /// <summary>The branch value of a block (a condition, a returned or thrown value), or null; it is also the block's last step.</summary>
    public IOperation? BranchValue(int ordinal) => Cfg?.Blocks[ordinal].BranchValue;

    /// <summary>The conditional branch of a block (<see cref="FlowBranch.None"/> when the block has no condition).</summary>
    public FlowBranch ConditionalBranch(int ordinal)
    {
        if (Cfg is null) return FlowBranch.None;
        var block = Cfg.Blocks[ordinal];
        return block.ConditionKind == ControlFlowConditionKind.None
            ? FlowBranch.None
            : Describe(block.ConditionalSuccessor, block.ConditionKind == ControlFlowConditionKind.WhenTrue);
    }

    /// <summary>
    /// Where a block goes when <paramref name="condition"/>, its branch value (in a graph) or the condition of the if or loop
    /// that ends it (a structured graph: its last step), is true and when it is false; false when the block ends in no such
    /// condition or both go to the same block. Finally regions on the way are not looked through: the successor of a branch
    /// that runs one is not <paramref name="whenTrue"/> or <paramref name="whenFalse"/> (a rule that narrows a fact on one
    /// edge then narrows none). A linear graph has no condition.
    /// </summary>
    public bool ConditionTargets(int ordinal, IOperation condition, out int whenTrue, out int whenFalse)
    {
        whenTrue = whenFalse = FlowBranch.NoTarget;
        if (_structured is not null)
        {
            // AddIf, AddWhile and AddFor make the edge to the true branch (the body) first, then the one out.
            var steps = _structured.Steps(ordinal);
            if (steps.Count == 0 || steps[steps.Count - 1] != condition) return false;
            var owner = condition.Parent;
            if (!(owner is IConditionalOperation c && c.Condition == condition || owner is IWhileLoopOperation w && w.Condition == condition
                || owner is IForLoopOperation f && f.Condition == condition)) return false;
            var successors = _structured.Successors(ordinal);
            if (successors.Count != 2) return false;
            whenTrue = successors[0];
            whenFalse = successors[1];
            return true;
        }
        if (Cfg is null) return false;
        var block = Cfg.Blocks[ordinal];
        if (block.ConditionKind == ControlFlowConditionKind.None || block.BranchValue != condition
            || block.ConditionalSuccessor?.Destination is not { } conditional || block.FallThroughSuccessor?.Destination is not { } fallThrough
            || conditional == fallThrough) return false;
        var onTrue = block.ConditionKind == ControlFlowConditionKind.WhenTrue;
        whenTrue = onTrue ? conditional.Ordinal : fallThrough.Ordinal;
        whenFalse = onTrue ? fallThrough.Ordinal : conditional.Ordinal;
        return true;
    }

    /// <summary>The fall-through branch of a block: taken always, or when its condition does not take the conditional branch.</summary>
    public FlowBranch FallThroughBranch(int ordinal)
    {
        if (_structured is not null) return FlowBranch.None;
        if (Cfg is null) return ordinal < ExitOrdinal ? new FlowBranch(ordinal + 1, null, ImmutableArray<ControlFlowRegion>.Empty) : FlowBranch.None;
        var block = Cfg.Blocks[ordinal];
        return Describe(block.FallThroughSuccessor, block.ConditionKind switch
        {
            ControlFlowConditionKind.WhenTrue => false,
            ControlFlowConditionKind.WhenFalse => true,
            _ => null,
        });
    }

    private static FlowBranch Describe(ControlFlowBranch? branch, bool? when)
    {
        if (branch is null) return FlowBranch.None;
        var target = branch.Semantics is ControlFlowBranchSemantics.Throw or ControlFlowBranchSemantics.Rethrow ? Escape
            : branch.Destination?.Ordinal ?? FlowBranch.NoTarget;
        return new FlowBranch(target, when, branch.FinallyRegions);
    }

    /// <summary>
    /// Whether an exception raised in the block stops in the method: an enclosing try/catch has a catch-all handler, or
    /// an enclosing try/finally's finally region satisfies <paramref name="finallyHandles"/> (what the rule needs of it,
    /// e.g. that it releases the lock). No try region in the linear mode: false.
    /// </summary>
    public bool ExceptionHandled(int ordinal, Func<ControlFlowRegion, bool> finallyHandles)
    {
        if (Cfg is null) return false;
        for (var r = Cfg.Blocks[ordinal].EnclosingRegion; r is not null; r = r.EnclosingRegion)
        {
            if (r.Kind != ControlFlowRegionKind.Try || r.EnclosingRegion is not { } parent) continue;
            if (parent.Kind == ControlFlowRegionKind.TryAndFinally)
            {
                if (finallyHandles(parent.NestedRegions[parent.NestedRegions.Length - 1])) return true;
            }
            else if (parent.Kind == ControlFlowRegionKind.TryAndCatch)
            {
                foreach (var handler in parent.NestedRegions)
                    if (handler.Kind == ControlFlowRegionKind.Catch && IsCatchAll(handler.ExceptionType)) return true;
            }
        }
        return false;
    }

    /// <summary>Where an operation of the original tree is: its block, the index of the step that holds it (-1: the branch value), the operation.</summary>
    public (int Block, int Index, T Operation)? Find<T>(SyntaxNode syntax) where T : class, IOperation =>
        Cfg is not null && FlowHelpers.Find<T>(Cfg, syntax) is { } found ? (found.Block.Ordinal, found.Index, found.Operation) : null;

    /// <summary>The handler entries of every try/catch whose try block encloses <paramref name="block"/>, innermost first.</summary>
    private static List<int> HandlersAround(BasicBlock block)
    {
        List<int>? handlers = null;
        for (var r = block.EnclosingRegion; r is not null; r = r.EnclosingRegion)
        {
            if (r.Kind != ControlFlowRegionKind.Try || r.EnclosingRegion is not { Kind: ControlFlowRegionKind.TryAndCatch } tryAndCatch) continue;
            foreach (var handler in tryAndCatch.NestedRegions)
            {
                if (handler == r) continue;
                var first = handler.Kind == ControlFlowRegionKind.FilterAndHandler ? handler.NestedRegions[0] : handler;
                (handlers ??= new List<int>()).Add(first.FirstBlockOrdinal);
            }
        }
        return handlers ?? None;
    }

    private void AddBranch(BasicBlock block, ControlFlowBranch? branch)
    {
        if (branch is null) return;
        var list = _normal![block.Ordinal];
        switch (branch.Semantics)
        {
            case ControlFlowBranchSemantics.Regular:
            case ControlFlowBranchSemantics.Return:
                if (branch.Destination is null) return;
                AddRoute(list, branch.FinallyRegions, branch.Destination.Ordinal);
                break;
            case ControlFlowBranchSemantics.Throw:
            case ControlFlowBranchSemantics.Rethrow:
                if (Semantics != ExceptionSemantics.ExplicitThrowsAndImplicitEdges) return;
                foreach (var (chain, dest) in ExceptionRoutes(block, includeEscape: true))
                    AddRoute(list, chain, dest);
                break;
        }
    }

    private void AddRoute(List<int> from, IReadOnlyList<ControlFlowRegion> finallyChain, int destination)
    {
        if (finallyChain.Count == 0)
        {
            AddEdge(from, destination);
            return;
        }
        AddEdge(from, finallyChain[0].FirstBlockOrdinal);
        for (var i = 0; i < finallyChain.Count; i++)
        {
            var next = i + 1 < finallyChain.Count ? finallyChain[i + 1].FirstBlockOrdinal : destination;
            if (!_finallyContinuations.TryGetValue(finallyChain[i], out var set))
                _finallyContinuations[finallyChain[i]] = set = new HashSet<int>();
            set.Add(next);
        }
    }

    /// <summary>An edge; with <see cref="ExceptionSemantics.HandlersAtTryEntry"/>, also to the catch handlers of a try region it enters.</summary>
    private void AddEdge(List<int> list, int target)
    {
        if (!list.Contains(target)) list.Add(target);
        if (_handlerEntries is not null && _handlerEntries.TryGetValue(target, out var handlers))
            foreach (var h in handlers) AddEdge(list, h);
    }

    private static ControlFlowRegion? EnclosingFinally(ControlFlowRegion? region)
    {
        for (var r = region; r is not null; r = r.EnclosingRegion)
            if (r.Kind == ControlFlowRegionKind.Finally) return r;
        return null;
    }

    /// <summary>Where an exception raised in <paramref name="block"/> goes: (finally regions run on the way, destination).</summary>
    private static List<(IReadOnlyList<ControlFlowRegion> Chain, int Destination)> ExceptionRoutes(BasicBlock block, bool includeEscape)
    {
        var result = new List<(IReadOnlyList<ControlFlowRegion>, int)>();
        var chain = new List<ControlFlowRegion>();
        var child = block.EnclosingRegion;
        while (child?.EnclosingRegion is { } parent)
        {
            if (child.Kind == ControlFlowRegionKind.Try)
            {
                if (parent.Kind == ControlFlowRegionKind.TryAndFinally)
                {
                    chain.Add(parent.NestedRegions[parent.NestedRegions.Length - 1]);
                }
                else if (parent.Kind == ControlFlowRegionKind.TryAndCatch)
                {
                    for (var i = 1; i < parent.NestedRegions.Length; i++)
                    {
                        var handler = parent.NestedRegions[i];
                        result.Add((chain.ToArray(), handler.FirstBlockOrdinal));
                        if (handler.Kind == ControlFlowRegionKind.Catch && IsCatchAll(handler.ExceptionType))
                            return result;
                    }
                }
            }
            child = parent;
        }
        if (includeEscape) result.Add((chain.ToArray(), Escape));
        return result;
    }

    private static bool IsCatchAll(ITypeSymbol? type) =>
        type is null
        || type.SpecialType == SpecialType.System_Object
        || (type.Name == "Exception" && type.ContainingNamespace is { Name: "System", ContainingNamespace.IsGlobalNamespace: true });

    /// <summary>Per try block's first block, the first blocks of its catch handlers.</summary>
    private static void CollectHandlers(ControlFlowRegion region, Dictionary<int, List<int>> handlerEntries)
    {
        if (region.Kind == ControlFlowRegionKind.TryAndCatch && region.NestedRegions.Length > 1)
        {
            var tryRegion = region.NestedRegions[0];
            for (var i = 1; i < region.NestedRegions.Length; i++)
            {
                if (!handlerEntries.TryGetValue(tryRegion.FirstBlockOrdinal, out var list))
                    handlerEntries[tryRegion.FirstBlockOrdinal] = list = new List<int>();
                list.Add(region.NestedRegions[i].FirstBlockOrdinal);
            }
        }
        foreach (var nested in region.NestedRegions) CollectHandlers(nested, handlerEntries);
    }

    /// <summary>A block's fall-through and conditional branches.</summary>
    private static IEnumerable<ControlFlowBranch> Branches(BasicBlock block)
    {
        if (block.FallThroughSuccessor is not null) yield return block.FallThroughSuccessor;
        if (block.ConditionalSuccessor is not null) yield return block.ConditionalSuccessor;
    }

    /// <summary>The operations of a block followed by its branch value (so a condition counts as the last step).</summary>
    public static StepList Steps(BasicBlock block) => new(block.Operations, block.BranchValue);

    /// <summary>
    /// The graphs of the executable blocks of <paramref name="context"/>, each followed by the graphs of the local functions
    /// and lambdas nested in it that <paramref name="worthEntering"/> accepts (by the span of their syntax): a nested
    /// function without any operation a rule reports at needs no graph, and building the graphs of every lambda is costly.
    /// </summary>
    public static IEnumerable<ControlFlowGraph> GraphsOf(OperationBlockAnalysisContext context, Func<TextSpan, bool> worthEntering)
    {
        var roots = new HashSet<IOperation>();
        foreach (var block in context.OperationBlocks)
        {
            var root = block;
            while (root.Parent is not null) root = root.Parent;
            if (root is not (IMethodBodyOperation or IConstructorBodyOperation or IBlockOperation)) continue;
            if (!roots.Add(root)) continue;
            foreach (var g in WithNestedGraphs(context.GetControlFlowGraph(block), worthEntering))
                yield return g;
        }
    }

    /// <summary>
    /// The graph and those of the local functions and lambdas nested in it, recursively; the graph of a local function or
    /// lambda (and of those nested in it) is only built when <paramref name="worthEntering"/> accepts
    /// the span of its syntax: building graphs for every LINQ lambda of a method is most of the cost.
    /// </summary>
    public static IEnumerable<ControlFlowGraph> WithNestedGraphs(ControlFlowGraph cfg, Func<TextSpan, bool> worthEntering)
    {
        yield return cfg;
        foreach (var localFunction in cfg.LocalFunctions)
        {
            var entered = false;
            foreach (var reference in localFunction.DeclaringSyntaxReferences)
                if (worthEntering(reference.Span)) { entered = true; break; }
            if (!entered) continue;
            foreach (var nested in WithNestedGraphs(cfg.GetLocalFunctionControlFlowGraph(localFunction), worthEntering))
                yield return nested;
        }
        List<IFlowAnonymousFunctionOperation>? lambdas = null;
        foreach (var block in cfg.Blocks)
        {
            foreach (var op in block.Operations) CollectLambdas(op, ref lambdas);
            if (block.BranchValue is not null) CollectLambdas(block.BranchValue, ref lambdas);
        }
        if (lambdas is null) yield break;
        foreach (var lambda in lambdas)
        {
            if (!worthEntering(lambda.Syntax.Span)) continue;
            foreach (var nested in WithNestedGraphs(cfg.GetAnonymousFunctionControlFlowGraph(lambda), worthEntering))
                yield return nested;
        }
    }

    private static void CollectLambdas(IOperation operation, ref List<IFlowAnonymousFunctionOperation>? lambdas)
    {
        if (operation is IFlowAnonymousFunctionOperation lambda) (lambdas ??= new List<IFlowAnonymousFunctionOperation>()).Add(lambda);
        foreach (var child in operation.ChildOperations) CollectLambdas(child, ref lambdas);
    }

    /// <summary>Whether an operation may throw (calls, creations, awaits, throws, member accesses that run code).</summary>
    public static bool IsThrowingKind(IOperation op) => op.Kind is OperationKind.Invocation or OperationKind.ObjectCreation
        or OperationKind.Await or OperationKind.Throw or OperationKind.DynamicInvocation or OperationKind.DynamicMemberReference
        or OperationKind.DynamicObjectCreation or OperationKind.PropertyReference or OperationKind.ArrayElementReference;
}
