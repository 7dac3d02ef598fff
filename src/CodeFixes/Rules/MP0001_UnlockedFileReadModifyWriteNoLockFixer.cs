namespace Multiproc.CodeFixes;

/// <summary>
/// MP0001's second fix, for the tutorial's starting point where no ProcessLock is in scope at the read: a
/// <c>ProcessLock</c> parameter on the child's method (and on every method between the child target and the read),
/// the read-modify-write wrapped in <c>using (fileLock.Hold()) { … }</c>, and the lock created in the parent beside
/// the <c>new ChildProcess(…)</c> (or the one in scope there) passed at every call, across the solution
/// (<see cref="NoLockPlan"/>). Offered only when the whole change can be made, so that the fixed solution compiles.
/// </summary>
/// <remarks>
/// Nothing more comes from the analyzer than its diagnostic (the read, the write as its additional location, and
/// the absence of its <see cref="UnlockedFileReadModifyWrite.LockProperty"/>); the rest is found here from the
/// semantic models of the solution. Fix All (<see cref="NoLockFixAll"/>) plans all the diagnostics of its scope
/// together, so a method holding two reads gets one parameter and a parent one lock. Not a <see cref="MultiprocFixer"/>:
/// whether the fix can be made is only known after the asynchronous walk over the solution, done before offering it.
/// </remarks>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(UnlockedFileReadModifyWriteNoLockFixer))]
[Shared]
public sealed class UnlockedFileReadModifyWriteNoLockFixer : CodeFixProvider
{
    public const string EquivalenceKey = "MP0001.PassNewProcessLock";
    internal const string Title = "Pass a new ProcessLock from the parent and hold it around the read and the write";

    /// <inheritdoc/>
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(RuleIdentifiers.UnlockedFileReadModifyWrite);

    /// <inheritdoc/>
    public override FixAllProvider GetFixAllProvider() => new NoLockFixAll();

    /// <summary>Whether <paramref name="diagnostic"/> is one this fixer handles: MP0001 with no lock in scope.</summary>
    internal static bool Handles(Diagnostic diagnostic) =>
        diagnostic.Id == RuleIdentifiers.UnlockedFileReadModifyWrite && !diagnostic.Properties.ContainsKey(UnlockedFileReadModifyWrite.LockProperty);

    /// <inheritdoc/>
    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        foreach (var diagnostic in context.Diagnostics)
        {
            if (!Handles(diagnostic)) continue;
            var fixedSolution = await NoLockPlan.ApplyAsync(context.Document.Project.Solution,
                new[] { (context.Document.Id, diagnostic) }, context.CancellationToken).ConfigureAwait(false);
            if (fixedSolution is null) continue;
            context.RegisterCodeFix(CodeAction.Create(Title, _ => Task.FromResult(fixedSolution), EquivalenceKey), diagnostic);
        }
    }
}
