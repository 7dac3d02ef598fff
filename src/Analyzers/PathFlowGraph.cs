using System;
using System.Collections.Generic;
using System.Collections.Immutable;
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

/// <summary>
/// The steps of a block (<see cref="PathFlowGraph.Steps"/>): its operations, then its branch value if any. A struct, so
/// that asking for them allocates nothing (the path searches ask once per block visited).
/// </summary>
internal readonly struct StepList : IReadOnlyList<IOperation>
{
    private readonly ImmutableArray<IOperation> _operations;
    private readonly IOperation? _branch;

    public StepList(ImmutableArray<IOperation> operations, IOperation? branch)
    {
        _operations = operations;
        _branch = branch;
    }

    public int Count => _operations.Length + (_branch is null ? 0 : 1);

    public IOperation this[int index] => index < _operations.Length ? _operations[index] : _branch ?? throw new ArgumentOutOfRangeException(nameof(index));

    public Enumerator GetEnumerator() => new(this);

    IEnumerator<IOperation> IEnumerable<IOperation>.GetEnumerator()
    {
        for (var i = 0; i < Count; i++) yield return this[i];
    }

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => ((IEnumerable<IOperation>)this).GetEnumerator();

    public struct Enumerator
    {
        private readonly StepList _list;
        private int _index;

        public Enumerator(StepList list)
        {
            _list = list;
            _index = -1;
        }

        public IOperation Current => _list[_index];

        public bool MoveNext() => ++_index < _list.Count;
    }
}

/// <summary>A variable a rule follows: a local, parameter, field or property (of <c>this</c> or static), or the elements of one.</summary>
internal readonly struct FlowKey : IEquatable<FlowKey>
{
    public FlowKey(ISymbol symbol, bool element)
    {
        Symbol = symbol;
        Element = element;
    }

    public ISymbol Symbol { get; }

    /// <summary>The key stands for the elements of a collection (foreach variable, indexer, array element).</summary>
    public bool Element { get; }

    public bool Equals(FlowKey other) => SymbolEqualityComparer.Default.Equals(Symbol, other.Symbol) && Element == other.Element;

    public override bool Equals(object? obj) => obj is FlowKey k && Equals(k);

    public override int GetHashCode() => SymbolEqualityComparer.Default.GetHashCode(Symbol) * 2 + (Element ? 1 : 0);

    /// <summary>The key of a receiver expression, or null when it is not a plain variable.</summary>
    public static FlowKey? Of(IOperation? operation, bool allowElements, IReadOnlyDictionary<ILocalSymbol, ISymbol>? forEachCollections = null)
    {
        while (operation is IConversionOperation c) operation = c.Operand;
        switch (operation)
        {
            case ILocalReferenceOperation local:
                if (allowElements && forEachCollections is not null && forEachCollections.TryGetValue(local.Local, out var coll))
                    return new FlowKey(coll, element: true);
                return new FlowKey(local.Local, element: false);
            case IParameterReferenceOperation p:
                return new FlowKey(p.Parameter, element: false);
            case IFieldReferenceOperation f when f.Instance is null or IInstanceReferenceOperation:
                return new FlowKey(f.Field, element: false);
            case IPropertyReferenceOperation pr when pr.Arguments.Length == 0 && pr.Instance is null or IInstanceReferenceOperation:
                return new FlowKey(pr.Property, element: false);
            case IPropertyReferenceOperation { Arguments.Length: > 0 } indexer when allowElements:
                return Of(indexer.Instance, allowElements: false) is { Element: false } ik ? new FlowKey(ik.Symbol, element: true) : null;
            case IArrayElementReferenceOperation array when allowElements:
                return Of(array.ArrayReference, allowElements: false) is { Element: false } ak ? new FlowKey(ak.Symbol, element: true) : null;
            default:
                return null;
        }
    }

    /// <summary>The iteration variables of the foreach loops in <paramref name="root"/> mapped to the variable holding the collection.</summary>
    public static IReadOnlyDictionary<ILocalSymbol, ISymbol> ForEachCollections(IOperation root)
    {
        var map = new Dictionary<ILocalSymbol, ISymbol>(SymbolEqualityComparer.Default);
        foreach (var loop in root.DescendantsAndSelf().OfType<IForEachLoopOperation>())
        {
            if (Of(loop.Collection, allowElements: false) is not { Element: false } key) continue;
            foreach (var local in loop.Locals) map[local] = key.Symbol;
        }
        return map;
    }

    /// <summary>
    /// Whether the variable is handed on in <paramref name="root"/>: used other than as the receiver of a member of
    /// <paramref name="ownType"/> (or a type derived from it) or as the target of an assignment — passed as an argument,
    /// assigned elsewhere, returned, or captured by a lambda or local function.
    /// </summary>
    public static bool IsHandedOn(IOperation root, ISymbol symbol, Func<ITypeSymbol?, bool> ownType)
    {
        foreach (var op in root.Descendants())
        {
            ISymbol? referenced = op switch
            {
                ILocalReferenceOperation l => l.Local,
                IParameterReferenceOperation p => p.Parameter,
                IFieldReferenceOperation f => f.Field,
                IPropertyReferenceOperation pr => pr.Property,
                _ => null,
            };
            if (referenced is null || !SymbolEqualityComparer.Default.Equals(referenced, symbol)) continue;
            if (InsideNestedFunction(op, root)) return true;
            var parent = op.Parent;
            while (parent is IConversionOperation) parent = parent.Parent;
            switch (parent)
            {
                case IInvocationOperation inv when inv.Instance is not null && IsSelf(inv.Instance, op) && ownType(inv.TargetMethod.ContainingType):
                case IPropertyReferenceOperation prop when prop.Instance is not null && IsSelf(prop.Instance, op) && ownType(prop.Property.ContainingType):
                case IAssignmentOperation assign when IsSelf(assign.Target, op):
                case INameOfOperation:
                    continue;
                case IVariableInitializerOperation:
                    return true;
                default:
                    if (parent is null || parent.Kind is OperationKind.ExpressionStatement) continue;
                    return true;
            }
        }
        return false;
    }

    private static bool IsSelf(IOperation candidate, IOperation reference)
    {
        while (candidate is IConversionOperation c) candidate = c.Operand;
        return candidate == reference;
    }

    private static bool InsideNestedFunction(IOperation op, IOperation root)
    {
        for (var p = op.Parent; p is not null && p != root; p = p.Parent)
            if (p is IAnonymousFunctionOperation or ILocalFunctionOperation) return true;
        return false;
    }
}

/// <summary>Path questions over a <see cref="PathFlowGraph"/>.</summary>
internal static class PathSearch
{
    /// <summary>
    /// Whether some path that starts after step <paramref name="startStep"/> of block <paramref name="startBlock"/>
    /// (-1: at the start of the block) reaches the end of the method, an exception leaving it, or (when given) the step
    /// <paramref name="revisit"/> again, without passing a step for which <paramref name="satisfies"/> holds.
    /// <paramref name="startStepMayThrow"/> says whether the rest of the start step can throw (to a catch handler).
    /// </summary>
    public static bool HasUnsatisfiedPath(PathFlowGraph graph, int startBlock, int startStep, Func<IOperation, bool> satisfies,
        bool startStepMayThrow, (int Block, int Step)? revisit)
    {
        var scanned = new HashSet<int>();
        var work = new Stack<(int Block, int From, bool Throws)>();
        work.Push((startBlock, startStep + 1, startStepMayThrow));
        var first = true;
        while (work.Count > 0)
        {
            var (ordinal, from, throws) = work.Pop();
            if (!first && (from != 0 || !scanned.Add(ordinal))) continue;
            first = false;
            var block = graph.Cfg.Blocks[ordinal];
            var steps = PathFlowGraph.Steps(block);
            var satisfied = false;
            for (var i = from; i < steps.Count; i++)
            {
                if (revisit is { } r && r.Block == ordinal && r.Step == i) return true;
                if (satisfies(steps[i]))
                {
                    satisfied = true;
                    break;
                }
                if (!throws && steps[i].DescendantsAndSelf().Any(PathFlowGraph.IsThrowingKind)) throws = true;
            }
            if (throws)
                foreach (var e in graph.ExceptionSuccessors(ordinal))
                    work.Push((e, 0, false));
            if (satisfied) continue;
            if (block.Kind == BasicBlockKind.Exit) return true;
            foreach (var s in graph.NormalSuccessors(ordinal))
            {
                if (s == PathFlowGraph.Escape) return true;
                work.Push((s, 0, false));
            }
        }
        return false;
    }

    /// <summary>Whether any path from after the start step reaches a step for which <paramref name="satisfies"/> holds.</summary>
    public static bool AnyPathReaches(PathFlowGraph graph, int startBlock, int startStep, Func<IOperation, bool> satisfies)
    {
        var scanned = new HashSet<int>();
        var work = new Stack<(int Block, int From)>();
        work.Push((startBlock, startStep + 1));
        var first = true;
        while (work.Count > 0)
        {
            var (ordinal, from) = work.Pop();
            if (!first && !scanned.Add(ordinal)) continue;
            first = false;
            var steps = PathFlowGraph.Steps(graph.Cfg.Blocks[ordinal]);
            for (var i = from; i < steps.Count; i++)
                if (satisfies(steps[i])) return true;
            foreach (var e in graph.ExceptionSuccessors(ordinal)) work.Push((e, 0));
            foreach (var s in graph.NormalSuccessors(ordinal))
                if (s >= 0) work.Push((s, 0));
        }
        return false;
    }

    /// <summary>
    /// Whether the rest of a step, after <paramref name="call"/> within it, may throw: the call itself, what it
    /// evaluates first, and wrappers such as await or an assignment do not count; an enclosing call does.
    /// </summary>
    public static bool RestOfStepMayThrow(IOperation step, IOperation call)
    {
        var ancestors = new HashSet<IOperation>();
        for (var p = call.Parent; p is not null; p = p.Parent)
        {
            ancestors.Add(p);
            if (p == step) break;
        }
        foreach (var d in step.DescendantsAndSelf())
        {
            if (d == call || IsWithin(d, call)) continue;
            if (ancestors.Contains(d))
            {
                if (d.Kind is OperationKind.Await or OperationKind.PropertyReference) continue;
                if (PathFlowGraph.IsThrowingKind(d)) return true;
                continue;
            }
            if (PathFlowGraph.IsThrowingKind(d)) return true;
        }
        return false;
    }

    private static bool IsWithin(IOperation op, IOperation ancestor)
    {
        for (var p = op.Parent; p is not null; p = p.Parent)
            if (p == ancestor) return true;
        return false;
    }

    /// <summary>The successor block taken when <paramref name="block"/>'s branch value is <paramref name="value"/>.</summary>
    public static BasicBlock? SuccessorWhen(BasicBlock block, bool value)
    {
        if (block.ConditionKind == ControlFlowConditionKind.None) return null;
        var conditionalTakenWhen = block.ConditionKind == ControlFlowConditionKind.WhenTrue;
        return (conditionalTakenWhen == value ? block.ConditionalSuccessor : block.FallThroughSuccessor)?.Destination;
    }
}

/// <summary>
/// The per-body gate of the graph rules: blocks that are not executable code (field initializers, attribute
/// arguments, parameter defaults) are skipped, as <see cref="PathFlowGraph.GraphsOf"/> does.
/// </summary>
internal static class BlockGate
{
    /// <summary>The one executable root (method or constructor body, block) of the blocks, or null when there is none or more than one.</summary>
    public static IOperation? SingleExecutableRoot(ImmutableArray<IOperation> blocks)
    {
        IOperation? body = null;
        foreach (var block in blocks)
        {
            var root = block;
            while (root.Parent is not null) root = root.Parent;
            if (root is not (IMethodBodyOperation or IConstructorBodyOperation or IBlockOperation)) continue;
            if (body is not null && body != root) return null;
            body = root;
        }
        return body;
    }

    public static bool HasExecutableRoot(ImmutableArray<IOperation> blocks)
    {
        foreach (var block in blocks)
        {
            var root = block;
            while (root.Parent is not null) root = root.Parent;
            if (root is IMethodBodyOperation or IConstructorBodyOperation or IBlockOperation) return true;
        }
        return false;
    }
}
