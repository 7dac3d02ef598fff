using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Formatting;
using Multiproc.Analyzers;

namespace Multiproc.CodeFixes;

/// <summary>MP0010: inserts <c>p.Join();</c> right after <c>p.Terminate();</c> / <c>p.Kill();</c>.</summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(TerminatedNotJoinedFixer)), Shared]
public sealed class TerminatedNotJoinedFixer : CodeFixProvider
{
    public const string EquivalenceKey = "MP0010.InsertJoin";

    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(RuleIdentifiers.TerminatedNotJoined);

    public override FixAllProvider GetFixAllProvider() => new KeyedBatchFixer(EquivalenceKey);

    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        if (root is null) return;
        foreach (var diagnostic in context.Diagnostics)
        {
            if (!diagnostic.Properties.TryGetValue(TerminatedNotJoined.ProcessProperty, out var process) || process is null) continue;
            var node = root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true);
            if (node.FirstAncestorOrSelf<InvocationExpressionSyntax>() is not { Parent: ExpressionStatementSyntax statement }) continue;
            if (statement.Parent is not (BlockSyntax or SwitchSectionSyntax or IfStatementSyntax or ElseClauseSyntax
                or WhileStatementSyntax or ForStatementSyntax or ForEachStatementSyntax or DoStatementSyntax or UsingStatementSyntax)) continue;
            context.RegisterCodeFix(
                CodeAction.Create($"Call '{process}.Join()' after it", ct => FixAsync(context.Document, statement, process, ct), EquivalenceKey),
                diagnostic);
        }
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
