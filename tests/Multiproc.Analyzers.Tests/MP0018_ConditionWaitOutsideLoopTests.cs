using Verify = Multiproc.Analyzers.Tests.Verifiers.CSharpCodeFixVerifier<Multiproc.Analyzers.MultiprocAnalyzer, Multiproc.Analyzers.Tests.Verifiers.MP0018Rule, Multiproc.CodeFixes.ConditionWaitOutsideLoopFixer>;

namespace Multiproc.Analyzers.Tests;

public class MP0018_ConditionWaitOutsideLoopTests
{
    private static string Program(string body) => $$"""
        using System;
        using Multiproc;

        class Kitchen
        {
            static void Eat(ProcessCondition cond, SharedValue<int> dishes)
            {
                using (cond.Hold())
                {
        {{body}}
                }
            }
        }
        """;

    private static DiagnosticResult NotInLoop(int location = 0) =>
        Verify.Diagnostic(Descriptors.MP0018_ConditionWaitOutsideLoop).WithLocation(location).WithArguments("cond", "Wait", "use 'cond.WaitFor(() => condition)'");

    // ---------------------------------------------------------------- flagged

    [Fact]
    public Task WaitUnderIf_IsFlagged() => Verify.VerifyAnalyzerAsync(Program("""
                    if (dishes.Value == 0) {|#0:cond.Wait()|};
                    dishes.Value--;
        """), NotInLoop());

    [Fact]
    public Task BareTimedWait_IsFlagged() => Verify.VerifyAnalyzerAsync(Program("""
                    {|#0:cond.Wait(TimeSpan.FromSeconds(1))|};
                    dishes.Value--;
        """), NotInLoop());

    [Fact]
    public Task WaitInALambdaInsideALoop_IsFlagged() => Verify.VerifyAnalyzerAsync(Program("""
                    while (dishes.Value == 0)
                    {
                        Action wait = () => {|#0:cond.Wait()|};
                        wait();
                    }
        """), NotInLoop());

    // ---------------------------------------------------------------- not flagged

    [Fact]
    public Task WaitInLoops_AndWaitFor_AreNotFlagged() => Verify.VerifyAnalyzerAsync(Program("""
                    while (dishes.Value == 0) cond.Wait();
                    do { cond.Wait(TimeSpan.FromSeconds(1)); } while (dishes.Value == 0);
                    for (; dishes.Value == 0;) cond.Wait();
                    while (true)
                    {
                        if (dishes.Value > 0) break;
                        cond.Wait();
                    }
                    cond.WaitFor(() => dishes.Value > 0);
                    dishes.Value--;
        """));

    // ---------------------------------------------------------------- fixes

    [Fact]
    public Task Fix_IfNotReady_BecomesWaitFor() => Verify.VerifyCodeFixAsync(Program("""
                    if (dishes.Value == 0)
                    {
                        {|#0:cond.Wait()|};
                    }
                    dishes.Value--;
        """), Program("""
                    cond.WaitFor(() => dishes.Value != 0);
                    dishes.Value--;
        """), ConditionWaitOutsideLoopFixer.EquivalenceKey, NotInLoop());

    [Fact]
    public Task Fix_KeepsTheTimeout_AndDropsTheNot() => Verify.VerifyCodeFixAsync(Program("""
                    var ready = dishes.Value > 0;
                    if (!ready) {|#0:cond.Wait(TimeSpan.FromSeconds(5))|};
        """), Program("""
                    var ready = dishes.Value > 0;
                    cond.WaitFor(() => ready, TimeSpan.FromSeconds(5));
        """), ConditionWaitOutsideLoopFixer.EquivalenceKey, NotInLoop());

    [Fact]
    public Task NoFix_WithoutAGuardingIf() => Verify.VerifyCodeFixAsync(Program("""
                    {|#0:cond.Wait()|};
        """), Program("""
                    {|#0:cond.Wait()|};
        """), ConditionWaitOutsideLoopFixer.EquivalenceKey, NotInLoop());

    [Fact]
    public Task FixAll_FixesEveryGuardedWait() => Verify.VerifyFixAllAsync(Program("""
                    if (dishes.Value == 0) {|#0:cond.Wait()|};
                    dishes.Value--;
                    if (dishes.Value < 3) {|#1:cond.Wait()|};
        """), Program("""
                    cond.WaitFor(() => dishes.Value != 0);
                    dishes.Value--;
                    cond.WaitFor(() => !(dishes.Value < 3));
        """), ConditionWaitOutsideLoopFixer.EquivalenceKey, NotInLoop(), NotInLoop(1));
}
