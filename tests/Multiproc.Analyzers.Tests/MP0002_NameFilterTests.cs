using Microsoft.CodeAnalysis.Operations;
using static Multiproc.Analyzers.Tests.LockCases;

namespace Multiproc.Analyzers.Tests;

/// <summary>
/// MP0002's name filter (<c>LockApi.IsCandidateName</c>, by length): every name the rule knows is accepted and look-alikes are
/// not; calls the text does not spell plainly (a Unicode escape, <c>using static</c>, a verbatim identifier, a lambda) are seen.
/// </summary>
public class MP0002_NameFilterTests
{
    [Fact]
    public void EveryCandidateNameIsAccepted()
    {
        Assert.Equal(27, LockApi.CandidateNames.Length);
        foreach (var name in LockApi.CandidateNames)
        {
            Assert.True(LockApi.IsCandidateName(name), name);
        }
        foreach (var other in new[] { "Add", "Exits", "Waiter", "Enters", "Acquired", "Released", "TryEnterReadLocks", "ToString", "" })
            Assert.False(LockApi.IsCandidateName(other), other);
    }

    /// <summary>
    /// <c>LockApi.RoleOf</c> (fifteenth session: a call whose name is a release's is recorded, not classified, and classified
    /// at the type's end only if a report waits on it) agrees with <c>Classify</c> on every call of every lock family: a name
    /// it calls a release's is never classified as an acquire, and the other way round, for all 27 names.
    /// </summary>
    [Fact]
    public void RoleOfAgreesWithClassify()
    {
        const string source = """
            using System;
            using System.Threading;
            using System.Threading.Tasks;
            using Multiproc;
            using Multiproc.Redis;

            class C
            {
                async Task M(ProcessLock pl, ProcessSemaphore ps, ProcessRLock pr, RedisLock rl, object o, Mutex mx, WaitHandle wh,
                    SemaphoreSlim ss, ReaderWriterLockSlim rws, ReaderWriterLock rw, Lock lk, CancellationToken ct)
                {
                    pl.Acquire(); pl.TryAcquire(TimeSpan.Zero); pl.Release();
                    ps.Acquire(); ps.TryAcquire(TimeSpan.Zero); await ps.AcquireAsync(ct); ps.Release();
                    pr.Acquire(); pr.TryAcquire(TimeSpan.Zero); pr.Release();
                    rl.Acquire(); rl.TryAcquire(TimeSpan.Zero); await rl.AcquireAsync(ct); rl.Release();
                    var taken = false;
                    Monitor.Enter(o); Monitor.Enter(o, ref taken); Monitor.TryEnter(o); Monitor.TryEnter(o, 5, ref taken); Monitor.Exit(o);
                    mx.WaitOne(); mx.WaitOne(5); mx.ReleaseMutex(); wh.WaitOne();
                    ss.Wait(); ss.Wait(5); await ss.WaitAsync(); await ss.WaitAsync(5); ss.Release();
                    rws.EnterReadLock(); rws.EnterWriteLock(); rws.EnterUpgradeableReadLock();
                    rws.TryEnterReadLock(5); rws.TryEnterWriteLock(5); rws.TryEnterUpgradeableReadLock(5);
                    rws.ExitReadLock(); rws.ExitWriteLock(); rws.ExitUpgradeableReadLock();
                    rw.AcquireReaderLock(5); rw.AcquireWriterLock(5); var cookie = rw.UpgradeToWriterLock(5);
                    rw.DowngradeFromWriterLock(ref cookie); rw.ReleaseReaderLock(); rw.ReleaseWriterLock(); rw.ReleaseLock();
                    var sp = new SpinLock(); sp.Enter(ref taken); sp.TryEnter(ref taken); sp.Exit();
                    lk.Enter(); lk.TryEnter(); lk.Exit();
                }
            }
            """;
        var tree = CSharpSyntaxTree.ParseText(source);
        var compilation = CSharpCompilation.Create("t", new[] { tree }, TestReferences.All,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
        var errors = compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        Assert.True(errors.Count == 0, string.Join("\n", errors));
        var api = new LockApi(MultiprocTypes.For(compilation));
        var model = compilation.GetSemanticModel(tree);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var classified = 0;
        foreach (var syntax in tree.GetRoot().DescendantNodes().OfType<Microsoft.CodeAnalysis.CSharp.Syntax.InvocationExpressionSyntax>())
        {
            var invocation = Assert.IsAssignableFrom<IInvocationOperation>(model.GetOperation(syntax));
            var name = invocation.TargetMethod.Name;
            var role = LockApi.RoleOf(name);
            Assert.Equal(LockApi.IsCandidateName(name), role != CallRole.None);
            if (api.Classify(invocation) is not { } call) continue;
            classified++;
            seen.Add(name);
            Assert.True(role == (call.IsAcquire ? CallRole.Acquire : CallRole.Release), $"{syntax}: {role}, classified as {(call.IsAcquire ? "acquire" : "release")}");
        }
        Assert.Equal(49, classified);
        Assert.Equal(LockApi.CandidateNames.OrderBy(n => n, StringComparer.Ordinal), seen.OrderBy(n => n, StringComparer.Ordinal));
    }

    [Fact]
    public Task UnicodeEscapedNameIsSeen() => Flagged("""
        static void M(object gate)
        {
            {|#0:Monitor.\u0045nter(gate)|};
            Console.WriteLine("in");
        }
        """, Leak("gate"));

    [Fact]
    public Task VerbatimIdentifierIsSeen() => Flagged("""
        static void M(object gate)
        {
            {|#0:Monitor.@Enter(gate)|};
            Console.WriteLine("in");
        }
        """, Leak("gate"));

    [Fact]
    public Task UsingStaticCallIsSeen() => Flagged("""
        static void M(object gate)
        {
            {|#0:Enter(gate)|};
            Console.WriteLine("in");
        }
        """, Leak("gate"), LockSources.Usings + "using static System.Threading.Monitor;\n");

    [Fact]
    public Task AcquireInALambdaIsSeen() => Flagged("""
        static Action M(SemaphoreSlim gate) => () =>
        {
            {|#0:gate.Wait()|};
            Console.WriteLine("in");
        };
        """, Leak("gate"));

    [Fact]
    public Task BodyWithoutLockNamesIsNotFlagged() => NotFlagged("""
        static int M(int[] xs)
        {
            var n = 0;
            foreach (var x in xs) n += x;
            return n;
        }
        """);
}
