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
}
