using static Multiproc.Analyzers.Tests.LockCases;

namespace Multiproc.Analyzers.Tests;

/// <summary>
/// <c>LockApi.IsReleaseOf</c> answers without <c>Classify</c> once the family and the name match (fifteenth session: the lock
/// is the receiver, or Monitor's first argument). The look-alikes such a shortcut could get wrong, in a finally (the finally
/// check) and in straight code after the acquire (the structured reading): another lock of the same type or the same lock
/// of another instance, another release name, a named or converted argument, a receiver through <c>this.</c>, a release of
/// a count, a release under a held-check conjunction, a release in a lambda the finally calls.
/// </summary>
public class MP0002_ReleaseOfTests
{
    [Fact]
    public Task MonitorExitOfAnotherObject_IsFlagged() => Flagged("""
        private readonly object _gate = new object();
        private readonly object _other = new object();
        void M()
        {
            {|#0:Monitor.Enter(_gate)|};
            try { Console.WriteLine("in"); }
            finally { Monitor.Exit(_other); }
        }
        """, Leak("_gate"));

    [Fact]
    public Task MonitorExitWithANamedAndConvertedArgument_Releases() => NotFlagged("""
        private readonly string _gate = "g";
        void M()
        {
            Monitor.Enter(_gate);
            try { Console.WriteLine("in"); }
            finally { Monitor.Exit(obj: (object)this._gate); }
        }
        """);

    // The same field of another instance: a Leak of a member lock would wait for the type's end (and be dropped, as the type
    // releases _lk somewhere), so the release that misses is in the finally and the one that matches after it: only the
    // exception path leaks, which is reported at once.
    [Fact]
    public Task TheSameFieldOfAnotherInstance_IsFlagged() => Flagged("""
        private readonly ProcessLock _lk = new ProcessLock();
        static void M(C a, C b)
        {
            {|#0:a._lk.Acquire()|};
            try { Console.WriteLine("in"); }
            finally { b._lk.Release(); }
            a._lk.Release();
        }
        """, LeakOnException("a._lk"));

    [Fact]
    public Task TheSameFieldOfTheSameParameter_Releases() => NotFlagged("""
        private readonly ProcessLock _lk = new ProcessLock();
        static void M(C c)
        {
            c._lk.Acquire();
            try { Console.WriteLine("in"); }
            finally { c._lk.Release(); }
        }
        """);

    [Fact]
    public Task AnotherReleaseNameOfTheSameLock_IsFlagged() => Flagged("""
        static void M(ReaderWriterLockSlim rw)
        {
            {|#0:rw.EnterReadLock()|};
            try { Console.WriteLine("in"); }
            finally { rw.ExitWriteLock(); }
        }
        """, Leak("rw"));

    [Fact]
    public Task SemaphoreReleaseOfACount_Releases() => NotFlagged("""
        private readonly SemaphoreSlim _sem = new SemaphoreSlim(2);
        void M()
        {
            _sem.Wait();
            try { Console.WriteLine("in"); }
            finally { _sem.Release(1); }
        }
        """);

    [Fact]
    public Task ReleaseMutexOfAnotherMutex_IsFlagged() => Flagged("""
        static void M(Mutex a, Mutex b)
        {
            {|#0:a.WaitOne()|};
            try { Console.WriteLine("in"); }
            finally { b.ReleaseMutex(); }
        }
        """, Leak("a"));

    [Fact]
    public Task SpinLockExitOfAnotherSpinLock_IsFlagged() => Flagged("""
        private SpinLock _a = new SpinLock();
        private SpinLock _b = new SpinLock();
        void M()
        {
            var taken = false;
            {|#0:_a.Enter(ref taken)|};
            try { Console.WriteLine("in"); }
            finally { _b.Exit(); }
        }
        """, Leak("_a"));

    [Fact]
    public Task ReleaseUnderIsEnteredAndAnotherCondition_IsFlagged() => Flagged("""
        private readonly object _gate = new object();
        void M(bool ok)
        {
            {|#0:Monitor.Enter(_gate)|};
            try { Console.WriteLine("in"); }
            finally
            {
                if (Monitor.IsEntered(_gate) && ok)
                {
                    Monitor.Exit(_gate);
                }
            }
        }
        """, Leak("_gate"));

    [Fact]
    public Task ReleaseInALambdaTheFinallyCalls_Releases() => NotFlagged("""
        private readonly object _gate = new object();
        void M()
        {
            Monitor.Enter(_gate);
            try { Console.WriteLine("in"); }
            finally
            {
                Action leave = () => Monitor.Exit(_gate);
                leave();
            }
        }
        """);

    [Fact]
    public Task StraightReleaseOfAnotherLockOfTheSameType_IsFlagged() => Flagged("""
        static void M(SemaphoreSlim a, SemaphoreSlim b)
        {
            {|#0:a.Wait()|};
            Console.WriteLine("in");
            b.Release();
        }
        """, Leak("a"));

    [Fact]
    public Task StraightMonitorExitOfTheSameObjectByName_IsLeakOnException() => Flagged("""
        static void M(object o)
        {
            {|#0:Monitor.Enter(o)|};
            Console.WriteLine("in");
            Monitor.Exit(obj: o);
        }
        """, LeakOnException("o"));
}
