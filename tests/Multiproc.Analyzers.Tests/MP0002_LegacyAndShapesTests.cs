using static Multiproc.Analyzers.Tests.LockCases;

namespace Multiproc.Analyzers.Tests;

/// <summary>
/// MP0002 shapes of issue 14: <c>new Mutex(true, …)</c>, the legacy <c>ReaderWriterLock</c>, TryEnter with its result
/// discarded or switched on, <c>TryEnter… &amp;&amp; other</c>, releases under held-checks, constant conditions.
/// Every flagged shape has its compliant look-alike.
/// </summary>
public class MP0002_LegacyAndShapesTests
{
    // ---------------------------------------------------------------- new Mutex(true, …)

    [Fact]
    public Task MutexCreatedOwnedNeverReleased() => Flagged("""
        static void M()
        {
            var m = {|#0:new Mutex(true, "tickets")|};
            Console.WriteLine("work");
        }
        """, Leak("m"));

    [Fact]
    public Task MutexCreatedOwnedReleasedNotInFinally() => Flagged("""
        static void M()
        {
            using var m = {|#0:new Mutex(true, "tickets")|};
            Console.WriteLine("work");
            m.ReleaseMutex();
        }
        """, LeakOnException("m"));

    [Fact]
    public Task MutexCreatedOwnedByNameWithCreatedNewNeverReleased() => Flagged("""
        static void M()
        {
            using var m = {|#0:new Mutex(initiallyOwned: true, "tickets", out var created)|};
            if (!created) return;
            Console.WriteLine("work");
        }
        """, Leak("m"));

    [Fact]
    public Task MutexAssignedOwnedNeverReleased() => Flagged("""
        static void M()
        {
            Mutex m;
            m = {|#0:new Mutex(true)|};
            Console.WriteLine("work");
        }
        """, Leak("m"));

    [Fact]
    public Task MutexCreatedNotOwned() => NotFlagged("""
        static void M()
        {
            using var m = new Mutex(false, "tickets");
            using var n = new Mutex(initiallyOwned: false, "other", out var created);
            using var o = new Mutex();
            Console.WriteLine(created);
        }
        """);

    [Fact]
    public Task MutexCreatedOwnedReleasedInFinally() => NotFlagged("""
        static void M()
        {
            var m = new Mutex(true, "tickets");
            try { Console.WriteLine("work"); }
            finally { m.ReleaseMutex(); }
        }
        """);

    [Fact]
    public Task MutexCreatedNewCheckedThenReleasedInFinally() => NotFlagged("""
        static void M()
        {
            using var m = new Mutex(initiallyOwned: true, "tickets", out var created);
            if (!created) return;
            try { Console.WriteLine("work"); }
            finally { m.ReleaseMutex(); }
        }
        """);

    [Fact]
    public Task MutexCreatedNewTestedInIf() => NotFlagged("""
        static void M()
        {
            using var m = new Mutex(true, "tickets", out bool created);
            if (created)
            {
                try { Console.WriteLine("work"); }
                finally { m.ReleaseMutex(); }
            }
        }
        """);

    [Fact]
    public Task MutexCreatedOwnedHandedOn() => NotFlagged("""
        static Mutex M()
        {
            var m = new Mutex(true, "tickets");
            return m;
        }
        """);

    // ---------------------------------------------------------------- legacy ReaderWriterLock

    [Fact]
    public Task LegacyReaderLockNeverReleased() => Flagged("""
        static void M(ReaderWriterLock rw)
        {
            {|#0:rw.AcquireReaderLock(1000)|};
            Console.WriteLine("read");
        }
        """, Leak("rw"));

    [Fact]
    public Task LegacyWriterLockReleasedNotInFinally() => Flagged("""
        static void M(ReaderWriterLock rw)
        {
            {|#0:rw.AcquireWriterLock(1000)|};
            Console.WriteLine("write");
            rw.ReleaseWriterLock();
        }
        """, LeakOnException("rw"));

    [Fact]
    public Task LegacyWriterLockReleasedAsReaderOnly() => Flagged("""
        static void M(ReaderWriterLock rw)
        {
            {|#0:rw.AcquireWriterLock(1000)|};
            try { Console.WriteLine("write"); }
            finally { rw.ReleaseReaderLock(); }
        }
        """, Leak("rw"));

    [Fact]
    public Task LegacyUpgradeNeverDowngraded() => Flagged("""
        static void M(ReaderWriterLock rw)
        {
            rw.AcquireReaderLock(1000);
            try
            {
                var cookie = {|#0:rw.UpgradeToWriterLock(1000)|};
                Console.WriteLine("write");
            }
            finally { rw.ReleaseReaderLock(); }
        }
        """, Leak("rw"));

    [Fact]
    public Task LegacyLocksReleasedInFinally() => NotFlagged("""
        static void M(ReaderWriterLock rw)
        {
            rw.AcquireReaderLock(1000);
            try { Console.WriteLine("read"); }
            finally { rw.ReleaseReaderLock(); }
            rw.AcquireWriterLock(TimeSpan.FromSeconds(1));
            try { Console.WriteLine("write"); }
            finally { rw.ReleaseWriterLock(); }
        }
        """);

    [Fact]
    public Task LegacyReleaseLockReleasesEveryHold() => NotFlagged("""
        static void M(ReaderWriterLock rw)
        {
            rw.AcquireWriterLock(1000);
            try { Console.WriteLine("write"); }
            finally { rw.ReleaseLock(); }
        }
        """);

    [Fact]
    public Task LegacyUpgradeDowngradedInFinally() => NotFlagged("""
        static void M(ReaderWriterLock rw)
        {
            rw.AcquireReaderLock(1000);
            try
            {
                var cookie = rw.UpgradeToWriterLock(1000);
                try { Console.WriteLine("write"); }
                finally { rw.DowngradeFromWriterLock(ref cookie); }
            }
            finally { rw.ReleaseReaderLock(); }
        }
        """);

    // ---------------------------------------------------------------- TryEnter shapes

    [Fact]
    public Task TryEnterResultDiscarded() => Flagged("""
        static void M(object o)
        {
            _ = {|#0:Monitor.TryEnter(o)|};
            Console.WriteLine("work");
        }
        """, Leak("o"));

    [Fact]
    public Task TryEnterResultIgnored() => Flagged("""
        static void M(object o)
        {
            {|#0:Monitor.TryEnter(o)|};
            Console.WriteLine("work");
        }
        """, Leak("o"));

    [Fact]
    public Task TryEnterResultCheckedAndReleased() => NotFlagged("""
        static void M(object o)
        {
            if (!Monitor.TryEnter(o)) return;
            try { Console.WriteLine("work"); }
            finally { Monitor.Exit(o); }
            var taken = Monitor.TryEnter(o, 100);
            if (taken)
            {
                try { Console.WriteLine("work"); }
                finally { Monitor.Exit(o); }
            }
        }
        """);

    [Fact]
    public Task SwitchOnTryEnterWithoutRelease() => Flagged("""
        static void M(object o)
        {
            switch ({|#0:Monitor.TryEnter(o)|})
            {
                case true:
                    Console.WriteLine("work");
                    break;
                case false:
                    Console.WriteLine("busy");
                    break;
            }
        }
        """, Leak("o"));

    [Fact]
    public Task SwitchOnTryEnterReleasedInTakenCase() => NotFlagged("""
        static void M(object o)
        {
            switch (Monitor.TryEnter(o))
            {
                case true:
                    try { Console.WriteLine("work"); }
                    finally { Monitor.Exit(o); }
                    break;
                case false:
                    Console.WriteLine("busy");
                    break;
            }
        }
        """);

    [Fact]
    public Task TryEnterReadLockAndOtherCondition() => Flagged("""
        static void M(ReaderWriterLockSlim rw, bool ok)
        {
            if ({|#0:rw.TryEnterReadLock(100)|} && ok)
            {
                try { Console.WriteLine("read"); }
                finally { rw.ExitReadLock(); }
            }
        }
        """, Leak("rw"));

    [Fact]
    public Task TryEnterReadLockAloneThenOtherCondition() => NotFlagged("""
        static void M(ReaderWriterLockSlim rw, bool ok)
        {
            if (rw.TryEnterReadLock(100))
            {
                try { if (ok) Console.WriteLine("read"); }
                finally { rw.ExitReadLock(); }
            }
            if (ok && rw.TryEnterWriteLock(100))
            {
                try { Console.WriteLine("write"); }
                finally { rw.ExitWriteLock(); }
            }
        }
        """);

    // ---------------------------------------------------------------- releases under held-checks

    [Fact]
    public Task ReleaseInFinallyUnderIsEnteredAndOther() => Flagged("""
        static void M(object o, bool ok)
        {
            {|#0:Monitor.Enter(o)|};
            try { Console.WriteLine("work"); }
            finally { if (Monitor.IsEntered(o) && ok) Monitor.Exit(o); }
        }
        """, Leak("o"));

    [Fact]
    public Task ReleaseUnderIsWriteLockHeldAndOther() => Flagged("""
        static void M(ReaderWriterLockSlim rw, bool ok)
        {
            {|#0:rw.EnterWriteLock()|};
            try { Console.WriteLine("write"); }
            finally
            {
                if (rw.IsWriteLockHeld && ok) rw.ExitWriteLock();
            }
        }
        """, Leak("rw"));

    [Fact]
    public Task ReleaseOutsideFinallyUnderIsReaderLockHeldAndOther() => Flagged("""
        static void M(ReaderWriterLock rw, bool ok)
        {
            {|#0:rw.AcquireReaderLock(1000)|};
            if (rw.IsReaderLockHeld && ok) rw.ReleaseReaderLock();
        }
        """, Leak("rw"));

    [Fact]
    public Task ReleaseUnderHeldCheckAlone() => NotFlagged("""
        static void M(object o, ReaderWriterLockSlim rw, ReaderWriterLock legacy)
        {
            Monitor.Enter(o);
            try { Console.WriteLine("work"); }
            finally { if (Monitor.IsEntered(o)) Monitor.Exit(o); }
            rw.EnterUpgradeableReadLock();
            try { Console.WriteLine("read"); }
            finally { if (rw.IsUpgradeableReadLockHeld) rw.ExitUpgradeableReadLock(); }
            Monitor.Enter(o);
            if (Monitor.IsEntered(o)) Monitor.Exit(o);
            legacy.AcquireWriterLock(1000);
            if (legacy.IsWriterLockHeld) legacy.ReleaseWriterLock();
            rw.EnterReadLock();
            if (!rw.IsReadLockHeld) return;
            rw.ExitReadLock();
        }
        """);

    // ---------------------------------------------------------------- constant conditions

    [Fact]
    public Task ConstantReleaseBranchesCount() => NotFlagged("""
        static void M(ProcessLock lk)
        {
            var v = 42;
            lk.Acquire();
            if (v == 42) lk.Release();
            const bool yes = true;
            lk.Acquire();
            if (yes) lk.Release();
            lk.Acquire();
            if (true) lk.Release();
            lk.Acquire();
            if (v > 100) return;
            lk.Release();
        }
        """);

    [Fact]
    public Task AcquireOnNeverTakenBranch() => NotFlagged("""
        static void M(ProcessLock lk)
        {
            var v = 42;
            if (v != 42) lk.Acquire();
            const int zero = 0;
            if (zero == 1) lk.Acquire();
            if (false) lk.Acquire();
        }
        """);

    [Fact]
    public Task LocalWrittenAgainIsNotConstant() => Flagged("""
        static void M(ProcessLock lk)
        {
            var v = 42;
            v++;
            {|#0:lk.Acquire()|};
            if (v == 42) lk.Release();
        }
        """, Leak("lk"));

    [Fact]
    public Task ConstantFalseReleaseDoesNotCount() => Flagged("""
        static void M(ProcessLock lk)
        {
            var v = 42;
            {|#0:lk.Acquire()|};
            if (v == 43) lk.Release();
        }
        """, Leak("lk"));

    // ---------------------------------------------------------------- fixes

    [Fact]
    public Task FixLegacyReaderLockWithTryFinally() => Fixed("""
        static void M(ReaderWriterLock rw)
        {
            {|#0:rw.AcquireReaderLock(1000)|};
            Console.WriteLine("read");
        }
        """, LockSources.AcquireTryFinally("static void M(ReaderWriterLock rw)", "rw.AcquireReaderLock(1000)", "Console.WriteLine(\"read\");", "rw.ReleaseReaderLock()"), LockNotReleasedFixer.TryFinallyEquivalenceKey, Leak("rw"));

    [Fact]
    public Task FixMutexCreatedOwnedWithTryFinally() => Fixed("""
        static void M()
        {
            using var m = {|#0:new Mutex(true, "tickets")|};
            Console.WriteLine("work");
            m.ReleaseMutex();
            Console.WriteLine("after");
        }
        """, """
        static void M()
        {
            using var m = new Mutex(true, "tickets");
            try
            {
                Console.WriteLine("work");
            }
            finally
            {
                m.ReleaseMutex();
            }
            Console.WriteLine("after");
        }
        """, LockNotReleasedFixer.TryFinallyEquivalenceKey, LeakOnException("m"));

    [Fact]
    public Task FixMutexCreatedOwnedSynthesizesTheRelease() => Fixed("""
        static void M()
        {
            var m = {|#0:new Mutex(true)|};
            Console.WriteLine("work");
        }
        """, LockSources.AcquireTryFinally("static void M()", "var m = new Mutex(true)", "Console.WriteLine(\"work\");", "m.ReleaseMutex()"), LockNotReleasedFixer.TryFinallyEquivalenceKey, Leak("m"));
}
