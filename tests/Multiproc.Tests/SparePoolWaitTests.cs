// Child targets are public static methods of the test classes (the child process calls them by reflection).
#pragma warning disable xUnit1013, CA1416

using Multiproc.Internal;

namespace Multiproc.Tests;

/// <summary>
/// The spare pool while the parent waits (docs/design/spare-pool.md, "Reaps, and a Join about to wait" and "A Join that
/// waits looks again"): in a burst (more children than cores) a Join tops up even with a booted spare waiting; a Join
/// that waits long looks at the pool again, so cores that go idle meanwhile boot spares; a start that finds the pool
/// empty while a top-up spawns waits for that spare instead of booting a runtime beside it.
/// </summary>
public class SparePoolWaitTests
{
    private static readonly TimeSpan W = TimeSpan.FromSeconds(60);

    public static void WaitForGo(ProcessQueue<int> go) => go.Get(TimeSpan.FromSeconds(120));

    /// <summary>Keeps a core busy until <paramref name="stop"/> is set, then sleeps until an item comes.</summary>
    public static void SpinThenWait(ProcessEvent stop, ProcessQueue<int> go)
    {
        var deadline = Environment.TickCount64 + 120_000;
        while (!stop.IsSet && Environment.TickCount64 < deadline) { }
        go.Get(TimeSpan.FromSeconds(120));
    }

    /// <summary>Starts children until more run than there are cores and no spare is left in the pool.</summary>
    private static List<ChildProcess> StartPastThePool(Func<int, ChildProcess> make)
    {
        var cores = Environment.ProcessorCount;
        var kids = new List<ChildProcess>();
        var limit = cores + 3 * SparePool.Size + 4;
        while (kids.Count <= cores || SparePool.Count > 0)
        {
            Assert.True(kids.Count < limit, $"{SparePool.Count} spares left after {kids.Count} starts");
            var c = make(kids.Count);
            c.Start();
            kids.Add(c);
        }
        return kids;
    }

    private static void AllIn(List<ChildProcess> kids, char state) =>
        Assert.True(Wait.Until(() => kids.All(k => SparePoolRulesTests.State(k.Pid!.Value) == state), W),
            $"children not all in state {state}: " + string.Join(' ', kids.Select(k => SparePoolRulesTests.State(k.Pid!.Value))));

    /// <summary>
    /// With more children than cores, all asleep, and a booted spare waiting below the pool's size, a Join about to wait
    /// tops up (a pair's Join would not: the booted spare serves its next start).
    /// </summary>
    [Fact]
    public void In_a_burst_a_Join_about_to_wait_tops_up_even_with_a_booted_spare_waiting()
    {
        if (SparePool.Size < 2) return;
        SparePoolRulesTests.FillAndSettle();
        using var go = new ProcessQueue<int>();
        var kids = new List<ChildProcess>();
        try
        {
            kids.AddRange(StartPastThePool(i => new ChildProcess(() => WaitForGo(go), $"asleep-{i}")));
            AllIn(kids, 'S');
            Assert.False(kids[0].Join(TimeSpan.FromMilliseconds(100)));
            Assert.True(Wait.Until(() => SparePool.Count >= SparePool.Size && SparePool.Booting == 0, W),
                $"{SparePool.Count} spares, {SparePool.Booting} still booting");

            // One more child takes a booted spare (no top-up after a start that took one): booted spares wait, the pool is short.
            var extra = new ChildProcess(() => WaitForGo(go), "asleep-extra");
            extra.Start();
            kids.Add(extra);
            AllIn(kids, 'S');
            Thread.Sleep(400); // past a delayed top-up from anything before
            var started = SparePool.Started;
            Assert.Equal(SparePool.Size - 1, SparePool.Count);
            Assert.Equal(0, SparePool.Booting);

            Assert.False(kids[0].Join(TimeSpan.FromMilliseconds(100)));
            Assert.True(SparePool.Started > started, $"no spare started with {SparePool.Count} booted and {kids.Count} children asleep");
            Assert.True(Wait.Until(() => SparePool.Count >= SparePool.Size, W), $"{SparePool.Count} spares of {SparePool.Size}");

            SparePoolRulesTests.ReleaseAll(go, kids);
        }
        finally
        {
            Wait.Cleanup([.. kids]);
        }
    }

    /// <summary>
    /// A Join that began while the children kept every core busy starts no spare then; once they fall asleep (no reap,
    /// no booted report to notice it) the same Join, still waiting, looks again and starts spares.
    /// </summary>
    [Fact]
    public void A_Join_that_waits_while_its_children_fall_asleep_starts_spares()
    {
        if (SparePool.Size == 0) return;
        SparePoolRulesTests.FillAndSettle();
        using var stop = new ProcessEvent();
        using var go = new ProcessQueue<int>();
        var kids = new List<ChildProcess>();
        Task<bool>? joined = null;
        try
        {
            kids.AddRange(StartPastThePool(i => new ChildProcess(() => SpinThenWait(stop, go), $"spinner-{i}")));
            AllIn(kids, 'R');
            var started = SparePool.Started;
            joined = Task.Factory.StartNew(() => kids[0].Join(TimeSpan.FromSeconds(120)), TaskCreationOptions.LongRunning);
            Assert.True(Wait.Until(() => SparePool.ParentWaiting > 0, W), "the Join did not begin to wait");
            Thread.Sleep(300);
            Assert.Equal(started, SparePool.Started); // every core busy: the Join starts none

            stop.Set();
            AllIn(kids, 'S');
            Assert.True(Wait.Until(() => SparePool.Started > started, W),
                $"no spare started while a Join waited and {kids.Count} children slept");
            Assert.False(joined.IsCompleted); // the same Join, still waiting, did it

            for (var i = 0; i < kids.Count; i++) go.Put(i);
            Assert.True(joined.Wait(W) && joined.Result, "the Join did not return once its child ended");
            foreach (var k in kids) Wait.Joined(k);
            Assert.All(kids, k => Assert.Equal(0, k.ExitCode));
        }
        finally
        {
            stop.Set();
            Wait.Cleanup([.. kids]);
            joined?.Wait(W);
        }
    }

    /// <summary>
    /// A start that finds the pool empty while a top-up holds the pool to spawn waits for it (it would take the spare
    /// the top-up adds) instead of booting a runtime of its own beside the top-up's.
    /// </summary>
    [Fact]
    public void A_Start_that_finds_the_pool_empty_during_a_top_up_waits_for_it()
    {
        if (SparePool.Size == 0) return;
        SparePoolRulesTests.FillAndSettle();
        using var go = new ProcessQueue<int>();
        var kids = new List<ChildProcess>();
        var c = new ChildProcess(() => Targets.Noop(), "during-top-up");
        Task? start = null;
        try
        {
            while (SparePool.Count > 0)
            {
                Assert.True(kids.Count <= SparePool.Size, $"{SparePool.Count} spares left after {kids.Count} starts");
                var k = new ChildProcess(() => WaitForGo(go), $"taker-{kids.Count}");
                k.Start();
                kids.Add(k);
            }
            SparePool.AsTopUp(() =>
            {
                start = Task.Factory.StartNew(c.Start, TaskCreationOptions.LongRunning);
                Thread.Sleep(300);
                Assert.False(start.IsCompleted, "the start spawned beside a top-up instead of waiting for it");
            });
            Assert.True(start!.Wait(W), "the start did not go on once the top-up ended");
            Wait.Joined(c);
            Assert.Equal(0, c.ExitCode);
            SparePoolRulesTests.ReleaseAll(go, kids);
        }
        finally
        {
            start?.Wait(W);
            Wait.Cleanup([.. kids, c]);
        }
    }
}
