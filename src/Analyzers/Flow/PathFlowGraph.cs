using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;
using Microsoft.CodeAnalysis.Text;

namespace Multiproc.Analyzers;

/// <summary>
/// A successor graph over the blocks of a <see cref="ControlFlowGraph"/> that makes the
/// structured-exception parts explicit, for path questions ("does every path from here reach X?")
/// and forward data flow:
/// <list type="bullet">
/// <item>a branch that leaves try regions goes through their finally regions first (the last block of a
/// finally region continues to every destination recorded for it);</item>
/// <item><c>throw</c>/<c>rethrow</c> go to the catch handlers of enclosing try regions (through finally
/// regions on the way) and, unless a catch-all stops them, out of the method (<see cref="Escape"/>);</item>
/// <item>implicit exceptions (a call that throws) are edges from a block inside a try region to the catch
/// handlers that can receive them; an implicit exception that leaves the method is not a path.</item>
/// </list>
/// </summary>
internal sealed class PathFlowGraph
{
    /// <summary>Node id of "an exception leaves the method".</summary>
    public const int Escape = -2;

    private readonly List<int>[] _normal;
    private readonly List<int>[] _exceptional;
    private readonly Dictionary<ControlFlowRegion, HashSet<int>> _finallyContinuations = new();

    public ControlFlowGraph Cfg { get; }

    public int ExitOrdinal => Cfg.Blocks.Length - 1;

    public PathFlowGraph(ControlFlowGraph cfg)
    {
        Cfg = cfg;
        var n = cfg.Blocks.Length;
        _normal = new List<int>[n];
        _exceptional = new List<int>[n];
        for (var i = 0; i < n; i++)
        {
            _normal[i] = new List<int>();
            _exceptional[i] = new List<int>();
        }

        // Pass 1: edges and finally continuations.
        foreach (var block in cfg.Blocks)
        {
            AddBranch(block, block.FallThroughSuccessor);
            AddBranch(block, block.ConditionalSuccessor);
            foreach (var (chain, dest) in ExceptionRoutes(block, includeEscape: false))
                AddRoute(_exceptional[block.Ordinal], chain, dest);
        }

        // Pass 2: the last block of a finally region continues to what was recorded for it.
        foreach (var block in cfg.Blocks)
        {
            for (var k = 0; k < 2; k++)
            {
                var branch = k == 0 ? block.FallThroughSuccessor : block.ConditionalSuccessor;
                if (branch is null || branch.Semantics != ControlFlowBranchSemantics.StructuredExceptionHandling) continue;
                var finallyRegion = EnclosingFinally(block.EnclosingRegion);
                if (finallyRegion is null || finallyRegion.LastBlockOrdinal != block.Ordinal) continue;
                if (_finallyContinuations.TryGetValue(finallyRegion, out var conts))
                    foreach (var c in conts) AddUnique(_normal[block.Ordinal], c);
            }
        }
    }

    /// <summary>Successors on normal flow, explicit throws included.</summary>
    public IReadOnlyList<int> NormalSuccessors(int ordinal) => _normal[ordinal];

    /// <summary>Catch handlers an exception thrown implicitly inside this block can reach.</summary>
    public IReadOnlyList<int> ExceptionSuccessors(int ordinal) => _exceptional[ordinal];

    private void AddBranch(BasicBlock block, ControlFlowBranch? branch)
    {
        if (branch is null) return;
        var list = _normal[block.Ordinal];
        switch (branch.Semantics)
        {
            case ControlFlowBranchSemantics.Regular:
            case ControlFlowBranchSemantics.Return:
                if (branch.Destination is null) return;
                AddRoute(list, branch.FinallyRegions, branch.Destination.Ordinal);
                break;
            case ControlFlowBranchSemantics.Throw:
            case ControlFlowBranchSemantics.Rethrow:
                foreach (var (chain, dest) in ExceptionRoutes(block, includeEscape: true))
                    AddRoute(list, chain, dest);
                break;
        }
    }

    private void AddRoute(List<int> from, IReadOnlyList<ControlFlowRegion> finallyChain, int destination)
    {
        if (finallyChain.Count == 0)
        {
            AddUnique(from, destination);
            return;
        }
        AddUnique(from, finallyChain[0].FirstBlockOrdinal);
        for (var i = 0; i < finallyChain.Count; i++)
        {
            var next = i + 1 < finallyChain.Count ? finallyChain[i + 1].FirstBlockOrdinal : destination;
            if (!_finallyContinuations.TryGetValue(finallyChain[i], out var set))
                _finallyContinuations[finallyChain[i]] = set = new HashSet<int>();
            set.Add(next);
        }
    }

    private static void AddUnique(List<int> list, int value)
    {
        if (!list.Contains(value)) list.Add(value);
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
            foreach (var g in FlowSuccessors.WithNestedGraphs(context.GetControlFlowGraph(block), worthEntering))
                yield return g;
        }
    }

    /// <summary>Whether an operation may throw (calls, creations, awaits, throws, member accesses that run code).</summary>
    public static bool IsThrowingKind(IOperation op) => op.Kind is OperationKind.Invocation or OperationKind.ObjectCreation
        or OperationKind.Await or OperationKind.Throw or OperationKind.DynamicInvocation or OperationKind.DynamicMemberReference
        or OperationKind.DynamicObjectCreation or OperationKind.PropertyReference or OperationKind.ArrayElementReference;
}
