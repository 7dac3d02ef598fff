using Verify = Multiproc.Analyzers.Tests.Verifiers.CSharpAnalyzerVerifier<Multiproc.Analyzers.MultiprocAnalyzer, Multiproc.Analyzers.Tests.Verifiers.MP0017Rule>;

namespace Multiproc.Analyzers.Tests;

public class MP0017_PipeEndSharedByProcessesTests
{
    /// <summary>A program with <c>Talk(PipeEnd&lt;string&gt;)</c> as child target; <paramref name="main"/> is Main's body.</summary>
    private static string Program(string main) => $$"""
        using System;
        using System.Collections.Generic;
        using Multiproc;

        class Chat
        {
            public static void Talk(PipeEnd<string> end) => end.Send("hi");

            static void Main()
            {
        {{main}}
            }
        }
        """;

    private static DiagnosticResult Shared(string end, string what, int location = 0) =>
        Verify.Diagnostic(Descriptors.MP0017_PipeEndSharedByProcesses).WithLocation(location).WithArguments(end, what);

    private const string Second = "is passed to a second child process";
    private const string Loop = "is passed to every child process the loop creates";
    private const string UsedAfter = "is used by the parent after it was passed to a started child process";

    // ---------------------------------------------------------------- flagged

    [Fact]
    public Task SameEndToTwoChildren_IsFlagged() => Verify.VerifyAnalyzerAsync(Program("""
                var (left, right) = ProcessPipe.Create<string>();
                var a = new ChildProcess(() => Talk(right));
                var b = new ChildProcess(() => Talk({|#0:right|}));
                a.Start();
                b.Start();
                a.Join();
                b.Join();
        """), Shared("right", Second));

    [Fact]
    public Task EndToChildrenOfALoop_IsFlagged() => Verify.VerifyAnalyzerAsync(Program("""
                var (left, right) = ProcessPipe.Create<string>();
                var workers = new List<ChildProcess>();
                for (var i = 0; i < 3; i++)
                {
                    var p = new ChildProcess(() => Talk({|#0:right|}));
                    p.Start();
                    workers.Add(p);
                }
                foreach (var p in workers) p.Join();
        """), Shared("right", Loop));

    [Fact]
    public Task ParentUsesThePassedEndAfterStart_IsFlagged() => Verify.VerifyAnalyzerAsync(Program("""
                var (left, right) = ProcessPipe.Create<string>();
                var p = new ChildProcess(() => Talk(right));
                p.Start();
                {|#0:right.Send("me too")|};
                Console.WriteLine({|#1:right.Receive()|});
                p.Join();
        """), Shared("right", UsedAfter), Shared("right", UsedAfter, 1));

    [Fact]
    public Task StartedInline_ParentPollsThePassedEnd_IsFlagged() => Verify.VerifyAnalyzerAsync(Program("""
                var (left, right) = ProcessPipe.Create<string>();
                new ChildProcess(() => Talk(right)).Start();
                if ({|#0:right.Poll(TimeSpan.FromSeconds(1))|}) Console.WriteLine(left.Receive());
        """), Shared("right", UsedAfter));

    // ---------------------------------------------------------------- not flagged

    [Fact]
    public Task OneEndSentTheOtherKept_IsNotFlagged() => Verify.VerifyAnalyzerAsync(Program("""
                var (left, right) = ProcessPipe.Create<string>();
                var p = new ChildProcess(() => Talk(right));
                p.Start();
                right.Close();
                Console.WriteLine(left.Receive());
                left.Send("bye");
                p.Join();
        """));

    [Fact]
    public Task EndUsedBeforeStart_IsNotFlagged() => Verify.VerifyAnalyzerAsync(Program("""
                var (left, right) = ProcessPipe.Create<string>();
                right.Send("queued before the child runs");
                var p = new ChildProcess(() => Talk(right));
                p.Start();
                right.Dispose();
                p.Join();
        """));

    [Fact]
    public Task EachChildItsOwnPipe_IsNotFlagged() => Verify.VerifyAnalyzerAsync(Program("""
                var workers = new List<(ChildProcess Process, PipeEnd<string> End)>();
                for (var i = 0; i < 3; i++)
                {
                    var (left, right) = ProcessPipe.Create<string>();
                    var p = new ChildProcess(() => Talk(right));
                    p.Start();
                    right.Close();
                    workers.Add((p, left));
                }
                foreach (var (p, end) in workers)
                {
                    Console.WriteLine(end.Receive());
                    p.Join();
                }
        """));

    [Fact]
    public Task TwoChildrenTwoEnds_IsNotFlagged() => Verify.VerifyAnalyzerAsync(Program("""
                var (left, right) = ProcessPipe.Create<string>();
                var a = new ChildProcess(() => Talk(left));
                var b = new ChildProcess(() => Talk(right));
                a.Start();
                b.Start();
                left.Close();
                right.Close();
                a.Join();
                b.Join();
        """));
}
