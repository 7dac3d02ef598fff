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

    internal static async Task RunCodeFixAsync(string source, string fixedSource, string? equivalenceKey, IEnumerable<string> disabled, DiagnosticResult[] expected)
    {
        var test = new Test { TestCode = source, FixedCode = fixedSource, CodeActionEquivalenceKey = equivalenceKey };
        test.DisabledDiagnostics.AddRange(disabled);
        test.ExpectedDiagnostics.AddRange(expected);
        await test.RunAsync(CancellationToken.None);
    }

    /// <summary>Fix All in document, project and solution must each give <paramref name="fixedSource"/> in one pass.</summary>
    public static Task VerifyFixAllAsync(string source, string fixedSource, string equivalenceKey, params DiagnosticResult[] expected) =>
        RunFixAllAsync(source, fixedSource, equivalenceKey, disabled: [], expected);

    internal static async Task RunFixAllAsync(string source, string fixedSource, string equivalenceKey, IEnumerable<string> disabled, DiagnosticResult[] expected)
    {
        var test = new Test
        {
            TestCode = source,
            FixedCode = fixedSource,
            CodeActionEquivalenceKey = equivalenceKey,
            NumberOfFixAllIterations = 1,
            NumberOfFixAllInDocumentIterations = 1,
            NumberOfFixAllInProjectIterations = 1,
        };
        test.DisabledDiagnostics.AddRange(disabled);
        test.ExpectedDiagnostics.AddRange(expected);
        await test.RunAsync(CancellationToken.None);
    }

    public class Test : CSharpCodeFixTest<TAnalyzer, TCodeFix, DefaultVerifier>
    {
        public Test()
        {
            ReferenceAssemblies = TestReferences.Assemblies;
            TestState.AdditionalReferences.AddRange(TestReferences.All);
            FixedState.AdditionalReferences.AddRange(TestReferences.All);
            TestState.OutputKind = OutputKind.DynamicallyLinkedLibrary;
        }

        protected override ParseOptions CreateParseOptions() =>
            ((CSharpParseOptions)base.CreateParseOptions()).WithLanguageVersion(LanguageVersion.CSharp12);

        protected override CompilationOptions CreateCompilationOptions() =>
            ((CSharpCompilationOptions)base.CreateCompilationOptions()).WithNullableContextOptions(NullableContextOptions.Enable);
    }
}
