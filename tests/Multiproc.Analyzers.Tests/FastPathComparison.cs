using System.Collections.Immutable;
using Microsoft.CodeAnalysis.Diagnostics;

namespace Multiproc.Analyzers.Tests;

/// <summary>
/// What <see cref="FastPathTests"/> and <see cref="StructuredFlowTests"/> share: the source around a member under test,
/// its compilation, MultiprocAnalyzer's diagnostics with its fast paths on or off, and everything a fixer or a user sees of
/// a diagnostic, so that the two analyses can be compared.
/// </summary>
internal static class FastPathComparison
{
    /// <summary>The source before the member under test (a class <c>C</c> left open; <see cref="Source"/> closes it).</summary>
    public const string Header = """
        using System;
        using System.Collections.Generic;
        using System.Threading.Tasks;
        using Multiproc;

        public static class Workers
        {
            public static int Counter;
            public static void Work() => Counter++;
        }

        public class C
        {
            private readonly List<ChildProcess> _kept = new();

        """;

    /// <summary>The whole source of a member of <c>C</c>.</summary>
    public static string Source(string member) => Header + "    " + member + "\n}\n";

    /// <summary>Compiles <paramref name="source"/>, asserting it has no error.</summary>
    public static CSharpCompilation Compile(string source)
    {
        var compilation = CSharpCompilation.Create("t", new[] { CSharpSyntaxTree.ParseText(source) }, TestReferences.All,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
        var errors = compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        Assert.True(errors.Count == 0, string.Join("\n", errors));
        return compilation;
    }

    /// <summary>MultiprocAnalyzer's diagnostics of the rules in <paramref name="ids"/>, sorted by id and place.</summary>
    public static async Task<ImmutableArray<Diagnostic>> DiagnosticsAsync(CSharpCompilation compilation, bool fastPaths, params string[] ids)
    {
        var analyzer = new MultiprocAnalyzer(fastPaths);
        var diagnostics = await compilation.WithAnalyzers(ImmutableArray.Create<DiagnosticAnalyzer>(analyzer))
            .GetAnalyzerDiagnosticsAsync(CancellationToken.None);
        return diagnostics
            .Where(d => ids.Contains(d.Id))
            .OrderBy(d => d.Id, StringComparer.Ordinal).ThenBy(d => d.Location.SourceSpan.Start)
            .ToImmutableArray();
    }

    /// <summary>Everything a fixer or a user sees of a diagnostic: id, place, message and the properties handed to the fixer.</summary>
    public static string Describe(Diagnostic d) =>
        $"{d.Id} {d.Location.SourceSpan} {d.GetMessage(System.Globalization.CultureInfo.InvariantCulture)} "
        + string.Join(";", d.Properties.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => p.Key + "=" + p.Value));
}
