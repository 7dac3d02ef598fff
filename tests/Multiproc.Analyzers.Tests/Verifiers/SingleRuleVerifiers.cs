using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Diagnostics;

namespace Multiproc.Analyzers.Tests.Verifiers;

/// <summary>
/// The one rule a test file checks, of an analyzer that runs several (<see cref="MultiprocAnalyzer"/>: every rule but
/// MP0002). The verifiers below disable the analyzer's other rules (<c>DisabledDiagnostics</c>, i.e.
/// <see cref="ReportDiagnostic.Suppress"/> in the compilation options), so a test sees exactly its own rule's
/// diagnostics, and the rule is checked running alone.
/// </summary>
public interface IRuleUnderTest
{
    static abstract string Id { get; }
}

public sealed class MP0001Rule : IRuleUnderTest { public static string Id => RuleIdentifiers.UnlockedFileReadModifyWrite; }
public sealed class MP0002Rule : IRuleUnderTest { public static string Id => RuleIdentifiers.LockNotReleased; }
public sealed class MP0003Rule : IRuleUnderTest { public static string Id => RuleIdentifiers.ProcessNotJoined; }
public sealed class MP0004Rule : IRuleUnderTest { public static string Id => RuleIdentifiers.DaemonSetAfterStart; }
public sealed class MP0005Rule : IRuleUnderTest { public static string Id => RuleIdentifiers.QueueSizeCheckDecides; }
public sealed class MP0006Rule : IRuleUnderTest { public static string Id => RuleIdentifiers.MissingTaskDone; }
public sealed class MP0007Rule : IRuleUnderTest { public static string Id => RuleIdentifiers.InProcessSynchronizerSentToChild; }
public sealed class MP0008Rule : IRuleUnderTest { public static string Id => RuleIdentifiers.UnsendableArgument; }
public sealed class MP0009Rule : IRuleUnderTest { public static string Id => RuleIdentifiers.StaticStateWrittenInChild; }
public sealed class MP0010Rule : IRuleUnderTest { public static string Id => RuleIdentifiers.TerminatedNotJoined; }
public sealed class MP0011Rule : IRuleUnderTest { public static string Id => RuleIdentifiers.EndlessConsumerNotDaemon; }
public sealed class MP0012Rule : IRuleUnderTest { public static string Id => RuleIdentifiers.StartTwiceOrJoinBeforeStart; }
public sealed class MP0013Rule : IRuleUnderTest { public static string Id => RuleIdentifiers.DaemonStartsChildren; }
public sealed class MP0014Rule : IRuleUnderTest { public static string Id => RuleIdentifiers.TargetCannotRunInChild; }
public sealed class MP0015Rule : IRuleUnderTest { public static string Id => RuleIdentifiers.PoolNotDisposed; }
public sealed class MP0016Rule : IRuleUnderTest { public static string Id => RuleIdentifiers.UnlockedSharedReadModifyWrite; }
public sealed class MP0017Rule : IRuleUnderTest { public static string Id => RuleIdentifiers.PipeEndSharedByProcesses; }
public sealed class MP0018Rule : IRuleUnderTest { public static string Id => RuleIdentifiers.ConditionWaitOutsideLoop; }
public sealed class MP0019Rule : IRuleUnderTest { public static string Id => RuleIdentifiers.TaskDoneNotInFinally; }

internal static class OtherRules
{
    /// <summary>The ids <typeparamref name="TAnalyzer"/> supports other than <paramref name="id"/> (which it must support).</summary>
    public static IEnumerable<string> Of<TAnalyzer>(string id) where TAnalyzer : DiagnosticAnalyzer, new()
    {
        var ids = new TAnalyzer().SupportedDiagnostics.Select(d => d.Id).Distinct().ToList();
        if (!ids.Contains(id)) throw new InvalidOperationException($"{typeof(TAnalyzer).Name} does not support {id}");
        return ids.Where(i => i != id);
    }
}

/// <summary>Like <see cref="CSharpAnalyzerVerifier{TAnalyzer}"/>, with only <typeparamref name="TRule"/> of the analyzer's rules enabled.</summary>
public static class CSharpAnalyzerVerifier<TAnalyzer, TRule>
    where TAnalyzer : DiagnosticAnalyzer, new()
    where TRule : IRuleUnderTest
{
    public static DiagnosticResult Diagnostic(DiagnosticDescriptor descriptor) => new(descriptor);

    public static Task VerifyAnalyzerAsync(string source, params DiagnosticResult[] expected) =>
        VerifyAnalyzerAsync(source, editorConfig: null, expected);

    public static Task VerifyAnalyzerAsync(string source, string? editorConfig, params DiagnosticResult[] expected) =>
        CSharpAnalyzerVerifier<TAnalyzer>.RunAsync(source, editorConfig, OtherRules.Of<TAnalyzer>(TRule.Id), expected);

    public sealed class Test : CSharpAnalyzerVerifier<TAnalyzer>.Test
    {
        public Test() => DisabledDiagnostics.AddRange(OtherRules.Of<TAnalyzer>(TRule.Id));
    }
}

/// <summary>Like <see cref="CSharpCodeFixVerifier{TAnalyzer, TCodeFix}"/>, with only <typeparamref name="TRule"/> of the analyzer's rules enabled.</summary>
public static class CSharpCodeFixVerifier<TAnalyzer, TRule, TCodeFix>
    where TAnalyzer : DiagnosticAnalyzer, new()
    where TRule : IRuleUnderTest
    where TCodeFix : CodeFixProvider, new()
{
    public static DiagnosticResult Diagnostic(DiagnosticDescriptor descriptor) => new(descriptor);

    public static Task VerifyAnalyzerAsync(string source, params DiagnosticResult[] expected) =>
        CSharpAnalyzerVerifier<TAnalyzer, TRule>.VerifyAnalyzerAsync(source, expected);

    /// <summary>Applies the fix once per diagnostic (the default iteration) and compares with <paramref name="fixedSource"/>.</summary>
    public static Task VerifyCodeFixAsync(string source, string fixedSource, string? equivalenceKey = null, params DiagnosticResult[] expected) =>
        CSharpCodeFixVerifier<TAnalyzer, TCodeFix>.RunCodeFixAsync(source, fixedSource, equivalenceKey, OtherRules.Of<TAnalyzer>(TRule.Id), expected);

    /// <summary>Fix All in document, project and solution must each give <paramref name="fixedSource"/> in one pass.</summary>
    public static Task VerifyFixAllAsync(string source, string fixedSource, string equivalenceKey, params DiagnosticResult[] expected) =>
        CSharpCodeFixVerifier<TAnalyzer, TCodeFix>.RunFixAllAsync(source, fixedSource, equivalenceKey, OtherRules.Of<TAnalyzer>(TRule.Id), expected);

    /// <summary>
    /// The test <see cref="VerifyCodeFixAsync"/> (or, with <paramref name="fixAll"/>, <see cref="VerifyFixAllAsync"/>) runs,
    /// with the <paramref name="behaviors"/> a rule needs (e.g. <see cref="CodeFixTestBehaviors.SkipLocalDiagnosticCheck"/> for compilation-end diagnostics).
    /// </summary>
    public static CSharpCodeFixVerifier<TAnalyzer, TCodeFix>.Test CodeFixTest(string source, string fixedSource, string? equivalenceKey, bool fixAll,
        CodeFixTestBehaviors behaviors, params DiagnosticResult[] expected) =>
        CSharpCodeFixVerifier<TAnalyzer, TCodeFix>.NewTest(source, fixedSource, equivalenceKey, fixAll, behaviors, OtherRules.Of<TAnalyzer>(TRule.Id), expected);

    public sealed class Test : CSharpCodeFixVerifier<TAnalyzer, TCodeFix>.Test
    {
        public Test() => DisabledDiagnostics.AddRange(OtherRules.Of<TAnalyzer>(TRule.Id));
    }
}
