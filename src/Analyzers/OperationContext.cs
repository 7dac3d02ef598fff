using System.Threading;

namespace Multiproc.Analyzers;

/// <summary>
/// One operation of a body that <see cref="MultiprocAnalyzer"/> walks itself, with what the rules ask of an
/// <see cref="OperationAnalysisContext"/>: the members they use, taken from the body's <see cref="OperationBlockAnalysisContext"/>.
/// </summary>
/// <remarks>
/// The analyzer registers one operation-block action and walks the operations of each body itself, instead of one
/// operation action per matching operation: the driver's cost per callback (a context, a delegate call, the execution
/// timer, the exception guard) was most of what the per-operation work of the rules cost (bench/AnalyzerCost/README.md).
/// </remarks>
internal readonly struct OperationContext
{
    private readonly OperationBlockAnalysisContext _block;

    public OperationContext(in OperationBlockAnalysisContext block, IOperation operation)
    {
        _block = block;
        Operation = operation;
    }

    public IOperation Operation { get; }

    /// <summary>The symbol whose body holds the operation (lambdas and local functions count for their containing member).</summary>
    public ISymbol ContainingSymbol => _block.OwningSymbol;

    public CancellationToken CancellationToken => _block.CancellationToken;

    public void ReportDiagnostic(Diagnostic diagnostic) => _block.ReportDiagnostic(diagnostic);

    /// <summary>
    /// The graph of the operation block that holds the operation (the driver's, cached per block), as
    /// <see cref="OperationAnalysisContext.GetControlFlowGraph()"/> gives it. The block context takes only one of its
    /// <see cref="OperationBlockAnalysisContext.OperationBlocks"/>: the innermost one that holds the operation.
    /// </summary>
    public ControlFlowGraph GetControlFlowGraph()
    {
        var blocks = _block.OperationBlocks;
        for (var operation = Operation; operation is not null; operation = operation.Parent)
            if (blocks.Contains(operation)) return _block.GetControlFlowGraph(operation);
        throw new InvalidOperationException("The operation is in none of the body's operation blocks.");
    }
}
