using MP0004Verify = Multiproc.Analyzers.Tests.Verifiers.CSharpCodeFixVerifier<Multiproc.Analyzers.MultiprocAnalyzer, Multiproc.Analyzers.Tests.Verifiers.MP0004Rule, Multiproc.CodeFixes.DaemonSetAfterStartFixer>;
using MP0012Verify = Multiproc.Analyzers.Tests.Verifiers.CSharpAnalyzerVerifier<Multiproc.Analyzers.MultiprocAnalyzer, Multiproc.Analyzers.Tests.Verifiers.MP0012Rule>;
using MP0003Verify = Multiproc.Analyzers.Tests.Verifiers.CSharpCodeFixVerifier<Multiproc.Analyzers.MultiprocAnalyzer, Multiproc.Analyzers.Tests.Verifiers.MP0003Rule, Multiproc.CodeFixes.ProcessNotJoinedFixer>;

namespace Multiproc.Analyzers.Tests;

/// <summary>
/// Shapes MP0003, MP0004 and MP0012 still missed (or wrongly reported) after the fourteenth session (issue 14, fifteenth
/// session): a null test that joins where the process is not null, processes in pattern variables, deconstructed tuples,
/// <c>p ??= new ChildProcess(…)</c>, <c>(o as ChildProcess)?.Start()</c>, and elements of arrays and lists.
/// </summary>
public class RecallShapes15Tests
{
    private static DiagnosticResult NotJoined(string name, int location = 0) =>
        MP0003Verify.Diagnostic(Descriptors.MP0003_ProcessNotJoined).WithLocation(location).WithArguments(name);

    private static Task MP0003Flagged(string members, params string[] names) =>
        MP0003Verify.VerifyAnalyzerAsync(ProcessSources.OneLineClass(members), names.Select((n, i) => NotJoined(n, i)).ToArray());

    private static Task MP0003Clean(string members) =>
        MP0003Verify.VerifyAnalyzerAsync(ProcessSources.OneLineClass(members, " List<ChildProcess> _all = new();"));

    // ---------------------------------------------------------------- MP0003: a null test before the join

    [Fact]
    public Task ConditionalStartJoinedWhenNotNull() => MP0003Clean(@"
void M() { ChildProcess? p = Cond() ? new ChildProcess(() => Work(1)) : null; p?.Start(); if (p is not null) p.Join(); }");

    [Fact]
    public Task ConditionalStartJoinedWhenNotEqualNull() => MP0003Clean(@"
void M() { ChildProcess? p = Cond() ? new ChildProcess(() => Work(1)) : null; p?.Start(); Work(2); if (p != null) { p.Join(); } }");

    [Fact]
    public Task ConditionalStartReturnsWhenNull() => MP0003Clean(@"
void M() { ChildProcess? p = Cond() ? new ChildProcess(() => Work(1)) : null; p?.Start(); if (p is null) return; p.Join(); }");

    [Fact]
    public Task ConditionalStartJoinedWhenPropertyPattern() => MP0003Clean(@"
void M() { ChildProcess? p = Cond() ? new ChildProcess(() => Work(1)) : null; p?.Start(); if (p is { }) p.Join(); }");

    [Fact]
    public Task ConditionalStartJoinedWhenNullTestAndMore() => MP0003Clean(@"
void M() { ChildProcess? p = Cond() ? new ChildProcess(() => Work(1)) : null; p?.Start(); if (p == null || Cond()) Work(3); else p.Join(); if (p != null) p.Join(); }");

    [Fact]
    public Task ConditionalStartJoinedInFinallyWhenNotNull() => MP0003Clean(@"
void M() { ChildProcess? p = Cond() ? new ChildProcess(() => Work(1)) : null; try { p?.Start(); Work(2); } finally { if (p is not null) p.Join(); } }");

    [Fact]
    public Task StartJoinedWhenNotNull() => MP0003Clean(@"
void M() { var p = new ChildProcess(() => Work(1)); p.Start(); if (p != null) p.Join(); }");

    [Fact]
    public Task StartJoinedWhenNotNullInLoop() => MP0003Clean(@"
void M() { for (int i = 0; i < 3; i++) { ChildProcess? p = Cond() ? new ChildProcess(() => Work(i)) : null; p?.Start(); if (p is not null) p.Join(); } }");

    [Fact]
    public Task ConditionalStartNotJoinedWhenNotNull() => MP0003Flagged(@"
void M() { ChildProcess? p = Cond() ? new ChildProcess(() => Work(1)) : null; {|#0:p?.Start()|}; if (p is not null) Work(2); }", "p");

    [Fact]
    public Task ConditionalStartJoinedWhenNull() => MP0003Flagged(@"
void M() { ChildProcess? p = Cond() ? new ChildProcess(() => Work(1)) : null; {|#0:p?.Start()|}; if (p is null) p?.Join(); }", "p");

    [Fact]
    public Task ConditionalStartJoinedWhenAnotherIsNotNull() => MP0003Flagged(@"
void M() { ChildProcess? p = Cond() ? new ChildProcess(() => Work(1)) : null; ChildProcess? q = null; {|#0:p?.Start()|}; if (q is not null) p?.Join(); }", "p");

    [Fact]
    public Task StartJoinedWhenNotNullOrCond() => MP0003Flagged(@"
void M() { var p = new ChildProcess(() => Work(1)); {|#0:p.Start()|}; if (p != null && Cond()) p.Join(); }", "p");

    [Fact]
    public Task ConditionalStartNullTestFixInsertsJoin() => MP0003Verify.VerifyCodeFixAsync(ProcessSources.ClassC(@"
    static void Work(int i) { }
    void M(bool b)
    {
        ChildProcess? p = b ? new ChildProcess(() => Work(1)) : null;
        {|#0:p?.Start()|};
        if (p is not null)
            Work(2);
    }"), ProcessSources.ClassC(@"
    static void Work(int i) { }
    void M(bool b)
    {
        ChildProcess? p = b ? new ChildProcess(() => Work(1)) : null;
        p?.Start();
        if (p is not null)
            Work(2);
        p?.Join();
    }"), ProcessNotJoinedFixer.EquivalenceKeyJoin, NotJoined("p"));

    // ---------------------------------------------------------------- MP0003: pattern variables

    [Fact]
    public Task PatternVariableOfHeldProcessNeverJoined() => MP0003Flagged(@"
void M() { object o = new ChildProcess(() => Work(1)); if (o is ChildProcess p) {|#0:p.Start()|}; }", "p");

    [Fact]
    public Task PropertyPatternVariableNeverJoined() => MP0003Flagged(@"
void M() { ChildProcess? q = Cond() ? new ChildProcess(() => Work(1)) : null; if (q is { } p) { {|#0:p.Start()|}; Work(2); } }", "p");

    [Fact]
    public Task PatternVariableJoinedOnOneBranchOnly() => MP0003Flagged(@"
void M() { object o = new ChildProcess(() => Work(1)); if (o is ChildProcess p) { {|#0:p.Start()|}; if (Cond()) p.Join(); } }", "p");

    [Fact]
    public Task PatternVariableJoined() => MP0003Clean(@"
void M() { object o = new ChildProcess(() => Work(1)); if (o is ChildProcess p) { p.Start(); p.Join(); } }");

    [Fact]
    public Task PatternVariableJoinedThroughItsLocal() => MP0003Clean(@"
void M() { ChildProcess? q = Cond() ? new ChildProcess(() => Work(1)) : null; if (q is { } p) p.Start(); q?.Join(); }");

    [Fact]
    public Task PatternVariableJoinedThroughCast() => MP0003Clean(@"
void M() { object o = new ChildProcess(() => Work(1)); if (o is ChildProcess p) p.Start(); if (o is ChildProcess r) r.Join(); }");

    [Fact]
    public Task PatternVariableJoinedInFinally() => MP0003Clean(@"
void M() { object o = new ChildProcess(() => Work(1)); if (o is ChildProcess p) { try { p.Start(); Work(2); } finally { p.Join(); } } }");

    [Fact]
    public Task PatternVariableHandedOn() => MP0003Clean(@"
void M() { object o = new ChildProcess(() => Work(1)); if (o is ChildProcess p) { p.Start(); _all.Add(p); } }");

    [Fact]
    public Task PatternVariableJoinedByHelper() => MP0003Clean(@"
void M() { object o = new ChildProcess(() => Work(1)); if (o is ChildProcess p) { p.Start(); JoinIt(p); } }
static void JoinIt(ChildProcess p) => p.Join();");

    [Fact]
    public Task PatternVariableOfParameterIsOwnedElsewhere() => MP0003Clean(@"
void M(object o) { if (o is ChildProcess p) p.Start(); }");

    [Fact]
    public Task PatternVariableCapturedByLambda() => MP0003Clean(@"
void M() { object o = new ChildProcess(() => Work(1)); if (o is ChildProcess p) { p.Start(); Task.Run(() => p.Join()); } }");

    [Fact]
    public Task PatternVariableFixInsertsJoin() => MP0003Verify.VerifyCodeFixAsync(ProcessSources.ClassC(@"
    static void Work(int i) { }
    void M()
    {
        object o = new ChildProcess(() => Work(1));
        if (o is ChildProcess p)
        {
            {|#0:p.Start()|};
            Work(2);
        }
    }"), ProcessSources.ClassC(@"
    static void Work(int i) { }
    void M()
    {
        object o = new ChildProcess(() => Work(1));
        if (o is ChildProcess p)
        {
            p.Start();
            Work(2);
            p.Join();
        }
    }"), ProcessNotJoinedFixer.EquivalenceKeyJoin, NotJoined("p"));

    [Fact]
    public Task PatternVariableAssignedAgainIsNotFollowed() => MP0003Clean(@"
void M() { object o = new ChildProcess(() => Work(1)); if (o is ChildProcess p) { p.Start(); p = new ChildProcess(() => Work(2)); p.Start(); p.Join(); } }");

    [Fact]
    public Task PatternVariableInLoopAssignedAgainIsNotFollowed() => MP0003Clean(@"
void M() { object o = new ChildProcess(() => Work(1)); while (o is ChildProcess p) { p.Start(); p = new ChildProcess(() => Work(2)); p.Join(); } }");

    // ---------------------------------------------------------------- MP0003: deconstructed tuples

    [Fact]
    public Task DeconstructedProcessesNeverJoined() => MP0003Flagged(@"
void M() { var (a, b) = (new ChildProcess(() => Work(1)), new ChildProcess(() => Work(2))); {|#0:a.Start()|}; {|#1:b.Start()|}; }", "a", "b");

    [Fact]
    public Task DeconstructedProcessOneJoined() => MP0003Flagged(@"
void M() { (var a, ChildProcess? b) = (new ChildProcess(() => Work(1)), null); a.Start(); {|#0:b?.Start()|}; a.Join(); }", "b");

    [Fact]
    public Task DeconstructedInLoopOneJoined() => MP0003Flagged(@"
void M() { for (int i = 0; i < 3; i++) { var (a, b) = (new ChildProcess(() => Work(i)), new ChildProcess(() => Work(-i))); a.Start(); {|#0:b.Start()|}; a.Join(); } }", "b");

    [Fact]
    public Task DeconstructedIntoDeclaredLocalsNeverJoined() => MP0003Flagged(@"
void M() { ChildProcess a, b; (a, b) = (new ChildProcess(() => Work(1)), new ChildProcess(() => Work(2))); {|#0:a.Start()|}; b.Start(); b.Join(); }", "a");

    [Fact]
    public Task DeconstructedProcessesJoined() => MP0003Clean(@"
void M() { var (a, b) = (new ChildProcess(() => Work(1)), new ChildProcess(() => Work(2))); a.Start(); b.Start(); a.Join(); b.Join(); }");

    [Fact]
    public Task DeconstructedProcessesJoinedInFinally() => MP0003Clean(@"
void M() { var (a, b) = (new ChildProcess(() => Work(1)), new ChildProcess(() => Work(2))); try { a.Start(); b.Start(); Work(3); } finally { a.Join(); b.Join(); } }");

    [Fact]
    public Task DeconstructedFromFactoryIsOwnedElsewhere() => MP0003Clean(@"
void M() { var (a, b) = Make(); a.Start(); b.Start(); }
static (ChildProcess, ChildProcess) Make() => (new ChildProcess(() => Work(1)), new ChildProcess(() => Work(2)));");

    [Fact]
    public Task DeconstructedProcessesHandedOn() => MP0003Clean(@"
(ChildProcess, ChildProcess) M() { var (a, b) = (new ChildProcess(() => Work(1)), new ChildProcess(() => Work(2))); a.Start(); b.Start(); _all.Add(a); return (a, b); }");

    [Fact]
    public Task DeconstructedFixAll() => MP0003Verify.VerifyFixAllAsync(ProcessSources.ClassC(@"
    static void Work(int i) { }
    void M()
    {
        var (a, b) = (new ChildProcess(() => Work(1)), new ChildProcess(() => Work(2)));
        {|#0:a.Start()|};
        {|#1:b.Start()|};
    }"), ProcessSources.ClassC(@"
    static void Work(int i) { }
    void M()
    {
        var (a, b) = (new ChildProcess(() => Work(1)), new ChildProcess(() => Work(2)));
        a.Start();
        b.Start();
        a.Join();
        b.Join();
    }"), ProcessNotJoinedFixer.EquivalenceKeyJoin, NotJoined("a"), NotJoined("b", 1));

    // ---------------------------------------------------------------- MP0003: p ??= new ChildProcess(…)

    [Fact]
    public Task CoalesceAssignedNeverJoined() => MP0003Flagged(@"
void M() { ChildProcess? p = null; p ??= new ChildProcess(() => Work(1)); {|#0:p.Start()|}; }", "p");

    [Fact]
    public Task CoalesceAssignedJoinedOnOneBranchOnly() => MP0003Flagged(@"
void M() { ChildProcess? p = Cond() ? new ChildProcess(() => Work(2)) : null; p ??= new ChildProcess(() => Work(1)); {|#0:p.Start()|}; if (Cond()) p.Join(); }", "p");

    [Fact]
    public Task CoalesceAssignedJoined() => MP0003Clean(@"
void M() { ChildProcess? p = null; p ??= new ChildProcess(() => Work(1)); p.Start(); p.Join(); }");

    [Fact]
    public Task CoalesceAssignedHandedOn() => MP0003Clean(@"
void M() { ChildProcess? p = null; p ??= new ChildProcess(() => Work(1)); p.Start(); _all.Add(p); }");

    [Fact]
    public Task CoalesceAssignedFromFactoryIsOwnedElsewhere() => MP0003Clean(@"
void M() { ChildProcess? p = null; p ??= Make(); p.Start(); }
static ChildProcess Make() => new ChildProcess(() => Work(1));");

    [Fact]
    public Task CoalesceAssignedFix() => MP0003Verify.VerifyCodeFixAsync(ProcessSources.ClassC(@"
    static void Work(int i) { }
    void M()
    {
        ChildProcess? p = null;
        p ??= new ChildProcess(() => Work(1));
        {|#0:p.Start()|};
    }"), ProcessSources.ClassC(@"
    static void Work(int i) { }
    void M()
    {
        ChildProcess? p = null;
        p ??= new ChildProcess(() => Work(1));
        p.Start();
        p.Join();
    }"), ProcessNotJoinedFixer.EquivalenceKeyJoin, NotJoined("p"));

    // ---------------------------------------------------------------- MP0003: (o as ChildProcess)?.Start()

    [Fact]
    public Task AsCastConditionalStartNeverJoined() => MP0003Flagged(@"
void M() { object o = new ChildProcess(() => Work(1)); {|#0:(o as ChildProcess)?.Start()|}; }", "o");

    [Fact]
    public Task AsCastConditionalStartJoinedOnOneBranchOnly() => MP0003Flagged(@"
void M() { object o = new ChildProcess(() => Work(1)); {|#0:(o as ChildProcess)?.Start()|}; if (Cond()) (o as ChildProcess)?.Join(); }", "o");

    [Fact]
    public Task AsCastConditionalStartJoined() => MP0003Clean(@"
void M() { object o = new ChildProcess(() => Work(1)); (o as ChildProcess)?.Start(); (o as ChildProcess)?.Join(); }");

    [Fact]
    public Task AsCastConditionalStartJoinedThroughCast() => MP0003Clean(@"
void M() { object o = new ChildProcess(() => Work(1)); (o as ChildProcess)?.Start(); try { Work(2); } finally { ((ChildProcess)o).Join(); } }");

    [Fact]
    public Task AsCastConditionalStartHandedOn() => MP0003Clean(@"
object M() { object o = new ChildProcess(() => Work(1)); (o as ChildProcess)?.Start(); return o; }");

    [Fact]
    public Task AsCastOfParameterIsOwnedElsewhere() => MP0003Clean(@"
void M(object o) { (o as ChildProcess)?.Start(); }");

    // ---------------------------------------------------------------- MP0004: elements of arrays and lists

    private static DiagnosticResult DaemonAfterStart(string name, int location = 0) =>
        MP0004Verify.Diagnostic(Descriptors.MP0004_DaemonSetAfterStart).WithLocation(location).WithArguments(name);

    private static Task MP0004Check(string members, params DiagnosticResult[] expected) =>
        MP0004Verify.VerifyAnalyzerAsync(ProcessSources.OneLineClass(members), expected);

    private const string Workers = "var ps = new ChildProcess[2]; for (int i = 0; i < 2; i++) ps[i] = new ChildProcess(() => Work(i)); ";

    [Fact]
    public Task ElementDaemonSetInLoopAfterStartLoop() => MP0004Check(@"
void M() { " + Workers + "for (int i = 0; i < 2; i++) ps[i].Start(); for (int j = 0; j < 2; j++) {|#0:ps[j].Daemon = true|}; }", DaemonAfterStart("ps[j]"));

    [Fact]
    public Task ForEachVariableDaemonAfterStartLoop() => MP0004Check(@"
void M() { " + Workers + "foreach (var p in ps) p.Start(); foreach (var q in ps) {|#0:q.Daemon = true|}; }", DaemonAfterStart("q"));

    [Fact]
    public Task ForEachVariablesOfTheSameNameDaemonAfterStartLoop() => MP0004Check(@"
void M() { var ps = new List<ChildProcess> { new ChildProcess(() => Work(1)) }; foreach (var p in ps) p.Start(); foreach (var p in ps) {|#0:p.Daemon = true|}; }", DaemonAfterStart("p"));

    [Fact]
    public Task ElementDaemonAfterItsStart() => MP0004Check(@"
void M() { " + Workers + "for (int i = 0; i < 2; i++) { ps[i].Start(); {|#0:ps[i].Daemon = true|}; } }", DaemonAfterStart("ps[i]"));

    [Fact]
    public Task ForEachVariableDaemonAfterForEachLambdaStart() => MP0004Check(@"
void M() { var ps = new List<ChildProcess> { new ChildProcess(() => Work(1)) }; ps.ForEach(p => p.Start()); foreach (var q in ps) {|#0:q.Daemon = true|}; }", DaemonAfterStart("q"));

    [Fact]
    public Task ListElementDaemonAfterStart() => MP0004Check(@"
void M(List<ChildProcess> ps) { ps[0].Start(); {|#0:ps[0].Daemon = true|}; }", DaemonAfterStart("ps[0]"));

    [Fact]
    public Task ElementDaemonAfterConditionalStart() => MP0004Check(@"
void M(ChildProcess[] ps) { ps[0]?.Start(); if (Cond()) {|#0:ps[0].Daemon = true|}; }", DaemonAfterStart("ps[0]"));

    [Fact]
    public Task ElementsSetBeforeTheirStartsInOneLoop() => MP0004Check(@"
void M() { var ps = new ChildProcess[2]; for (int i = 0; i < 2; i++) { ps[i] = new ChildProcess(() => Work(i)); ps[i].Daemon = true; ps[i].Start(); } }");

    [Fact]
    public Task ExistingElementsSetBeforeTheirStartsInOneLoop() => MP0004Check(@"
void M() { " + Workers + "for (int i = 0; i < 2; i++) { ps[i].Daemon = true; ps[i].Start(); } }");

    [Fact]
    public Task ForEachVariableSetBeforeItsStart() => MP0004Check(@"
void M() { " + Workers + "foreach (var p in ps) { p.Daemon = true; p.Start(); } }");

    [Fact]
    public Task ElementsSetInLoopBeforeStartLoop() => MP0004Check(@"
void M() { " + Workers + "foreach (var p in ps) p.Daemon = true; foreach (var p in ps) p.Start(); foreach (var p in ps) p.Join(); }");

    [Fact]
    public Task OtherConstantElementStarted() => MP0004Check(@"
void M() { " + Workers + "ps[0].Start(); ps[1].Daemon = true; ps[1].Start(); }");

    [Fact]
    public Task CollectionReplacedAfterStarts() => MP0004Check(@"
void M() { " + Workers + "foreach (var p in ps) p.Start(); ps = new[] { new ChildProcess(() => Work(3)) }; foreach (var q in ps) q.Daemon = true; }");

    [Fact]
    public Task ElementDaemonReadAfterStart() => MP0004Check(@"
void M() { " + Workers + "foreach (var p in ps) p.Start(); foreach (var q in ps) Console.WriteLine(q.Daemon); }");

    [Fact]
    public Task ElementsOfAnotherCollectionStarted() => MP0004Check(@"
void M(ChildProcess[] others) { " + Workers + "foreach (var p in others) p.Start(); foreach (var q in ps) q.Daemon = true; }");

    // ---------------------------------------------------------------- MP0012: elements of arrays and lists

    private static DiagnosticResult StartedAgain(string process, int location = 0) =>
        MP0012Verify.Diagnostic(Descriptors.MP0012_StartTwiceOrJoinBeforeStart).WithLocation(location)
            .WithArguments(process, "Start", "again on a path where it was already started");

    private static DiagnosticResult JoinedBeforeStart(string process, string join = "Join", int location = 0) =>
        MP0012Verify.Diagnostic(Descriptors.MP0012_StartTwiceOrJoinBeforeStart).WithLocation(location)
            .WithArguments(process, join, "on a path where it was not started");

    private static Task MP0012Check(string members, params DiagnosticResult[] expected) =>
        MP0012Verify.VerifyAnalyzerAsync(ProcessSources.OneLineClass(members), expected);

    [Fact]
    public Task ElementsStartedByTwoForEachLoops() => MP0012Check(@"
void M() { " + Workers + "foreach (var p in ps) p.Start(); foreach (var q in ps) {|#0:q.Start()|}; foreach (var q in ps) q.Join(); }", StartedAgain("q"));

    [Fact]
    public Task ElementsStartedByTwoIndexLoops() => MP0012Check(@"
void M() { " + Workers + "for (int i = 0; i < ps.Length; i++) ps[i].Start(); for (int j = 0; j < ps.Length; j++) {|#0:ps[j].Start()|}; }", StartedAgain("ps[j]"));

    [Fact]
    public Task ElementsStartedByTwoForEachCalls() => MP0012Check(@"
void M() { var ps = new List<ChildProcess>(); for (int i = 0; i < 2; i++) ps.Add(new ChildProcess(() => Work(i))); ps.ForEach(p => p.Start()); {|#0:ps.ForEach(p => p.Start())|}; }", StartedAgain("ps"));

    [Fact]
    public Task ElementStartedTwiceByConstantIndex() => MP0012Check(@"
void M(ChildProcess[] ps) { ps[0].Start(); {|#0:ps[0].Start()|}; }", StartedAgain("ps[0]"));

    [Fact]
    public Task ElementsStartedInLoopAfterOneWasStarted() => MP0012Check(@"
void M(List<ChildProcess> ps) { ps[0].Start(); foreach (var p in ps) {|#0:p.Start()|}; }", StartedAgain("p"));

    [Fact]
    public Task ElementsJoinedBeforeAnyStart() => MP0012Check(@"
void M() { " + Workers + "foreach (var p in ps) {|#0:p.Join()|}; foreach (var p in ps) p.Start(); }", JoinedBeforeStart("p"));

    [Fact]
    public Task ElementsJoinedByIndexBeforeStart() => MP0012Check(@"
void M() { var ps = new ChildProcess[2]; for (int i = 0; i < 2; i++) { ps[i] = new ChildProcess(() => Work(i)); {|#0:ps[i].Join()|}; } }", JoinedBeforeStart("ps[i]"));

    [Fact]
    public Task ElementsStartedOnceAndJoined() => MP0012Check(@"
void M() { " + Workers + "foreach (var p in ps) p.Start(); foreach (var p in ps) p.Join(); for (int i = 0; i < ps.Length; i++) ps[i].Join(); }");

    [Fact]
    public Task ElementsCreatedAndStartedInOneLoopThenJoined() => MP0012Check(@"
void M() { var ps = new ChildProcess[2]; for (int i = 0; i < 2; i++) { ps[i] = new ChildProcess(() => Work(i)); ps[i].Start(); } for (int i = 0; i < 2; i++) ps[i].Join(); }");

    [Fact]
    public Task DifferentConstantElementsStarted() => MP0012Check(@"
void M(ChildProcess[] ps) { ps[0].Start(); ps[1].Start(); ps[0].Join(); ps[1].Join(); }");

    [Fact]
    public Task ListStartedWithForEachAndJoined() => MP0012Check(@"
void M() { var ps = new List<ChildProcess> { new ChildProcess(() => Work(1)) }; ps.ForEach(p => p.Start()); ps.ForEach(p => p.Join()); }");

    [Fact]
    public Task ElementsStartedElsewhereThenJoined() => MP0012Check(@"
void M() { " + Workers + @"StartAll(ps); foreach (var p in ps) p.Join(); }
static void StartAll(ChildProcess[] ps) { foreach (var p in ps) p.Start(); }");

    [Fact]
    public Task StartedProcessAddedThenJoined() => MP0012Check(@"
void M() { var ps = new List<ChildProcess>(); var a = new ChildProcess(() => Work(1)); a.Start(); ps.Add(a); foreach (var p in ps) p.Join(); }");

    [Fact]
    public Task ElementsReplacedBeforeSecondStart() => MP0012Check(@"
void M() { " + Workers + "foreach (var p in ps) p.Start(); foreach (var p in ps) p.Join(); ps = new ChildProcess[2]; for (int i = 0; i < 2; i++) { ps[i] = new ChildProcess(() => Work(i)); ps[i].Start(); } }");

    [Fact]
    public Task ElementsOfTwoCollections() => MP0012Check(@"
void M(ChildProcess[] others) { " + Workers + "foreach (var p in others) p.Start(); foreach (var p in ps) p.Start(); foreach (var p in ps) p.Join(); }");

    [Fact]
    public Task ElementStartedOnceInLoopWithCondition() => MP0012Check(@"
void M() { " + Workers + "foreach (var p in ps) { if (Cond()) p.Start(); } foreach (var p in ps) { if (p.Pid != 0) p.Join(); } }");
}
