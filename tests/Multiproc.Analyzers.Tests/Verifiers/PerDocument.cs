using System.Collections.Immutable;
using Microsoft.CodeAnalysis.Diagnostics;

namespace Multiproc.Analyzers.Tests.Verifiers;

/// <summary>
/// The analyzer run the way an IDE asks for an open document (semantic analysis of one syntax tree: no compilation-end
/// action runs) and the way a build does (the whole compilation), over a program in <c>Program.cs</c> beside a second
/// file <c>Other.cs</c> that declares <c>static class Other { public static int Two() =&gt; 2; }</c>.
/// </summary>
internal static class PerDocument
{
    private const string DefaultOther = "static class Other { public static int Two() => 2; }";

    /// <summary>
    /// <paramref name="source"/> as <c>Program.cs</c> beside <paramref name="other"/> as <c>Other.cs</c> (by default the
    /// class described above), compiled as <paramref name="kind"/> (a console application by default) with no errors.
    /// </summary>
    public static (CSharpCompilation Compilation, SyntaxTree Tree) Compile(string source, string other = DefaultOther, OutputKind kind = OutputKind.ConsoleApplication)
    {
        var options = new CSharpParseOptions(LanguageVersion.CSharp12);
        var tree = CSharpSyntaxTree.ParseText(source, options, path: "Program.cs");
        var second = CSharpSyntaxTree.ParseText(other, options, path: "Other.cs");
        var compilation = CSharpCompilation.Create("PerDocument", new[] { tree, second }, TestReferences.All,
            new CSharpCompilationOptions(kind, nullableContextOptions: NullableContextOptions.Enable));
        Assert.Empty(compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error));
        return (compilation, tree);
    }

    /// <summary><paramref name="analyzer"/> (by default <see cref="MultiprocAnalyzer"/>) over <paramref name="compilation"/>; an exception in it fails the test (instead of an AD0001 the queries here do not return).</summary>
    public static CompilationWithAnalyzers WithAnalyzer(Compilation compilation, DiagnosticAnalyzer? analyzer = null) =>
        compilation.WithAnalyzers(ImmutableArray.Create(analyzer ?? new MultiprocAnalyzer()),
            new CompilationWithAnalyzersOptions(new AnalyzerOptions(ImmutableArray<AdditionalText>.Empty),
                onAnalyzerException: (e, _, _) => throw new InvalidOperationException("analyzer exception: " + e),
                concurrentAnalysis: true, logAnalyzerExecutionTime: false));

    /// <summary>What the IDE shows for the open document <c>Program.cs</c>.</summary>
    public static async Task<ImmutableArray<Diagnostic>> OneTreeAsync(string source)
    {
        var (compilation, tree) = Compile(source);
        var model = compilation.GetSemanticModel(tree);
        return await WithAnalyzer(compilation).GetAnalyzerSemanticDiagnosticsAsync(model, null, CancellationToken.None);
    }

    /// <summary>What a build reports (every action, the compilation-end ones included).</summary>
    public static async Task<ImmutableArray<Diagnostic>> FullAsync(string source) =>
        await WithAnalyzer(Compile(source).Compilation).GetAnalyzerDiagnosticsAsync(CancellationToken.None);

    /// <summary>The source text a diagnostic points at.</summary>
    public static string TextAt(Diagnostic diagnostic) =>
        diagnostic.Location.SourceTree!.GetText().ToString(diagnostic.Location.SourceSpan);
}
