using static Microsoft.CodeAnalysis.CSharp.SyntaxFactory;

namespace Multiproc.CodeFixes;

/// <summary>MP0011: makes the process running an endless consumer a daemon, before it starts.</summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(EndlessConsumerFixer))]
[Shared]
public sealed class EndlessConsumerFixer() : MultiprocFixer(RuleIdentifiers.EndlessConsumerNotDaemon, EquivalenceKey)
{
    public const string EquivalenceKey = "MP0011_SetDaemon";

    private protected override CodeAction? Offer(Document document, SyntaxNode root, Diagnostic diagnostic)
    {
        if (Property(diagnostic, EndlessConsumer.FixKindProperty) is not { } kind) return null;
        if (FixEdits.Decode(Property(diagnostic, FixEdits.Property)).Count != 1) return null;
        return CodeAction.Create(
            "Make the process a daemon (Daemon = true before Start())",
            ct => FixAsync(document, diagnostic, kind, ct),
            EquivalenceKey);
    }

    private static async Task<Document> FixAsync(Document document, Diagnostic diagnostic, string kind, CancellationToken ct)
    {
        var root = await document.GetSyntaxRootAsync(ct).ConfigureAwait(false);
        if (root is null) return document;
        var span = FixEdits.Decode(diagnostic.Properties[FixEdits.Property])[0].Span;
        var node = root.FindNode(span, getInnermostNodeForTie: false);
        SyntaxNode newRoot;
        switch (kind)
        {
            case EndlessConsumer.FixReplaceFalse:
            {
                var value = root.FindNode(span, getInnermostNodeForTie: true) as ExpressionSyntax;
                if (value is null) return document;
                newRoot = root.ReplaceNode(value, LiteralExpression(SyntaxKind.TrueLiteralExpression).WithTriviaFrom(value));
                break;
            }
            case EndlessConsumer.FixAddToInitializer:
            {
                var creation = node.DescendantNodesAndSelf().OfType<ObjectCreationExpressionSyntax>().FirstOrDefault();
                if (creation is null) return document;
                var assignment = AssignmentExpression(SyntaxKind.SimpleAssignmentExpression, IdentifierName("Daemon"), LiteralExpression(SyntaxKind.TrueLiteralExpression));
                ObjectCreationExpressionSyntax newCreation;
                if (creation.Initializer is { } init)
                {
                    newCreation = creation.WithInitializer(init.WithExpressions(init.Expressions.Add(assignment)));
                }
                else
                {
                    var trailing = creation.GetTrailingTrivia();
                    var withoutTrailing = creation.WithoutTrailingTrivia();
                    if (withoutTrailing.ArgumentList is { } args)
                        withoutTrailing = withoutTrailing.WithArgumentList(args.WithCloseParenToken(args.CloseParenToken.WithTrailingTrivia(Space)));
                    newCreation = withoutTrailing
                        .WithInitializer(InitializerExpression(SyntaxKind.ObjectInitializerExpression, SingletonSeparatedList<ExpressionSyntax>(assignment))
                            .WithOpenBraceToken(Token(SyntaxKind.OpenBraceToken).WithTrailingTrivia(Space))
                            .WithCloseBraceToken(Token(SyntaxKind.CloseBraceToken).WithLeadingTrivia(Space)))
                        .WithTrailingTrivia(trailing);
                }
                newRoot = root.ReplaceNode(creation, newCreation);
                break;
            }
            case EndlessConsumer.FixInsertStatement:
            {
                if (!diagnostic.Properties.TryGetValue(EndlessConsumer.LocalProperty, out var local) || local is null) return document;
                if (node is not StatementSyntax statement || statement.Parent is not BlockSyntax block) return document;
                var insert = ExpressionStatement(AssignmentExpression(
                        SyntaxKind.SimpleAssignmentExpression,
                        MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, IdentifierName(local), IdentifierName("Daemon")),
                        LiteralExpression(SyntaxKind.TrueLiteralExpression)))
                    .WithLeadingTrivia(statement.GetLeadingTrivia().Where(t => t.IsKind(SyntaxKind.WhitespaceTrivia)))
                    .WithTrailingTrivia(statement.GetTrailingTrivia());
                newRoot = root.ReplaceNode(block, block.WithStatements(block.Statements.Insert(block.Statements.IndexOf(statement) + 1, insert)));
                break;
            }
            default:
                return document;
        }
        return document.WithSyntaxRoot(newRoot);
    }
}
