using static Microsoft.CodeAnalysis.CSharp.SyntaxFactory;

namespace Multiproc.CodeFixes;

/// <summary>
/// MP0001 fix: wrap the statements from the read to the write (extended to the last later use of a
/// variable they declare) in <c>using (lk.Hold()) { … }</c>, with the ProcessLock the analyzer found
/// in scope. No fix when none is in scope.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(UnlockedFileReadModifyWriteFixer))]
[Shared]
public sealed class UnlockedFileReadModifyWriteFixer() : MultiprocFixer(RuleIdentifiers.UnlockedFileReadModifyWrite, EquivalenceKey)
{
    public const string EquivalenceKey = "MP0001.WrapInHold";

    private protected override CodeAction? Offer(Document document, SyntaxNode root, Diagnostic diagnostic)
    {
        if (Property(diagnostic, UnlockedFileReadModifyWrite.LockProperty) is not { } lockName || Range(root, diagnostic) is null) return null;
        return CodeAction.Create($"Hold '{lockName}' around the read and the write", ct => FixAsync(document, diagnostic, lockName, ct), EquivalenceKey);
    }

    /// <summary>The block holding both the read and the write, with the indexes of the statements that hold them.</summary>
    internal static (BlockSyntax Block, int First, int Last)? Range(SyntaxNode root, Diagnostic diagnostic)
    {
        if (diagnostic.AdditionalLocations.Count == 0) return null;
        var read = root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true);
        var write = root.FindNode(diagnostic.AdditionalLocations[0].SourceSpan, getInnermostNodeForTie: true);
        foreach (var block in read.Ancestors().OfType<BlockSyntax>())
        {
            if (!block.Span.Contains(write.Span)) continue;
            var first = block.Statements.IndexOf(s => s.Span.Contains(read.Span));
            var last = block.Statements.IndexOf(s => s.Span.Contains(write.Span));
            if (first < 0 || last < 0 || last < first) return null;
            return (block, first, last);
        }
        return null;
    }

    private static async Task<Document> FixAsync(Document document, Diagnostic diagnostic, string lockName, CancellationToken ct)
    {
        var root = await document.GetSyntaxRootAsync(ct).ConfigureAwait(false);
        var model = await document.GetSemanticModelAsync(ct).ConfigureAwait(false);
        if (root is null || model is null || Range(root, diagnostic) is not var (block, first, last)) return document;
        last = ExtendRange(model, block, first, last, ct);
        var newBlock = Wrap(block, new[] { (first, last) }, IdentifierName(lockName));
        return document.WithSyntaxRoot(root.ReplaceNode(block, newBlock));
    }

    /// <summary>
    /// The last statement of the range from <paramref name="first"/> to <paramref name="last"/> once it takes in the later
    /// uses of the variables it declares (else they would fall out of scope).
    /// </summary>
    internal static int ExtendRange(SemanticModel model, BlockSyntax block, int first, int last, CancellationToken ct)
    {
        while (true)
        {
            var flow = model.AnalyzeDataFlow(block.Statements[first], block.Statements[last]);
            if (flow is null || !flow.Succeeded) break;
            var declared = new HashSet<ISymbol>(flow.VariablesDeclared, SymbolEqualityComparer.Default);
            var newLast = last;
            for (var i = last + 1; i < block.Statements.Count; i++)
            {
                if (block.Statements[i].DescendantNodes().OfType<IdentifierNameSyntax>()
                    .Any(id => model.GetSymbolInfo(id, ct).Symbol is { } s && declared.Contains(s)))
                    newLast = i;
            }
            if (newLast == last) break;
            last = newLast;
        }
        return last;
    }

    /// <summary>
    /// <paramref name="block"/> with each statement range (indexes into its statements, disjoint) wrapped in
    /// <c>using (<paramref name="lockExpression"/>.Hold()) { … }</c>.
    /// </summary>
    internal static BlockSyntax Wrap(BlockSyntax block, IEnumerable<(int First, int Last)> ranges, ExpressionSyntax lockExpression)
    {
        var statements = block.Statements.ToList();
        foreach (var (first, last) in ranges.OrderByDescending(r => r.First))
        {
            var wrapped = statements.Skip(first).Take(last - first + 1).ToList();
            var leading = wrapped[0].GetLeadingTrivia();
            wrapped[0] = wrapped[0].WithLeadingTrivia(leading.Where(t => t.IsKind(SyntaxKind.WhitespaceTrivia)));
            var hold = InvocationExpression(MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, lockExpression, IdentifierName("Hold")));
            var usingStatement = UsingStatement(null, hold, Block(wrapped))
                .WithLeadingTrivia(leading)
                .WithAdditionalAnnotations(Formatter.Annotation);
            statements.RemoveRange(first, last - first + 1);
            statements.Insert(first, usingStatement);
        }
        return block.WithStatements(List(statements));
    }
}
