using Verify = Multiproc.Analyzers.Tests.Verifiers.CSharpCodeFixVerifier<Multiproc.Analyzers.MultiprocAnalyzer,Multiproc.Analyzers.Tests.Verifiers.MP0010Rule, Multiproc.CodeFixes.TerminatedNotJoinedFixer>;

namespace Multiproc.Analyzers.Tests;

public class MP0010_TerminatedNotJoinedTests
{
    private const string Head = @"using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Multiproc;

public static class Work { public static void Run(int n) { } }

public class C
{
";

    private static string Wrap(string members) => Head + members + "}\n";

    private static DiagnosticResult Expected(int location, string process, string method) =>
        Verify.Diagnostic(Descriptors.MP0010_TerminatedNotJoined).WithLocation(location).WithArguments(process, method);

    [Fact]
    public async Task TerminateWithoutJoinIsFlaggedAndFixed()
    {
        await Verify.VerifyCodeFixAsync(Wrap(@"
    public void M(ChildProcess p)
    {
        {|#0:p.Terminate()|};
        Console.WriteLine(p.IsAlive);
    }
"), Wrap(@"
    public void M(ChildProcess p)
    {
        p.Terminate();
        p.Join();
        Console.WriteLine(p.IsAlive);
    }
"), TerminatedNotJoinedFixer.EquivalenceKey, Expected(0, "p", "Terminate"));
    }

    [Fact]
    public async Task KillWithJoinOnOnlyOnePathIsFlaggedAndFixed()
    {
        await Verify.VerifyCodeFixAsync(Wrap(@"
    public void M(ChildProcess p, bool quick)
    {
        {|#0:p.Kill()|};
        if (quick)
            return;
        p.Join();
    }
"), Wrap(@"
    public void M(ChildProcess p, bool quick)
    {
        p.Kill();
        p.Join();
        if (quick)
            return;
        p.Join();
    }
"), TerminatedNotJoinedFixer.EquivalenceKey, Expected(0, "p", "Kill"));
    }

    [Fact]
    public async Task KillAfterTimedJoinIsFlagged()
    {
        await Verify.VerifyAnalyzerAsync(Wrap(@"
    public void M()
    {
        var p = new ChildProcess(() => Work.Run(1));
        p.Start();
        p.Terminate();
        if (!p.Join(TimeSpan.FromSeconds(5)))
            {|#0:p.Kill()|};
    }
"), Expected(0, "p", "Kill"));
    }

    [Fact]
    public async Task EmbeddedStatementIsFixedWithBlock()
    {
        await Verify.VerifyCodeFixAsync(Wrap(@"
    public void M(ChildProcess p, bool stop)
    {
        if (stop)
            {|#0:p.Terminate()|};
    }
"), Wrap(@"
    public void M(ChildProcess p, bool stop)
    {
        if (stop)
        {
            p.Terminate();
            p.Join();
        }
    }
"), TerminatedNotJoinedFixer.EquivalenceKey, Expected(0, "p", "Terminate"));
    }

    [Fact]
    public async Task ThrowAfterTerminateIsFlagged()
    {
        await Verify.VerifyAnalyzerAsync(Wrap(@"
    private ChildProcess _worker = new ChildProcess(() => Work.Run(1));

    public void M()
    {
        {|#0:_worker.Terminate()|};
        throw new TimeoutException(""worker hung"");
    }
"), Expected(0, "_worker", "Terminate"));
    }

    [Fact]
    public async Task TerminateAllWithoutJoinIsFlagged()
    {
        await Verify.VerifyAnalyzerAsync(Wrap(@"
    public void M(List<ChildProcess> workers)
    {
        foreach (var w in workers)
            {|#0:w.Terminate()|};
    }
"), Expected(0, "w", "Terminate"));
    }

    [Fact]
    public async Task FixAllInsertsEveryJoin()
    {
        await Verify.VerifyFixAllAsync(Wrap(@"
    public void M(ChildProcess a, ChildProcess b)
    {
        {|#0:a.Terminate()|};
        {|#1:b.Kill()|};
    }
"), Wrap(@"
    public void M(ChildProcess a, ChildProcess b)
    {
        a.Terminate();
        a.Join();
        b.Kill();
        b.Join();
    }
"), TerminatedNotJoinedFixer.EquivalenceKey, Expected(0, "a", "Terminate"), Expected(1, "b", "Kill"));
    }

    [Fact]
    public async Task TerminateThenJoinIsNotFlagged()
    {
        await Verify.VerifyAnalyzerAsync(Wrap(@"
    public void M(ChildProcess p)
    {
        p.Terminate();
        Console.WriteLine(""terminated"");
        p.Join();
        Console.WriteLine(p.ExitCode);
    }
"));
    }

    [Fact]
    public async Task TerminateThenTimedJoinAndKillThenJoinIsNotFlagged()
    {
        await Verify.VerifyAnalyzerAsync(Wrap(@"
    public void M(ChildProcess p)
    {
        p.Terminate();
        if (!p.Join(TimeSpan.FromSeconds(5)))
        {
            p.Kill();
            p.Join();
        }
    }
"));
    }

    [Fact]
    public async Task JoinInFinallyIsNotFlagged()
    {
        await Verify.VerifyAnalyzerAsync(Wrap(@"
    public void M(ChildProcess p, bool quick)
    {
        try
        {
            p.Terminate();
            if (quick)
                return;
            Console.WriteLine(""waiting"");
        }
        finally
        {
            p.Join();
        }
    }
"));
    }

    [Fact]
    public async Task JoinAsyncIsNotFlagged()
    {
        await Verify.VerifyAnalyzerAsync(Wrap(@"
    public async Task M(ChildProcess p)
    {
        p.Kill();
        await p.JoinAsync();
    }
"));
    }

    [Fact]
    public async Task TerminateAllThenJoinAllIsNotFlagged()
    {
        await Verify.VerifyAnalyzerAsync(Wrap(@"
    public void M(ChildProcess[] workers)
    {
        foreach (var w in workers)
            w.Terminate();
        for (var i = 0; i < workers.Length; i++)
            workers[i].Join();
    }
"));
    }

    [Fact]
    public async Task ProcessHandedOnIsNotFlagged()
    {
        await Verify.VerifyAnalyzerAsync(Wrap(@"
    public void M(ChildProcess p)
    {
        p.Terminate();
        Reap(p);
    }

    private static void Reap(ChildProcess p) => p.Join();
"));
    }

    [Fact]
    public async Task TerminateWithoutJoinInsideLambdaIsFlagged()
    {
        await Verify.VerifyAnalyzerAsync(Wrap(@"
    public void M()
    {
        Action<ChildProcess> stop = p =>
        {
            {|#0:p.Terminate()|};
            Console.WriteLine(p.IsAlive);
        };
        var q = new ChildProcess(() => Work.Run(1));
        q.Start();
        stop(q);
    }
"), Expected(0, "p", "Terminate"));
    }
}
