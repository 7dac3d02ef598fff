using Microsoft.CodeAnalysis.Simplification;
using Microsoft.CodeAnalysis.Text;
using static Microsoft.CodeAnalysis.CSharp.SyntaxFactory;

namespace Multiproc.CodeFixes;

/// <summary>
/// MP0007: turns a local that is only used for locking (and the target parameter it is passed to)
/// into a <c>ProcessLock</c>, and its <c>lock (x) { … }</c> statements into <c>using (x.Hold()) { … }</c>.
/// The edits come from the analyzer (<see cref="FixEdits"/>). Several diagnostics can share edits (one
/// lock passed to several children), so Fix All merges them per document itself.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(InProcessSynchronizerFixer))]
[Shared]
public sealed class InProcessSynchronizerFixer() : MultiprocFixer(RuleIdentifiers.InProcessSynchronizerSentToChild)
{
    public const string EquivalenceKey = "MP0007_UseProcessLock";

    public override FixAllProvider GetFixAllProvider() =>
        FixAllProvider.Create((context, document, diagnostics) => ApplyAsync(document, diagnostics, context.CancellationToken));

    private protected override CodeAction? Offer(Document document, SyntaxNode root, Diagnostic diagnostic) =>
        Edits(diagnostic).Count == 0
            ? null
            : CodeAction.Create(
                "Use a ProcessLock (lock → using (….Hold()))",
                async ct => await ApplyAsync(document, ImmutableArray.Create(diagnostic), ct).ConfigureAwait(false) ?? document,
                EquivalenceKey);

    private static List<(char Kind, TextSpan Span)> Edits(Diagnostic diagnostic) => FixEdits.Decode(Property(diagnostic, FixEdits.Property));

    private static async Task<Document?> ApplyAsync(Document document, ImmutableArray<Diagnostic> diagnostics, CancellationToken ct)
    {
        var root = await document.GetSyntaxRootAsync(ct).ConfigureAwait(false);
        if (root is null) return document;
        var edits = new Dictionary<SyntaxNode, char>();
        foreach (var (kind, span) in diagnostics.SelectMany(Edits).Distinct())
        {
            SyntaxNode? node = kind switch
            {
                InProcessSynchronizer.EditCreation => root.FindNode(span, getInnermostNodeForTie: true).FirstAncestorOrSelf<BaseObjectCreationExpressionSyntax>(),
                InProcessSynchronizer.EditType => root.FindNode(span, getInnermostNodeForTie: false).FirstAncestorOrSelf<TypeSyntax>(),
                InProcessSynchronizer.EditLock => root.FindNode(span, getInnermostNodeForTie: false).FirstAncestorOrSelf<LockStatementSyntax>(),
                _ => null,
            };
            if (node is null || node.Span != span) continue;
            edits[node] = kind;
        }
        if (edits.Count == 0) return document;

        var newRoot = root.ReplaceNodes(edits.Keys, (original, rewritten) => edits[original] switch
        {
            InProcessSynchronizer.EditCreation =>
                ObjectCreationExpression(ProcessLockType(), ArgumentList(), null).WithTriviaFrom(rewritten),
            InProcessSynchronizer.EditType =>
                ProcessLockType().WithTriviaFrom(rewritten),
            InProcessSynchronizer.EditLock => ToUsing((LockStatementSyntax)rewritten),
            _ => rewritten,
        });
        return document.WithSyntaxRoot(newRoot);
    }

    private static TypeSyntax ProcessLockType() =>
        ParseTypeName("global::Multiproc.ProcessLock").WithAdditionalAnnotations(Simplifier.Annotation);

    private static UsingStatementSyntax ToUsing(LockStatementSyntax statement) =>
        UsingStatement(statement.Statement)
            .WithUsingKeyword(Token(SyntaxKind.UsingKeyword).WithTriviaFrom(statement.LockKeyword))
            .WithOpenParenToken(statement.OpenParenToken)
            .WithExpression(InvocationExpression(
                    MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, statement.Expression.WithoutTrivia(), IdentifierName("Hold")))
                .WithTriviaFrom(statement.Expression))
            .WithCloseParenToken(statement.CloseParenToken)
            .WithAttributeLists(statement.AttributeLists);
}
