namespace Multiproc.Analyzers;

/// <summary>
/// The per-body gate of the graph rules: blocks that are not executable code (field initializers, attribute
/// arguments, parameter defaults) are skipped, as <see cref="FlowGraph.GraphsOf"/> does.
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
