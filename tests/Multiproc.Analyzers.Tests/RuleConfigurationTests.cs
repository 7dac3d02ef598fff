namespace Multiproc.Analyzers.Tests;

/// <summary>When MultiprocAnalyzer may skip a rule's work: only when the rule is off in every tree.</summary>
public class RuleConfigurationTests
{
    private static readonly DiagnosticDescriptor Rule = Descriptors.MP0013_DaemonStartsChildren;

    private sealed class Provider : SyntaxTreeOptionsProvider
    {
        public Dictionary<string, ReportDiagnostic> PerTree { get; } = new();   // file path -> MP0013 severity
        public ReportDiagnostic? Global { get; init; }

        public override GeneratedKind IsGenerated(SyntaxTree tree, CancellationToken cancellationToken) => GeneratedKind.NotGenerated;

        public override bool TryGetDiagnosticValue(SyntaxTree tree, string diagnosticId, CancellationToken cancellationToken, out ReportDiagnostic severity) =>
            PerTree.TryGetValue(tree.FilePath, out severity) && diagnosticId == Rule.Id;

        public override bool TryGetGlobalDiagnosticValue(string diagnosticId, CancellationToken cancellationToken, out ReportDiagnostic severity)
        {
            severity = Global ?? ReportDiagnostic.Default;
            return Global is not null && diagnosticId == Rule.Id;
        }
    }

    private static bool IsOff(ReportDiagnostic? specific = null, Provider? provider = null)
    {
        var options = new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary).WithSyntaxTreeOptionsProvider(provider);
        if (specific is { } s) options = options.WithSpecificDiagnosticOptions(new Dictionary<string, ReportDiagnostic> { [Rule.Id] = s });
        var trees = new[] { "a.cs", "b.cs" }.Select(path => CSharpSyntaxTree.ParseText("class C { }", path: path));
        return RuleConfiguration.IsOffEverywhere(CSharpCompilation.Create("t", trees, options: options), Rule, CancellationToken.None);
    }

    [Fact]
    public void NotConfigured_On() => Assert.False(IsOff());

    [Fact]
    public void SuppressedInCompilationOptions_Off() => Assert.True(IsOff(ReportDiagnostic.Suppress));

    [Fact]
    public void ErrorInCompilationOptions_On() => Assert.False(IsOff(ReportDiagnostic.Error));

    [Fact]
    public void NoneInEveryTree_Off() =>
        Assert.True(IsOff(provider: new Provider { PerTree = { ["a.cs"] = ReportDiagnostic.Suppress, ["b.cs"] = ReportDiagnostic.Suppress } }));

    [Fact]
    public void NoneInOneTreeOnly_On() =>
        Assert.False(IsOff(provider: new Provider { PerTree = { ["a.cs"] = ReportDiagnostic.Suppress } }));

    [Fact]
    public void NoneInGlobalConfig_Off() => Assert.True(IsOff(provider: new Provider { Global = ReportDiagnostic.Suppress }));

    [Fact]
    public void NoneInGlobalConfig_WarningInOneTree_On() =>
        Assert.False(IsOff(provider: new Provider { Global = ReportDiagnostic.Suppress, PerTree = { ["b.cs"] = ReportDiagnostic.Warn } }));

    [Fact]
    public void SuppressedInCompilationOptions_WarningInOneTree_OnConservatively() =>
        Assert.False(IsOff(ReportDiagnostic.Suppress, new Provider { PerTree = { ["a.cs"] = ReportDiagnostic.Warn } }));
}
