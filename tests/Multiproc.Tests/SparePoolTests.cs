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
            Thread.Sleep(500); // past the delayed top-up after a start that took a spare
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
