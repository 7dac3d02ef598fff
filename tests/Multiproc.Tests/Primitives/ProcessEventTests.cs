using System.Diagnostics;

namespace Multiproc.Tests.Primitives;

public class ProcessEventTests
{
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(30);

    [Fact]
    public void Set_clear_and_wait_with_timeouts_in_one_process()
    {
        using var e = new ProcessEvent();
        Assert.False(e.IsSet);
        Assert.False(e.Wait(TimeSpan.Zero));
        Assert.False(e.Wait(TimeSpan.FromMilliseconds(50)));
        e.Set();
        Assert.True(e.IsSet);
        Assert.True(e.Wait(TimeSpan.Zero));
        e.Wait();
        e.Set(); // setting a set event does nothing
        Assert.True(e.IsSet);
        e.Clear();
        Assert.False(e.IsSet);
        Assert.False(e.Wait(TimeSpan.FromMilliseconds(20)));
        Assert.Throws<ArgumentOutOfRangeException>(() => e.Wait(TimeSpan.FromSeconds(-3)));
    }

    [Fact]
    public void A_child_waiting_is_woken_by_the_parents_Set_and_a_cleared_event_times_out_in_a_child()
    {
        using var tmp = new TempDir();
        using var e = new ProcessEvent();
        var ready = tmp.File("ready");
        var result = tmp.File("result");
        var waiter = new ChildProcess(() => PrimitiveTargets.WaitForEvent(e, 30_000, ready, result));
        ChildProcess? second = null;
        try
        {
            waiter.Start();
            Assert.True(Wait.Until(() => File.Exists(ready), Long));
            Thread.Sleep(200); // let it sleep in the kernel
            Assert.False(File.Exists(result));
            e.Set();
            Wait.Joined(waiter);
            Assert.Equal("set", File.ReadAllText(result));

            e.Clear();
            File.Delete(ready);
            second = new ChildProcess(() => PrimitiveTargets.WaitForEvent(e, 300, ready, result));
            second.Start();
            Wait.Joined(second);
            Assert.Equal("timeout", File.ReadAllText(result));
        }
        finally { Wait.Cleanup(waiter, second); }
    }

    [Fact]
    public void The_parent_waits_for_a_child_to_set_the_event()
    {
        using var e = new ProcessEvent();
        var setter = new ChildProcess(() => PrimitiveTargets.SetEventAfter(e, 300));
        try
        {
            setter.Start();
            // TimeSpan.MaxValue is as good as infinite (it must not overflow into "already passed").
            var waiting = Task.Run(() => e.Wait(TimeSpan.MaxValue));
            Assert.True(waiting.Wait(Long), "the parent was not woken");
            Assert.True(waiting.Result);
            Assert.True(e.IsSet);
            Wait.Joined(setter);
        }
        finally { Wait.Cleanup(setter); }
    }

    [Fact]
    public async Task WaitAsync_in_a_child_and_in_the_parent()
    {
        using var tmp = new TempDir();
        using var e = new ProcessEvent();
        var ready = tmp.File("ready");
        var result = tmp.File("result");
        var waiter = new ChildProcess(() => PrimitiveTargets.WaitForEventAsync(e, ready, result));
        try
        {
            waiter.Start();
            Assert.True(Wait.Until(() => File.Exists(ready), Long));
            var mine = e.WaitAsync(Long);
            Assert.False(mine.IsCompleted);
            Assert.False(await e.WaitAsync(TimeSpan.FromMilliseconds(50)));
            using (var cts = new CancellationTokenSource(50))
                await Assert.ThrowsAnyAsync<OperationCanceledException>(() => e.WaitAsync(cts.Token));
            e.Set();
            Assert.True(await mine.WaitAsync(Long));
            await e.WaitAsync(); // already set
            Wait.Joined(waiter);
            Assert.Equal("set", File.ReadAllText(result));
        }
        finally { Wait.Cleanup(waiter); }
    }

    [Fact]
    public void Ping_pong_between_two_processes_through_two_events()
    {
        using var ping = new ProcessEvent();
        using var pong = new ProcessEvent();
        const int n = 2_000;
        var child = new ChildProcess(() => PrimitiveTargets.Pong(ping, pong, n));
        try
        {
            child.Start();
            var sw = Stopwatch.StartNew();
            for (var i = 0; i < n; i++)
            {
                ping.Set();
                Assert.True(pong.Wait(Long), $"no pong {i}");
                pong.Clear();
            }
            Wait.Joined(child);
            Assert.Equal(0, child.ExitCode);
            Console.WriteLine($"event ping-pong: {n / sw.Elapsed.TotalSeconds:F0} round trips/s");
        }
        finally { Wait.Cleanup(child); }
    }
}
