using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Diagnostics;

namespace Multiproc.Analyzers.Tests.Verifiers;

/// <summary>Runs one analyzer over markup source; locations come only from markup.</summary>
public static class CSharpAnalyzerVerifier<TAnalyzer>
    where TAnalyzer : DiagnosticAnalyzer, new()
{
    public static DiagnosticResult Diagnostic(DiagnosticDescriptor descriptor) => new(descriptor);

    public static Task VerifyAnalyzerAsync(string source, params DiagnosticResult[] expected) =>
        VerifyAnalyzerAsync(source, editorConfig: null, expected);

    public static Task VerifyAnalyzerAsync(string source, string? editorConfig, params DiagnosticResult[] expected) =>
        RunAsync(source, editorConfig, disabled: [], expected);

    /// <summary>As <see cref="VerifyAnalyzerAsync(string, string?, DiagnosticResult[])"/>, with the rules <paramref name="disabled"/> turned off.</summary>
    internal static async Task RunAsync(string source, string? editorConfig, IEnumerable<string> disabled, DiagnosticResult[] expected)
    {
        var test = new Test { TestCode = source };
        test.DisabledDiagnostics.AddRange(disabled);
        if (editorConfig is not null)
            test.TestState.AnalyzerConfigFiles.Add(("/.editorconfig", "root = true\n\n[*]\n" + editorConfig));
        test.ExpectedDiagnostics.AddRange(expected);
        await test.RunAsync(CancellationToken.None);
    }

    public class Test : CSharpAnalyzerTest<TAnalyzer, DefaultVerifier>
    {
        public Test() => TestReferences.Configure(this);

        protected override ParseOptions CreateParseOptions() => TestReferences.Parse(base.CreateParseOptions());

        protected override CompilationOptions CreateCompilationOptions() => TestReferences.Compilation(base.CreateCompilationOptions());
    }
}
