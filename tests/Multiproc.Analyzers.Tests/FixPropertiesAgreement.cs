using System.Collections.Immutable;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis.Diagnostics;

namespace Multiproc.Analyzers.Tests;

/// <summary>
/// MP0002's fix properties two ways: reported by the analyzer with its internal eager switch
/// (<c>new LockNotReleasedAnalyzer(structuredFlow: true, eagerFixProperties: true)</c>, what every report carried before the
/// fifteenth session), and computed by the fixer's entry point (<c>LockNotReleased.FixPropertiesAt</c>) at each diagnostic's
/// location. <see cref="AssertAgreeAsync(CSharpCompilation)"/> fails on any diagnostic where the two differ, and when the
/// analyzer as it ships reports anything else than the eager one without properties. <see cref="LockCases"/> runs it on
/// the source of every MP0002 case it verifies, <c>MP0002_SpellingTests</c> on its compilations.
/// </summary>
internal static partial class FixPropertiesAgreement
{
    /// <summary>
    /// For a source with the verifier's markup (<c>{|#0:…|}</c>): compiles it (no error allowed, a source that does not
    /// compile is left to the verifier's own check) and asserts the agreement; returns the eager analyzer's diagnostics
    /// described with their properties.
    /// </summary>
    public static async Task<ImmutableArray<string>> AssertAgreeAsync(string markedSource)
    {
        var source = Markup().Replace(markedSource, "");
        var compilation = CSharpCompilation.Create("t", new[] { CSharpSyntaxTree.ParseText(source, new CSharpParseOptions(LanguageVersion.CSharp12)) },
            TestReferences.All, new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
        if (compilation.GetDiagnostics().Any(d => d.Severity == DiagnosticSeverity.Error)) return ImmutableArray<string>.Empty;
        return await AssertAgreeAsync(compilation);
    }

    /// <summary>The agreement on <paramref name="compilation"/>; returns the eager analyzer's diagnostics, described.</summary>
    public static async Task<ImmutableArray<string>> AssertAgreeAsync(CSharpCompilation compilation)
    {
        var eager = await DiagnosticsAsync(compilation, new LockNotReleasedAnalyzer(structuredFlow: true, eagerFixProperties: true));
        var shipped = await DiagnosticsAsync(compilation, new LockNotReleasedAnalyzer());

        // The analyzer as it ships: the same diagnostics, no properties.
        Assert.Equal(eager.Select(d => Describe(d, ImmutableDictionary<string, string?>.Empty)), shipped.Select(d => Describe(d, ImmutableDictionary<string, string?>.Empty)));
        Assert.All(shipped, d => Assert.Empty(d.Properties));

        // The fixer's entry point, at each diagnostic's location (the node the fixer finds there), against the eager report.
        var reported = new List<string>();
        var computed = new List<string>();
        foreach (var d in eager)
        {
            var tree = d.Location.SourceTree!;
            var node = tree.GetRoot().FindNode(d.Location.SourceSpan, getInnermostNodeForTie: true);
            reported.Add(Describe(d, d.Properties));
            computed.Add(Describe(d, LockNotReleased.FixPropertiesAt(compilation.GetSemanticModel(tree), node, CancellationToken.None)));
        }
        Assert.Equal(reported, computed);
        return reported.ToImmutableArray();
    }

    /// <summary>Id, place, message and properties (sorted by key) of <paramref name="d"/>, with <paramref name="properties"/>.</summary>
    public static string Describe(Diagnostic d, ImmutableDictionary<string, string?> properties) =>
        $"{d.Id} {d.Location.SourceSpan} {d.GetMessage(System.Globalization.CultureInfo.InvariantCulture)} | "
        + string.Join(";", properties.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => p.Key + "=" + p.Value));

    private static async Task<ImmutableArray<Diagnostic>> DiagnosticsAsync(CSharpCompilation compilation, LockNotReleasedAnalyzer analyzer)
    {
        var diagnostics = await compilation.WithAnalyzers(ImmutableArray.Create<DiagnosticAnalyzer>(analyzer)).GetAnalyzerDiagnosticsAsync(CancellationToken.None);
        return diagnostics
            .OrderBy(d => d.Location.SourceTree?.FilePath, StringComparer.Ordinal).ThenBy(d => d.Location.SourceSpan.Start)
            .ThenBy(d => d.Descriptor.Title.ToString(), StringComparer.Ordinal)
            .ToImmutableArray();
    }

    /// <summary>The verifier's location markup: <c>{|#0:</c> and <c>{|Id:</c> openings, <c>|}</c> closings, <c>[|</c> and <c>|]</c>.</summary>
    [GeneratedRegex(@"\{\|[^:|{}\s]*:|\|\}|\[\||\|\]")]
    private static partial Regex Markup();
}
