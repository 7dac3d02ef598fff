using Verify = Multiproc.Analyzers.Tests.Verifiers.CSharpCodeFixVerifier<Multiproc.Analyzers.MultiprocAnalyzer, Multiproc.Analyzers.Tests.Verifiers.MP0003Rule, Multiproc.CodeFixes.ProcessNotJoinedFixer>;

namespace Multiproc.Analyzers.Tests;

public class MP0003_ProcessNotJoinedTests
{
    private static DiagnosticResult NotJoined(string name, int location = 0) =>
        Verify.Diagnostic(Descriptors.MP0003_ProcessNotJoined).WithLocation(location).WithArguments(name);

    private static Task Flagged(string members, params string[] names) =>
        Verify.VerifyAnalyzerAsync(ProcessSources.OneLineClass(members), names.Select((n, i) => NotJoined(n, i)).ToArray());

    private static Task Clean(string members) =>
        Verify.VerifyAnalyzerAsync(ProcessSources.OneLineClass(members, " ChildProcess? _field; List<ChildProcess> _all = new();"));

    private static Task Fixed(string members, string fixedMembers, string equivalenceKey, params DiagnosticResult[] expected) =>
        Verify.VerifyCodeFixAsync(ProcessSources.ClassC(members), ProcessSources.ClassC(fixedMembers), equivalenceKey, expected);

    private static Task FixedAll(string members, string fixedMembers, string equivalenceKey, params DiagnosticResult[] expected) =>
        Verify.VerifyFixAllAsync(ProcessSources.ClassC(members), ProcessSources.ClassC(fixedMembers), equivalenceKey, expected);

    [Fact]
    public Task NeverJoined() => Flagged(@"
void M() { var p = new ChildProcess(() => Work(1)); {|#0:p.Start()|}; }", "p");

    [Fact]
    public Task JoinedOnOneBranchOnly() => Flagged(@"
void M() { var p = new ChildProcess(() => Work(1)); {|#0:p.Start()|}; if (Cond()) { p.Join(); } }", "p");

    [Fact]
    public Task EarlyReturnSkipsJoin() => Flagged(@"
void M() { var p = new ChildProcess(() => Work(1)); {|#0:p.Start()|}; if (Cond()) return; p.Join(); }", "p");

    [Fact]
    public Task StartedInLoopNeverJoined() => Flagged(@"
void M() { for (int i = 0; i < 50; i++) { var p = new ChildProcess(() => Work(i)); {|#0:p.Start()|}; } }", "p");

    [Fact]
    public Task OnlyLastOfLoopJoined() => Flagged(@"
void M() { ChildProcess? p = null; for (int i = 0; i < 50; i++) { p = new ChildProcess(() => Work(i)); {|#0:p.Start()|}; } p?.Join(); }", "p");

    [Fact]
    public Task OnlyLastOfLoopJoinedNonNull() => Flagged(@"
void M() { var p = new ChildProcess(() => Work(0)); for (int i = 0; i < 50; i++) { p = new ChildProcess(() => Work(i)); {|#0:p.Start()|}; } p.Join(); }", "p");

    [Fact]
    public Task DisposedButNotJoined() => Flagged(@"
void M() { using var p = new ChildProcess(() => Work(1)); {|#0:p.Start()|}; }", "p");

    [Fact]
    public Task DisposedInUsingBlockButNotJoined() => Flagged(@"
void M() { using (var p = new ChildProcess(() => Work(1))) { {|#0:p.Start()|}; } }", "p");

    [Fact]
    public Task ExplicitDisposeIsNotJoin() => Flagged(@"
void M() { var p = new ChildProcess(() => Work(1)); {|#0:p.Start()|}; p.Dispose(); }", "p");

    [Fact]
    public Task StartOnCreationIsNeverJoined() => Flagged(@"
void M() { {|#0:new ChildProcess(() => Work(1)).Start()|}; }", "new ChildProcess(...)");

    [Fact]
    public Task DaemonFalseStillFlagged() => Flagged(@"
void M() { var p = new ChildProcess(() => Work(1)) { Daemon = false }; {|#0:p.Start()|}; }", "p");

    [Fact]
    public Task NullChecksAreNotHandOffs() => Flagged(@"
void M() { var p = new ChildProcess(() => Work(1)); if (p != null && p is not null) {|#0:p.Start()|}; }", "p");

    [Fact]
    public Task Joined() => Clean(@"void M() { var p = new ChildProcess(() => Work(1)); p.Start(); p.Join(); }");

    [Fact]
    public Task JoinedInAnyOrder() => Clean(@"void M() { var a = new ChildProcess(() => Work(1)); var b = new ChildProcess(() => Work(2)); a.Start(); b.Start(); b.Join(); a.Join(); }");

    [Fact]
    public Task JoinedInFinally() => Clean(@"void M() { var p = new ChildProcess(() => Work(1)); p.Start(); try { if (Cond()) return; Work(2); } finally { p.Join(); } }");

    [Fact]
    public Task JoinedWithTimeoutLoop() => Clean(@"void M() { var p = new ChildProcess(() => Work(1)); p.Start(); while (!p.Join(TimeSpan.FromSeconds(1))) { Console.WriteLine(""waiting""); } }");

    [Fact]
    public Task JoinedAsync() => Clean(@"async Task M() { var p = new ChildProcess(() => Work(1)); p.Start(); await p.JoinAsync(); }");

    [Fact]
    public Task JoinedOnBothBranches() => Clean(@"void M() { var p = new ChildProcess(() => Work(1)); p.Start(); if (Cond()) { p.Join(); return; } p.Join(); }");

    [Fact]
    public Task CollectedIntoListJoinedInLoop() => Clean(@"void M() { var ps = new List<ChildProcess>(); for (int i = 0; i < 50; i++) { var p = new ChildProcess(() => Work(i)); p.Start(); ps.Add(p); } foreach (var p in ps) p.Join(); }");

    [Fact]
    public Task CollectedIntoListJoinedWithForEach() => Clean(@"void M() { var ps = new List<ChildProcess>(); for (int i = 0; i < 5; i++) { var p = new ChildProcess(() => Work(i)); ps.Add(p); p.Start(); } ps.ForEach(p => p.Join()); }");

    [Fact]
    public Task CollectedIntoArray() => Clean(@"void M() { var ps = new ChildProcess[5]; for (int i = 0; i < 5; i++) { var p = new ChildProcess(() => Work(i)); p.Start(); ps[i] = p; } foreach (var p in ps) p.Join(); }");

    [Fact]
    public Task LinqCreatedStartedAndJoined() => Clean(@"void M() { var ps = Enumerable.Range(0, 5).Select(i => new ChildProcess(() => Work(i))).ToList(); foreach (var p in ps) p.Start(); foreach (var p in ps) p.Join(); }");

    [Fact]
    public Task DaemonBeforeStart() => Clean(@"void M() { var p = new ChildProcess(() => Work(1)); p.Daemon = true; p.Start(); }");

    [Fact]
    public Task DaemonInInitializer() => Clean(@"void M() { var p = new ChildProcess(() => Work(1)) { Daemon = true }; p.Start(); }");

    [Fact]
    public Task Returned() => Clean(@"ChildProcess M() { var p = new ChildProcess(() => Work(1)); p.Start(); return p; }");

    [Fact]
    public Task StoredInField() => Clean(@"void M() { var p = new ChildProcess(() => Work(1)); p.Start(); _field = p; }");

    [Fact]
    public Task StoredInCollectionField() => Clean(@"void M() { var p = new ChildProcess(() => Work(1)); p.Start(); _all.Add(p); }");

    [Fact]
    public Task PassedOut() => Clean(@"void M() { var p = new ChildProcess(() => Work(1)); p.Start(); Keep(p); } static void Keep(ChildProcess p) { }");

    [Fact]
    public Task FieldStarted() => Clean(@"void M() { _field = new ChildProcess(() => Work(1)); _field.Start(); }");

    [Fact]
    public Task ParameterStarted() => Clean(@"void M(ChildProcess p) { p.Start(); }");

    [Fact]
    public Task CapturedByLambdaThatJoins() => Clean(@"void M() { var p = new ChildProcess(() => Work(1)); p.Start(); Action a = () => p.Join(); a(); }");

    [Fact]
    public Task TerminatedIsLeftToMP0010() => Clean(@"void M() { var p = new ChildProcess(() => Work(1)); p.Start(); p.Terminate(); }");

    [Fact]
    public Task CatchThatReturnsSkipsJoin() => Flagged(@"
void M() { var p = new ChildProcess(() => Work(1)); {|#0:p.Start()|}; try { Work(2); } catch (InvalidOperationException) { return; } p.Join(); }", "p");

    [Fact]
    public Task StartedInLocalFunction() => Flagged(@"
void M() { Run(); void Run() { var p = new ChildProcess(() => Work(1)); {|#0:p.Start()|}; } }", "p");

    [Fact]
    public Task StartedInLambda() => Flagged(@"
void M() { Action a = () => { var p = new ChildProcess(() => Work(1)); {|#0:p.Start()|}; }; a(); }", "p");

    [Fact]
    public Task JoinedInLocalFunctionBody() => Clean(@"void M() { Run(); void Run() { var p = new ChildProcess(() => Work(1)); p.Start(); p.Join(); } }");

    [Fact]
    public Task JoinedInNestedFinally() => Clean(@"void M() { var p = new ChildProcess(() => Work(1)); try { try { p.Start(); if (Cond()) return; } finally { Work(3); } } finally { p.Join(); } }");

    [Fact]
    public Task CatchAfterJoinIsFine() => Clean(@"void M() { try { var p = new ChildProcess(() => Work(1)); p.Start(); p.Join(); } catch (InvalidOperationException) { return; } }");

    [Fact]
    public Task WhileLoopWaitingThenJoin() => Clean(@"void M() { var p = new ChildProcess(() => Work(1)); p.Start(); while (p.IsAlive) { Thread.Sleep(10); } p.Join(); }");

    [Fact]
    public Task ProcessesJoinedInSecondLoopOverArray() => Clean(@"void M() { var ps = new ChildProcess[3]; for (int i = 0; i < 3; i++) { ps[i] = new ChildProcess(() => Work(i)); ps[i].Start(); } for (int i = 0; i < 3; i++) ps[i].Join(); }");

    [Fact]
    public Task FixInsertsJoinAtEndOfScope() => Fixed(@"
    static void Work(int i) { }
    void M()
    {
        var p = new ChildProcess(() => Work(1));
        {|#0:p.Start()|};
        Console.WriteLine(""started"");
    }", @"
    static void Work(int i) { }
    void M()
    {
        var p = new ChildProcess(() => Work(1));
        p.Start();
        Console.WriteLine(""started"");
        p.Join();
    }", ProcessNotJoinedFixer.EquivalenceKeyJoin,
        NotJoined("p"));

    [Fact]
    public Task FixInsertsJoinBeforeReturns() => Fixed(@"
    static void Work(int i) { }
    static bool Cond() => true;
    int M()
    {
        var p = new ChildProcess(() => Work(1));
        {|#0:p.Start()|};
        if (Cond())
            return 1;
        Work(2);
        return 0;
    }", @"
    static void Work(int i) { }
    static bool Cond() => true;
    int M()
    {
        var p = new ChildProcess(() => Work(1));
        p.Start();
        if (Cond())
        {
            p.Join();
            return 1;
        }
        Work(2);
        p.Join();
        return 0;
    }", ProcessNotJoinedFixer.EquivalenceKeyJoin,
        NotJoined("p"));

    [Fact]
    public Task FixCollectsLoopProcessesAndJoinsThem() => Verify.VerifyCodeFixAsync(
        @"using System;
using Multiproc;

class C
{
    static void Buy(int i) { }
    void M()
    {
        for (int i = 0; i < 50; i++)
        {
            var p = new ChildProcess(() => Buy(i));
            {|#0:p.Start()|};
        }
    }
}",
        @"using System;
using Multiproc;
using System.Collections.Generic;

class C
{
    static void Buy(int i) { }
    void M()
    {
        var processes = new List<ChildProcess>();
        for (int i = 0; i < 50; i++)
        {
            var p = new ChildProcess(() => Buy(i));
            p.Start();
            processes.Add(p);
        }
        foreach (var process in processes)
        {
            process.Join();
        }
    }
}", ProcessNotJoinedFixer.EquivalenceKeyCollect,
        NotJoined("p"));

    [Fact]
    public Task FixCollectsWhenOnlyTheLastIsJoined() => Fixed(@"
    static void Buy(int i) { }
    void M()
    {
        ChildProcess? p = null;
        for (int i = 0; i < 50; i++)
        {
            p = new ChildProcess(() => Buy(i));
            {|#0:p.Start()|};
        }
        p?.Join();
    }", @"
    static void Buy(int i) { }
    void M()
    {
        ChildProcess? p = null;
        var processes = new List<ChildProcess>();
        for (int i = 0; i < 50; i++)
        {
            p = new ChildProcess(() => Buy(i));
            p.Start();
            processes.Add(p);
        }
        foreach (var process in processes)
        {
            process.Join();
        }
        p?.Join();
    }", ProcessNotJoinedFixer.EquivalenceKeyCollect,
        NotJoined("p"));

    [Fact]
    public Task FixInWhileLoopWithoutBlockIsStillOffered() => Fixed(@"
    static void Buy(int i) { }
    void M(int n)
    {
        var i = 0;
        while (i < n)
        {
            var p = new ChildProcess(() => Buy(i));
            {|#0:p.Start()|};
            i++;
        }
    }", @"
    static void Buy(int i) { }
    void M(int n)
    {
        var i = 0;
        var processes = new List<ChildProcess>();
        while (i < n)
        {
            var p = new ChildProcess(() => Buy(i));
            p.Start();
            processes.Add(p);
            i++;
        }
        foreach (var process in processes)
        {
            process.Join();
        }
    }", ProcessNotJoinedFixer.EquivalenceKeyCollect,
        NotJoined("p"));

    [Fact]
    public Task FixAllInsertsJoins() => FixedAll(@"
    static void Work(int i) { }
    void M()
    {
        var a = new ChildProcess(() => Work(1));
        var b = new ChildProcess(() => Work(2));
        {|#0:a.Start()|};
        {|#1:b.Start()|};
    }

    void N()
    {
        var c = new ChildProcess(() => Work(3));
        {|#2:c.Start()|};
    }", @"
    static void Work(int i) { }
    void M()
    {
        var a = new ChildProcess(() => Work(1));
        var b = new ChildProcess(() => Work(2));
        a.Start();
        b.Start();
        a.Join();
        b.Join();
    }

    void N()
    {
        var c = new ChildProcess(() => Work(3));
        c.Start();
        c.Join();
    }", ProcessNotJoinedFixer.EquivalenceKeyJoin,
        NotJoined("a"),
        NotJoined("b", 1),
        NotJoined("c", 2));

    [Fact]
    public Task FixAllCollectsInTwoLoops() => FixedAll(@"
    static void Work(int i) { }
    void M()
    {
        for (int i = 0; i < 5; i++)
        {
            var p = new ChildProcess(() => Work(i));
            {|#0:p.Start()|};
        }

        for (int j = 0; j < 5; j++)
        {
            var q = new ChildProcess(() => Work(j));
            {|#1:q.Start()|};
        }
    }", @"
    static void Work(int i) { }
    void M()
    {
        var processes = new List<ChildProcess>();
        for (int i = 0; i < 5; i++)
        {
            var p = new ChildProcess(() => Work(i));
            p.Start();
            processes.Add(p);
        }
        foreach (var process in processes)
        {
            process.Join();
        }

        var processes2 = new List<ChildProcess>();
        for (int j = 0; j < 5; j++)
        {
            var q = new ChildProcess(() => Work(j));
            q.Start();
            processes2.Add(q);
        }
        foreach (var process2 in processes2)
        {
            process2.Join();
        }
    }", ProcessNotJoinedFixer.EquivalenceKeyCollect,
        NotJoined("p"),
        NotJoined("q", 1));
}
