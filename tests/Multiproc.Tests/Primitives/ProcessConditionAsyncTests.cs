namespace Multiproc.Tests.Primitives;

/// <summary><see cref="ProcessCondition.WaitAsync(TimeSpan, CancellationToken)"/>: release, wait without a thread, re-acquire.</summary>
public class ProcessConditionAsyncTests
{
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task WaitAsync_releases_the_lock_is_woken_by_a_childs_NotifyAll_and_returns_holding_it_again()
    {
        using var c = new ProcessCondition();
        using var flag = new SharedValue<int>();
        c.Acquire();
        // The child needs the lock to notify: it gets it only once WaitAsync has released it.
        var p = new ChildProcess(() => PrimitiveTargets.SetFlagAndNotifyAll(c, flag, 100));
        try
        {
            p.Start();
            var waits = 0;
            while (flag.Value == 0)
            {
                Assert.True(await c.WaitAsync(Long).WaitAsync(Wait.Long), "not notified within the timeout");
                Assert.True(++waits < 10);
            }
            Assert.Equal(Environment.ProcessId, c.Lock.HolderPid);
            c.Release();
            Wait.Joined(p);
            Assert.Equal(0, p.ExitCode);
        }
        finally { Wait.Cleanup(p); }
    }

    [Fact]
    public async Task Several_async_waiters_are_all_woken_by_NotifyAll_and_take_the_lock_in_turn()
    {
        using var c = new ProcessCondition();
        var pending = new List<Task>();
        for (var i = 0; i < 5; i++)
        {
            c.Acquire();
            pending.Add(c.WaitAsync());
        }
        Assert.All(pending, t => Assert.False(t.IsCompleted));
        using (c.Hold()) c.NotifyAll();
        while (pending.Count > 0)
        {
            var done = await Task.WhenAny(pending).WaitAsync(Wait.Long);
            await done; // notified, and holds the lock: let the next one have it
            Assert.Equal(Environment.ProcessId, c.Lock.HolderPid);
            pending.Remove(done);
            c.Release();
        }
        Assert.Equal(0, c.Lock.HolderPid);
    }

    [Fact]
    public async Task A_timed_out_WaitAsync_returns_false_holding_the_lock_again()
    {
        using var c = new ProcessCondition();
        c.Acquire();
        Assert.False(await c.WaitAsync(TimeSpan.FromMilliseconds(50)).WaitAsync(Wait.Long));
        Assert.Equal(Environment.ProcessId, c.Lock.HolderPid);
        c.Release();
    }

    [Fact]
    public async Task A_cancelled_WaitAsync_is_cancelled_holding_the_lock_again_and_takes_no_notification()
    {
        using var c = new ProcessCondition();
        using var cts = new CancellationTokenSource();
        c.Acquire();
        var cancelled = c.WaitAsync(cts.Token);
        c.Acquire();
        var other = c.WaitAsync(Long);
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled.WaitAsync(Wait.Long));
        Assert.True(cancelled.IsCanceled);
        Assert.Equal(Environment.ProcessId, c.Lock.HolderPid);
        // Its slot is free: the one notify goes to the waiter still there.
        c.Notify();
        c.Release();
        Assert.True(await other.WaitAsync(Wait.Long));
        c.Release();
        Assert.Equal(0, c.Lock.HolderPid);
    }

    [Fact]
    public void WaitAsync_without_the_lock_says_so()
    {
        using var c = new ProcessCondition();
        var e = Assert.Throws<InvalidOperationException>(() => { _ = c.WaitAsync(); }); // thrown at the call
        Assert.Contains("WaitAsync() requires the ProcessCondition's lock to be held", e.Message);
    }

    [Fact]
    public async Task WaitAsync_takes_the_lock_over_from_a_notifier_that_died_holding_it()
    {
        using var tmp = new TempDir();
        using var c = new ProcessCondition();
        var ready = tmp.File("ready");
        c.Acquire();
        var p = new ChildProcess(() => PrimitiveTargets.NotifyAndHoldForever(c, ready));
        try
        {
            p.Start();
            var wait = c.WaitAsync(Long);
            Assert.True(Wait.Until(() => File.Exists(ready), Long), "the child did not notify");
            Assert.False(wait.IsCompleted && wait.Result == false, "timed out instead of being notified");
            p.Kill();
            Wait.Joined(p);
            Assert.True(await wait.WaitAsync(Wait.Long));
            Assert.Equal(Environment.ProcessId, c.Lock.HolderPid);
            c.Release();
        }
        finally { Wait.Cleanup(p); }
    }
}
