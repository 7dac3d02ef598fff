using System.Collections.Generic;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.FlowAnalysis;

namespace Multiproc.Analyzers;

/// <summary>
/// Successor lists of a ControlFlowGraph for simple dataflow over normal (non-exceptional) paths:
/// a branch that goes through finally regions enters the first of them, the end of a finally region
/// continues to wherever the branches that entered it were going, and a catch handler is a
/// successor of every edge that enters its try region (exceptions are taken to occur before the
/// try block did anything). Throw/rethrow edges lead nowhere.
/// </summary>
internal sealed class FlowSuccessors
{
    private readonly List<int>[] _successors;

    public FlowSuccessors(ControlFlowGraph cfg)
    {
        var blocks = cfg.Blocks;
        _successors = new List<int>[blocks.Length];
        for (var i = 0; i < blocks.Length; i++) _successors[i] = new List<int>();

        var handlerEntries = new Dictionary<int, List<int>>();
        CollectHandlers(cfg.Root, handlerEntries);

        // Where the end of each finally region continues.
        var continuations = new Dictionary<ControlFlowRegion, HashSet<int>>();
        foreach (var block in blocks)
        {
            foreach (var branch in Branches(block))
            {
                var regions = branch.FinallyRegions;
                for (var i = 0; i < regions.Length; i++)
                {
                    if (!continuations.TryGetValue(regions[i], out var set)) continuations[regions[i]] = set = new HashSet<int>();
                    if (i + 1 < regions.Length) set.Add(regions[i + 1].FirstBlockOrdinal);
                    else if (branch.Destination is not null) set.Add(branch.Destination.Ordinal);
                }
            }
        }

        foreach (var block in blocks)
        {
            var list = _successors[block.Ordinal];
            foreach (var branch in Branches(block))
            {
                switch (branch.Semantics)
                {
                    case ControlFlowBranchSemantics.Throw:
                    case ControlFlowBranchSemantics.Rethrow:
                    case ControlFlowBranchSemantics.Error:
                    case ControlFlowBranchSemantics.ProgramTermination:
                        continue;
                    case ControlFlowBranchSemantics.StructuredExceptionHandling:
                    {
                        var region = block.EnclosingRegion;
                        while (region is not null && region.Kind != ControlFlowRegionKind.Finally) region = region.EnclosingRegion;
                        if (region is not null && continuations.TryGetValue(region, out var targets))
                            foreach (var t in targets) AddEdge(list, t, handlerEntries);
                        continue;
                    }
                }
                if (!branch.FinallyRegions.IsEmpty) AddEdge(list, branch.FinallyRegions[0].FirstBlockOrdinal, handlerEntries);
                else if (branch.Destination is not null) AddEdge(list, branch.Destination.Ordinal, handlerEntries);
            }
        }
    }

    public IReadOnlyList<int> Of(int ordinal) => _successors[ordinal];

    /// <summary>
    /// The graph and those of the local functions and lambdas nested in it, recursively; the graph of a local function or
    /// lambda (and of those nested in it) is only built when <paramref name="worthEntering"/> accepts
    /// the span of its syntax: building graphs for every LINQ lambda of a method is most of the cost.
    /// </summary>
    internal static IEnumerable<ControlFlowGraph> WithNestedGraphs(ControlFlowGraph cfg, System.Func<Microsoft.CodeAnalysis.Text.TextSpan, bool> worthEntering)
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

    private static void AddEdge(List<int> list, int target, Dictionary<int, List<int>> handlerEntries)
    {
        if (!list.Contains(target)) list.Add(target);
        if (handlerEntries.TryGetValue(target, out var handlers))
            foreach (var h in handlers) AddEdge(list, h, handlerEntries);
    }

    /// <summary>Per try block's first block, the first blocks of its catch handlers.</summary>
    internal static void CollectHandlers(ControlFlowRegion region, Dictionary<int, List<int>> handlerEntries)
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
    internal static IEnumerable<ControlFlowBranch> Branches(BasicBlock block)
    {
        if (block.FallThroughSuccessor is not null) yield return block.FallThroughSuccessor;
        if (block.ConditionalSuccessor is not null) yield return block.ConditionalSuccessor;
    }
}
