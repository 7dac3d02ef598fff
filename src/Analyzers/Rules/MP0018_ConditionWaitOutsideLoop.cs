using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Multiproc.Analyzers;

/// <summary>
/// MP0018: <c>cond.Wait()</c> / <c>cond.Wait(timeout)</c> (or <c>await cond.WaitAsync(…)</c>) of a <c>ProcessCondition</c> that is not inside a loop of
/// its function (<c>while</c>, <c>do</c>, <c>for</c>; a <c>foreach</c> re-checks nothing). A notified waiter gets the
/// lock back only after the notifier let it go, and another process may have changed the state in between (a stolen
/// wake-up); a timed wait ends with nothing notified. Python's documentation says the same of
/// <c>Condition.wait()</c>. Per operation, with no graph: the ancestors up to the enclosing function answer.
/// </summary>
/// <remarks>
/// Any <c>while</c>/<c>do</c>/<c>for</c> loop around the wait counts as re-checking, <c>while (true)</c> with an
/// <c>if (…) break;</c> too: the rule does not try to prove what the loop tests. <c>WaitFor</c> loops itself and is
/// never flagged. The fix (<see cref="FixableProperty"/>) applies when the wait is the only statement of an
/// <c>if (!ready)</c> with no <c>else</c>: the <c>if</c> becomes <c>cond.WaitFor(() =&gt; ready)</c> (with the timeout,
/// when there is one).
/// </remarks>
internal static class ConditionWaitOutsideLoop
{
    /// <summary>Diagnostic property, "true" when the wait is the only statement of a simple guarding <c>if</c>.</summary>
    public const string FixableProperty = "Fixable";

    public static void Invoked(OperationAnalysisContext context, IInvocationOperation invocation, MultiprocTypes types)
    {
        var method = invocation.TargetMethod;
        if (method.Name is not ("Wait" or "WaitAsync") || invocation.Instance is null || !types.IsProcessCondition(method.ContainingType)) return;
        if (InsideLoop(invocation) || InsideGotoLoop(invocation)) return;
        // The fix's WaitFor blocks: it is offered for Wait only, not for an awaited WaitAsync.
        var properties = method.Name == "Wait" && GuardingIf(invocation) is not null
            ? ImmutableDictionary<string, string?>.Empty.Add(FixableProperty, "true")
            : ImmutableDictionary<string, string?>.Empty;
        // WaitFor blocks, so an awaited WaitAsync is told to loop, not to call it.
        var receiver = invocation.Instance.Syntax.ToString();
        var advice = method.Name == "Wait" ? $"use '{receiver}.WaitFor(() => condition)'" : "await it in a loop that re-checks the condition";
        context.ReportDiagnostic(Diagnostic.Create(Descriptors.MP0018_ConditionWaitOutsideLoop, invocation.Syntax.GetLocation(), properties,
            receiver, method.Name, advice));
    }

    /// <summary>Whether a while/do/for loop of the same function holds <paramref name="operation"/>.</summary>
    private static bool InsideLoop(IOperation operation)
    {
        for (var parent = operation.Parent; parent is not null; parent = parent.Parent)
        {
            if (parent is IWhileLoopOperation or IForLoopOperation) return true;
            if (parent is IAnonymousFunctionOperation or ILocalFunctionOperation) return false;
        }
        return false;
    }

    /// <summary>
    /// Whether a loop written with a label and a backward <c>goto</c> holds the wait: a <c>goto</c> after it, in the same
    /// function, to a label before it (<c>again: if (!ready) { cond.Wait(); goto again; }</c>).
    /// </summary>
    private static bool InsideGotoLoop(IInvocationOperation invocation)
    {
        var wait = invocation.Syntax;
        SyntaxNode? function = wait.Parent;
        while (function is not null and not (MemberDeclarationSyntax or AnonymousFunctionExpressionSyntax or LocalFunctionStatementSyntax or AccessorDeclarationSyntax))
            function = function.Parent;
        if (function is null) return false;
        foreach (var jump in function.DescendantNodes(n => n is not (AnonymousFunctionExpressionSyntax or LocalFunctionStatementSyntax) || n == function)
                     .OfType<GotoStatementSyntax>())
        {
            if (jump.SpanStart <= wait.SpanStart || !jump.IsKind(Microsoft.CodeAnalysis.CSharp.SyntaxKind.GotoStatement) || jump.Expression is not IdentifierNameSyntax label) continue;
            foreach (var target in function.DescendantNodes().OfType<LabeledStatementSyntax>())
                if (target.Identifier.ValueText == label.Identifier.ValueText && target.SpanStart < wait.SpanStart) return true;
        }
        return false;
    }

    /// <summary>
    /// The <c>if</c> whose only statement is the wait (an expression statement, directly or in a block of one), with no
    /// <c>else</c>; null otherwise. Shared with the fixer's reading of the same shape.
    /// </summary>
    public static IfStatementSyntax? GuardingIf(IInvocationOperation invocation) =>
        invocation.Syntax is InvocationExpressionSyntax syntax ? GuardingIf(syntax) : null;

    /// <summary>The same, from the syntax of the wait call.</summary>
    public static IfStatementSyntax? GuardingIf(InvocationExpressionSyntax wait)
    {
        if (wait.Parent is not ExpressionStatementSyntax statement) return null;
        SyntaxNode? parent = statement.Parent;
        if (parent is BlockSyntax { Statements.Count: 1 } block) parent = block.Parent;
        return parent is IfStatementSyntax { Else: null } guard ? guard : null;
    }
}
