namespace Multiproc.Tests.Primitives;

public class ProcessConditionTests
{
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(30);

    [Fact]
    public void Notify_wakes_one_of_three_waiting_children_and_NotifyAll_the_rest()
    {
        using var tmp = new TempDir();
        using var c = new ProcessCondition();
        using var waiting = new SharedValue<int>();
        using var woken = new SharedValue<int>();
        var results = Enumerable.Range(0, 3).Select(i => tmp.File("r" + i)).ToArray();
        var ps = results.Select(r => new ChildProcess(() => PrimitiveTargets.ConditionWaiter(c, waiting, woken, r))).ToList();
        try
        {
            ps.ForEach(p => p.Start());
            Assert.True(Wait.Until(() => waiting.Value == 3, Long));
            // Each waiter counted itself under the lock and Wait released it: once we hold it, all three wait.
            using (c.Hold()) c.Notify();
            Assert.True(Wait.Until(() => woken.Value == 1, Long));
            Thread.Sleep(300);
            Assert.Equal(1, woken.Value); // Notify(1) woke exactly one
            using (c.Hold()) c.NotifyAll();
            ps.ForEach(p => Wait.Joined(p));
            Assert.Equal(3, woken.Value);
            Assert.All(results, r => Assert.Equal("notified", File.ReadAllText(r)));
        }
        finally { Wait.Cleanup([.. ps]); }
    }

    [Fact]
    public void Notify_with_n_wakes_n_and_nothing_more()
    {
        using var tmp = new TempDir();
        using var c = new ProcessCondition();
        using var waiting = new SharedValue<int>();
        using var woken = new SharedValue<int>();
        var results = Enumerable.Range(0, 3).Select(i => tmp.File("r" + i)).ToArray();
        var ps = results.Select(r => new ChildProcess(() => PrimitiveTargets.ConditionWaiter(c, waiting, woken, r))).ToList();
        try
        {
            ps.ForEach(p => p.Start());
            Assert.True(Wait.Until(() => waiting.Value == 3, Long));
            using (c.Hold()) c.Notify(2);
            Assert.True(Wait.Until(() => woken.Value == 2, Long));
            Thread.Sleep(300);
            Assert.Equal(2, woken.Value);
            using (c.Hold()) c.Notify(5); // more than wait: wakes the one left
            ps.ForEach(p => Wait.Joined(p));
            Assert.Equal(3, woken.Value);
        }
        finally { Wait.Cleanup([.. ps]); }
    }

    [Fact]
    public void Wait_and_WaitFor_time_out_holding_the_lock_again_and_WaitFor_sees_a_childs_change()
    {
        using var lk = new ProcessLock();
        using var c = new ProcessCondition(lk);
        using var flag = new SharedValue<int>();
        Assert.Same(lk, c.Lock);
        c.Acquire();
        Assert.False(c.Wait(TimeSpan.FromMilliseconds(100)));
        Assert.Equal(Environment.ProcessId, lk.HolderPid);
        Assert.False(c.WaitFor(() => flag.Value == 1, TimeSpan.FromMilliseconds(200)));
        Assert.Equal(Environment.ProcessId, lk.HolderPid);

        var setter = new ChildProcess(() => PrimitiveTargets.SetFlagAndNotifyAll(c, flag, 200));
        try
        {
            setter.Start();
            Assert.True(c.WaitFor(() => flag.Value == 1, Long));
            Assert.Equal(Environment.ProcessId, lk.HolderPid);
            c.Release();
            Wait.Joined(setter);
        }
        finally { Wait.Cleanup(setter); }
        Assert.True(c.TryAcquire(TimeSpan.Zero));
        Assert.True(c.WaitFor(() => true, TimeSpan.Zero));
        c.Release();
    }

    [Fact]
    public void Wait_and_Notify_need_the_lock()
    {
        using var c = new ProcessCondition();
        Assert.Throws<InvalidOperationException>(() => c.Wait(TimeSpan.Zero));
        Assert.Throws<InvalidOperationException>(() => c.Notify());
        Assert.Throws<InvalidOperationException>(() => c.NotifyAll());
        using (c.Hold())
        {
            c.Notify(); // nobody waits: nothing happens
            c.NotifyAll();
            Assert.Throws<ArgumentOutOfRangeException>(() => c.Notify(-1));
        }
    }

    [Fact]
    public void A_waiter_reacquires_the_lock_after_the_process_holding_it_died()
    {
        using var tmp = new TempDir();
        using var c = new ProcessCondition();
        var ready = tmp.File("ready");
        var holder = new ChildProcess(() => PrimitiveTargets.NotifyAndHoldForever(c, ready));
        bool? notified = null;
        Exception? error = null;
        var waiter = new Thread(() =>
        {
            try
            {
                c.Acquire();
                holder.Start(); // blocks on the lock until Wait releases it
                notified = c.Wait(Long);
                c.Release();
            }
            catch (Exception e) { error = e; }
        });
        try
        {
            waiter.Start();
            Assert.True(Wait.Until(() => File.Exists(ready), Long), "the holder never notified");
            Assert.True(waiter.IsAlive); // notified, but the dead-to-be holder keeps the lock
            holder.Kill();
            Assert.True(waiter.Join(Long), "the waiter never re-acquired the abandoned lock");
            Assert.Null(error);
            Assert.True(notified);
            Assert.True(c.TryAcquire(TimeSpan.Zero));
            c.Release();
        }
        finally { Wait.Cleanup(holder); }
    }
}
