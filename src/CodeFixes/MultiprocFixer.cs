using System;

namespace Multiproc.CodeFixes;

/// <summary>
/// What every Multiproc fixer shares: the one rule it fixes, and the opening of <see cref="RegisterCodeFixesAsync"/>
/// (the document's root once, then one <see cref="Offer"/> per diagnostic, which reads the properties the analyzer left
/// and returns the code action, or null when the diagnostic has no fix; <see cref="OfferAsync"/> for a fixer that
/// computes them). A fixer states only its rule, its Fix All
/// provider and what it offers; the edits themselves stay in the fixer.
/// </summary>
public abstract class MultiprocFixer : CodeFixProvider
{
    private readonly string? _batchKey;

    /// <param name="diagnosticId">The one rule the fixer fixes.</param>
    /// <param name="batchKey">The key of every action the fixer offers, when its Fix All is the keyed batch fixer
    /// (<see cref="KeyedBatchFixer"/>); null when the fixer states its own <see cref="GetFixAllProvider"/>.</param>
    private protected MultiprocFixer(string diagnosticId, string? batchKey = null)
    {
        FixableDiagnosticIds = ImmutableArray.Create(diagnosticId);
        _batchKey = batchKey;
    }

    /// <inheritdoc/>
    public sealed override ImmutableArray<string> FixableDiagnosticIds { get; }

    /// <inheritdoc/>
    public sealed override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        if (root is null) return;
        foreach (var diagnostic in context.Diagnostics)
            if (await OfferAsync(context.Document, root, diagnostic, context.CancellationToken).ConfigureAwait(false) is { } action) context.RegisterCodeFix(action, diagnostic);
    }

    /// <summary>
    /// The fix for <paramref name="diagnostic"/>, for a fixer that needs more than the root to decide (the semantic model:
    /// MP0002's fixer computes what the analyzer does not report); by default <see cref="Offer"/>.
    /// </summary>
    private protected virtual Task<CodeAction?> OfferAsync(Document document, SyntaxNode root, Diagnostic diagnostic, CancellationToken cancellationToken) =>
        Task.FromResult(Offer(document, root, diagnostic));

    /// <inheritdoc/>
    public override FixAllProvider? GetFixAllProvider() => _batchKey is null ? null : new KeyedBatchFixer(_batchKey);

    /// <summary>The fix for <paramref name="diagnostic"/> in <paramref name="document"/> (whose root is <paramref name="root"/>), or null.</summary>
    private protected abstract CodeAction? Offer(Document document, SyntaxNode root, Diagnostic diagnostic);

    /// <summary>A diagnostic property the analyzer set (null when absent or null).</summary>
    private protected static string? Property(Diagnostic diagnostic, string name) =>
        diagnostic.Properties.TryGetValue(name, out var value) ? value : null;

    /// <summary>The innermost node at the diagnostic's location.</summary>
    private protected static SyntaxNode NodeAt(SyntaxNode root, Diagnostic diagnostic) =>
        root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true);

    /// <summary>
    /// The fix of a diagnostic on an invocation that <paramref name="apply"/> rewrites with the value of one diagnostic
    /// property: null when the property is absent, the diagnostic is not in an invocation, or <paramref name="apply"/>
    /// declines; the action finds the invocation again (by the diagnostic's span) in the document it is applied to.
    /// </summary>
    private protected static CodeAction? OfferInvocationRewrite(Document document, SyntaxNode root, Diagnostic diagnostic,
        string property, Func<string, string> title, string equivalenceKey, Func<SyntaxNode, InvocationExpressionSyntax, string, SyntaxNode?> apply)
    {
        if (Property(diagnostic, property) is not { } value) return null;
        if (NodeAt(root, diagnostic).FirstAncestorOrSelf<InvocationExpressionSyntax>() is not { } invocation) return null;
        if (apply(root, invocation, value) is null) return null;
        var span = diagnostic.Location.SourceSpan;
        return CodeAction.Create(title(value), async cancellationToken =>
        {
            var current = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
            if (current?.FindNode(span, getInnermostNodeForTie: true).FirstAncestorOrSelf<InvocationExpressionSyntax>() is not { } found) return document;
            return apply(current, found, value) is { } newRoot ? document.WithSyntaxRoot(newRoot) : document;
        }, equivalenceKey);
    }
}
