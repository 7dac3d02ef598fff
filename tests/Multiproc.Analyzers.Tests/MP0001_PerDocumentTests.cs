using System.Collections.Immutable;
using Microsoft.CodeAnalysis.Diagnostics;

namespace Multiproc.Analyzers.Tests;

/// <summary>
/// MP0001 the way an IDE asks for an open document: semantic analysis of one syntax tree (no compilation-end action
/// runs). A child target whose reached code is all in its own type is reported from that type's symbol-end action, so
/// one-tree analysis shows it; full analysis reports it exactly once. A target reaching into another type stays a
/// compilation-end diagnostic.
/// </summary>
public class MP0001_PerDocumentTests
{
    private const string SingleType = @"using System.IO;
using Multiproc;

class Program
{
    static void Main()
    {
        var p = new ChildProcess(() => Buy(""tickets.txt""));
        p.Start();
        p.Join();
    }

    static void Buy(string path)
    {
        var n = int.Parse(File.ReadAllText(path));
        File.WriteAllText(path, (n - 1).ToString());
    }
}
";

    private const string TwoTypes = @"using System.IO;
using Multiproc;

class Program
{
    static void Main()
    {
        var p = new ChildProcess(() => Shop.Buy(""tickets.txt""));
        p.Start();
        p.Join();
    }
}

static class Shop
{
    public static void Buy(string path)
    {
        var n = int.Parse(File.ReadAllText(path));
        File.WriteAllText(path, (n - 1).ToString());
    }
}
";

    private static (CSharpCompilation Compilation, SyntaxTree Tree) Compile(string source)
    {
        var options = new CSharpParseOptions(LanguageVersion.CSharp12);
        var tree = CSharpSyntaxTree.ParseText(source, options, path: "Program.cs");
        var other = CSharpSyntaxTree.ParseText("static class Other { public static int Two() => 2; }", options, path: "Other.cs");
        var compilation = CSharpCompilation.Create("PerDocument", new[] { tree, other }, TestReferences.All,
            new CSharpCompilationOptions(OutputKind.ConsoleApplication, nullableContextOptions: NullableContextOptions.Enable));
        Assert.Empty(compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error));
        return (compilation, tree);
    }

    /// <summary>The analyzer over <paramref name="compilation"/>; an exception in it fails the test (instead of an AD0001 the queries here do not return).</summary>
    private static CompilationWithAnalyzers WithAnalyzer(Compilation compilation) =>
        compilation.WithAnalyzers(ImmutableArray.Create<DiagnosticAnalyzer>(new MultiprocAnalyzer()),
            new CompilationWithAnalyzersOptions(new AnalyzerOptions(ImmutableArray<AdditionalText>.Empty),
                onAnalyzerException: (e, _, _) => throw new InvalidOperationException("analyzer exception: " + e),
                concurrentAnalysis: true, logAnalyzerExecutionTime: false));

    private static async Task<ImmutableArray<Diagnostic>> OneTreeAsync(string source)
    {
        var (compilation, tree) = Compile(source);
        var model = compilation.GetSemanticModel(tree);
        return await WithAnalyzer(compilation).GetAnalyzerSemanticDiagnosticsAsync(model, null, CancellationToken.None);
    }

    private static async Task<ImmutableArray<Diagnostic>> FullAsync(string source) =>
        await WithAnalyzer(Compile(source).Compilation).GetAnalyzerDiagnosticsAsync(CancellationToken.None);

    [Fact]
    public async Task OneTreeAnalysisReportsSingleTypeProgram()
    {
        var diagnostics = await OneTreeAsync(SingleType);
        var mp0001 = Assert.Single(diagnostics, d => d.Id == RuleIdentifiers.UnlockedFileReadModifyWrite);
        Assert.DoesNotContain(WellKnownDiagnosticTags.CompilationEnd, mp0001.Descriptor.CustomTags);
        Assert.Equal("File.ReadAllText(path)", mp0001.Location.SourceTree!.GetText().ToString(mp0001.Location.SourceSpan));
    }

    [Fact]
    public async Task FullAnalysisReportsSingleTypeProgramOnce()
    {
        var diagnostics = await FullAsync(SingleType);
        Assert.Single(diagnostics, d => d.Id == RuleIdentifiers.UnlockedFileReadModifyWrite);
    }

    [Fact]
    public async Task TargetInAnotherTypeWaitsForCompilationEnd()
    {
        Assert.DoesNotContain(await OneTreeAsync(TwoTypes), d => d.Id == RuleIdentifiers.UnlockedFileReadModifyWrite);
        var full = Assert.Single(await FullAsync(TwoTypes), d => d.Id == RuleIdentifiers.UnlockedFileReadModifyWrite);
        Assert.Contains(WellKnownDiagnosticTags.CompilationEnd, full.Descriptor.CustomTags);
    }
}
