using Microsoft.CodeAnalysis.CodeFixes;

namespace Multiproc.Analyzers.Tests;

/// <summary>
/// The cases of one <see cref="MultiprocAnalyzer"/> rule's tests over a source builder (<see cref="ProcessSources"/>,
/// <see cref="QueueSources"/> …) that puts a case's members into its program: flagged, compliant look-alike, fixed, Fix All,
/// not fixed. Only <typeparamref name="TRule"/> is on; the fixes are <typeparamref name="TCodeFix"/>'s with one equivalence key.
/// </summary>
internal sealed class RuleCases<TRule, TCodeFix>
    where TRule : IRuleUnderTest
    where TCodeFix : CodeFixProvider, new()
{
    private readonly Func<string, string> _source;
    private readonly string _equivalenceKey;

    /// <param name="source">The program around a case's members.</param>
    /// <param name="equivalenceKey">The fix's equivalence key.</param>
    public RuleCases(Func<string, string> source, string equivalenceKey)
    {
        _source = source;
        _equivalenceKey = equivalenceKey;
    }

    /// <summary><paramref name="members"/> get exactly <paramref name="expected"/>.</summary>
    public Task Flagged(string members, params DiagnosticResult[] expected) =>
        CSharpCodeFixVerifier<MultiprocAnalyzer, TRule, TCodeFix>.VerifyAnalyzerAsync(_source(members), expected);

    /// <summary><paramref name="members"/> get no diagnostic.</summary>
    public Task NotFlagged(string members) =>
        CSharpCodeFixVerifier<MultiprocAnalyzer, TRule, TCodeFix>.VerifyAnalyzerAsync(_source(members));

    /// <summary>The fix turns <paramref name="members"/> into <paramref name="fixedMembers"/>.</summary>
    public Task Fixed(string members, string fixedMembers, params DiagnosticResult[] expected) =>
        CSharpCodeFixVerifier<MultiprocAnalyzer, TRule, TCodeFix>.VerifyCodeFixAsync(_source(members), _source(fixedMembers), _equivalenceKey, expected);

    /// <summary>Fix All turns <paramref name="members"/> into <paramref name="fixedMembers"/>.</summary>
    public Task FixedAll(string members, string fixedMembers, params DiagnosticResult[] expected) =>
        CSharpCodeFixVerifier<MultiprocAnalyzer, TRule, TCodeFix>.VerifyFixAllAsync(_source(members), _source(fixedMembers), _equivalenceKey, expected);

    /// <summary><paramref name="members"/> are flagged and the fix is not offered.</summary>
    public Task NotFixed(string members, params DiagnosticResult[] expected) =>
        CSharpCodeFixVerifier<MultiprocAnalyzer, TRule, TCodeFix>.VerifyCodeFixAsync(_source(members), _source(members), _equivalenceKey, expected);
}
