using Verify = Multiproc.Analyzers.Tests.Verifiers.CSharpCodeFixVerifier<Multiproc.Analyzers.MultiprocAnalyzer, Multiproc.Analyzers.Tests.Verifiers.MP0018Rule, Multiproc.CodeFixes.ConditionWaitOutsideLoopFixer>;

namespace Multiproc.Analyzers.Tests;

/// <summary>MP0018 for <c>await cond.WaitAsync(…)</c>: the same stolen wake-up as <c>Wait</c> (issue 14, fourteenth session).</summary>
public class MP0018_WaitAsyncTests
{
    private static string Program(string body) => $$"""
        using System;
        using System.Threading.Tasks;
        using Multiproc;

        class Kitchen
        {
            static async Task Eat(ProcessCondition cond, SharedValue<int> dishes)
            {
        {{body}}
            }
        }
        """;

    /// <summary>The message names the call and, for WaitAsync, does not advise the blocking WaitFor.</summary>
    private static DiagnosticResult NotInLoop(int location = 0) =>
        Verify.Diagnostic(Descriptors.MP0018_ConditionWaitOutsideLoop).WithLocation(location)
            .WithArguments("cond", "WaitAsync", "await it in a loop that re-checks the condition");

    private static DiagnosticResult WaitNotInLoop(int location = 0) =>
        Verify.Diagnostic(Descriptors.MP0018_ConditionWaitOutsideLoop).WithLocation(location)
            .WithArguments("cond", "Wait", "use 'cond.WaitFor(() => condition)'");

    [Fact]
    public Task AwaitedWaitAsyncUnderIf_IsFlagged() => Verify.VerifyAnalyzerAsync(Program("""
                if (dishes.Value == 0) await {|#0:cond.WaitAsync()|};
                dishes.Value--;
        """), NotInLoop());

    [Fact]
    public Task WaitAsyncUnderIf_GetsNoFix() => Verify.VerifyCodeFixAsync(Program("""
                if (dishes.Value == 0) await {|#0:cond.WaitAsync()|};
                dishes.Value--;
        """), Program("""
                if (dishes.Value == 0) await {|#0:cond.WaitAsync()|};
                dishes.Value--;
        """), ConditionWaitOutsideLoopFixer.EquivalenceKey, NotInLoop());

    [Fact]
    public Task WaitInAGotoLoop_IsNotFlagged() => Verify.VerifyAnalyzerAsync(Program("""
            again:
                if (dishes.Value == 0)
                {
                    cond.Wait();
                    goto again;
                }
                dishes.Value--;
        """));

    [Fact]
    public Task WaitBeforeAForwardGoto_IsFlagged() => Verify.VerifyAnalyzerAsync(Program("""
                if (dishes.Value == 0)
                {
                    {|#0:cond.Wait()|};
                    goto done;
                }
                dishes.Value--;
            done:
                Console.WriteLine();
        """), WaitNotInLoop());

    [Fact]
    public Task TimedWaitAsync_IsFlagged() => Verify.VerifyAnalyzerAsync(Program("""
                if (!await {|#0:cond.WaitAsync(TimeSpan.FromSeconds(1))|}) return;
                dishes.Value--;
        """), NotInLoop());

    [Fact]
    public Task WaitAsyncInLoops_AreNotFlagged() => Verify.VerifyAnalyzerAsync(Program("""
                while (dishes.Value == 0) await cond.WaitAsync();
                do { await cond.WaitAsync(TimeSpan.FromSeconds(1)); } while (dishes.Value == 0);
                for (; dishes.Value == 0;) await cond.WaitAsync();
                cond.WaitFor(() => dishes.Value > 0);
        """));
}
