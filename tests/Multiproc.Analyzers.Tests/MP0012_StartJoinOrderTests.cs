using Verify = Multiproc.Analyzers.Tests.Verifiers.CSharpAnalyzerVerifier<Multiproc.Analyzers.MultiprocAnalyzer, Multiproc.Analyzers.Tests.Verifiers.MP0012Rule>;

namespace Multiproc.Analyzers.Tests;

public class MP0012_StartJoinOrderTests
{
    private static string Wrap(string body) => ProcessSources.InMethod(body);

    /// <summary>The statements <paramref name="body"/> in a method get exactly <paramref name="expected"/>.</summary>
    private static Task Flagged(string body, Microsoft.CodeAnalysis.Testing.DiagnosticResult expected) => Verify.VerifyAnalyzerAsync(Wrap(body), expected);

    /// <summary>The statements <paramref name="body"/> in a method get no diagnostic.</summary>
    private static Task NotFlagged(string body) => Verify.VerifyAnalyzerAsync(Wrap(body));

    /// <summary>The diagnostic at location 0: <paramref name="process"/> started again where it was already started.</summary>
    private static Microsoft.CodeAnalysis.Testing.DiagnosticResult StartedAgain(string process) =>
        Verify.Diagnostic(Descriptors.MP0012_StartTwiceOrJoinBeforeStart).WithLocation(0)
            .WithArguments(process, "Start", "again on a path where it was already started");

    /// <summary>The diagnostic at location 0: <paramref name="process"/> joined (<paramref name="join"/>) where it was not started.</summary>
    private static Microsoft.CodeAnalysis.Testing.DiagnosticResult JoinedBeforeStart(string process, string join = "Join") =>
        Verify.Diagnostic(Descriptors.MP0012_StartTwiceOrJoinBeforeStart).WithLocation(0)
            .WithArguments(process, join, "on a path where it was not started");

    [Fact]
    public Task StartTwiceIsFlagged() => Flagged(@"
        var p = new ChildProcess(() => Work.Run(1));
        p.Start();
        {|#0:p.Start()|};
        p.Join();",
        StartedAgain("p"));

    [Fact]
    public Task StartInLoopOnSameProcessIsFlagged() => Flagged(@"
        var p = new ChildProcess(() => Work.Run(1));
        for (var i = 0; i < 3; i++)
        {
            {|#0:p.Start()|};
        }",
        StartedAgain("p"));

    [Fact]
    public Task StartOnOnePathThenAgainIsFlagged() => Flagged(@"
        var p = new ChildProcess(() => Work.Run(1)) { Daemon = true };
        if (flag)
            p.Start();
        {|#0:p.Start()|};
        p.Join();",
        StartedAgain("p"));

    [Fact]
    public Task JoinBeforeStartIsFlagged() => Flagged(@"
        var p = new ChildProcess(() => Work.Run(1));
        {|#0:p.Join()|};
        p.Start();",
        JoinedBeforeStart("p", "Join"));

    [Fact]
    public Task JoinWhenStartIsConditionalIsFlagged() => Flagged(@"
        using var p = new ChildProcess(() => Work.Run(1));
        if (flag)
            p.Start();
        {|#0:p.Join(TimeSpan.FromSeconds(1))|};",
        JoinedBeforeStart("p", "Join"));

    [Fact]
    public async Task StartTwiceOnParameterIsFlagged()
    {
        await Verify.VerifyAnalyzerAsync(ProcessSources.Usings + @"
public class C
{
    public void M(ChildProcess p)
    {
        p.Start();
        {|#0:p.Start()|};
    }
}",
            StartedAgain("p"));
    }

    [Fact]
    public Task StartThenJoinIsNotFlagged() => NotFlagged(@"
        var p = new ChildProcess(() => Work.Run(1));
        p.Start();
        p.Join();
        p.Join();");

    [Fact]
    public Task NewProcessEachIterationIsNotFlagged() => NotFlagged(@"
        var list = new List<ChildProcess>();
        for (var i = 0; i < 3; i++)
        {
            var p = new ChildProcess(() => Work.Run(i));
            p.Start();
            list.Add(p);
        }
        foreach (var p in list)
            p.Join();");

    [Fact]
    public Task ReassignedProcessIsNotFlagged() => NotFlagged(@"
        var p = new ChildProcess(() => Work.Run(1));
        p.Start();
        p.Join();
        p = new ChildProcess(() => Work.Run(2));
        p.Start();
        p.Join();");

    [Fact]
    public Task StartAndJoinOnSameBranchIsNotFlagged() => NotFlagged(@"
        var p = new ChildProcess(() => Work.Run(1));
        if (flag)
        {
            p.Start();
            p.Join();
        }");

    [Fact]
    public Task StartedElsewhereIsNotFlagged() => NotFlagged(@"
        var p = new ChildProcess(() => Work.Run(1));
        Launch(p);
        p.Join();
    }

    private static void Launch(ChildProcess p) => p.Start();

    public void N()
    {
        var p = new ChildProcess(() => Work.Run(1));
        Action start = () => p.Start();
        start();
        p.Join();");

    [Fact]
    public Task StartInTryThenJoinIsNotFlagged() => NotFlagged(@"
        var p = new ChildProcess(() => Work.Run(1));
        try
        {
            p.Start();
        }
        finally
        {
            Console.WriteLine(""started"");
        }
        p.Join();");

    // Nested functions get their own graph only when they hold a Start/Join (the analyzer skips the others' graphs).
    [Fact]
    public Task StartTwiceInsideLambdaIsFlagged() => Flagged(@"
        Action run = () =>
        {
            var p = new ChildProcess(() => Work.Run(1));
            p.Start();
            {|#0:p.Start()|};
            p.Join();
        };
        Func<int, int> square = x => x * x;
        run();
        Console.WriteLine(square(2));",
        StartedAgain("p"));

    [Fact]
    public Task StartTwiceInsideLocalFunctionIsFlagged() => Flagged(@"
        Run();
        void Run()
        {
            var p = new ChildProcess(() => Work.Run(1));
            p.Start();
            {|#0:p.Start()|};
            p.Join();
        }",
        StartedAgain("p"));
}
