using System.Globalization;
using Microsoft.CodeAnalysis.Editing;
using static Microsoft.CodeAnalysis.CSharp.SyntaxFactory;

namespace Multiproc.CodeFixes;

/// <summary>MP0004: moves <c>p.Daemon = …;</c> to just before the <c>p.Start()</c> it follows.</summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(DaemonSetAfterStartFixer))]
[Shared]
public sealed class DaemonSetAfterStartFixer() : MultiprocFixer(RuleIdentifiers.DaemonSetAfterStart, EquivalenceKey)
{
    public const string EquivalenceKey = "MP0004.MoveBeforeStart";

    private protected override CodeAction? Offer(Document document, SyntaxNode root, Diagnostic diagnostic) =>
        diagnostic.Properties.ContainsKey(DaemonSetAfterStart.StartStatementProperty)
            ? CodeAction.Create("Move the Daemon assignment before Start()", ct => FixAsync(document, diagnostic, ct), EquivalenceKey)
            : null;

    private static async Task<Document> FixAsync(Document document, Diagnostic diagnostic, CancellationToken cancellationToken)
    {
        var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        if (root is null) return document;
        var assignmentStatement = root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true)
            .FirstAncestorOrSelf<ExpressionStatementSyntax>();
        var position = int.Parse(diagnostic.Properties[DaemonSetAfterStart.StartStatementProperty]!, CultureInfo.InvariantCulture);
        var startStatement = root.FindToken(position).Parent?.AncestorsAndSelf().OfType<ExpressionStatementSyntax>()
            .FirstOrDefault(s => s.SpanStart == position);
        if (assignmentStatement is null || startStatement is null || assignmentStatement.Parent is not BlockSyntax) return document;

        var editor = new SyntaxEditor(root, document.Project.Solution.Services);
        var moved = assignmentStatement.WithLeadingTrivia(startStatement.GetLeadingTrivia()).WithAdditionalAnnotations(Formatter.Annotation);
        editor.RemoveNode(assignmentStatement, SyntaxRemoveOptions.KeepUnbalancedDirectives);
        if (startStatement.Parent is BlockSyntax)
        {
            editor.InsertBefore(startStatement, moved);
        }
        else
        {
            // `if (c) p.Start();` becomes `if (c) { p.Daemon = …; p.Start(); }`.
            editor.ReplaceNode(startStatement, Block(moved.WithoutLeadingTrivia(), startStatement.WithoutLeadingTrivia())
                .WithLeadingTrivia(startStatement.GetLeadingTrivia())
                .WithAdditionalAnnotations(Formatter.Annotation));
        }
        return document.WithSyntaxRoot(editor.GetChangedRoot());
    }
}
