namespace Multiproc.Tests.Primitives;

public class ProcessRLockTests
{
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(30);

    [Fact]
    public void The_owning_thread_reenters_and_must_release_as_often()
    {
        using var tmp = new TempDir();
        using var r = new ProcessRLock();
        r.Acquire();
        Assert.True(r.TryAcquire(TimeSpan.Zero));
        using (var scope = r.Hold())
        {
            Assert.False(scope.Abandoned);
            Assert.True(r.IsHeldByCurrentThread);
        }
        r.Release();
        Assert.True(r.IsHeldByCurrentThread); // one level left

        var result = tmp.File("result");
        var child = new ChildProcess(() => PrimitiveTargets.TryRLock(r, 100, result));
        try
        {
            child.Start();
            Wait.Joined(child);
            Assert.Equal("busy", File.ReadAllText(result));

            r.Release();
            Assert.False(r.IsHeldByCurrentThread);
            child = new ChildProcess(() => PrimitiveTargets.TryRLock(r, 30_000, result));
            child.Start();
            Wait.Joined(child);
            Assert.Equal("acquired", File.ReadAllText(result));
        }
        finally { Wait.Cleanup(child); }
    }

    [Fact]
    public void Another_thread_cannot_take_or_release_it()
    {
        using var r = new ProcessRLock();
        r.Acquire();
        bool? took = null;
        Exception? releaseError = null;
        var t = new Thread(() =>
        {
            took = r.TryAcquire(TimeSpan.FromMilliseconds(50));
            try { r.Release(); }
            catch (Exception e) { releaseError = e; }
        });
        t.Start();
        Assert.True(t.Join(Long));
        Assert.False(took);
        Assert.IsType<InvalidOperationException>(releaseError);
        Assert.Contains("another thread of this process", releaseError!.Message);
        r.Release();
        var e = Assert.Throws<InvalidOperationException>(() => r.Release());
        Assert.Contains("not held", e.Message);
    }

    [Fact]
    public void Release_by_a_process_that_does_not_own_it_is_refused()
    {
        using var tmp = new TempDir();
        using var r = new ProcessRLock();
        r.Acquire();
        var result = tmp.File("result");
        var child = new ChildProcess(() => PrimitiveTargets.ReleaseRLock(r, result));
        try
        {
            child.Start();
            Wait.Joined(child);
            Assert.Equal($"refused:Release() was called on a ProcessRLock held by process {Environment.ProcessId}; only the thread that acquired it may release it.", File.ReadAllText(result));
            Assert.True(r.IsHeldByCurrentThread);
            r.Release();
        }
        finally { Wait.Cleanup(child); }
    }

    [Fact]
    public void An_owner_killed_holding_it_twice_abandons_it_and_the_next_owner_holds_it_once()
    {
        using var tmp = new TempDir();
        using var r = new ProcessRLock();
        var ready = tmp.File("ready");
        var holder = new ChildProcess(() => PrimitiveTargets.HoldRLockForever(r, ready));
        try
        {
            holder.Start();
            Assert.True(Wait.Until(() => File.Exists(ready), Long));
            Assert.False(r.TryAcquire(TimeSpan.FromMilliseconds(50)));
            holder.Kill();
            var e = Assert.Throws<AbandonedLockException>(() => r.TryAcquire(Long));
            Assert.Equal(holder.Pid, e.DeadOwnerPid);
            Assert.True(r.IsHeldByCurrentThread);
            r.Release();
            Assert.False(r.IsHeldByCurrentThread);
            using (var scope = r.Hold()) Assert.False(scope.Abandoned);
            Wait.Joined(holder);
        }
        finally { Wait.Cleanup(holder); }
    }
}
