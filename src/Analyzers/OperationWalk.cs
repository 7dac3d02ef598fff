namespace Multiproc.Analyzers;

/// <summary>What <see cref="OperationWalk.Each"/> hands each wanted operation to (a struct: no delegate, no allocation).</summary>
internal interface IOperationVisitor
{
    void Visit(in OperationContext context);
}

/// <summary>The operations of one body, walked by the analyzer itself instead of one driver callback each (<see cref="OperationContext"/>).</summary>
internal static class OperationWalk
{
    /// <summary>
    /// The kinds as a table by value, for <see cref="Each"/>.
    /// </summary>
    public static bool[] Table(IEnumerable<OperationKind> kinds)
    {
        var list = kinds.ToList();
        var table = new bool[list.Count == 0 ? 0 : (int)list.Max() + 1];
        foreach (var kind in list) table[(int)kind] = true;
        return table;
    }

    /// <summary>
    /// Every operation of the body's blocks whose kind is in <paramref name="wanted"/> (<see cref="Table"/>), in the order
    /// the driver calls operation actions (each block, then its descendants, pre-order), handed to <paramref name="visitor"/>.
    /// Iterative: a deep tree (a long chain of <c>+</c>) needs no deep stack.
    /// </summary>
    public static void Each<TVisitor>(in OperationBlockAnalysisContext block, bool[] wanted, ref TVisitor visitor)
        where TVisitor : struct, IOperationVisitor
    {
        Stack<IOperation.OperationList.Enumerator>? stack = null;
        foreach (var root in block.OperationBlocks)
        {
            var kind = (int)root.Kind;
            if (kind < wanted.Length && wanted[kind]) visitor.Visit(new OperationContext(block, root));
            stack ??= new Stack<IOperation.OperationList.Enumerator>();
            stack.Push(root.ChildOperations.GetEnumerator());
            while (stack.Count > 0)
            {
                var children = stack.Pop();
                if (!children.MoveNext()) continue;
                var operation = children.Current;
                stack.Push(children);
                if (operation is null) continue;
                kind = (int)operation.Kind;
                if (kind < wanted.Length && wanted[kind]) visitor.Visit(new OperationContext(block, operation));
                stack.Push(operation.ChildOperations.GetEnumerator());
            }
        }
    }
}
