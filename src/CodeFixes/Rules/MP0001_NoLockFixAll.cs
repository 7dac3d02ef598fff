namespace Multiproc.CodeFixes;

/// <summary>
/// Fix All for <see cref="UnlockedFileReadModifyWriteNoLockFixer"/>: every diagnostic of the scope planned at once
/// (<see cref="NoLockPlan"/>), not one fix after another (a batch fixer merges text changes per document and cannot
/// add one parameter for two diagnostics in the same method, nor edit the parents of targets in other documents).
/// A context without an equivalence key (<c>dotnet format</c>, see <see cref="KeyedBatchFixer"/>) is taken as this fix's.
/// </summary>
internal sealed class NoLockFixAll : FixAllProvider
{
    public override IEnumerable<FixAllScope> GetSupportedFixAllScopes() =>
        new[] { FixAllScope.Document, FixAllScope.Project, FixAllScope.Solution };

    public override async Task<CodeAction?> GetFixAsync(FixAllContext fixAllContext)
    {
        if (fixAllContext.CodeActionEquivalenceKey is { } key && key != UnlockedFileReadModifyWriteNoLockFixer.EquivalenceKey) return null;
        var ct = fixAllContext.CancellationToken;
        var diagnostics = new List<(DocumentId, Diagnostic)>();
        var solution = fixAllContext.Solution;
        async Task AddDocument(Document document)
        {
            foreach (var d in await fixAllContext.GetDocumentDiagnosticsAsync(document).ConfigureAwait(false))
                if (UnlockedFileReadModifyWriteNoLockFixer.Handles(d)) diagnostics.Add((document.Id, d));
        }
        async Task AddProject(Project project)
        {
            foreach (var d in await fixAllContext.GetAllDiagnosticsAsync(project).ConfigureAwait(false))
                if (UnlockedFileReadModifyWriteNoLockFixer.Handles(d) && d.Location.SourceTree is { } tree && solution.GetDocumentId(tree) is { } id)
                    diagnostics.Add((id, d));
        }
        switch (fixAllContext.Scope)
        {
            case FixAllScope.Document when fixAllContext.Document is { } document:
                await AddDocument(document).ConfigureAwait(false);
                break;
            case FixAllScope.Project:
                await AddProject(fixAllContext.Project).ConfigureAwait(false);
                break;
            case FixAllScope.Solution:
                foreach (var project in solution.Projects) await AddProject(project).ConfigureAwait(false);
                break;
            default:
                return null;
        }
        if (diagnostics.Count == 0) return null;
        var fixedSolution = await NoLockPlan.ApplyAsync(solution, diagnostics, ct).ConfigureAwait(false);
        return fixedSolution is null ? null
            : CodeAction.Create(UnlockedFileReadModifyWriteNoLockFixer.Title, _ => Task.FromResult(fixedSolution), UnlockedFileReadModifyWriteNoLockFixer.EquivalenceKey);
    }
}
