using static Microsoft.CodeAnalysis.CSharp.SyntaxFactory;

namespace Multiproc.CodeFixes;

/// <summary>
/// MP0001 fix: wrap the statements from the read to the write (extended to the last later use of a
/// variable they declare) in <c>using (lk.Hold()) { … }</c>, with the ProcessLock the analyzer found
/// in scope. No fix when none is in scope.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(UnlockedFileReadModifyWriteFixer))]
[Shared]
public sealed class UnlockedFileReadModifyWriteFixer : MultiprocFixer
{
    public const string EquivalenceKey = "MP0001.WrapInHold";

    public UnlockedFileReadModifyWriteFixer() : base(RuleIdentifiers.UnlockedFileReadModifyWrite) { }

    public override FixAllProvider GetFixAllProvider() => new KeyedBatchFixer(EquivalenceKey);

    private protected override CodeAction? Offer(Document document, SyntaxNode root, Diagnostic diagnostic)
    {
        if (Property(diagnostic, UnlockedFileReadModifyWrite.LockProperty) is not { } lockName || Range(root, diagnostic) is null) return null;
        return CodeAction.Create($"Hold '{lockName}' around the read and the write", ct => FixAsync(document, diagnostic, lockName, ct), EquivalenceKey);
    }

    private static (BlockSyntax Block, int First, int Last)? Range(SyntaxNode root, Diagnostic diagnostic)
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

        // Variables declared in the range and used after it: take their uses in too.
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

        var wrapped = block.Statements.Skip(first).Take(last - first + 1).ToList();
        var leading = wrapped[0].GetLeadingTrivia();
        wrapped[0] = wrapped[0].WithLeadingTrivia(leading.Where(t => t.IsKind(SyntaxKind.WhitespaceTrivia)));
        var hold = InvocationExpression(MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, IdentifierName(lockName), IdentifierName("Hold")));
        var usingStatement = UsingStatement(null, hold, Block(wrapped))
            .WithLeadingTrivia(leading)
            .WithAdditionalAnnotations(Formatter.Annotation);
        var statements = block.Statements.Take(first).Append(usingStatement).Concat(block.Statements.Skip(last + 1));
        var newBlock = block.WithStatements(List(statements));
        return document.WithSyntaxRoot(root.ReplaceNode(block, newBlock));
    }
}
