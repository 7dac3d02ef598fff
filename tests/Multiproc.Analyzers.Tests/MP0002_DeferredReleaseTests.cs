using static Multiproc.Analyzers.Tests.LockCases;

namespace Multiproc.Analyzers.Tests;

/// <summary>
/// A member lock acquired and released nowhere in its method is reported only if no other member of the type releases it
/// (<c>LockNotReleased.TypeState</c>). Since the fifteenth session the type's release calls are recorded unclassified and
/// classified at the type's end, only when such a report waits: these pin that the late classification gives what the
/// call-by-call one gave (a release of another member lock, a release-named call with no lock it names, several locks of
/// which one is released elsewhere, a release in a lambda of another member).
/// </summary>
public class MP0002_DeferredReleaseTests
{
    [Fact]
    public Task ReleaseOfAnotherMemberLock_IsStillFlagged() => Flagged("""
        private readonly object _a = new object();
        private readonly object _b = new object();
        public void Enter() => {|#0:Monitor.Enter(_a)|};
        public void Exit() => Monitor.Exit(_b);
        """, Leak("_a"));

    [Fact]
    public Task ReleaseNamedCallsWithoutATrackedLock_AreStillFlagged() => Flagged("""
        private readonly SemaphoreSlim _sem = new SemaphoreSlim(1);
        private static SemaphoreSlim Make() => new SemaphoreSlim(1);
        private static object Gate() => new object();
        public void Enter() => {|#0:_sem.Wait()|};
        public void Other()
        {
            Make().Release();
            Monitor.Exit(Gate());
        }
        """, Leak("_sem"));

    [Fact]
    public Task OfTwoMemberLocks_OnlyTheOneReleasedNowhereIsFlagged() => Flagged("""
        private readonly ProcessLock _held = new ProcessLock();
        private readonly ProcessLock _leaked = new ProcessLock();
        public void EnterBoth()
        {
            _held.Acquire();
            {|#0:_leaked.Acquire()|};
        }
        public void ExitHeld() => _held.Release();
        """, Leak("_leaked"));

    [Fact]
    public Task ReleaseInALambdaOfAnotherMember_Counts() => NotFlagged("""
        private readonly object _gate = new object();
        public void Enter() => Monitor.Enter(_gate);
        public Action Leave => () => Monitor.Exit(_gate);
        """);

    [Fact]
    public Task ReleaseBeforeTheAcquireInSourceOrder_Counts() => NotFlagged("""
        private readonly ReaderWriterLockSlim _rw = new ReaderWriterLockSlim();
        public void Leave() => _rw.ExitWriteLock();
        public void Enter() => _rw.EnterWriteLock();
        """);
}
