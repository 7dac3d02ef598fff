namespace Multiproc.CodeFixes;

/// <summary>
/// MP0016: <c>v.Value += n</c> / <c>-= n</c> / <c>++</c> / <c>--</c> of an int, long or double value becomes
/// <c>v.Add(n)</c> (atomic); any other read-modify-write gets <c>using (v.Lock.Hold()) { … }</c> around the statements
/// from the read to the write (the analyzer gives the range, or no fix when the statements cannot be wrapped).
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(UnlockedSharedReadModifyWriteFixer)), Shared]
public sealed class UnlockedSharedReadModifyWriteFixer() : MultiprocFixer(RuleIdentifiers.UnlockedSharedReadModifyWrite, EquivalenceKey)
{
    /// <summary>One key for both forms: Fix All gives each diagnostic the fix it has.</summary>
    public const string EquivalenceKey = "MP0016.AtomicOrLock";

    private protected override CodeAction? Offer(Document document, SyntaxNode root, Diagnostic diagnostic)
    {
        if (Property(diagnostic, UnlockedSharedReadModifyWrite.OwnerProperty) is not { } owner) return null;
        switch (Property(diagnostic, UnlockedSharedReadModifyWrite.FixProperty))
        {
            case UnlockedSharedReadModifyWrite.FixAdd:
            {
                if (Property(diagnostic, UnlockedSharedReadModifyWrite.DeltaProperty) is not { } delta) return null;
                if (NodeAt(root, diagnostic).FirstAncestorOrSelf<ExpressionStatementSyntax>() is not { } statement) return null;
                return CodeAction.Create($"Use '{owner}.Add({delta})'", ct => AddAsync(document, statement, owner, delta, ct), EquivalenceKey);
            }
            case UnlockedSharedReadModifyWrite.FixHold:
            {
                if (!int.TryParse(Property(diagnostic, UnlockedSharedReadModifyWrite.HoldStartProperty), out var start)
                    || !int.TryParse(Property(diagnostic, UnlockedSharedReadModifyWrite.HoldEndProperty), out var end)) return null;
                if (NodeAt(root, diagnostic).FirstAncestorOrSelf<ExpressionStatementSyntax>() is not { } last) return null;
                return CodeAction.Create($"Hold '{owner}.Lock' with 'using ({owner}.Lock.Hold())'",
                    ct => HoldAsync(document, last, owner, start, end, ct), EquivalenceKey);
            }
            default:
                return null;
        }
    }

    private static async Task<Document> AddAsync(Document document, ExpressionStatementSyntax statement, string owner, string delta, CancellationToken cancellationToken)
    {
        var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        if (root is null) return document;
        var call = SyntaxFactory.ParseExpression(owner + ".Add(" + delta + ")");
        var replacement = statement.WithExpression(call.WithTriviaFrom(statement.Expression));
        return document.WithSyntaxRoot(root.ReplaceNode(statement, replacement));
    }

    private static async Task<Document> HoldAsync(Document document, ExpressionStatementSyntax last, string owner, int start, int end, CancellationToken cancellationToken)
    {
        var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        if (root is null) return document;
        var hold = SyntaxFactory.ParseExpression(owner + ".Lock.Hold()");
        if (last.Parent is BlockSyntax block)
        {
            var inside = block.Statements.Where(s => s.SpanStart >= start && s.Span.End <= end).ToList();
            if (inside.Count == 0) return document;
            var @using = SyntaxFactory.UsingStatement(null, hold,
                    SyntaxFactory.Block(inside.Select(s => s.WithoutLeadingTrivia().WithLeadingTrivia(SyntaxFactory.ElasticMarker))))
                .WithLeadingTrivia(inside[0].GetLeadingTrivia())
                .WithTrailingTrivia(inside[inside.Count - 1].GetTrailingTrivia())
                .WithAdditionalAnnotations(Formatter.Annotation);
            var statements = new List<StatementSyntax>();
            foreach (var s in block.Statements)
            {
                if (s == inside[0]) statements.Add(@using);
                else if (!inside.Contains(s)) statements.Add(s);
            }
            var newBlock = block.WithStatements(SyntaxFactory.List(statements));
            return document.WithSyntaxRoot(root.ReplaceNode(block, newBlock));
        }
        var single = SyntaxFactory.UsingStatement(null, hold,
                SyntaxFactory.Block(last.WithoutTrivia()))
            .WithTriviaFrom(last)
            .WithAdditionalAnnotations(Formatter.Annotation);
        return document.WithSyntaxRoot(root.ReplaceNode(last, single));
    }
}
