namespace Multiproc.CodeFixes;

/// <summary>
/// MP0018: <c>if (!ready) cond.Wait();</c> becomes <c>cond.WaitFor(() =&gt; ready);</c> (a timeout argument is kept:
/// <c>cond.WaitFor(() =&gt; ready, timeout)</c>). Offered when the analyzer found the simple guarding <c>if</c>.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(ConditionWaitOutsideLoopFixer)), Shared]
public sealed class ConditionWaitOutsideLoopFixer() : MultiprocFixer(RuleIdentifiers.ConditionWaitOutsideLoop, EquivalenceKey)
{
    public const string EquivalenceKey = "MP0018.UseWaitFor";

    private protected override CodeAction? Offer(Document document, SyntaxNode root, Diagnostic diagnostic)
    {
        if (Property(diagnostic, ConditionWaitOutsideLoop.FixableProperty) != "true") return null;
        if (NodeAt(root, diagnostic).FirstAncestorOrSelf<InvocationExpressionSyntax>() is not
            { Expression: MemberAccessExpressionSyntax access } wait) return null;
        if (ConditionWaitOutsideLoop.GuardingIf(wait) is not { } guard) return null;
        var condition = access.Expression.WithoutTrivia().ToString();
        return CodeAction.Create($"Use '{condition}.WaitFor(() => …)'", ct => FixAsync(document, guard, wait, access, ct), EquivalenceKey);
    }

    private static async Task<Document> FixAsync(Document document, IfStatementSyntax guard, InvocationExpressionSyntax wait,
        MemberAccessExpressionSyntax access, CancellationToken cancellationToken)
    {
        var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        if (root is null) return document;
        var predicate = SyntaxFactory.ParenthesizedLambdaExpression(Negate(guard.Condition.WithoutTrivia()));
        var arguments = SyntaxFactory.SeparatedList(new[] { SyntaxFactory.Argument(predicate) }
            .Concat(wait.ArgumentList.Arguments.Select(a => a.WithoutTrivia())));
        var call = SyntaxFactory.InvocationExpression(
            access.WithName(SyntaxFactory.IdentifierName("WaitFor")).WithoutTrivia(),
            SyntaxFactory.ArgumentList(arguments));
        var statement = SyntaxFactory.ExpressionStatement(call)
            .WithLeadingTrivia(guard.GetLeadingTrivia())
            .WithTrailingTrivia(guard.GetTrailingTrivia())
            .WithAdditionalAnnotations(Formatter.Annotation);
        return document.WithSyntaxRoot(root.ReplaceNode(guard, statement));
    }

    /// <summary><c>!x</c> → <c>x</c>; <c>a == b</c> → <c>a != b</c> (and the other way); else <c>!(…)</c>.</summary>
    private static ExpressionSyntax Negate(ExpressionSyntax condition)
    {
        while (condition is ParenthesizedExpressionSyntax p) condition = p.Expression;
        return condition switch
        {
            PrefixUnaryExpressionSyntax not when not.IsKind(SyntaxKind.LogicalNotExpression) => not.Operand.WithoutTrivia(),
            BinaryExpressionSyntax eq when eq.IsKind(SyntaxKind.EqualsExpression) =>
                SyntaxFactory.BinaryExpression(SyntaxKind.NotEqualsExpression, eq.Left, eq.Right),
            BinaryExpressionSyntax ne when ne.IsKind(SyntaxKind.NotEqualsExpression) =>
                SyntaxFactory.BinaryExpression(SyntaxKind.EqualsExpression, ne.Left, ne.Right),
            IdentifierNameSyntax or MemberAccessExpressionSyntax or InvocationExpressionSyntax =>
                SyntaxFactory.PrefixUnaryExpression(SyntaxKind.LogicalNotExpression, condition),
            _ => SyntaxFactory.PrefixUnaryExpression(SyntaxKind.LogicalNotExpression, SyntaxFactory.ParenthesizedExpression(condition)),
        };
    }
}
