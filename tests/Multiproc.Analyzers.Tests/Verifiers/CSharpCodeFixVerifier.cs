using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Diagnostics;

namespace Multiproc.Analyzers.Tests.Verifiers;

/// <summary>
/// Runs an analyzer and its fixer. The fixed source must compile with no compiler error
/// and no remaining diagnostic beyond <c>fixedExpected</c> (the test framework checks both).
/// </summary>
public static class CSharpCodeFixVerifier<TAnalyzer, TCodeFix>
    where TAnalyzer : DiagnosticAnalyzer, new()
    where TCodeFix : CodeFixProvider, new()
{
    public static DiagnosticResult Diagnostic(DiagnosticDescriptor descriptor) => new(descriptor);

    public static Task VerifyAnalyzerAsync(string source, params DiagnosticResult[] expected) =>
        CSharpAnalyzerVerifier<TAnalyzer>.VerifyAnalyzerAsync(source, expected);

    /// <summary>Applies the fix once per diagnostic (the default iteration) and compares with <paramref name="fixedSource"/>.</summary>
    public static Task VerifyCodeFixAsync(string source, string fixedSource, string? equivalenceKey = null, params DiagnosticResult[] expected) =>
        RunCodeFixAsync(source, fixedSource, equivalenceKey, disabled: [], expected);

    internal static Task RunCodeFixAsync(string source, string fixedSource, string? equivalenceKey, IEnumerable<string> disabled, DiagnosticResult[] expected) =>
        NewTest(source, fixedSource, equivalenceKey, fixAll: false, CodeFixTestBehaviors.None, disabled, expected).RunAsync(CancellationToken.None);

    /// <summary>Fix All in document, project and solution must each give <paramref name="fixedSource"/> in one pass.</summary>
    public static Task VerifyFixAllAsync(string source, string fixedSource, string equivalenceKey, params DiagnosticResult[] expected) =>
        RunFixAllAsync(source, fixedSource, equivalenceKey, disabled: [], expected);

    internal static Task RunFixAllAsync(string source, string fixedSource, string equivalenceKey, IEnumerable<string> disabled, DiagnosticResult[] expected) =>
        NewTest(source, fixedSource, equivalenceKey, fixAll: true, CodeFixTestBehaviors.None, disabled, expected).RunAsync(CancellationToken.None);

    /// <summary>
    /// The test both verifications run: <paramref name="source"/> fixed with the actions of <paramref name="equivalenceKey"/>
    /// must give <paramref name="fixedSource"/>, the default iterations one fix per diagnostic; with <paramref name="fixAll"/>,
    /// Fix All in document, project and solution must each give it in one pass.
    /// </summary>
    internal static Test NewTest(string source, string fixedSource, string? equivalenceKey, bool fixAll, CodeFixTestBehaviors behaviors,
        IEnumerable<string> disabled, DiagnosticResult[] expected)
    {
        var test = new Test { TestCode = source, FixedCode = fixedSource, CodeActionEquivalenceKey = equivalenceKey, CodeFixTestBehaviors = behaviors };
        if (fixAll)
        {
            test.NumberOfFixAllIterations = 1;
            test.NumberOfFixAllInDocumentIterations = 1;
            test.NumberOfFixAllInProjectIterations = 1;
        }
        test.DisabledDiagnostics.AddRange(disabled);
        test.ExpectedDiagnostics.AddRange(expected);
        return test;
    }

    public class Test : CSharpCodeFixTest<TAnalyzer, TCodeFix, DefaultVerifier>
    {
        public Test()
        {
            TestReferences.Configure(this);
            FixedState.AdditionalReferences.AddRange(TestReferences.All);
        }

        protected override ParseOptions CreateParseOptions() => TestReferences.Parse(base.CreateParseOptions());

        protected override CompilationOptions CreateCompilationOptions() => TestReferences.Compilation(base.CreateCompilationOptions());
    }
}
