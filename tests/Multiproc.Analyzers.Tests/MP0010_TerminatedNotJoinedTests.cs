using Verify = Multiproc.Analyzers.Tests.Verifiers.CSharpCodeFixVerifier<Multiproc.Analyzers.MultiprocAnalyzer,Multiproc.Analyzers.Tests.Verifiers.MP0010Rule, Multiproc.CodeFixes.TerminatedNotJoinedFixer>;

namespace Multiproc.Analyzers.Tests;

public class MP0010_TerminatedNotJoinedTests
{
    private static readonly RuleCases<MP0010Rule, TerminatedNotJoinedFixer> Cases = new(ProcessSources.InClass, TerminatedNotJoinedFixer.EquivalenceKey);

    private static DiagnosticResult Expected(int location, string process, string method) =>
        Verify.Diagnostic(Descriptors.MP0010_TerminatedNotJoined).WithLocation(location).WithArguments(process, method);

    [Fact]
    public Task TerminateWithoutJoinIsFlaggedAndFixed() => Cases.Fixed(@"
    public void M(ChildProcess p)
    {
        {|#0:p.Terminate()|};
        Console.WriteLine(p.IsAlive);
    }
", @"
    public void M(ChildProcess p)
    {
        p.Terminate();
        p.Join();
        Console.WriteLine(p.IsAlive);
    }
", Expected(0, "p", "Terminate"));

    [Fact]
    public Task KillWithJoinOnOnlyOnePathIsFlaggedAndFixed() => Cases.Fixed(@"
    public void M(ChildProcess p, bool quick)
    {
        {|#0:p.Kill()|};
        if (quick)
            return;
        p.Join();
    }
", @"
    public void M(ChildProcess p, bool quick)
    {
        p.Kill();
        p.Join();
        if (quick)
            return;
        p.Join();
    }
", Expected(0, "p", "Kill"));

    [Fact]
    public Task KillAfterTimedJoinIsFlagged() => Cases.Flagged(@"
    public void M()
    {
        var p = new ChildProcess(() => Work.Run(1));
        p.Start();
        p.Terminate();
        if (!p.Join(TimeSpan.FromSeconds(5)))
            {|#0:p.Kill()|};
    }
", Expected(0, "p", "Kill"));

    [Fact]
    public Task EmbeddedStatementIsFixedWithBlock() => Cases.Fixed(@"
    public void M(ChildProcess p, bool stop)
    {
        if (stop)
            {|#0:p.Terminate()|};
    }
", @"
    public void M(ChildProcess p, bool stop)
    {
        if (stop)
        {
            p.Terminate();
            p.Join();
        }
    }
", Expected(0, "p", "Terminate"));

    [Fact]
    public Task ThrowAfterTerminateIsFlagged() => Cases.Flagged(@"
    private ChildProcess _worker = new ChildProcess(() => Work.Run(1));

    public void M()
    {
        {|#0:_worker.Terminate()|};
        throw new TimeoutException(""worker hung"");
    }
", Expected(0, "_worker", "Terminate"));

    [Fact]
    public Task TerminateAllWithoutJoinIsFlagged() => Cases.Flagged(@"
    public void M(List<ChildProcess> workers)
    {
        foreach (var w in workers)
            {|#0:w.Terminate()|};
    }
", Expected(0, "w", "Terminate"));

    [Fact]
    public Task FixAllInsertsEveryJoin() => Cases.FixedAll(@"
    public void M(ChildProcess a, ChildProcess b)
    {
        {|#0:a.Terminate()|};
        {|#1:b.Kill()|};
    }
", @"
    public void M(ChildProcess a, ChildProcess b)
    {
        a.Terminate();
        a.Join();
        b.Kill();
        b.Join();
    }
", Expected(0, "a", "Terminate"), Expected(1, "b", "Kill"));

    [Fact]
    public Task TerminateThenJoinIsNotFlagged() => Cases.NotFlagged(@"
    public void M(ChildProcess p)
    {
        p.Terminate();
        Console.WriteLine(""terminated"");
        p.Join();
        Console.WriteLine(p.ExitCode);
    }
");

    [Fact]
    public Task TerminateThenTimedJoinAndKillThenJoinIsNotFlagged() => Cases.NotFlagged(@"
    public void M(ChildProcess p)
    {
        p.Terminate();
        if (!p.Join(TimeSpan.FromSeconds(5)))
        {
            p.Kill();
            p.Join();
        }
    }
");

    [Fact]
    public Task JoinInFinallyIsNotFlagged() => Cases.NotFlagged(@"
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
");

    [Fact]
    public Task JoinAsyncIsNotFlagged() => Cases.NotFlagged(@"
    public async Task M(ChildProcess p)
    {
        p.Kill();
        await p.JoinAsync();
    }
");

    [Fact]
    public Task TerminateAllThenJoinAllIsNotFlagged() => Cases.NotFlagged(@"
    public void M(ChildProcess[] workers)
    {
        foreach (var w in workers)
            w.Terminate();
        for (var i = 0; i < workers.Length; i++)
            workers[i].Join();
    }
");

    [Fact]
    public Task ProcessHandedOnIsNotFlagged() => Cases.NotFlagged(@"
    public void M(ChildProcess p)
    {
        p.Terminate();
        Reap(p);
    }

    private static void Reap(ChildProcess p) => p.Join();
");

    [Fact]
    public Task TerminateWithoutJoinInsideLambdaIsFlagged() => Cases.Flagged(@"
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
", Expected(0, "p", "Terminate"));
}
