using MP0003Verify = Multiproc.Analyzers.Tests.Verifiers.CSharpCodeFixVerifier<Multiproc.Analyzers.MultiprocAnalyzer, Multiproc.Analyzers.Tests.Verifiers.MP0003Rule, Multiproc.CodeFixes.ProcessNotJoinedFixer>;
using MP0005Verify = Multiproc.Analyzers.Tests.Verifiers.CSharpCodeFixVerifier<Multiproc.Analyzers.MultiprocAnalyzer, Multiproc.Analyzers.Tests.Verifiers.MP0005Rule, Multiproc.CodeFixes.QueueSizeCheckFixer>;

namespace Multiproc.Analyzers.Tests;

/// <summary>
/// Shapes of the mistakes a user trying the analyzers wrote and the rules missed (issue 14, fourteenth session): processes
/// kept in an array or list the method creates and never joined (MP0003), a queue size stored before it decides (MP0005).
/// </summary>
public class RecallShapesTests
{
    private static readonly RuleCases<MP0005Rule, QueueSizeCheckFixer> MP0005Cases = new(QueueSources.InClass, QueueSizeCheckFixer.EquivalenceKey);

    private static DiagnosticResult NotJoined(string name, int location = 0) =>
        MP0003Verify.Diagnostic(Descriptors.MP0003_ProcessNotJoined).WithLocation(location).WithArguments(name);

    private static Task MP0003Flagged(string members, params string[] names) =>
        MP0003Verify.VerifyAnalyzerAsync(ProcessSources.OneLineClass(members), names.Select((n, i) => NotJoined(n, i)).ToArray());

    private static Task MP0003Clean(string members) =>
        MP0003Verify.VerifyAnalyzerAsync(ProcessSources.OneLineClass(members, " List<ChildProcess> _all = new();"));

    // ---------------------------------------------------------------- MP0003: collections of the method

    [Fact]
    public Task ListStartedInForeachNeverJoined() => MP0003Flagged(@"
void M() { var ps = new List<ChildProcess>(); for (int i = 0; i < 3; i++) ps.Add(new ChildProcess(() => Work(i))); foreach (var p in ps) {|#0:p.Start()|}; }", "p");

    [Fact]
    public Task ArrayStartedByIndexNeverJoined() => MP0003Flagged(@"
void M() { var ps = new ChildProcess[3]; for (int i = 0; i < 3; i++) { ps[i] = new ChildProcess(() => Work(i)); {|#0:ps[i].Start()|}; } }", "ps[i]");

    [Fact]
    public Task ArrayInitializerStartedNeverJoined() => MP0003Flagged(@"
void M() { var ps = new[] { new ChildProcess(() => Work(1)), new ChildProcess(() => Work(2)) }; {|#0:ps[0].Start()|}; {|#1:ps[1].Start()|}; }", "ps[0]", "ps[1]");

    [Fact]
    public Task ListForEachStartNeverJoined() => MP0003Flagged(@"
void M() { var ps = new List<ChildProcess> { new ChildProcess(() => Work(1)) }; ps.ForEach(p => {|#0:p.Start()|}); }", "p");

    [Fact]
    public Task StartedThenCollectedNeverJoined() => MP0003Flagged(@"
void M() { var ps = new List<ChildProcess>(); for (int i = 0; i < 3; i++) { var p = new ChildProcess(() => Work(i)); {|#0:p.Start()|}; ps.Add(p); } Console.WriteLine(ps.Count); }", "p");

    [Fact]
    public Task StartedThenStoredInArrayNeverJoined() => MP0003Flagged(@"
void M() { var ps = new ChildProcess[3]; for (int i = 0; i < 3; i++) { var p = new ChildProcess(() => Work(i)); {|#0:p.Start()|}; ps[i] = p; } }", "p");

    [Fact]
    public Task CollectedAndJoinedInSecondLoop() => MP0003Clean(@"
void M() { var ps = new List<ChildProcess>(); for (int i = 0; i < 3; i++) { var p = new ChildProcess(() => Work(i)); p.Start(); ps.Add(p); } foreach (var p in ps) p.Join(); }");

    [Fact]
    public Task ArrayStartedAndJoinedByIndex() => MP0003Clean(@"
void M() { var ps = new ChildProcess[3]; for (int i = 0; i < 3; i++) { ps[i] = new ChildProcess(() => Work(i)); ps[i].Start(); } for (int i = 0; i < 3; i++) ps[i].Join(); }");

    [Fact]
    public Task ListStartedAndJoinedWithForEach() => MP0003Clean(@"
void M() { var ps = new List<ChildProcess> { new ChildProcess(() => Work(1)) }; ps.ForEach(p => p.Start()); ps.ForEach(p => p.Join()); }");

    [Fact]
    public Task ListStartedAndJoinedAsync() => MP0003Clean(@"
async Task M() { var ps = new List<ChildProcess> { new ChildProcess(() => Work(1)) }; foreach (var p in ps) p.Start(); foreach (var p in ps) await p.JoinAsync(); }");

    [Fact]
    public Task ListStartedAndHandedOn() => MP0003Clean(@"
List<ChildProcess> M() { var ps = new List<ChildProcess> { new ChildProcess(() => Work(1)) }; foreach (var p in ps) p.Start(); return ps; }");

    [Fact]
    public Task ListStartedAndJoinedThroughLinq() => MP0003Clean(@"
async Task M() { var ps = new List<ChildProcess> { new ChildProcess(() => Work(1)) }; foreach (var p in ps) p.Start(); await Task.WhenAll(ps.Select(p => p.JoinAsync())); }");

    [Fact]
    public Task ListStartedAndPassedOn() => MP0003Clean(@"
void M() { var ps = new List<ChildProcess> { new ChildProcess(() => Work(1)) }; foreach (var p in ps) p.Start(); JoinAll(ps); }
static void JoinAll(List<ChildProcess> ps) { foreach (var p in ps) p.Join(); }");

    [Fact]
    public Task StartedCollectedAndJoinedDirectly() => MP0003Clean(@"
void M() { var ps = new List<ChildProcess>(); var p = new ChildProcess(() => Work(1)); p.Start(); p.Join(); ps.Add(p); }");

    [Fact]
    public Task FieldListIsOwnedElsewhere() => MP0003Clean(@"
void M() { var p = new ChildProcess(() => Work(1)); p.Start(); _all.Add(p); }");

    [Fact]
    public Task DaemonsInAnArray() => MP0003Clean(@"
void M() { var ps = new ChildProcess[2]; for (int i = 0; i < 2; i++) { var p = new ChildProcess(() => Work(i)) { Daemon = true }; p.Start(); ps[i] = p; } }");

    [Fact]
    public Task CollectionFixJoinsTheElements() => MP0003Verify.VerifyCodeFixAsync(ProcessSources.ClassC(@"
    static void Work(int i) { }
    void M()
    {
        var ps = new List<ChildProcess>();
        for (int i = 0; i < 3; i++)
            ps.Add(new ChildProcess(() => Work(i)));
        foreach (var p in ps)
            {|#0:p.Start()|};
        Console.WriteLine(""started"");
    }"), ProcessSources.ClassC(@"
    static void Work(int i) { }
    void M()
    {
        var ps = new List<ChildProcess>();
        for (int i = 0; i < 3; i++)
            ps.Add(new ChildProcess(() => Work(i)));
        foreach (var p in ps)
            p.Start();
        Console.WriteLine(""started"");
        foreach (var process in ps)
        {
            process.Join();
        }
    }"), ProcessNotJoinedFixer.EquivalenceKeyJoin, NotJoined("p"));

    [Fact]
    public Task CollectionFixAllJoinsEachCollectionOnce() => MP0003Verify.VerifyFixAllAsync(ProcessSources.ClassC(@"
    static void Work(int i) { }
    int M()
    {
        var ps = new ChildProcess[2];
        for (int i = 0; i < 2; i++)
        {
            var p = new ChildProcess(() => Work(i));
            {|#0:p.Start()|};
            ps[i] = p;
        }
        {|#1:ps[0].Start()|};
        if (ps.Length > 5)
            return 1;
        return 0;
    }"), ProcessSources.ClassC(@"
    static void Work(int i) { }
    int M()
    {
        var ps = new ChildProcess[2];
        for (int i = 0; i < 2; i++)
        {
            var p = new ChildProcess(() => Work(i));
            p.Start();
            ps[i] = p;
        }
        ps[0].Start();
        if (ps.Length > 5)
        {
            foreach (var process in ps)
            {
                process.Join();
            }
            return 1;
        }
        foreach (var process in ps)
        {
            process.Join();
        }
        return 0;
    }"), ProcessNotJoinedFixer.EquivalenceKeyJoin, NotJoined("p"), NotJoined("ps[0]", 1));

    // ---------------------------------------------------------------- MP0003: a process held as another type, started through a cast

    [Fact]
    public Task StartedThroughCastNeverJoined() => MP0003Flagged(@"
void M() { object o = new ChildProcess(() => Work(1)); {|#0:((ChildProcess)o).Start()|}; }", "o");

    [Fact]
    public Task StartedThroughCastJoinedOnOneBranch() => MP0003Flagged(@"
void M() { IDisposable d = new ChildProcess(() => Work(1)); {|#0:((ChildProcess)d).Start()|}; if (Cond()) ((ChildProcess)d).Join(); d.Dispose(); }", "d");

    [Fact]
    public Task StartedThroughCastGetsNoFix() => MP0003Verify.VerifyCodeFixAsync(ProcessSources.ClassC(@"
    static void Work(int i) { }
    void M()
    {
        object o = new ChildProcess(() => Work(1));
        {|#0:((ChildProcess)o).Start()|};
    }"), ProcessSources.ClassC(@"
    static void Work(int i) { }
    void M()
    {
        object o = new ChildProcess(() => Work(1));
        {|#0:((ChildProcess)o).Start()|};
    }"), ProcessNotJoinedFixer.EquivalenceKeyJoin, NotJoined("o"));

    [Fact]
    public Task StartedAndJoinedThroughCasts() => MP0003Clean(@"
void M() { object o = new ChildProcess(() => Work(1)); ((ChildProcess)o).Start(); Console.WriteLine(o); ((ChildProcess)o).Join(); }");

    [Fact]
    public Task DaemonThroughCast() => MP0003Clean(@"
void M() { object o = new ChildProcess(() => Work(1)); ((ChildProcess)o).Daemon = true; ((ChildProcess)o).Start(); }");

    [Fact]
    public Task StartedThroughCastHandedOn() => MP0003Clean(@"
List<object> _kept = new();
void M() { object o = new ChildProcess(() => Work(1)); ((ChildProcess)o).Start(); _kept.Add(o); }");

    [Fact]
    public Task HeldAsAnotherTypeAndReassigned() => MP0003Clean(@"
void M(object other) { object o = new ChildProcess(() => Work(1)); o = other; ((ChildProcess)o).Start(); }");

    // ---------------------------------------------------------------- MP0005: a size stored, then deciding

    private static DiagnosticResult SizeDecides(int location, string queue, string property, string call, string replacement) =>
        MP0005Verify.Diagnostic(Descriptors.MP0005_QueueSizeCheckDecides).WithLocation(location).WithArguments(queue, property, call, replacement);

    [Fact]
    public Task StoredIsEmptyDecidesGet() => MP0005Cases.Flagged(@"
    public void M(ProcessQueue<string> q)
    {
        var empty = {|#0:q.IsEmpty|};
        if (!empty)
            Work(q.Get());
    }
", SizeDecides(0, "q", "IsEmpty", "Get", "TryGet"));

    [Fact]
    public Task StoredCountDecidesPut() => MP0005Cases.Flagged(@"
    public void M(ProcessQueue<string> q, int max)
    {
        int waiting = {|#0:q.Count|};
        if (waiting < max)
            q.Put(""x"");
    }
", SizeDecides(0, "q", "Count", "Put", "TryPut"));

    [Fact]
    public Task SwitchOnIsEmptyDecidesGet() => MP0005Cases.Flagged(@"
    public string M(ProcessQueue<string> q) => {|#0:q.IsEmpty|} switch { true => """", false => q.Get() };
", SizeDecides(0, "q", "IsEmpty", "Get", "TryGet"));

    [Fact]
    public Task PropertyPatternDecidesGet() => MP0005Cases.Flagged(@"
    public void M(ProcessQueue<string> q)
    {
        if (q is { {|#0:IsEmpty|}: false })
            Work(q.Get());
    }
", SizeDecides(0, "q", "IsEmpty", "Get", "TryGet"));

    [Fact]
    public Task PropertyPatternOnlyLogged() => MP0005Cases.NotFlagged(@"
    public void M(ProcessQueue<string> q)
    {
        if (q is { Count: > 5 })
            Console.WriteLine(""backlog"");
        q.Put(""x"");
    }
");

    [Fact]
    public Task StoredSizeOnlyLogged() => MP0005Cases.NotFlagged(@"
    public void M(ProcessQueue<string> q)
    {
        var n = q.Count;
        if (n > 5)
            Console.WriteLine(""backlog"");
        q.Put(""x"");
    }
");

    [Fact]
    public Task StoredSizeOverwrittenByTryGet() => MP0005Cases.NotFlagged(@"
    public void M(ProcessQueue<string> q)
    {
        var ok = !q.IsEmpty;
        ok = q.TryGet(out var item);
        if (ok)
            Work(item);
        if (ok)
            Work(q.Get());
    }
");

    [Fact]
    public Task StoredSizeOfAnotherQueue() => MP0005Cases.NotFlagged(@"
    public void M(ProcessQueue<string> a, ProcessQueue<string> b)
    {
        var empty = a.IsEmpty;
        if (!empty)
            Work(b.Get());
    }
");
}
