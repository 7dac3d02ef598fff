using System.Diagnostics;

namespace Multiproc.Tests;

public class ProcessLockTests
{
    [Fact]
    public void Acquire_release_and_non_recursive()
    {
        using var lk = new ProcessLock();
        lk.Acquire();
        Assert.False(lk.TryAcquire(TimeSpan.Zero));
        lk.Release();
        Assert.True(lk.TryAcquire(TimeSpan.Zero));
        lk.Release();
    }

    [Fact]
    public void Release_when_not_held_throws()
    {
        using var lk = new ProcessLock();
        var e = Assert.Throws<InvalidOperationException>(() => lk.Release());
        Assert.Contains("not held", e.Message);
        lk.Acquire();
        lk.Release();
        Assert.Throws<InvalidOperationException>(() => lk.Release());
    }

    [Fact]
    public void Hold_scope_releases_on_dispose()
    {
        using var lk = new ProcessLock();
        using (var scope = lk.Hold())
        {
            Assert.False(scope.Abandoned);
            Assert.False(lk.TryAcquire(TimeSpan.Zero));
        }
        Assert.True(lk.TryAcquire(TimeSpan.Zero));
        lk.Release();
    }

    [Fact]
    public void Lock_held_by_another_process_excludes_and_TryAcquire_times_out()
    {
        using var tmp = new TempDir();
        using var lk = new ProcessLock();
        var ready = tmp.File("ready");
        var holder = new ChildProcess(() => Targets.HoldLockFor(lk, ready, 1_500));
        try
        {
            holder.Start();
            Assert.True(Wait.Until(() => File.Exists(ready), TimeSpan.FromSeconds(30)), "holder never took the lock");
            Assert.True(Wait.Until(() => File.ReadAllText(ready).StartsWith("held by"), TimeSpan.FromSeconds(5)));
            Assert.Equal($"held by {holder.Pid}", File.ReadAllText(ready));
            Assert.False(lk.TryAcquire(TimeSpan.Zero));
            var sw = Stopwatch.StartNew();
            Assert.False(lk.TryAcquire(TimeSpan.FromMilliseconds(300)));
            Assert.InRange(sw.ElapsedMilliseconds, 250, 3_000); // about the timeout; generous for a loaded CI machine
            // The holder releases after 1.5 s; a waiting acquire gets it then.
            Assert.True(lk.TryAcquire(TimeSpan.FromSeconds(30)));
            lk.Release();
            Wait.Joined(holder);
            Assert.Equal(0, holder.ExitCode);
        }
        finally { Wait.Cleanup(holder); }
    }

    [Fact]
    public void Four_processes_incrementing_a_file_200_times_under_the_lock_end_at_800()
    {
        using var tmp = new TempDir();
        var path = tmp.File("count");
        File.WriteAllText(path, "0");
        using var lk = new ProcessLock();
        var ps = Enumerable.Range(0, 4).Select(_ => new ChildProcess(() => Targets.IncrementFile(lk, path, 200))).ToList();
        try
        {
            ps.ForEach(p => p.Start());
            ps.ForEach(p => Wait.Joined(p, TimeSpan.FromSeconds(120)));
            Assert.All(ps, p => Assert.Equal(0, p.ExitCode));
            Assert.Equal("800", File.ReadAllText(path));
        }
        finally { Wait.Cleanup([.. ps]); }
    }

    [Fact]
    public void Holder_killed_abandons_the_lock_and_the_next_acquirer_is_told()
    {
        using var tmp = new TempDir();
        using var lk = new ProcessLock();
        var ready = tmp.File("ready");
        var holder = new ChildProcess(() => Targets.HoldLockForever(lk, ready));
        try
        {
            holder.Start();
            Assert.True(Wait.Until(() => File.Exists(ready), TimeSpan.FromSeconds(30)));
            var acquired = new ManualResetEventSlim();
            AbandonedLockException? abandoned = null;
            var waiter = new Thread(() =>
            {
                try { lk.Acquire(); }
                catch (AbandonedLockException e) { abandoned = e; }
                acquired.Set();
            });
            waiter.Start();
            Thread.Sleep(300);
            Assert.False(acquired.IsSet);
            holder.Kill(); // not joined yet: the holder is a zombie until reaped, which must not matter
            var sw = Stopwatch.StartNew();
            Assert.True(acquired.Wait(TimeSpan.FromSeconds(10)), "the waiter never got the abandoned lock");
            Assert.True(sw.ElapsedMilliseconds < 1_000, $"took {sw.ElapsedMilliseconds} ms");
            Assert.NotNull(abandoned);
            Assert.Equal(holder.Pid, abandoned!.DeadOwnerPid);
            Assert.False(lk.TryAcquire(TimeSpan.Zero)); // the waiter holds it now
            lk.Release();
            Wait.Joined(holder);
        }
        finally { Wait.Cleanup(holder); }
    }

    [Fact]
    public void Hold_reports_an_abandoned_lock_and_still_holds_it()
    {
        using var tmp = new TempDir();
        using var lk = new ProcessLock();
        var ready = tmp.File("ready");
        var holder = new ChildProcess(() => Targets.HoldLockForever(lk, ready));
        try
        {
            holder.Start();
            Assert.True(Wait.Until(() => File.Exists(ready), TimeSpan.FromSeconds(30)));
            holder.Kill();
            Wait.Joined(holder);
            using (var scope = lk.Hold())
            {
                Assert.True(scope.Abandoned);
                Assert.False(lk.TryAcquire(TimeSpan.Zero));
            }
            Assert.True(lk.TryAcquire(TimeSpan.Zero));
            lk.Release();
        }
        finally { Wait.Cleanup(holder); }
    }

    [Fact]
    public void TryAcquire_rejects_negative_timeouts()
    {
        using var lk = new ProcessLock();
        Assert.Throws<ArgumentOutOfRangeException>(() => lk.TryAcquire(TimeSpan.FromSeconds(-2)));
    }
}
