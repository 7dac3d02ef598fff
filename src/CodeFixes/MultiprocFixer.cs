namespace Multiproc.CodeFixes;

/// <summary>
/// What every Multiproc fixer shares: the one rule it fixes, and the opening of <see cref="RegisterCodeFixesAsync"/>
/// (the document's root once, then one <see cref="Offer"/> per diagnostic, which reads the properties the analyzer left
/// and returns the code action, or null when the diagnostic has no fix). A fixer states only its rule, its Fix All
/// provider and what it offers; the edits themselves stay in the fixer.
/// </summary>
public abstract class MultiprocFixer : CodeFixProvider
{
    private protected MultiprocFixer(string diagnosticId) => FixableDiagnosticIds = ImmutableArray.Create(diagnosticId);

    /// <inheritdoc/>
    public sealed override ImmutableArray<string> FixableDiagnosticIds { get; }

    /// <inheritdoc/>
    public sealed override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        if (root is null) return;
        foreach (var diagnostic in context.Diagnostics)
            if (Offer(context.Document, root, diagnostic) is { } action) context.RegisterCodeFix(action, diagnostic);
    }

    /// <summary>The fix for <paramref name="diagnostic"/> in <paramref name="document"/> (whose root is <paramref name="root"/>), or null.</summary>
    private protected abstract CodeAction? Offer(Document document, SyntaxNode root, Diagnostic diagnostic);

    /// <summary>A diagnostic property the analyzer set (null when absent or null).</summary>
    private protected static string? Property(Diagnostic diagnostic, string name) =>
        diagnostic.Properties.TryGetValue(name, out var value) ? value : null;

    /// <summary>The innermost node at the diagnostic's location.</summary>
    private protected static SyntaxNode NodeAt(SyntaxNode root, Diagnostic diagnostic) =>
        root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true);
}
