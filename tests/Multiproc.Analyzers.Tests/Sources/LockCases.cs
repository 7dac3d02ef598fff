using Verify = Multiproc.Analyzers.Tests.Verifiers.CSharpCodeFixVerifier<
    Multiproc.Analyzers.LockNotReleasedAnalyzer,
    Multiproc.CodeFixes.LockNotReleasedFixer>;

namespace Multiproc.Analyzers.Tests;

/// <summary>
/// The cases of MP0002's tests over <see cref="LockSources"/>: a flagged case, its compliant look-alike, a fix, a case the
/// fix leaves alone; each is the members of class <c>C</c> (<c>{|#0:…|}</c> marks where the diagnostic is). Each flagged or
/// fixed source is also run through <see cref="FixPropertiesAgreement"/>: the fix properties the fixer computes are the ones
/// the analyzer computed when it reported them.
/// </summary>
internal static class LockCases
{
    /// <summary>MP0002 "not released on every path" at markup <paramref name="location"/>, about <paramref name="name"/>.</summary>
    public static DiagnosticResult Leak(string name, int location = 0) =>
        Verify.Diagnostic(Descriptors.MP0002_LockNotReleased).WithLocation(location).WithArguments(name);

    /// <summary>MP0002 "not released when an exception is thrown" at markup <paramref name="location"/>.</summary>
    public static DiagnosticResult LeakOnException(string name, int location = 0) =>
        Verify.Diagnostic(Descriptors.MP0002_LockNotReleasedOnException).WithLocation(location).WithArguments(name);

    /// <summary><paramref name="members"/> in class <c>C</c> get exactly <paramref name="expected"/>.</summary>
    public static async Task Flagged(string members, DiagnosticResult expected, string usings = LockSources.Usings)
    {
        var source = LockSources.ClassC(members, usings);
        await Verify.VerifyAnalyzerAsync(source, expected);
        await FixPropertiesAgreement.AssertAgreeAsync(source);
    }

    /// <summary><paramref name="members"/> in class <c>C</c> get no diagnostic.</summary>
    public static Task NotFlagged(string members, string usings = LockSources.Usings) =>
        Verify.VerifyAnalyzerAsync(LockSources.ClassC(members, usings));

    /// <summary>The fix <paramref name="equivalenceKey"/> turns <paramref name="members"/> into <paramref name="fixedMembers"/>.</summary>
    public static async Task Fixed(string members, string fixedMembers, string equivalenceKey, DiagnosticResult expected, string usings = LockSources.Usings)
    {
        var source = LockSources.IndentedClassC(members, usings);
        await Verify.VerifyCodeFixAsync(source, LockSources.IndentedClassC(fixedMembers, usings), equivalenceKey, expected);
        await FixPropertiesAgreement.AssertAgreeAsync(source);
    }

    /// <summary>Fix All with <paramref name="equivalenceKey"/> turns <paramref name="source"/> (after the usings) into <paramref name="fixedSource"/>.</summary>
    public static async Task FixedAll(string source, string fixedSource, string equivalenceKey, params DiagnosticResult[] expected)
    {
        await Verify.VerifyFixAllAsync(LockSources.Usings + source, LockSources.Usings + fixedSource, equivalenceKey, expected);
        await FixPropertiesAgreement.AssertAgreeAsync(LockSources.Usings + source);
    }

    /// <summary><paramref name="members"/> are flagged but the fix <paramref name="equivalenceKey"/> is not offered.</summary>
    public static async Task NotFixed(string members, string equivalenceKey, DiagnosticResult expected)
    {
        var source = LockSources.IndentedClassC(members);
        await Verify.VerifyCodeFixAsync(source, source, equivalenceKey, expected);
        await FixPropertiesAgreement.AssertAgreeAsync(source);
    }
}
