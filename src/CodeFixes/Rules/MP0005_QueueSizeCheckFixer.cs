namespace Multiproc.CodeFixes;

/// <summary>
/// MP0005: <c>if (!q.IsEmpty) { var x = q.Get(); … }</c> → <c>if (q.TryGet(out var x)) { … }</c> (also <c>while</c>,
/// <c>Count &gt; 0</c>, and the <c>IsFull</c>/<c>Put</c> → <c>TryPut</c> twin), and
/// <c>if (q.IsEmpty) return; var x = q.Get();</c> → <c>if (!q.TryGet(out var x)) return;</c>.
/// The analyzer hands over the spans of the statement and the call statement in the diagnostic's properties.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(QueueSizeCheckFixer)), Shared]
public sealed class QueueSizeCheckFixer() : MultiprocFixer(RuleIdentifiers.QueueSizeCheckDecides)
{
    public const string EquivalenceKey = "MP0005.UseTryGetTryPut";

    public override FixAllProvider GetFixAllProvider() => FixAllProvider.Create(async (fixAllContext, document, diagnostics) =>
    {
        var root = await document.GetSyntaxRootAsync(fixAllContext.CancellationToken).ConfigureAwait(false);
        if (root is null) return document;
        var targets = diagnostics.Select(d => Target(root, d)).Where(t => t is not null).Select(t => t!.Value).ToList();
        var tracked = root.TrackNodes(targets.SelectMany(t => new SyntaxNode[] { t.Statement, t.Call }));
        foreach (var t in targets.OrderByDescending(t => t.Statement.SpanStart))
        {
            if (tracked.GetCurrentNode(t.Statement) is { } statement && tracked.GetCurrentNode(t.Call) is { } call)
                tracked = Apply(tracked, statement, call, t.Shape, t.Queue, t.Get) ?? tracked;
        }
        return document.WithSyntaxRoot(tracked);
    });

    private protected override CodeAction? Offer(Document document, SyntaxNode root, Diagnostic diagnostic) =>
        Target(root, diagnostic) is { } t
            ? CodeAction.Create($"Use '{t.Queue}.{(t.Get ? "TryGet" : "TryPut")}(…)'", ct => FixAsync(document, diagnostic, ct), EquivalenceKey)
            : null;

    private static async Task<Document> FixAsync(Document document, Diagnostic diagnostic, CancellationToken cancellationToken)
    {
        var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        if (root is null || Target(root, diagnostic) is not { } t) return document;
        return Apply(root, t.Statement, t.Call, t.Shape, t.Queue, t.Get) is { } newRoot ? document.WithSyntaxRoot(newRoot) : document;
    }

    private static (StatementSyntax Statement, StatementSyntax Call, string Shape, string Queue, bool Get)? Target(SyntaxNode root, Diagnostic diagnostic)
    {
        if (!diagnostic.Properties.TryGetValue(QueueSizeCheck.ShapeProperty, out var shape) || shape is null) return null;
        if (!diagnostic.Properties.TryGetValue(QueueSizeCheck.QueueProperty, out var queue) || queue is null) return null;
        diagnostic.Properties.TryGetValue(QueueSizeCheck.StatementSpanProperty, out var statementSpan);
        diagnostic.Properties.TryGetValue(QueueSizeCheck.CallSpanProperty, out var callSpan);
        if (QueueSizeCheck.ParseSpan(statementSpan) is not { } s1 || QueueSizeCheck.ParseSpan(callSpan) is not { } s2) return null;
        if (s1.End > root.FullSpan.End || s2.End > root.FullSpan.End) return null;
        if (root.FindNode(s1) is not StatementSyntax statement || statement.Span != s1) return null;
        if (root.FindNode(s2) is not StatementSyntax call || call.Span != s2) return null;
        var get = QueueSizeCheck.IsCallStatement(call, queue, get: true);
        if (!get && !QueueSizeCheck.IsCallStatement(call, queue, get: false)) return null;
        return (statement, call, shape, queue, get);
    }

    private static SyntaxNode? Apply(SyntaxNode root, StatementSyntax statement, StatementSyntax callStatement, string shape, string queue, bool get)
    {
        if (QueueSizeCheck.CallOf(callStatement, get) is not { } call) return null;
        var args = call.ArgumentList.Arguments.Select(a => a.ToString()).ToList();
        if (get)
        {
            var outArgument = callStatement switch
            {
                LocalDeclarationStatementSyntax decl => "out " + decl.Declaration.Type + " " + decl.Declaration.Variables[0].Identifier.ValueText,
                ExpressionStatementSyntax { Expression: AssignmentExpressionSyntax assignment } => "out " + assignment.Left,
                _ => "out _",
            };
            args.Insert(0, outArgument);
        }
        var tryCall = SyntaxFactory.ParseExpression(queue + (get ? ".TryGet(" : ".TryPut(") + string.Join(", ", args) + ")");

        if (shape == QueueSizeCheck.ShapeGuard)
        {
            var body = statement switch
            {
                IfStatementSyntax s => s.Statement,
                WhileStatementSyntax s => s.Statement,
                _ => null,
            };
            if (body is null) return null;
            StatementSyntax newBody = body is BlockSyntax block
                ? block.RemoveNode(callStatement, SyntaxRemoveOptions.KeepNoTrivia)!
                : SyntaxFactory.Block().WithTriviaFrom(body).WithAdditionalAnnotations(Formatter.Annotation);
            StatementSyntax newStatement = statement switch
            {
                IfStatementSyntax s => s.WithCondition(tryCall.WithTriviaFrom(s.Condition)).WithStatement(newBody),
                WhileStatementSyntax s => s.WithCondition(tryCall.WithTriviaFrom(s.Condition)).WithStatement(newBody),
                _ => statement,
            };
            return root.ReplaceNode(statement, newStatement);
        }

        if (shape == QueueSizeCheck.ShapeEarlyExit && statement is IfStatementSyntax ifExit && ifExit.Parent is BlockSyntax parent)
        {
            var negated = SyntaxFactory.PrefixUnaryExpression(SyntaxKind.LogicalNotExpression, tryCall).WithTriviaFrom(ifExit.Condition);
            var newParent = parent.ReplaceNode(ifExit, ifExit.WithCondition(negated));
            var callInNew = newParent.Statements[parent.Statements.IndexOf(callStatement)];
            newParent = newParent.RemoveNode(callInNew, SyntaxRemoveOptions.KeepNoTrivia)!;
            return root.ReplaceNode(parent, newParent);
        }
        return null;
    }
}
