// Child targets are public static methods of the test classes (the child process calls them by reflection).
#pragma warning disable xUnit1013, CA1416

using Multiproc.Internal;

namespace Multiproc.Tests;

/// <summary>The pre-started children use idle cores only: none boots while as many children run as there are cores.</summary>
public class SparePoolTests
{
    private static readonly TimeSpan W = TimeSpan.FromSeconds(60);

    public static void WaitForGo(ProcessQueue<int> go) => go.Get(TimeSpan.FromSeconds(120));

    private static int Wanted => Math.Min(SparePool.Size, Environment.ProcessorCount);

    [Fact]
    public void No_spare_starts_while_a_child_runs_on_every_core_and_spares_come_back_after()
    {
        if (SparePool.Size == 0) return; // MULTIPROC_PRESTART=0: no pool to test
        using var go = new ProcessQueue<int>();
        var busy = Enumerable.Range(0, Environment.ProcessorCount).Select(i => new ChildProcess(() => WaitForGo(go), $"busy-{i}")).ToArray();
        try
        {
            foreach (var c in busy) c.Start();
            var startedBefore = SparePool.Started;
            Thread.Sleep(500); // past any delayed top-up
            Assert.False(busy[0].Join(TimeSpan.FromMilliseconds(100))); // a Join tops the pool up before it waits
            Assert.All(busy, c => Assert.True(c.IsAlive));
            Assert.Equal(startedBefore, SparePool.Started);

            for (var i = 0; i < busy.Length; i++) go.Put(i);
            foreach (var c in busy) Wait.Joined(c);
            Assert.True(Wait.Until(() => SparePool.Count >= Wanted, W), $"{SparePool.Count} spares after the children ended, {Wanted} wanted");
            Assert.True(SparePool.Started > startedBefore);
        }
        finally
        {
            Wait.Cleanup(busy);
        }
    }

    /// <summary>
    /// A parent that has started children on every core but its own and does not wait for them (a pipe ping-pong,
    /// a producer) is working beside them: no spare boots, and none after a moment either, until it waits in Join.
    /// </summary>
    [Fact]
    public void No_spare_boots_beside_a_parent_that_works_with_its_children()
    {
        if (SparePool.Size == 0) return;
        var warm = new ChildProcess(() => Targets.Noop());
        warm.Start();
        Wait.Joined(warm);
        // The pool full and every spare booted: from here on only this test's starts and waits move the counters.
        Assert.True(Wait.Until(() => SparePool.Count >= SparePool.Size && SparePool.Booting == 0, W),
            $"{SparePool.Count} spares, {SparePool.Booting} still booting");
        using var go = new ProcessQueue<int>();
        var n = Math.Max(1, Environment.ProcessorCount - 1);
        var kids = Enumerable.Range(0, n).Select(i => new ChildProcess(() => WaitForGo(go), $"pair-{i}")).ToArray();
        try
        {
            foreach (var c in kids) c.Start();
            var startedBefore = SparePool.Started;
            Assert.Equal(0, SparePool.ParentWaiting);
            Thread.Sleep(600); // the parent is not waiting for a child: past the moment a top-up after a start came on main
            Assert.All(kids, c => Assert.True(c.IsAlive));
            Assert.Equal(startedBefore, SparePool.Started);

            for (var i = 0; i < n; i++) go.Put(i);
            foreach (var c in kids) Wait.Joined(c);
            Assert.Equal(0, SparePool.ParentWaiting);
        }
        finally
        {
            Wait.Cleanup(kids);
        }
    }

    /// <summary>While a thread waits in Join, this process leaves its core: the count says so, and is back to 0 after.</summary>
    [Fact]
    public void A_thread_waiting_in_Join_is_counted_until_the_wait_ends()
    {
        using var go = new ProcessQueue<int>();
        var c = new ChildProcess(() => WaitForGo(go), "joined");
        c.Start();
        try
        {
            var before = SparePool.ParentWaiting;
            var joiner = new Thread(() => c.Join(TimeSpan.FromSeconds(120)));
            joiner.Start();
            Assert.True(Wait.Until(() => SparePool.ParentWaiting == before + 1, W), $"{SparePool.ParentWaiting} waiting");
            Assert.False(c.Join(TimeSpan.Zero)); // a poll is no wait
            Assert.Equal(before + 1, SparePool.ParentWaiting);
            go.Put(1);
            Assert.True(joiner.Join(TimeSpan.FromSeconds(60)), "the Join did not return");
            Assert.Equal(before, SparePool.ParentWaiting);
        }
        finally
        {
            Wait.Cleanup([c]);
        }
    }

    [Fact]
    public void Start_join_repeated_takes_spares()
    {
        if (SparePool.Size == 0) return;
        var warm = new ChildProcess(() => Targets.Noop());
        warm.Start();
        Wait.Joined(warm);
        Assert.True(Wait.Until(() => SparePool.Count >= Wanted, W), $"{SparePool.Count} spares, {Wanted} wanted");
        var takenBefore = SparePool.Taken;
        const int N = 5;
        for (var i = 0; i < N; i++)
        {
            // The top-up after a reap runs on the thread pool: on one core it may not have run yet.
            Assert.True(Wait.Until(() => SparePool.Count >= 1, W), "no spare came back after a join");
            var p = new ChildProcess(() => Targets.Noop());
            p.Start();
            Wait.Joined(p);
            Assert.Equal(0, p.ExitCode);
        }
        Assert.Equal(N, SparePool.Taken - takenBefore);
    }

    [Fact]
    public void Spares_report_when_booted()
    {
        if (SparePool.Size == 0) return;
        var warm = new ChildProcess(() => Targets.Noop());
        warm.Start();
        Wait.Joined(warm);
        // Every spare writes its byte once its runtime is up: none stays counted as booting.
        Assert.True(Wait.Until(() => SparePool.Count >= Wanted && SparePool.Booting == 0, W),
            $"{SparePool.Count} spares, {SparePool.Booting} still booting");
        var p = new ChildProcess(() => Targets.Noop());
        p.Start();
        Wait.Joined(p);
        Assert.Equal(0, p.ExitCode);
        Assert.True(SparePool.Booting >= 0);
    }
}
