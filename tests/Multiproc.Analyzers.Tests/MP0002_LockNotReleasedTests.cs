using static Multiproc.Analyzers.Tests.LockCases;

namespace Multiproc.Analyzers.Tests;

public class MP0002_LockNotReleasedTests
{
    // ---------------------------------------------------------------- flagged

    [Fact]
    public Task NoReleaseAtAll() => Flagged("""
        static void M(ProcessLock lk)
        {
            {|#0:lk.Acquire()|};
            Console.WriteLine("in the bathroom");
        }
        """, Leak("lk"));

    [Fact]
    public Task ReleaseOnOneBranchOnly() => Flagged("""
        static void M(ProcessLock lk, bool ok)
        {
            {|#0:lk.Acquire()|};
            if (ok)
            {
                lk.Release();
            }
        }
        """, Leak("lk"));

    [Fact]
    public Task EarlyReturnSkipsRelease() => Flagged("""
        static int M(ProcessLock lk, int tickets)
        {
            {|#0:lk.Acquire()|};
            if (tickets == 0) return 0;
            tickets--;
            lk.Release();
            return tickets;
        }
        """, Leak("lk"));

    [Fact]
    public Task BreakSkipsRelease() => Flagged("""
        static void M(ProcessLock lk, int[] items)
        {
            foreach (var i in items)
            {
                {|#0:lk.Acquire()|};
                if (i < 0) break;
                lk.Release();
            }
        }
        """, Leak("lk"));

    [Fact]
    public Task ReleaseNotInFinallyWithCallInBetween() => Flagged("""
        static void M(ProcessLock lk)
        {
            {|#0:lk.Acquire()|};
            Console.WriteLine("may throw");
            lk.Release();
        }
        """, LeakOnException("lk"));

    [Fact]
    public Task ThrowBetweenAcquireAndRelease() => Flagged("""
        static void M(ProcessLock lk, int n)
        {
            {|#0:lk.Acquire()|};
            if (n < 0) throw new ArgumentException("n");
            lk.Release();
        }
        """, LeakOnException("lk"));

    [Fact]
    public Task AwaitBetweenAcquireAndRelease() => Flagged("""
        static async Task M(SemaphoreSlim gate)
        {
            await {|#0:gate.WaitAsync()|};
            await Task.Delay(10);
            gate.Release();
        }
        """, LeakOnException("gate"));

    [Fact]
    public Task MonitorEnterWithoutExitOnBranch() => Flagged("""
        static readonly object Sync = new object();
        static void M(bool b)
        {
            {|#0:Monitor.Enter(Sync)|};
            if (b) return;
            Monitor.Exit(Sync);
        }
        """, Leak("Sync"));

    [Fact]
    public Task MonitorEnterOnFieldNeverReleasedInType() => Flagged("""
        private readonly object _sync = new object();
        void M()
        {
            {|#0:Monitor.Enter(_sync)|};
        }
        """, Leak("_sync"));

    [Fact]
    public Task MutexWaitOneNotReleased() => Flagged("""
        static void M(Mutex mutex, bool b)
        {
            {|#0:mutex.WaitOne()|};
            if (b) mutex.ReleaseMutex();
        }
        """, Leak("mutex"));

    [Fact]
    public Task SemaphoreWaitNotReleased() => Flagged("""
        static void M(SemaphoreSlim gate)
        {
            {|#0:gate.Wait()|};
        }
        """, Leak("gate"));

    [Fact]
    public Task ReaderWriterLockExitsTheWrongMode() => Flagged("""
        static void M(ReaderWriterLockSlim rw)
        {
            {|#0:rw.EnterWriteLock()|};
            rw.ExitReadLock();
        }
        """, Leak("rw"));

    [Fact]
    public Task SpinLockNotExited() => Flagged("""
        static void M(SpinLock spin)
        {
            bool taken = false;
            {|#0:spin.Enter(ref taken)|};
        }
        """, Leak("spin"));

    [Fact]
    public Task ThreadingLockEnterNotExited() => Flagged("""
        static void M(Lock gate, bool b)
        {
            {|#0:gate.Enter()|};
            if (b) gate.Exit();
        }
        """, Leak("gate"));

    [Fact]
    public Task TryAcquireTrueBranchWithoutRelease() => Flagged("""
        static void M(ProcessLock lk)
        {
            if ({|#0:lk.TryAcquire(TimeSpan.FromSeconds(1))|})
            {
                Console.WriteLine("got it");
            }
        }
        """, Leak("lk"));

    [Fact]
    public Task TryAcquireStoredAndNotReleased() => Flagged("""
        static void M(ProcessLock lk)
        {
            var ok = {|#0:lk.TryAcquire(TimeSpan.FromSeconds(1))|};
            Console.WriteLine(ok);
        }
        """, Leak("lk"));

    [Fact]
    public Task AcquireInLambda() => Flagged("""
        static Action M(ProcessLock lk) => () =>
        {
            {|#0:lk.Acquire()|};
        };
        """, Leak("lk"));

    // ---------------------------------------------------------------- not flagged

    [Fact]
    public Task UsingHold() => NotFlagged("""
        static void M(ProcessLock lk)
        {
            using (lk.Hold())
            {
                Console.WriteLine("in");
            }
            using var _ = lk.Hold();
            Console.WriteLine("in again");
        }
        """);

    [Fact]
    public Task ReleaseInFinally() => NotFlagged("""
        static int M(ProcessLock lk, int tickets)
        {
            lk.Acquire();
            try
            {
                if (tickets == 0) return 0;
                Console.WriteLine(tickets);
                return tickets - 1;
            }
            finally
            {
                lk.Release();
            }
        }
        """);

    [Fact]
    public Task ReleaseInFinallyAwait() => NotFlagged(LockSources.AcquireTryFinally("static async Task M(SemaphoreSlim gate)", "await gate.WaitAsync().ConfigureAwait(false)", "await Task.Delay(10);", "gate.Release()"));

    [Fact]
    public Task LockStatement() => NotFlagged("""
        static readonly object Sync = new object();
        static void M()
        {
            lock (Sync)
            {
                Console.WriteLine("in");
            }
        }
        """);

    [Fact]
    public Task MonitorEnterRefTakenWithFinally() => NotFlagged("""
        static readonly object Sync = new object();
        static void M()
        {
            bool taken = false;
            try
            {
                Monitor.Enter(Sync, ref taken);
                Console.WriteLine("in");
            }
            finally
            {
                if (taken) Monitor.Exit(Sync);
            }
        }
        """);

    [Fact]
    public Task SpinLockRefTakenWithFinally() => NotFlagged("""
        private SpinLock _spin = new SpinLock();
        void M()
        {
            bool taken = false;
            try
            {
                _spin.Enter(ref taken);
                Console.WriteLine("in");
            }
            finally
            {
                if (taken) _spin.Exit();
            }
        }
        """);

    [Fact]
    public Task TryAcquireReleasedOnlyWhenTrue() => NotFlagged("""
        static void M(ProcessLock lk)
        {
            if (lk.TryAcquire(TimeSpan.FromSeconds(1)))
            {
                try { Console.WriteLine("got it"); }
                finally { lk.Release(); }
            }
            else
            {
                Console.WriteLine("busy");
            }
        }
        """);

    [Fact]
    public Task TryEnterNegatedEarlyReturn() => NotFlagged("""
        static readonly object Sync = new object();
        static void M()
        {
            if (!Monitor.TryEnter(Sync, 100)) return;
            try { Console.WriteLine("in"); }
            finally { Monitor.Exit(Sync); }
        }
        """);

    [Fact]
    public Task WaitOneTimeoutStoredInLocal() => NotFlagged("""
        static void M(Mutex mutex)
        {
            bool owned = mutex.WaitOne(TimeSpan.FromSeconds(1));
            if (!owned) return;
            try { Console.WriteLine("in"); }
            finally { mutex.ReleaseMutex(); }
        }
        """);

    [Fact]
    public Task SemaphoreWaitTimeout() => NotFlagged("""
        static async Task M(SemaphoreSlim gate)
        {
            if (gate.Wait(100))
            {
                gate.Release();
            }
            if (await gate.WaitAsync(100))
            {
                try { await Task.Delay(1); }
                finally { gate.Release(); }
            }
        }
        """);

    [Fact]
    public Task ReaderWriterLockInFinally() => NotFlagged("""
        static void M(ReaderWriterLockSlim rw)
        {
            rw.EnterUpgradeableReadLock();
            try
            {
                rw.EnterWriteLock();
                try { Console.WriteLine("write"); }
                finally { rw.ExitWriteLock(); }
            }
            finally { rw.ExitUpgradeableReadLock(); }
        }
        """);

    [Fact]
    public Task NothingThrowsBetween() => NotFlagged("""
        static int _count;
        static void M(ProcessLock lk)
        {
            lk.Acquire();
            _count++;
            lk.Release();
        }
        """);

    [Fact]
    public Task CatchAllThatReleasesAndRethrows() => NotFlagged("""
        static void M(ProcessLock lk)
        {
            lk.Acquire();
            try
            {
                Console.WriteLine("work");
            }
            catch
            {
                lk.Release();
                throw;
            }
            lk.Release();
        }
        """);

    [Fact]
    public Task LockReturnedToCaller() => NotFlagged("""
        static ProcessLock M(ProcessLock lk)
        {
            lk.Acquire();
            return lk;
        }
        """);

    [Fact]
    public Task LockStoredInField() => NotFlagged("""
        private ProcessLock? _held;
        void M(ProcessLock lk)
        {
            lk.Acquire();
            _held = lk;
        }
        """);

    [Fact]
    public Task LockPassedToReleasingMethod() => NotFlagged("""
        static void Done(ProcessLock lk) => lk.Release();
        static void M(ProcessLock lk)
        {
            lk.Acquire();
            Done(lk);
        }
        """);

    [Fact]
    public Task TryResultReturned() => NotFlagged("""
        static bool M(ProcessLock lk) => lk.TryAcquire(TimeSpan.Zero);
        """);

    [Fact]
    public Task FieldLockReleasedInAnotherMember() => NotFlagged("""
        private readonly object _sync = new object();
        public void Enter() => Monitor.Enter(_sync);
        public void Exit() => Monitor.Exit(_sync);
        """);

    [Fact]
    public Task ReleasedOnEveryBranch() => NotFlagged("""
        static int _n;
        static void M(ProcessLock lk, bool b)
        {
            lk.Acquire();
            if (b)
            {
                _n++;
                lk.Release();
                return;
            }
            _n--;
            lk.Release();
        }
        """);

    [Fact]
    public Task OtherLockReleasedIsStillALeak() => Flagged("""
        static void M(ProcessLock a, ProcessLock b)
        {
            {|#0:a.Acquire()|};
            b.Release();
        }
        """, Leak("a"));

    [Fact]
    public Task TypedCatchLetsOtherExceptionsThrough() => Flagged("""
        static void M(ProcessLock lk)
        {
            {|#0:lk.Acquire()|};
            try
            {
                Console.WriteLine("work");
            }
            catch (InvalidOperationException)
            {
                Console.WriteLine("handled");
            }
            lk.Release();
        }
        """, LeakOnException("lk"));

    [Fact]
    public Task CatchThatReturnsWithoutRelease() => Flagged("""
        static void M(ProcessLock lk)
        {
            {|#0:lk.Acquire()|};
            try
            {
                Console.WriteLine("work");
            }
            catch (Exception)
            {
                return;
            }
            lk.Release();
        }
        """, Leak("lk"));

    [Fact]
    public Task AcquireInLocalFunction() => Flagged("""
        static void M(ProcessLock lk)
        {
            Inner();
            void Inner()
            {
                {|#0:lk.Acquire()|};
            }
        }
        """, Leak("lk"));

    [Fact]
    public Task AcquireInNestedTypeReportedOnce() => Flagged("""
        class Inner
        {
            static void M(ProcessLock lk) => {|#0:lk.Acquire()|};
        }
        """, Leak("lk"));

    [Fact]
    public Task MonitorTryEnterRefTakenWithFinally() => NotFlagged("""
        static readonly object Sync = new object();
        static void M()
        {
            bool taken = false;
            try
            {
                Monitor.TryEnter(Sync, TimeSpan.FromSeconds(1), ref taken);
                if (!taken) return;
                Console.WriteLine("in");
            }
            finally
            {
                if (taken) Monitor.Exit(Sync);
            }
        }
        """);

    [Fact]
    public Task AcquireInsideTryWithFinallyRelease() => NotFlagged("""
        static void M(ProcessLock lk)
        {
            try
            {
                lk.Acquire();
                Console.WriteLine("in");
            }
            finally
            {
                lk.Release();
            }
        }
        """);

    [Fact]
    public Task ReleaseInLoopFinally() => NotFlagged("""
        static void M(ProcessLock lk, int[] items)
        {
            foreach (var i in items)
            {
                lk.Acquire();
                try
                {
                    if (i < 0) break;
                    if (i == 0) continue;
                    Console.WriteLine(i);
                }
                finally
                {
                    lk.Release();
                }
            }
        }
        """);

    [Fact]
    public Task NoLockTypesReferencedNoWork() => NotFlagged("""
        static void M(System.Collections.Generic.List<int> list)
        {
            list.Add(1);
            Console.WriteLine(list.Count);
        }
        """);

    [Fact]
    public Task ReleaseInFinallyAfterBranchingCode() => NotFlagged("""
        static void M(ProcessLock lk, int n)
        {
            lk.Acquire();
            if (n > 0) n--;
            try
            {
                Console.WriteLine(n);
            }
            finally
            {
                lk.Release();
            }
        }
        """);

    [Fact]
    public Task ReleasedByCapturingLocalFunction() => NotFlagged("""
        static void M(ProcessLock lk)
        {
            lk.Acquire();
            Done();
            void Done() => lk.Release();
        }
        """);

    [Fact]
    public Task MonitorOnThisReleasedInAnotherMember() => NotFlagged("""
        public void Enter() => Monitor.Enter(this);
        public void Exit() => Monitor.Exit(this);
        """);

    [Fact]
    public Task TryEnterReleasedInElseOfNegation() => NotFlagged("""
        static readonly object Sync = new object();
        static void M()
        {
            bool entered = Monitor.TryEnter(Sync);
            if (entered)
            {
                try { Console.WriteLine("in"); }
                finally { Monitor.Exit(Sync); }
            }
        }
        """);

    [Fact]
    public Task TryEnterRefStoredButNeverExited() => Flagged("""
        static readonly object Sync = new object();
        static void M()
        {
            bool taken = false;
            {|#0:Monitor.TryEnter(Sync, 10, ref taken)|};
            if (taken) Console.WriteLine("in");
        }
        """, Leak("Sync"));

    // ---------------------------------------------------------------- fixes

    [Fact]
    public Task FixProcessLockWithHold() => Fixed("""
        static void M(ProcessLock lk)
        {
            {|#0:lk.Acquire()|};
            Console.WriteLine("in");
            lk.Release();
            Console.WriteLine("out");
        }
        """, """
        static void M(ProcessLock lk)
        {
            using (lk.Hold())
            {
                Console.WriteLine("in");
            }
            Console.WriteLine("out");
        }
        """, LockNotReleasedFixer.HoldEquivalenceKey, LeakOnException("lk"));

    [Fact]
    public Task FixProcessLockEarlyReturnWithHold() => Fixed("""
        static int M(ProcessLock lk, int tickets)
        {
            {|#0:lk.Acquire()|};
            if (tickets == 0) return 0;
            tickets--;
            lk.Release();
            return tickets;
        }
        """, """
        static int M(ProcessLock lk, int tickets)
        {
            using (lk.Hold())
            {
                if (tickets == 0) return 0;
                tickets--;
            }
            return tickets;
        }
        """, LockNotReleasedFixer.HoldEquivalenceKey, Leak("lk"));

    [Fact]
    public Task FixNoReleaseWrapsRestOfBlock() => Fixed("""
        static void M(ProcessLock lk)
        {
            {|#0:lk.Acquire()|};
            Console.WriteLine("in");
        }
        """, """
        static void M(ProcessLock lk)
        {
            using (lk.Hold())
            {
                Console.WriteLine("in");
            }
        }
        """, LockNotReleasedFixer.HoldEquivalenceKey, Leak("lk"));

    [Fact]
    public Task FixMonitorPairWithLockStatement() => Fixed("""
        private readonly object _sync = new object();
        void M()
        {
            {|#0:Monitor.Enter(_sync)|};
            Console.WriteLine("in");
            Monitor.Exit(_sync);
        }
        """, """
        private readonly object _sync = new object();
        void M()
        {
            lock (_sync)
            {
                Console.WriteLine("in");
            }
        }
        """, LockNotReleasedFixer.LockEquivalenceKey, LeakOnException("_sync"));

    [Fact]
    public Task FixSemaphoreWithTryFinally() => Fixed("""
        static async Task M(SemaphoreSlim gate)
        {
            await {|#0:gate.WaitAsync()|};
            await Task.Delay(10);
            gate.Release();
        }
        """, LockSources.AcquireTryFinally("static async Task M(SemaphoreSlim gate)", "await gate.WaitAsync()", "await Task.Delay(10);", "gate.Release()"), LockNotReleasedFixer.TryFinallyEquivalenceKey, LeakOnException("gate"));

    [Fact]
    public Task FixMutexWithoutReleaseSynthesizesIt() => Fixed("""
        static void M(Mutex mutex)
        {
            {|#0:mutex.WaitOne()|};
            Console.WriteLine("in");
        }
        """, LockSources.AcquireTryFinally("static void M(Mutex mutex)", "mutex.WaitOne()", "Console.WriteLine(\"in\");", "mutex.ReleaseMutex()"), LockNotReleasedFixer.TryFinallyEquivalenceKey, Leak("mutex"));

    [Fact]
    public Task FixMonitorWithoutExitUsesTryFinally() => Fixed("""
        static void M(object gate, bool b)
        {
            {|#0:Monitor.Enter(gate)|};
            if (b) return;
            Console.WriteLine("in");
        }
        """, """
        static void M(object gate, bool b)
        {
            Monitor.Enter(gate);
            try
            {
                if (b) return;
                Console.WriteLine("in");
            }
            finally
            {
                Monitor.Exit(gate);
            }
        }
        """, LockNotReleasedFixer.TryFinallyEquivalenceKey, Leak("gate"));

    [Fact]
    public Task FixFieldLockNeverReleasedInType() => Fixed("""
        private readonly object _sync = new object();
        void M()
        {
            {|#0:Monitor.Enter(_sync)|};
            Console.WriteLine("in");
        }
        """, """
        private readonly object _sync = new object();
        void M()
        {
            Monitor.Enter(_sync);
            try
            {
                Console.WriteLine("in");
            }
            finally
            {
                Monitor.Exit(_sync);
            }
        }
        """, LockNotReleasedFixer.TryFinallyEquivalenceKey, Leak("_sync"));

    [Fact]
    public Task NoFixWhenRegionLocalIsUsedAfterRelease() => NotFixed("""
        static void M(ProcessLock lk)
        {
            {|#0:lk.Acquire()|};
            var value = Environment.TickCount;
            Console.WriteLine(value);
            lk.Release();
            Console.WriteLine(value);
        }
        """, LockNotReleasedFixer.HoldEquivalenceKey, LeakOnException("lk"));

    [Fact]
    public Task NoFixWhenReleaseIsOnlyInABranch() => NotFixed("""
        static void M(ProcessLock lk, bool ok)
        {
            {|#0:lk.Acquire()|};
            if (ok) lk.Release();
        }
        """, LockNotReleasedFixer.HoldEquivalenceKey, Leak("lk"));

    [Fact]
    public Task FixAll() => FixedAll("""
        class C
        {
            static void A(ProcessLock lk)
            {
                {|#0:lk.Acquire()|};
                Console.WriteLine("a");
                lk.Release();
            }

            static void B(ProcessLock lk)
            {
                {|#1:lk.Acquire()|};
                Console.WriteLine("b");
            }
        }

        class D
        {
            static void E(ProcessLock other)
            {
                {|#2:other.Acquire()|};
                Console.WriteLine("e");
                other.Release();
            }
        }
        """, """
        class C
        {
            static void A(ProcessLock lk)
            {
                using (lk.Hold())
                {
                    Console.WriteLine("a");
                }
            }

            static void B(ProcessLock lk)
            {
                using (lk.Hold())
                {
                    Console.WriteLine("b");
                }
            }
        }

        class D
        {
            static void E(ProcessLock other)
            {
                using (other.Hold())
                {
                    Console.WriteLine("e");
                }
            }
        }
        """, LockNotReleasedFixer.HoldEquivalenceKey,
        LeakOnException("lk"),
        Leak("lk", 1),
        LeakOnException("other", 2));
}
