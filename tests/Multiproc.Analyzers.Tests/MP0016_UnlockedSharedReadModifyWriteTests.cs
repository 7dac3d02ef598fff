using Verify = Multiproc.Analyzers.Tests.Verifiers.CSharpCodeFixVerifier<Multiproc.Analyzers.MultiprocAnalyzer, Multiproc.Analyzers.Tests.Verifiers.MP0016Rule, Multiproc.CodeFixes.UnlockedSharedReadModifyWriteFixer>;
using VerifyAnalyzer = Multiproc.Analyzers.Tests.Verifiers.CSharpAnalyzerVerifier<Multiproc.Analyzers.MultiprocAnalyzer, Multiproc.Analyzers.Tests.Verifiers.MP0016Rule>;

namespace Multiproc.Analyzers.Tests;

public class MP0016_UnlockedSharedReadModifyWriteTests
{
    /// <summary>A program whose <c>Work(v, a, lk)</c> runs in a child process; <paramref name="work"/> is Work's body.</summary>
    private static string InChild(string work, string valueType = "int") => $$"""
        using System;
        using Multiproc;

        class Counter
        {
            static void Main()
            {
                var v = new SharedValue<{{valueType}}>();
                var a = new SharedArray<int>(4);
                var lk = new ProcessLock();
                var p = new ChildProcess(() => Work(v, a, lk));
                p.Start();
                p.Join();
            }

            public static void Work(SharedValue<{{valueType}}> v, SharedArray<int> a, ProcessLock lk)
            {
        {{work}}
            }
        }
        """;

    private static DiagnosticResult Unlocked(string target, string suggestion, int location = 0) =>
        Verify.Diagnostic(Descriptors.MP0016_UnlockedSharedReadModifyWrite).WithLocation(location).WithArguments(target, suggestion);

    // ---------------------------------------------------------------- flagged

    [Fact]
    public Task CompoundAdd_IsFlagged() =>
        VerifyAnalyzer.VerifyAnalyzerAsync(InChild("        {|#0:v.Value += 1|};"), Unlocked("v.Value", "'v.Add(1)'"));

    [Fact]
    public Task Increment_IsFlagged() =>
        VerifyAnalyzer.VerifyAnalyzerAsync(InChild("        {|#0:v.Value++|};"), Unlocked("v.Value", "'v.Add(1)'"));

    [Fact]
    public Task ValueTimesTwo_IsFlagged() =>
        VerifyAnalyzer.VerifyAnalyzerAsync(InChild("        {|#0:v.Value = v.Value * 2|};"), Unlocked("v.Value", "'using (v.Lock.Hold())'"));

    [Fact]
    public Task ArrayElementIncrement_IsFlagged() =>
        VerifyAnalyzer.VerifyAnalyzerAsync(InChild("        for (var i = 0; i < a.Length; i++) {|#0:a[i]++|};"), Unlocked("a[i]", "'using (a.Lock.Hold())'"));

    [Fact]
    public Task ReadIntoLocalThenWrittenBack_IsFlagged() =>
        VerifyAnalyzer.VerifyAnalyzerAsync(InChild("""
                    var x = v.Value;
                    x = x * 3 + 1;
                    {|#0:v.Value = x|};
            """), Unlocked("v.Value", "'using (v.Lock.Hold())'"));

    [Fact]
    public Task CSharpLock_DoesNotProtect() =>
        VerifyAnalyzer.VerifyAnalyzerAsync(InChild("""
                    lock (typeof(Counter))
                    {
                        {|#0:v.Value -= 2|};
                    }
            """), Unlocked("v.Value", "'v.Add(-2)'"));

    [Fact]
    public Task ReachedFromTarget_IsFlagged() =>
        VerifyAnalyzer.VerifyAnalyzerAsync(InChild("        Helper(v);").Replace("    public static void Work", """
                static void Helper(SharedValue<int> v) { {|#0:v.Value += 5|}; }

                public static void Work
            """), Unlocked("v.Value", "'v.Add(5)'"));

    // ---------------------------------------------------------------- not flagged

    [Fact]
    public Task HeldOrAtomic_IsNotFlagged() =>
        VerifyAnalyzer.VerifyAnalyzerAsync(InChild("""
                    v.Add(1);
                    using (v.Lock.Hold())
                    {
                        v.Value += 1;
                        v.Value = v.Value * 2;
                    }
                    using (lk.Hold()) a[0]++;
                    lk.Acquire();
                    try
                    {
                        a[1] += 3;
                    }
                    finally
                    {
                        lk.Release();
                    }
                    if (a.Lock.TryAcquire(TimeSpan.FromSeconds(1)))
                    {
                        try { a[2] = a[2] + 1; } finally { a.Lock.Release(); }
                    }
                    using var _ = v.Lock.Hold();
                    v.Value++;
            """));

    [Fact]
    public Task PlainReadsAndWrites_AreNotFlagged() =>
        VerifyAnalyzer.VerifyAnalyzerAsync(InChild("""
                    v.Value = 5;
                    var x = v.Value;
                    a[0] = x;
                    a[1] = a[0] + 1;
                    v.Value = a[2];
            """));

    [Fact]
    public Task NotRunInAChild_IsNotFlagged() =>
        VerifyAnalyzer.VerifyAnalyzerAsync("""
            using Multiproc;

            class Counter
            {
                static void Main()
                {
                    var v = new SharedValue<int>();
                    v.Value += 1;
                }
            }
            """);

    [Fact]
    public Task ScopeAll_FlagsOutsideChildren() =>
        VerifyAnalyzer.VerifyAnalyzerAsync("""
            using Multiproc;

            class Counter
            {
                static void Main()
                {
                    var v = new SharedValue<int>();
                    {|#0:v.Value += 1|};
                }
            }
            """, "multiproc.MP0016.scope = all", Unlocked("v.Value", "'v.Add(1)'"));

    // ---------------------------------------------------------------- fixes
    // MP0016 is reported from a compilation-end action (which methods run in children is known only then), so its
    // diagnostics are non-local; the testing library must be told that fixing them is intended (as for MP0001).

    private static Task VerifyCodeFixAsync(string source, string fixedSource, string equivalenceKey, params DiagnosticResult[] expected) =>
        Verify.CodeFixTest(source, fixedSource, equivalenceKey, fixAll: false, CodeFixTestBehaviors.SkipLocalDiagnosticCheck, expected).RunAsync(CancellationToken.None);

    private static Task VerifyFixAllAsync(string source, string fixedSource, string equivalenceKey, params DiagnosticResult[] expected) =>
        Verify.CodeFixTest(source, fixedSource, equivalenceKey, fixAll: true, CodeFixTestBehaviors.SkipLocalDiagnosticCheck, expected).RunAsync(CancellationToken.None);

    [Theory]
    [InlineData("int", "v.Value += 1", "v.Add(1)")]
    [InlineData("long", "v.Value -= 4", "v.Add(-4)")]
    [InlineData("double", "v.Value += 0.5", "v.Add(0.5)")]
    [InlineData("int", "v.Value--", "v.Add(-1)")]
    [InlineData("long", "++v.Value", "v.Add(1)")]
    public Task Fix_UsesAdd(string type, string before, string after)
    {
        var suggestion = "'" + after + "'";
        return VerifyCodeFixAsync(InChild("        {|#0:" + before + "|};", type), InChild("        " + after + ";", type),
            UnlockedSharedReadModifyWriteFixer.EquivalenceKey, Unlocked("v.Value", suggestion));
    }

    [Fact]
    public Task Fix_SubtractsAnExpression() =>
        VerifyCodeFixAsync(InChild("        var n = 3;\n        {|#0:v.Value -= n + 1|};"), InChild("        var n = 3;\n        v.Add(-(n + 1));"),
            UnlockedSharedReadModifyWriteFixer.EquivalenceKey, Unlocked("v.Value", "'v.Add(-(n + 1))'"));

    [Fact]
    public Task Fix_HoldsTheLockAroundOneStatement() =>
        VerifyCodeFixAsync(InChild("        {|#0:v.Value = v.Value * 2|};"), InChild("""
                    using (v.Lock.Hold())
                    {
                        v.Value = v.Value * 2;
                    }
            """), UnlockedSharedReadModifyWriteFixer.EquivalenceKey, Unlocked("v.Value", "'using (v.Lock.Hold())'"));

    [Fact]
    public Task Fix_HoldsTheLockFromTheReadToTheWrite() =>
        VerifyCodeFixAsync(InChild("""
                    Console.WriteLine("before");
                    var x = v.Value;
                    x = x * 3 + 1;
                    {|#0:v.Value = x|};
                    Console.WriteLine("after");
            """), InChild("""
                    Console.WriteLine("before");
                    using (v.Lock.Hold())
                    {
                        var x = v.Value;
                        x = x * 3 + 1;
                        v.Value = x;
                    }
                    Console.WriteLine("after");
            """), UnlockedSharedReadModifyWriteFixer.EquivalenceKey, Unlocked("v.Value", "'using (v.Lock.Hold())'"));

    [Fact]
    public Task NoFix_WhenALocalIsUsedAfterTheWrite() =>
        VerifyCodeFixAsync(InChild("""
                    var x = v.Value + 1;
                    {|#0:v.Value = x|};
                    Console.WriteLine(x);
            """), InChild("""
                    var x = v.Value + 1;
                    {|#0:v.Value = x|};
                    Console.WriteLine(x);
            """), UnlockedSharedReadModifyWriteFixer.EquivalenceKey, Unlocked("v.Value", "'using (v.Lock.Hold())'"));

    [Fact]
    public Task FixAll_GivesEachItsFix() =>
        VerifyFixAllAsync(InChild("""
                    {|#0:v.Value += 2|};
                    {|#1:a[0]++|};
            """), InChild("""
                    v.Add(2);
                    using (a.Lock.Hold())
                    {
                        a[0]++;
                    }
            """), UnlockedSharedReadModifyWriteFixer.EquivalenceKey,
            Unlocked("v.Value", "'v.Add(2)'"), Unlocked("a[0]", "'using (a.Lock.Hold())'", 1));
}
