namespace Multiproc.CodeFixes;

/// <summary>MP0015: turns <c>var pool = new ProcessPool(…);</c> into <c>using var pool = new ProcessPool(…);</c>.</summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(PoolNotDisposedFixer)), Shared]
public sealed class PoolNotDisposedFixer() : MultiprocFixer(RuleIdentifiers.PoolNotDisposed, EquivalenceKey)
{
    public const string EquivalenceKey = "MP0015.UsingDeclaration";

    private protected override CodeAction? Offer(Document document, SyntaxNode root, Diagnostic diagnostic)
    {
        if (Property(diagnostic, PoolNotDisposed.VariableProperty) is not { } variable) return null;
        if (Declaration(NodeAt(root, diagnostic)) is not { } statement) return null;
        return CodeAction.Create($"Declare '{variable}' with 'using var'", ct => FixAsync(document, statement, ct), EquivalenceKey);
    }

    /// <summary>The declaration statement the creation initializes, when a using declaration can replace it.</summary>
    private static LocalDeclarationStatementSyntax? Declaration(SyntaxNode node)
    {
        var creation = node.FirstAncestorOrSelf<BaseObjectCreationExpressionSyntax>();
        if (creation?.Parent is not EqualsValueClauseSyntax { Parent: VariableDeclaratorSyntax { Parent: VariableDeclarationSyntax { Variables.Count: 1, Parent: LocalDeclarationStatementSyntax statement } } })
            return null;
        if (statement.UsingKeyword != default || statement.Parent is not (BlockSyntax or SwitchSectionSyntax or GlobalStatementSyntax)) return null;
        return statement;
    }

    private static async Task<Document> FixAsync(Document document, LocalDeclarationStatementSyntax statement, CancellationToken cancellationToken)
    {
        var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        if (root is null) return document;
        var leading = statement.GetLeadingTrivia();
        var first = statement.WithoutLeadingTrivia();
        var fixedStatement = first
            .WithUsingKeyword(SyntaxFactory.Token(SyntaxKind.UsingKeyword).WithTrailingTrivia(SyntaxFactory.Space))
            .WithLeadingTrivia(leading);
        return document.WithSyntaxRoot(root.ReplaceNode(statement, fixedStatement));
    }
}
