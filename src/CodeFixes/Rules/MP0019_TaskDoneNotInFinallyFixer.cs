namespace Multiproc.CodeFixes;

/// <summary>
/// MP0019: moves the statements between the take and its <c>q.TaskDone();</c> into <c>try { … } finally { q.TaskDone(); }</c>
/// (MP0006's <see cref="MissingTaskDoneFixer.MakeTry"/>); the statements after the TaskDone stay where they are.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(TaskDoneNotInFinallyFixer)), Shared]
public sealed class TaskDoneNotInFinallyFixer() : MultiprocFixer(RuleIdentifiers.TaskDoneNotInFinally, EquivalenceKey)
{
    public const string EquivalenceKey = "MP0019.TaskDoneInFinally";

    private protected override CodeAction? Offer(Document document, SyntaxNode root, Diagnostic diagnostic) =>
        OfferInvocationRewrite(document, root, diagnostic, TaskDoneNotInFinally.QueueProperty, MissingTaskDoneFixer.TaskDoneInFinallyTitle, EquivalenceKey, Apply);

    private static SyntaxNode? Apply(SyntaxNode root, InvocationExpressionSyntax take, string queue)
    {
        if (take.FirstAncestorOrSelf<StatementSyntax>() is not { Parent: BlockSyntax block } statement
            || statement is not (ExpressionStatementSyntax or LocalDeclarationStatementSyntax)) return null;
        var statements = block.Statements;
        var start = statements.IndexOf(statement);
        var end = -1;
        for (var i = start + 1; i < statements.Count; i++)
            if (MissingTaskDoneFixer.IsTaskDone(statements[i], queue)) { end = i; break; }
        if (end <= start + 1) return null;

        var between = SyntaxFactory.List(statements.Skip(start + 1).Take(end - start - 1));
        var tryStatement = MissingTaskDoneFixer.MakeTry(between, queue)
            .WithTrailingTrivia(statements[end].GetTrailingTrivia());
        var newStatements = statements.Take(start + 1).Append(tryStatement).Concat(statements.Skip(end + 1));
        return root.ReplaceNode(block, block.WithStatements(SyntaxFactory.List(newStatements)));
    }
}
