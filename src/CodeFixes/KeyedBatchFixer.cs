namespace Multiproc.CodeFixes;

/// <summary>
/// The batch Fix All, with the fixer's own equivalence key when the context comes without one.
/// </summary>
/// <remarks>
/// <c>dotnet format analyzers</c> takes the key from the action a fixer registers for the first diagnostic of the
/// analyzer's result; that result holds every rule of <c>MultiprocAnalyzer</c>, so the first diagnostic may be another
/// rule's, the fixer registers nothing for it, and the key is null. The plain batch fixer then matches no action and
/// returns no fix ("didn't return a Fix All action"). Every action of the fixers that use this has the one key.
/// </remarks>
internal sealed class KeyedBatchFixer : FixAllProvider
{
    private readonly string _equivalenceKey;

    public KeyedBatchFixer(string equivalenceKey) => _equivalenceKey = equivalenceKey;

    public override IEnumerable<FixAllScope> GetSupportedFixAllScopes() => WellKnownFixAllProviders.BatchFixer.GetSupportedFixAllScopes();

    public override Task<CodeAction?> GetFixAsync(FixAllContext fixAllContext)
    {
        if (fixAllContext.CodeActionEquivalenceKey is null)
        {
            var provider = new SameDiagnostics(fixAllContext);
            fixAllContext = fixAllContext.Document is { } document
                ? new FixAllContext(document, fixAllContext.CodeFixProvider, fixAllContext.Scope, _equivalenceKey,
                    fixAllContext.DiagnosticIds, provider, fixAllContext.CancellationToken)
                : new FixAllContext(fixAllContext.Project, fixAllContext.CodeFixProvider, fixAllContext.Scope, _equivalenceKey,
                    fixAllContext.DiagnosticIds, provider, fixAllContext.CancellationToken);
        }
        return WellKnownFixAllProviders.BatchFixer.GetFixAsync(fixAllContext);
    }

    /// <summary>The diagnostics of the original context.</summary>
    private sealed class SameDiagnostics : FixAllContext.DiagnosticProvider
    {
        private readonly FixAllContext _original;

        public SameDiagnostics(FixAllContext original) => _original = original;

        public override async Task<IEnumerable<Diagnostic>> GetDocumentDiagnosticsAsync(Document document, CancellationToken cancellationToken) =>
            await _original.GetDocumentDiagnosticsAsync(document).ConfigureAwait(false);

        public override async Task<IEnumerable<Diagnostic>> GetProjectDiagnosticsAsync(Project project, CancellationToken cancellationToken) =>
            await _original.GetProjectDiagnosticsAsync(project).ConfigureAwait(false);

        public override async Task<IEnumerable<Diagnostic>> GetAllDiagnosticsAsync(Project project, CancellationToken cancellationToken) =>
            await _original.GetAllDiagnosticsAsync(project).ConfigureAwait(false);
    }
}
