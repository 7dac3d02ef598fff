using MP0003Verify = Multiproc.Analyzers.Tests.Verifiers.CSharpCodeFixVerifier<Multiproc.Analyzers.MultiprocAnalyzer, Multiproc.Analyzers.Tests.Verifiers.MP0003Rule, Multiproc.CodeFixes.ProcessNotJoinedFixer>;
using MP0004Verify = Multiproc.Analyzers.Tests.Verifiers.CSharpCodeFixVerifier<Multiproc.Analyzers.MultiprocAnalyzer, Multiproc.Analyzers.Tests.Verifiers.MP0004Rule, Multiproc.CodeFixes.DaemonSetAfterStartFixer>;
using MP0010Verify = Multiproc.Analyzers.Tests.Verifiers.CSharpCodeFixVerifier<Multiproc.Analyzers.MultiprocAnalyzer, Multiproc.Analyzers.Tests.Verifiers.MP0010Rule, Multiproc.CodeFixes.TerminatedNotJoinedFixer>;
using MP0012Verify = Multiproc.Analyzers.Tests.Verifiers.CSharpAnalyzerVerifier<Multiproc.Analyzers.MultiprocAnalyzer, Multiproc.Analyzers.Tests.Verifiers.MP0012Rule>;

namespace Multiproc.Analyzers.Tests;

/// <summary>
/// The null-conditional calls on a process (<c>p?.Start()</c>, <c>p?.Join()</c>, <c>p?.Terminate()</c>): a control flow
/// graph captures <c>p</c> and calls the member on the capture, which MP0003, MP0004, MP0010 and MP0012 read as the call on
/// <c>p</c> (issue 14, fourteenth session).
/// </summary>
public class ConditionalAccessShapesTests
{
    private static readonly RuleCases<MP0010Rule, TerminatedNotJoinedFixer> MP0010Cases = new(ProcessSources.InClass, TerminatedNotJoinedFixer.EquivalenceKey);

    private static DiagnosticResult NotJoined(string name, int location = 0) =>
        MP0003Verify.Diagnostic(Descriptors.MP0003_ProcessNotJoined).WithLocation(location).WithArguments(name);

    private static Task MP0003Flagged(string members, params string[] names) =>
        MP0003Verify.VerifyAnalyzerAsync(ProcessSources.OneLineClass(members), names.Select((n, i) => NotJoined(n, i)).ToArray());

    private static Task MP0003Clean(string members) => MP0003Verify.VerifyAnalyzerAsync(ProcessSources.OneLineClass(members));

    // ---------------------------------------------------------------- MP0003

    [Fact]
    public Task ConditionalStartNeverJoined() => MP0003Flagged(@"
void M() { ChildProcess? p = new ChildProcess(() => Work(1)); {|#0:p?.Start()|}; }", "p");

    [Fact]
    public Task ConditionalStartJoinedOnOneBranchOnly() => MP0003Flagged(@"
void M() { ChildProcess? p = new ChildProcess(() => Work(1)); {|#0:p?.Start()|}; if (Cond()) p?.Join(); }", "p");

    [Fact]
    public Task ConditionalStartDisposedNotJoined() => MP0003Flagged(@"
void M() { ChildProcess? p = new ChildProcess(() => Work(1)); {|#0:p?.Start()|}; p?.Dispose(); }", "p");

    [Fact]
    public Task ConditionalStartMaybeNullNeverJoined() => MP0003Flagged(@"
void M() { ChildProcess? p = null; if (Cond()) p = new ChildProcess(() => Work(1)); {|#0:p?.Start()|}; Console.WriteLine(p?.Pid); }", "p");

    [Fact]
    public Task ConditionalStartInLoopNeverJoined() => MP0003Flagged(@"
void M() { for (int i = 0; i < 3; i++) { ChildProcess? p = new ChildProcess(() => Work(i)); {|#0:p?.Start()|}; } }", "p");

    [Fact]
    public Task ConditionalStartConditionallyJoined() => MP0003Clean(@"
void M() { ChildProcess? p = new ChildProcess(() => Work(1)); p?.Start(); p?.Join(); }");

    [Fact]
    public Task ConditionalStartJoined() => MP0003Clean(@"
void M() { ChildProcess? p = null; if (Cond()) p = new ChildProcess(() => Work(1)); p?.Start(); Console.WriteLine(p?.Pid); p?.Join(); }");

    [Fact]
    public Task ConditionalStartJoinedAsync() => MP0003Clean(@"
async Task M() { ChildProcess? p = new ChildProcess(() => Work(1)); p?.Start(); await (p?.JoinAsync() ?? Task.CompletedTask); }");

    [Fact]
    public Task ConditionalStartInFinally() => MP0003Clean(@"
void M() { ChildProcess? p = new ChildProcess(() => Work(1)); p?.Start(); try { Work(2); } finally { p?.Join(); } }");

    [Fact]
    public Task ConditionalStartOfDaemon() => MP0003Clean(@"
void M() { ChildProcess? p = new ChildProcess(() => Work(1)) { Daemon = true }; p?.Start(); }");

    [Fact]
    public Task ConditionalStartHandedOn() => MP0003Clean(@"
List<ChildProcess> _all = new();
void M() { ChildProcess? p = new ChildProcess(() => Work(1)); p?.Start(); _all.Add(p!); }");

    [Fact]
    public Task ConditionalStartFixInsertsConditionalJoin() => MP0003Verify.VerifyCodeFixAsync(ProcessSources.ClassC(@"
    static void Work(int i) { }
    void M()
    {
        ChildProcess? p = new ChildProcess(() => Work(1));
        {|#0:p?.Start()|};
        Console.WriteLine(""started"");
    }"), ProcessSources.ClassC(@"
    static void Work(int i) { }
    void M()
    {
        ChildProcess? p = new ChildProcess(() => Work(1));
        p?.Start();
        Console.WriteLine(""started"");
        p?.Join();
    }"), ProcessNotJoinedFixer.EquivalenceKeyJoin, NotJoined("p"));

    [Fact]
    public Task ConditionalStartFixAll() => MP0003Verify.VerifyFixAllAsync(ProcessSources.ClassC(@"
    static void Work(int i) { }
    void M()
    {
        ChildProcess? a = new ChildProcess(() => Work(1));
        var b = new ChildProcess(() => Work(2));
        {|#0:a?.Start()|};
        {|#1:b.Start()|};
    }"), ProcessSources.ClassC(@"
    static void Work(int i) { }
    void M()
    {
        ChildProcess? a = new ChildProcess(() => Work(1));
        var b = new ChildProcess(() => Work(2));
        a?.Start();
        b.Start();
        a?.Join();
        b.Join();
    }"), ProcessNotJoinedFixer.EquivalenceKeyJoin, NotJoined("a"), NotJoined("b", 1));

    // ---------------------------------------------------------------- MP0010

    private static DiagnosticResult Terminated(int location, string process, string method) =>
        MP0010Verify.Diagnostic(Descriptors.MP0010_TerminatedNotJoined).WithLocation(location).WithArguments(process, method);

    [Fact]
    public Task ConditionalTerminateIsFlaggedAndFixed() => MP0010Cases.Fixed(@"
    public void M(ChildProcess? p)
    {
        {|#0:p?.Terminate()|};
        Console.WriteLine(p?.IsAlive);
    }
", @"
    public void M(ChildProcess? p)
    {
        p?.Terminate();
        p?.Join();
        Console.WriteLine(p?.IsAlive);
    }
", Terminated(0, "p", "Terminate"));

    [Fact]
    public Task ConditionalKillFixAll() => MP0010Cases.FixedAll(@"
    public void M(ChildProcess? p, ChildProcess q)
    {
        {|#0:p?.Kill()|};
        {|#1:q.Kill()|};
    }
", @"
    public void M(ChildProcess? p, ChildProcess q)
    {
        p?.Kill();
        p?.Join();
        q.Kill();
        q.Join();
    }
", Terminated(0, "p", "Kill"), Terminated(1, "q", "Kill"));

    [Fact]
    public Task ConditionalKillJoinedOnOnePathOnly() => MP0010Cases.Flagged(@"
    public void M(ChildProcess? p, bool quick)
    {
        {|#0:p?.Kill()|};
        if (quick) return;
        p?.Join();
    }
", Terminated(0, "p", "Kill"));

    [Fact]
    public Task ConditionalTerminateConditionallyJoined() => MP0010Cases.NotFlagged(@"
    public void M(ChildProcess? p)
    {
        p?.Terminate();
        p?.Join();
    }
");

    [Fact]
    public Task TerminateConditionallyJoined() => MP0010Cases.NotFlagged(@"
    public async Task M(ChildProcess? p)
    {
        p!.Terminate();
        await (p?.JoinAsync() ?? Task.CompletedTask);
    }
");

    [Fact]
    public Task ConditionalTerminateHandedOn() => MP0010Cases.NotFlagged(@"
    public void M(ChildProcess? p)
    {
        p?.Terminate();
        Reap(p);
    }
    static void Reap(ChildProcess? p) => p?.Join();
");

    // ---------------------------------------------------------------- MP0012

    private static Task MP0012Flagged(string body, DiagnosticResult expected) => MP0012Verify.VerifyAnalyzerAsync(ProcessSources.InMethod(body), expected);

    private static Task MP0012Clean(string body) => MP0012Verify.VerifyAnalyzerAsync(ProcessSources.InMethod(body));

    [Fact]
    public Task ConditionalStartTwice() => MP0012Flagged(@"
        ChildProcess? p = new ChildProcess(() => Work.Run(1));
        p?.Start();
        {|#0:p?.Start()|};
        p?.Join();",
        MP0012Verify.Diagnostic(Descriptors.MP0012_StartTwiceOrJoinBeforeStart).WithLocation(0)
            .WithArguments("p", "Start", "again on a path where it was already started"));

    [Fact]
    public Task ConditionalJoinBeforeStart() => MP0012Flagged(@"
        ChildProcess? p = new ChildProcess(() => Work.Run(1));
        {|#0:p?.Join()|};
        p?.Start();",
        MP0012Verify.Diagnostic(Descriptors.MP0012_StartTwiceOrJoinBeforeStart).WithLocation(0)
            .WithArguments("p", "Join", "on a path where it was not started"));

    [Fact]
    public Task ConditionalStartThenJoin() => MP0012Clean(@"
        ChildProcess? p = new ChildProcess(() => Work.Run(1));
        p?.Start();
        Console.WriteLine(p?.Pid);
        p?.Join();
        p?.Join();");

    // ---------------------------------------------------------------- MP0004

    [Fact]
    public Task DaemonSetAfterConditionalStart() => MP0004Verify.VerifyAnalyzerAsync("""
        using Multiproc;

        class C
        {
            static void Work() { }
            static void M()
            {
                ChildProcess? p = new ChildProcess(() => Work());
                p?.Start();
                {|#0:p.Daemon = true|};
            }
        }
        """, MP0004Verify.Diagnostic(Descriptors.MP0004_DaemonSetAfterStart).WithLocation(0).WithArguments("p"));

    [Fact]
    public Task DaemonSetBeforeConditionalStart() => MP0004Verify.VerifyAnalyzerAsync("""
        using Multiproc;

        class C
        {
            static void Work() { }
            static void M()
            {
                ChildProcess? p = new ChildProcess(() => Work());
                p.Daemon = true;
                p?.Start();
            }
        }
        """);
}
