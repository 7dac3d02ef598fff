namespace Multiproc.CodeFixes;

/// <summary>MP0010: inserts <c>p.Join();</c> right after <c>p.Terminate();</c> / <c>p.Kill();</c>.</summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(TerminatedNotJoinedFixer)), Shared]
public sealed class TerminatedNotJoinedFixer() : MultiprocFixer(RuleIdentifiers.TerminatedNotJoined, EquivalenceKey)
{
    public const string EquivalenceKey = "MP0010.InsertJoin";

    private protected override CodeAction? Offer(Document document, SyntaxNode root, Diagnostic diagnostic)
    {
        if (Property(diagnostic, TerminatedNotJoined.ProcessProperty) is not { } process) return null;
        var node = NodeAt(root, diagnostic);
        SyntaxNode? call = node.FirstAncestorOrSelf<InvocationExpressionSyntax>();
        // p?.Terminate(); (reported on the whole access) is followed by p?.Join();
        if (node is ConditionalAccessExpressionSyntax access)
        {
            call = access;
            process += "?";
        }
        if (call?.Parent is not ExpressionStatementSyntax statement) return null;
        if (statement.Parent is not (BlockSyntax or SwitchSectionSyntax or IfStatementSyntax or ElseClauseSyntax
            or WhileStatementSyntax or ForStatementSyntax or ForEachStatementSyntax or DoStatementSyntax or UsingStatementSyntax)) return null;
        return CodeAction.Create($"Call '{process}.Join()' after it", ct => FixAsync(document, statement, process, ct), EquivalenceKey);
    }

    private static async Task<Document> FixAsync(Document document, ExpressionStatementSyntax statement, string process, CancellationToken cancellationToken)
    {
        var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        if (root is null) return document;
        var join = SyntaxFactory.ParseStatement(process + ".Join();");
        SyntaxNode newRoot;
        if (statement.Parent is BlockSyntax or SwitchSectionSyntax)
        {
            var indentation = statement.GetLeadingTrivia().Where(t => t.IsKind(SyntaxKind.WhitespaceTrivia)).LastOrDefault();
            join = join.WithLeadingTrivia(indentation).WithTrailingTrivia(statement.GetTrailingTrivia());
            newRoot = root.InsertNodesAfter(statement, new[] { join });
        }
        else
        {
            var block = SyntaxFactory.Block(
                    statement.WithoutTrivia().WithLeadingTrivia(SyntaxFactory.ElasticMarker).WithTrailingTrivia(SyntaxFactory.ElasticMarker),
                    join.WithLeadingTrivia(SyntaxFactory.ElasticMarker).WithTrailingTrivia(SyntaxFactory.ElasticMarker))
                .WithLeadingTrivia(SyntaxFactory.ElasticMarker)
                .WithTrailingTrivia(statement.GetTrailingTrivia())
                .WithAdditionalAnnotations(Formatter.Annotation);
            newRoot = root.ReplaceNode(statement, block);
        }
        return document.WithSyntaxRoot(newRoot);
    }
}
