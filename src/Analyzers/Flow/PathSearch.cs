namespace Multiproc.Analyzers;

/// <summary>Path questions over a <see cref="FlowGraph"/>.</summary>
internal static class PathSearch
{
    /// <summary>
    /// Whether some path that starts after step <paramref name="startStep"/> of block <paramref name="startBlock"/>
    /// (-1: at the start of the block) reaches the end of the method, an exception leaving it, or (when given) the step
    /// <paramref name="revisit"/> again, without passing a step for which <paramref name="satisfies"/> holds.
    /// <paramref name="startStepMayThrow"/> says whether the rest of the start step can throw (to a catch handler).
    /// </summary>
    public static bool HasUnsatisfiedPath(FlowGraph graph, int startBlock, int startStep, Func<IOperation, bool> satisfies,
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
            var steps = graph.Steps(ordinal);
            var satisfied = false;
            for (var i = from; i < steps.Count; i++)
            {
                if (revisit is { } r && r.Block == ordinal && r.Step == i) return true;
                if (satisfies(steps[i]))
                {
                    satisfied = true;
                    break;
                }
                if (!throws && steps[i].DescendantsAndSelf().Any(FlowGraph.IsThrowingKind)) throws = true;
            }
            if (throws)
                foreach (var e in graph.ExceptionSuccessors(ordinal))
                    work.Push((e, 0, false));
            if (satisfied) continue;
            if (graph.IsExit(ordinal)) return true;
            foreach (var s in graph.NormalSuccessors(ordinal))
            {
                if (s == FlowGraph.Escape) return true;
                work.Push((s, 0, false));
            }
        }
        return false;
    }

    /// <summary>Whether any path from after the start step reaches a step for which <paramref name="satisfies"/> holds.</summary>
    public static bool AnyPathReaches(FlowGraph graph, int startBlock, int startStep, Func<IOperation, bool> satisfies)
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
            var steps = graph.Steps(ordinal);
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
                if (FlowGraph.IsThrowingKind(d)) return true;
                continue;
            }
            if (FlowGraph.IsThrowingKind(d)) return true;
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
