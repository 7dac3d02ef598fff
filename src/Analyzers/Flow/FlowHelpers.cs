namespace Multiproc.Analyzers;

/// <summary>Finding an operation of the original tree in a control flow graph.</summary>
internal static class FlowHelpers
{
    /// <summary>
    /// <see cref="GraphFor"/> from the operation block's graph of <paramref name="context"/>, or null when the compiler cannot
    /// give one (it throws <see cref="System.ArgumentException"/> or <see cref="System.InvalidOperationException"/> for
    /// operations outside a block it builds graphs for): the rules then report nothing rather than guess.
    /// </summary>
    public static ControlFlowGraph? TryGraphFor(IOperation operation, OperationAnalysisContext context)
    {
        try
        {
            return GraphFor(operation, context.GetControlFlowGraph());
        }
        catch (System.Exception ex) when (ex is System.ArgumentException or System.InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary>
    /// <c>ps[i]</c> as its collection and index: an array element with one index, or a one-argument indexer; false for
    /// anything else (the element rules of MP0004 and MP0012 read both through this).
    /// </summary>
    /// <remarks>On false both are null (netstandard2.0 has no <c>NotNullWhen</c> to say so).</remarks>
    public static bool IsElementAccess(IOperation? operation, out IOperation collection, out IOperation index)
    {
        switch (operation)
        {
            case IArrayElementReferenceOperation { Indices.Length: 1 } array:
                collection = array.ArrayReference;
                index = array.Indices[0];
                return true;
            case IPropertyReferenceOperation { Property.IsIndexer: true, Arguments.Length: 1, Instance: { } instance } indexer:
                collection = instance;
                index = indexer.Arguments[0].Value;
                return true;
            default:
                collection = null!;
                index = null!;
                return false;
        }
    }

    /// <summary>
    /// The graph of the innermost function (method, lambda or local function) that contains
    /// <paramref name="operation"/>, starting from the graph of the whole operation block.
    /// </summary>
    public static ControlFlowGraph? GraphFor(IOperation operation, ControlFlowGraph root)
    {
        var chain = new List<IOperation>();
        for (var p = operation.Parent; p is not null; p = p.Parent)
            if (p is IAnonymousFunctionOperation or ILocalFunctionOperation) chain.Add(p);
        var cfg = root;
        for (var i = chain.Count - 1; i >= 0; i--)
        {
            if (chain[i] is ILocalFunctionOperation lf)
            {
                cfg = cfg.GetLocalFunctionControlFlowGraph(lf.Symbol);
            }
            else
            {
                var lambda = (IAnonymousFunctionOperation)chain[i];
                var flow = FindFlowLambda(cfg, lambda.Symbol);
                if (flow is null) return null;
                cfg = cfg.GetAnonymousFunctionControlFlowGraph(flow);
            }
        }
        return cfg;
    }

    private static IFlowAnonymousFunctionOperation? FindFlowLambda(ControlFlowGraph cfg, IMethodSymbol symbol)
    {
        foreach (var block in cfg.Blocks)
        {
            foreach (var op in block.Operations)
                foreach (var d in op.DescendantsAndSelf())
                    if (d is IFlowAnonymousFunctionOperation f && SymbolEqualityComparer.Default.Equals(f.Symbol, symbol)) return f;
            if (block.BranchValue is { } bv)
                foreach (var d in bv.DescendantsAndSelf())
                    if (d is IFlowAnonymousFunctionOperation f && SymbolEqualityComparer.Default.Equals(f.Symbol, symbol)) return f;
        }
        return null;
    }

    /// <summary>
    /// The block and the index of its top-level operation that holds an operation with syntax
    /// <paramref name="syntax"/> of type <typeparamref name="T"/>; index -1 means the block's branch value.
    /// </summary>
    public static (BasicBlock Block, int Index, T Operation)? Find<T>(ControlFlowGraph cfg, SyntaxNode syntax)
        where T : class, IOperation
    {
        var span = syntax.Span;
        foreach (var block in cfg.Blocks)
        {
            for (var i = 0; i < block.Operations.Length; i++)
            {
                var op = block.Operations[i];
                if (!op.Syntax.Span.Contains(span)) continue;
                if (FindIn<T>(op, syntax) is { } found) return (block, i, found);
            }
            if (block.BranchValue is { } bv && bv.Syntax.Span.Contains(span) && FindIn<T>(bv, syntax) is { } inBranch)
                return (block, -1, inBranch);
        }
        return null;
    }

    private static T? FindIn<T>(IOperation root, SyntaxNode syntax) where T : class, IOperation
    {
        foreach (var d in root.DescendantsAndSelf())
            if (d is T t && d.Syntax == syntax) return t;
        return null;
    }

    /// <summary>The root of the operation tree <paramref name="operation"/> belongs to.</summary>
    public static IOperation Root(IOperation operation)
    {
        while (operation.Parent is not null) operation = operation.Parent;
        return operation;
    }
}
