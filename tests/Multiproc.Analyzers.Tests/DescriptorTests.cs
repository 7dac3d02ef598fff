using System.Reflection;

namespace Multiproc.Analyzers.Tests;

/// <summary>Checks that hold for every rule: help links, docs pages, release tracking.</summary>
public class DescriptorTests
{
    public static IEnumerable<object[]> AllDescriptors() =>
        typeof(Descriptors).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.FieldType == typeof(DiagnosticDescriptor))
            .Select(f => new object[] { f.Name });

    private static DiagnosticDescriptor Get(string field) =>
        (DiagnosticDescriptor)typeof(Descriptors).GetField(field, BindingFlags.Public | BindingFlags.Static)!.GetValue(null)!;

    internal static string RepoRoot()
    {
        var dir = AppContext.BaseDirectory;
        while (dir is not null && !File.Exists(Path.Combine(dir, "Analyzers.sln")))
            dir = Path.GetDirectoryName(dir);
        return dir ?? throw new InvalidOperationException("Analyzers.sln not found above " + AppContext.BaseDirectory);
    }

    [Theory]
    [MemberData(nameof(AllDescriptors))]
    public void HelpLinkPointsAtItsDocsPage(string field)
    {
        var d = Get(field);
        Assert.EndsWith("/docs/rules/" + d.Id + ".md", d.HelpLinkUri);
        Assert.True(File.Exists(Path.Combine(RepoRoot(), "docs", "rules", d.Id + ".md")), $"docs/rules/{d.Id}.md is missing");
    }

    [Theory]
    [MemberData(nameof(AllDescriptors))]
    public void IdIsInUnshippedReleases(string field)
    {
        var d = Get(field);
        var unshipped = File.ReadAllText(Path.Combine(RepoRoot(), "src", "Analyzers", "AnalyzerReleases.Unshipped.md"));
        Assert.Contains(d.Id + " |", unshipped);
    }

    [Theory]
    [MemberData(nameof(AllDescriptors))]
    public void DocsPageHasNonCompliantAndCompliantExamples(string field)
    {
        var d = Get(field);
        var page = File.ReadAllText(Path.Combine(RepoRoot(), "docs", "rules", d.Id + ".md"));
        Assert.Contains("Non-compliant", page, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("Compliant", page);
    }
}
