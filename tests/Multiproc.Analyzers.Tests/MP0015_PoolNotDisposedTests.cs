using Multiproc.CodeFixes;
using Verify = Multiproc.Analyzers.Tests.Verifiers.CSharpCodeFixVerifier<Multiproc.Analyzers.MultiprocAnalyzer, Multiproc.Analyzers.Tests.Verifiers.MP0015Rule, Multiproc.CodeFixes.PoolNotDisposedFixer>;

namespace Multiproc.Analyzers.Tests;

public class MP0015_PoolNotDisposedTests
{
    private static DiagnosticResult Expected(int location, string variable) =>
        Verify.Diagnostic(Descriptors.MP0015_PoolNotDisposed).WithLocation(location).WithArguments(variable);

    private static Task Flagged(string body, string variable = "p") =>
        Verify.VerifyAnalyzerAsync(PoolSources.InMethod(body), Expected(0, variable));

    private static Task Compliant(string body) => Verify.VerifyAnalyzerAsync(PoolSources.InMethod(body));

    private static Task FlaggedAndFixed(string body, string fixedBody, string variable = "p") =>
        Verify.VerifyCodeFixAsync(PoolSources.InMethod(body), PoolSources.InMethod(fixedBody), PoolNotDisposedFixer.EquivalenceKey, Expected(0, variable));

    // Flagged, with the fix.

    [Fact]
    public Task NeverDisposed_IsFlaggedAndFixed() => FlaggedAndFixed("""
        var p = {|#0:new ProcessPool(2)|};
        var r = p.Map(items, x => Work.Square(x));
""", """
        using var p = new ProcessPool(2);
        var r = p.Map(items, x => Work.Square(x));
""");

    [Fact]
    public Task ClosedNotJoined_IsFlaggedAndFixed() => FlaggedAndFixed("""
        var p = {|#0:new ProcessPool()|};
        p.Map(items, x => Work.Square(x));
        p.Close();
""", """
        using var p = new ProcessPool();
        p.Map(items, x => Work.Square(x));
        p.Close();
""");

    [Fact]
    public Task TerminatedNotJoined_IsFlagged() => Flagged("""
        var p = {|#0:new ProcessPool()|};
        p.Terminate();
""");

    [Fact]
    public Task DisposedOnOnePath_IsFlaggedAndFixed() => FlaggedAndFixed("""
        ProcessPool p = {|#0:new ProcessPool()|};
        if (flag) p.Dispose();
""", """
        using ProcessPool p = new ProcessPool();
        if (flag) p.Dispose();
""");

    [Fact]
    public Task ClosedAndJoinedOnOnePath_IsFlagged() => Flagged("""
        var p = {|#0:new ProcessPool()|};
        if (flag)
        {
            p.Close();
            p.Join();
        }
""");

    [Fact]
    public Task CreatedInLoop_IsFlaggedAndFixed() => FlaggedAndFixed("""
        for (var i = 0; i < 3; i++)
        {
            var p = {|#0:new ProcessPool()|};
            p.Map(items, x => Work.Square(x));
        }
""", """
        for (var i = 0; i < 3; i++)
        {
            using var p = new ProcessPool();
            p.Map(items, x => Work.Square(x));
        }
""");

    [Fact]
    public Task Overwritten_IsFlagged() => Flagged("""
        var p = {|#0:new ProcessPool()|};
        p = new ProcessPool();
        p.Dispose();
""");

    [Fact]
    public Task NotStored_IsFlaggedWithoutFix() => Verify.VerifyAnalyzerAsync(PoolSources.InMethod("""
        var r = {|#0:new ProcessPool()|}.Map(items, x => Work.Square(x));
"""), Expected(0, "new ProcessPool(...)"));

    [Fact]
    public Task InLambda_IsFlagged() => Flagged("""
        Func<int> f = () =>
        {
            var p = {|#0:new ProcessPool()|};
            return p.Processes;
        };
""");

    [Fact]
    public Task FixAll_DeclaresEveryPoolWithUsing() =>
        Verify.VerifyFixAllAsync(PoolSources.InMethod("""
        var p = {|#0:new ProcessPool()|};
        var q = {|#1:new ProcessPool(1)|};
        p.Map(items, x => Work.Square(x));
        q.Apply(() => Work.Square(2));
"""), PoolSources.InMethod("""
        using var p = new ProcessPool();
        using var q = new ProcessPool(1);
        p.Map(items, x => Work.Square(x));
        q.Apply(() => Work.Square(2));
"""), PoolNotDisposedFixer.EquivalenceKey, Expected(0, "p"), Expected(1, "q"));

    // Compliant look-alikes.

    [Fact]
    public Task UsingDeclaration_IsCompliant() => Compliant("""
        using var p = new ProcessPool(2);
        await using var q = new ProcessPool(2);
        p.Map(items, x => Work.Square(x));
""");

    [Fact]
    public Task UsingStatement_IsCompliant() => Compliant("""
        using (var p = new ProcessPool(2))
        {
            p.Map(items, x => Work.Square(x));
        }
        using (new ProcessPool()) { }
        await using (var q = new ProcessPool()) { }
""");

    [Fact]
    public Task TryFinallyDispose_IsCompliant() => Compliant("""
        var p = new ProcessPool();
        try
        {
            p.Map(items, x => Work.Square(x));
        }
        finally
        {
            p.Dispose();
        }
""");

    [Fact]
    public Task CloseAndJoinOnEveryPath_IsCompliant() => Compliant("""
        var p = new ProcessPool();
        if (flag) p.Map(items, x => Work.Square(x));
        p.Close();
        p.Join();
        var q = new ProcessPool();
        if (flag) q.Terminate(); else q.Close();
        q.Join();
""");

    [Fact]
    public Task DisposeAsyncAndDispose_AreCompliant() => Compliant("""
        var p = new ProcessPool();
        await p.DisposeAsync();
        var q = new ProcessPool();
        if (flag) { q.Dispose(); } else { ((IDisposable)q).Dispose(); }
        new ProcessPool().Dispose();
""");

    [Fact]
    public Task ThrowPath_IsCompliant() => Compliant("""
        var p = new ProcessPool();
        if (flag) throw new InvalidOperationException("no");
        p.Dispose();
""");

    [Fact]
    public Task PassedOn_IsCompliant() => Verify.VerifyAnalyzerAsync(PoolSources.InClass("""
    public void M()
    {
        var p = new ProcessPool();
        Use(p);
        Use(new ProcessPool());
        var list = new List<ProcessPool> { new ProcessPool() };
        var q = new ProcessPool();
        list.Add(q);
    }
"""));

    [Fact]
    public Task Returned_IsCompliant() => Verify.VerifyAnalyzerAsync(PoolSources.InClass("""
    public ProcessPool Make(bool flag)
    {
        if (flag) return new ProcessPool();
        var p = new ProcessPool(2);
        return p;
    }
"""));

    [Fact]
    public Task StoredInField_IsCompliant() => Verify.VerifyAnalyzerAsync(PoolSources.InClass("""
    public void M(bool flag)
    {
        _pool = new ProcessPool();
        var p = new ProcessPool();
        _pool = p;
    }
"""));

    [Fact]
    public Task CapturedByLambda_IsNotTracked() => Compliant("""
        var p = new ProcessPool();
        Action stop = () => p.Dispose();
        stop();
""");

    [Fact]
    public Task ParameterPool_IsNotTracked() => Compliant("""
        pool.Map(items, x => Work.Square(x));
""");
}
