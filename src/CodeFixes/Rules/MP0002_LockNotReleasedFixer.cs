using System.Globalization;
using static Microsoft.CodeAnalysis.CSharp.SyntaxFactory;

namespace Multiproc.CodeFixes;

/// <summary>
/// MP0002: scopes the region from the acquire to its release (or to the end of the block) so that the
/// lock is released on every path: <c>using (lk.Hold())</c> for a ProcessLock, <c>lock (obj)</c> for a
/// <c>Monitor.Enter/Exit</c> pair, and otherwise <c>try { … } finally { release; }</c>.
/// </summary>
/// <remarks>
/// The analyzer reports MP0002 without the properties a fix needs (which fix, where the region ends, the release); they are
/// computed here from the acquire at the diagnostic's location (<see cref="LockNotReleased.FixPropertiesAt"/>, the code the
/// analyzer ran when it computed them for every report), on the document the diagnostic was reported on. A diagnostic
/// that carries them (an analyzer that computed them) is taken as it is.
/// </remarks>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(LockNotReleasedFixer))]
[Shared]
public sealed class LockNotReleasedFixer() : MultiprocFixer(RuleIdentifiers.LockNotReleased)
{
    public const string HoldEquivalenceKey = "MP0002.UseHold";
    public const string LockEquivalenceKey = "MP0002.UseLockStatement";
    public const string TryFinallyEquivalenceKey = "MP0002.UseTryFinally";

    /// <summary>
    /// Fix All gives every MP0002 diagnostic the fix it needs (Hold(), lock, or try/finally),
    /// whichever of them it was invoked from: a tool such as <c>dotnet format analyzers</c> invokes
    /// it once per rule, with one equivalence key. Fixes are applied from the end of the document
    /// backwards, so positions still to be fixed do not move; a fix whose region contains one
    /// already applied is left for the next pass.
    /// </summary>
    public override FixAllProvider GetFixAllProvider() => FixAllProvider.Create(FixAllInDocumentAsync);

    private static async Task<Document?> FixAllInDocumentAsync(FixAllContext context, Document document, ImmutableArray<Diagnostic> diagnostics)
    {
        // Every diagnostic's properties first, on the document as the analyzer saw it: the fixes below change it.
        var fixes = new List<(Diagnostic Diagnostic, ImmutableDictionary<string, string?> Properties)>(diagnostics.Length);
        foreach (var diagnostic in diagnostics.OrderByDescending(d => d.Location.SourceSpan.Start))
            fixes.Add((diagnostic, await PropertiesAsync(document, diagnostic, context.CancellationToken).ConfigureAwait(false)));

        var appliedFrom = int.MaxValue;
        foreach (var (diagnostic, properties) in fixes)
        {
            if (!properties.TryGetValue(LockNotReleased.FixKindProperty, out var kind) || kind is null) continue;
            var regionEnd = properties.TryGetValue(LockNotReleased.ReleaseStartProperty, out var releaseStart) && releaseStart is not null
                ? int.Parse(releaseStart, CultureInfo.InvariantCulture)
                : diagnostic.Location.SourceSpan.End;
            if (regionEnd >= appliedFrom) continue;
            var fixedDocument = await FixAsync(document, diagnostic, properties, context.CancellationToken).ConfigureAwait(false);
            if (fixedDocument != document) appliedFrom = diagnostic.Location.SourceSpan.Start;
            document = fixedDocument;
        }
        return document;
    }

    /// <summary>
    /// The fix properties of <paramref name="diagnostic"/> in <paramref name="document"/>: those it carries, or (as the
    /// analyzer reports them, none) computed from the acquire at its location.
    /// </summary>
    private static async Task<ImmutableDictionary<string, string?>> PropertiesAsync(Document document, Diagnostic diagnostic, CancellationToken cancellationToken)
    {
        if (diagnostic.Properties.ContainsKey(LockNotReleased.FixKindProperty)) return diagnostic.Properties;
        var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        var span = diagnostic.Location.SourceSpan;
        if (root is null || !diagnostic.Location.IsInSource || !root.FullSpan.Contains(span)) return diagnostic.Properties;
        var model = await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
        if (model is null) return diagnostic.Properties;
        return LockNotReleased.FixPropertiesAt(model, root.FindNode(span, getInnermostNodeForTie: true), cancellationToken);
    }

    /// <summary>The fix from the properties <paramref name="diagnostic"/> carries (none, as the analyzer reports it: see <see cref="OfferAsync"/>).</summary>
    private protected override CodeAction? Offer(Document document, SyntaxNode root, Diagnostic diagnostic) =>
        Offer(document, root, diagnostic, diagnostic.Properties);

    /// <summary>The fix, from the properties computed for <paramref name="diagnostic"/> (<see cref="PropertiesAsync"/>).</summary>
    private protected override async Task<CodeAction?> OfferAsync(Document document, SyntaxNode root, Diagnostic diagnostic, CancellationToken cancellationToken) =>
        Offer(document, root, diagnostic, await PropertiesAsync(document, diagnostic, cancellationToken).ConfigureAwait(false));

    private static CodeAction? Offer(Document document, SyntaxNode root, Diagnostic diagnostic, ImmutableDictionary<string, string?> properties)
    {
        if (Value(properties, LockNotReleased.FixKindProperty) is not { } kind) return null;
        if (Value(properties, LockNotReleased.LockVariableProperty) is { } variable)
            return CodeAction.Create($"Release '{variable}' in a 'finally' block", ct => FixAsync(document, diagnostic, properties, ct), TryFinallyEquivalenceKey);
        var invocation = NodeAt(root, diagnostic).FirstAncestorOrSelf<InvocationExpressionSyntax>();
        if (invocation?.Expression is not MemberAccessExpressionSyntax access) return null;
        var lockText = kind == LockNotReleased.FixLock
            ? invocation.ArgumentList.Arguments.FirstOrDefault()?.Expression.ToString()
            : access.Expression.ToString();
        if (lockText is null) return null;

        var (title, key) = kind switch
        {
            LockNotReleased.FixHold => ($"Hold '{lockText}' with 'using ({lockText}.Hold())'", HoldEquivalenceKey),
            LockNotReleased.FixLock => ($"Use a 'lock ({lockText})' statement", LockEquivalenceKey),
            _ => ($"Release '{lockText}' in a 'finally' block", TryFinallyEquivalenceKey),
        };
        return CodeAction.Create(title, ct => FixAsync(document, diagnostic, properties, ct), key);
    }

    /// <summary>A property's value (null when absent or null).</summary>
    private static string? Value(ImmutableDictionary<string, string?> properties, string name) =>
        properties.TryGetValue(name, out var value) ? value : null;

    private static async Task<Document> FixAsync(Document document, Diagnostic diagnostic, ImmutableDictionary<string, string?> props, CancellationToken cancellationToken)
    {
        var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        if (root is null) return document;
        var node = root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true);
        InvocationExpressionSyntax? invocation = null;
        MemberAccessExpressionSyntax? access = null;
        StatementSyntax? acquireStatement;
        var lockVariable = props.TryGetValue(LockNotReleased.LockVariableProperty, out var v) ? v : null;
        if (lockVariable is not null)
        {
            // var m = new Mutex(true, …); — the release is m.ReleaseMutex().
            acquireStatement = node.FirstAncestorOrSelf<LocalDeclarationStatementSyntax>();
        }
        else
        {
            invocation = node.FirstAncestorOrSelf<InvocationExpressionSyntax>();
            if (invocation?.Expression is not MemberAccessExpressionSyntax a) return document;
            access = a;
            acquireStatement = invocation.FirstAncestorOrSelf<ExpressionStatementSyntax>();
        }
        if (acquireStatement?.Parent is not BlockSyntax block) return document;

        var kind = props[LockNotReleased.FixKindProperty];
        var statements = block.Statements;
        var start = statements.IndexOf(acquireStatement);
        var end = statements.Count;
        StatementSyntax? releaseStatement = null;
        if (props.TryGetValue(LockNotReleased.ReleaseStartProperty, out var releaseStart) && releaseStart is not null)
        {
            var position = int.Parse(releaseStart, CultureInfo.InvariantCulture);
            for (var i = start + 1; i < statements.Count; i++)
            {
                if (statements[i].SpanStart == position)
                {
                    end = i;
                    releaseStatement = statements[i];
                    break;
                }
            }
        }

        var region = new List<StatementSyntax>();
        for (var i = start + 1; i < end; i++) region.Add(statements[i]);
        var body = Block(region);

        var replacement = new List<StatementSyntax>();
        switch (kind)
        {
            case LockNotReleased.FixHold:
                replacement.Add(UsingStatement(
                    declaration: null,
                    expression: InvocationExpression(MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression,
                        access!.Expression.WithoutTrivia(), IdentifierName("Hold"))),
                    statement: body));
                break;
            case LockNotReleased.FixLock:
                replacement.Add(LockStatement(invocation!.ArgumentList.Arguments[0].Expression.WithoutTrivia(), body));
                break;
            default:
                replacement.Add(acquireStatement);
                var release = releaseStatement?.WithoutTrivia()
                    ?? (lockVariable is not null
                        ? ExpressionStatement(InvocationExpression(MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression,
                            IdentifierName(lockVariable), IdentifierName(props[LockNotReleased.ReleaseNameProperty] ?? "ReleaseMutex"))))
                        : SynthesizeRelease(invocation!, access!, props));
                replacement.Add(TryStatement(body, default, FinallyClause(Block(release))));
                break;
        }

        replacement[0] = replacement[0].WithLeadingTrivia(acquireStatement.GetLeadingTrivia());
        var last = releaseStatement ?? (end > start + 1 ? statements[end - 1] : acquireStatement);
        replacement[replacement.Count - 1] = replacement[replacement.Count - 1].WithTrailingTrivia(last.GetTrailingTrivia());
        for (var i = 0; i < replacement.Count; i++) replacement[i] = replacement[i].WithAdditionalAnnotations(Formatter.Annotation);

        var newStatements = new List<StatementSyntax>();
        for (var i = 0; i < start; i++) newStatements.Add(statements[i]);
        newStatements.AddRange(replacement);
        for (var i = releaseStatement is null ? end : end + 1; i < statements.Count; i++) newStatements.Add(statements[i]);

        var newBlock = block.WithStatements(List(newStatements));
        return document.WithSyntaxRoot(root.ReplaceNode(block, newBlock));
    }

    private static StatementSyntax SynthesizeRelease(InvocationExpressionSyntax acquire, MemberAccessExpressionSyntax access,
        ImmutableDictionary<string, string?> props)
    {
        var releaseName = props[LockNotReleased.ReleaseNameProperty] ?? "Release";
        var takesLock = props.TryGetValue(LockNotReleased.ReleaseTakesLockArgumentProperty, out var t) && t == "true";
        var arguments = takesLock
            ? ArgumentList(SingletonSeparatedList(Argument(acquire.ArgumentList.Arguments[0].Expression.WithoutTrivia())))
            : ArgumentList();
        return ExpressionStatement(InvocationExpression(
            access.WithName(IdentifierName(releaseName)).WithoutTrivia(), arguments));
    }
}
