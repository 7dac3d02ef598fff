namespace Multiproc.CodeFixes;

/// <summary>
/// MP0006: wraps what follows the take (the rest of the block, or the body of the <c>if</c>/<c>while</c> whose
/// condition is <c>q.TryGet(…)</c>) in <c>try { … } finally { q.TaskDone(); }</c>, removing the <c>q.TaskDone();</c>
/// statements it already had so each item is marked done once. Fix All applies the edits one after another,
/// innermost first, because wrapping one take can enclose another.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(MissingTaskDoneFixer)), Shared]
public sealed class MissingTaskDoneFixer() : MultiprocFixer(RuleIdentifiers.MissingTaskDone)
{
    public const string EquivalenceKey = "MP0006.TaskDoneInFinally";

    private static readonly SyntaxAnnotation Generated = new("Multiproc.MP0006.TaskDone");

    public override FixAllProvider GetFixAllProvider() => FixAllProvider.Create(async (fixAllContext, document, diagnostics) =>
    {
        var root = await document.GetSyntaxRootAsync(fixAllContext.CancellationToken).ConfigureAwait(false);
        if (root is null) return document;
        var targets = new List<(InvocationExpressionSyntax Take, string Queue)>();
        foreach (var d in diagnostics)
        {
            if (!d.Properties.TryGetValue(MissingTaskDone.QueueProperty, out var queue) || queue is null) continue;
            if (root.FindNode(d.Location.SourceSpan, getInnermostNodeForTie: true).FirstAncestorOrSelf<InvocationExpressionSyntax>() is { } take)
                targets.Add((take, queue));
        }
        var tracked = root.TrackNodes(targets.Select(t => t.Take));
        foreach (var (take, queue) in targets.OrderByDescending(t => t.Take.SpanStart))
        {
            if (tracked.GetCurrentNode(take) is { } current && Apply(tracked, current, queue) is { } changed)
                tracked = changed;
        }
        return document.WithSyntaxRoot(tracked);
    });

    private protected override CodeAction? Offer(Document document, SyntaxNode root, Diagnostic diagnostic) =>
        OfferInvocationRewrite(document, root, diagnostic, MissingTaskDone.QueueProperty, TaskDoneInFinallyTitle, EquivalenceKey, Apply);

    /// <summary>The action's title, shared with MP0019's fix.</summary>
    internal static string TaskDoneInFinallyTitle(string queue) => $"Call '{queue}.TaskDone()' in a finally block";

    /// <summary>The new root, or null when the take is not in a shape the fix handles.</summary>
    private static SyntaxNode? Apply(SyntaxNode root, InvocationExpressionSyntax take, string queue)
    {
        // TryGet deciding an if/while: wrap the body (or, for `if (!q.TryGet(…)) jump;`, the rest of the block).
        SyntaxNode condition = take;
        while (condition.Parent is ParenthesizedExpressionSyntax) condition = condition.Parent;
        var negated = false;
        if (condition.Parent is PrefixUnaryExpressionSyntax { RawKind: (int)SyntaxKind.LogicalNotExpression } not)
        {
            negated = true;
            condition = not;
            while (condition.Parent is ParenthesizedExpressionSyntax) condition = condition.Parent;
        }
        switch (condition.Parent)
        {
            case IfStatementSyntax ifStatement when ifStatement.Condition == condition && !negated:
                return WrapBody(root, ifStatement.Statement, queue);
            case WhileStatementSyntax whileStatement when whileStatement.Condition == condition && !negated:
                return WrapBody(root, whileStatement.Statement, queue);
            case IfStatementSyntax ifExit when ifExit.Condition == condition && negated && ifExit.Else is null:
                return WrapRest(root, ifExit, queue);
        }
        if (negated) return null;

        // A statement that only takes the item: q.Get(); x = q.Get(); var x = await q.GetAsync(); …
        SyntaxNode node = take;
        while (node.Parent is AwaitExpressionSyntax or ParenthesizedExpressionSyntax or CastExpressionSyntax
               or EqualsValueClauseSyntax or VariableDeclaratorSyntax or VariableDeclarationSyntax
               || node.Parent is AssignmentExpressionSyntax assignment && assignment.Right == node)
            node = node.Parent;
        return node.Parent is ExpressionStatementSyntax or LocalDeclarationStatementSyntax
            ? WrapRest(root, (StatementSyntax)node.Parent, queue)
            : null;
    }

    private static SyntaxNode? WrapBody(SyntaxNode root, StatementSyntax body, string queue)
    {
        var statements = body is BlockSyntax block ? block.Statements : SyntaxFactory.SingletonList(body);
        var tryStatement = MakeTry(statements, queue);
        BlockSyntax newBody = SyntaxFactory.Block(tryStatement).WithAdditionalAnnotations(Formatter.Annotation);
        if (body is BlockSyntax original)
            newBody = newBody.WithOpenBraceToken(original.OpenBraceToken).WithCloseBraceToken(original.CloseBraceToken);
        else
            newBody = newBody.WithTrailingTrivia(body.GetTrailingTrivia());
        return root.ReplaceNode(body, newBody);
    }

    private static SyntaxNode? WrapRest(SyntaxNode root, StatementSyntax takeStatement, string queue)
    {
        if (takeStatement.Parent is not BlockSyntax block) return null;
        var index = block.Statements.IndexOf(takeStatement);
        var rest = block.Statements.Skip(index + 1).ToList();
        var done = TaskDoneStatement(queue);
        SyntaxList<StatementSyntax> newStatements;
        if (rest.Count == 0)
            newStatements = block.Statements.Add(done);
        else
            newStatements = SyntaxFactory.List(block.Statements.Take(index + 1).Append(MakeTry(SyntaxFactory.List(rest), queue)));
        return root.ReplaceNode(block, block.WithStatements(newStatements));
    }

    /// <summary><c>try { statements } finally { queue.TaskDone(); }</c>, the statements' own <c>queue.TaskDone();</c> removed (MP0019's fix too).</summary>
    internal static TryStatementSyntax MakeTry(SyntaxList<StatementSyntax> statements, string queue)
    {
        var kept = new List<StatementSyntax>();
        foreach (var s in statements)
            kept.Add(RemoveTaskDone(s, queue));
        while (kept.Count > 0 && IsTaskDone(kept[kept.Count - 1], queue)) kept.RemoveAt(kept.Count - 1);
        kept = kept.Where(s => !IsTaskDone(s, queue)).ToList();
        return SyntaxFactory.TryStatement(
                SyntaxFactory.Block(kept),
                default,
                SyntaxFactory.FinallyClause(SyntaxFactory.Block(TaskDoneStatement(queue))))
            .WithAdditionalAnnotations(Formatter.Annotation);
    }

    private static StatementSyntax TaskDoneStatement(string queue) =>
        SyntaxFactory.ParseStatement(queue + ".TaskDone();")
            .WithLeadingTrivia(SyntaxFactory.ElasticMarker)
            .WithTrailingTrivia(SyntaxFactory.ElasticMarker)
            .WithAdditionalAnnotations(Generated, Formatter.Annotation);

    internal static bool IsTaskDone(StatementSyntax statement, string queue) =>
        !statement.HasAnnotation(Generated)
        && statement is ExpressionStatementSyntax { Expression: InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax m, ArgumentList.Arguments.Count: 0 } }
        && m.Name.Identifier.ValueText == "TaskDone" && m.Expression.ToString() == queue;

    /// <summary>Removes nested <c>q.TaskDone();</c> statements (not inside lambdas or local functions, not ones a previous fix made).</summary>
    private static StatementSyntax RemoveTaskDone(StatementSyntax statement, string queue)
    {
        var nested = statement.DescendantNodes(n => n is not (AnonymousFunctionExpressionSyntax or LocalFunctionStatementSyntax))
            .OfType<StatementSyntax>().Where(s => IsTaskDone(s, queue)).ToList();
        if (nested.Count == 0) return statement;
        return statement.ReplaceNodes(nested, (original, _) =>
            original.Parent is BlockSyntax or SwitchSectionSyntax
                ? SyntaxFactory.EmptyStatement().WithAdditionalAnnotations(RemoveMe)
                : SyntaxFactory.Block().WithTriviaFrom(original))
            .RemoveEmpty();
    }

    internal static readonly SyntaxAnnotation RemoveMe = new("Multiproc.MP0006.Remove");
}

internal static class MissingTaskDoneFixerExtensions
{
    public static StatementSyntax RemoveEmpty(this StatementSyntax statement)
    {
        var marked = statement.GetAnnotatedNodes(MissingTaskDoneFixer.RemoveMe).ToList();
        return marked.Count == 0 ? statement : statement.RemoveNodes(marked, SyntaxRemoveOptions.KeepNoTrivia)!;
    }
}
