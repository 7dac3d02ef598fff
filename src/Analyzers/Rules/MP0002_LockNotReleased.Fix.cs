namespace Multiproc.Analyzers;

internal static partial class LockNotReleased
{
    /// <summary>
    /// The fix properties (<see cref="FixKindProperty"/>, <see cref="ReleaseStartProperty"/>, <see cref="ReleaseNameProperty"/>,
    /// <see cref="ReleaseTakesLockArgumentProperty"/>, <see cref="LockVariableProperty"/>) of the MP0002 diagnostic at
    /// <paramref name="node"/>, the innermost node at the diagnostic's location (the acquire's syntax: an invocation, or
    /// <c>new Mutex(true, …)</c>): the acquire's operation taken from <paramref name="semanticModel"/>, classified with a
    /// <see cref="LockApi"/> of that compilation, then the same <see cref="FixProperties"/> the analyzer ran before. Empty
    /// when no fix applies, or when <paramref name="node"/> is not an acquire MP0002 knows.
    /// </summary>
    /// <remarks>
    /// The analyzer reports MP0002 without properties (see <see cref="LockNotReleasedAnalyzer"/>): every one of them is a
    /// function of the acquire's operation and the compilation, so the fixer computes them here, when a fix is asked for,
    /// instead of every build computing them for every report. The bench's <c>--dump-diagnostics</c> calls this (by
    /// reflection: it loads the analyzers' DLL by path) and prints its result with each MP0002 diagnostic.
    /// </remarks>
    internal static ImmutableDictionary<string, string?> FixPropertiesAt(SemanticModel semanticModel, SyntaxNode node, System.Threading.CancellationToken cancellationToken)
    {
        var span = node.Span;
        // The acquire's own node, or one of the same span around it (FindNode's tie rule may hand either).
        for (var n = node; n is not null && n.Span == span; n = n.Parent)
        {
            switch (semanticModel.GetOperation(n, cancellationToken))
            {
                case IInvocationOperation invocation when invocation.Syntax.Span == span:
                {
                    var api = new LockApi(MultiprocTypes.For(semanticModel.Compilation));
                    return api.Classify(invocation) is { IsAcquire: true } call && call.Key is { } key
                        ? FixProperties(invocation, call, key, api)
                        : ImmutableDictionary<string, string?>.Empty;
                }
                case IObjectCreationOperation creation when creation.Syntax.Span == span:
                {
                    var api = new LockApi(MultiprocTypes.For(semanticModel.Compilation));
                    return api.ClassifyCreation(creation) is { } call && call.Key is { } key
                        ? FixProperties(creation, call, key, api)
                        : ImmutableDictionary<string, string?>.Empty;
                }
            }
        }
        return ImmutableDictionary<string, string?>.Empty;
    }
}
