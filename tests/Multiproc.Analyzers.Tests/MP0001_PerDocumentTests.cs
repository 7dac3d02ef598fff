using System.Collections.Immutable;
using Microsoft.CodeAnalysis.Diagnostics;
using Multiproc.Analyzers.Tests.Verifiers;

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

    private static Task<ImmutableArray<Diagnostic>> OneTreeAsync(string source) => PerDocument.OneTreeAsync(source);

    private static Task<ImmutableArray<Diagnostic>> FullAsync(string source) => PerDocument.FullAsync(source);

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

    [Fact]
    public async Task TargetReachingAnotherFileWaitsForCompilationEnd()
    {
        var source = SingleType.Replace("File.WriteAllText(path, (n - 1).ToString());", "File.WriteAllText(path, (n - Other.Two()).ToString());");
        Assert.Contains("Other.Two()", source);
        Assert.DoesNotContain(await OneTreeAsync(source), d => d.Id == RuleIdentifiers.UnlockedFileReadModifyWrite);
        var full = Assert.Single(await FullAsync(source), d => d.Id == RuleIdentifiers.UnlockedFileReadModifyWrite);
        Assert.Contains(WellKnownDiagnosticTags.CompilationEnd, full.Descriptor.CustomTags);
    }
}
