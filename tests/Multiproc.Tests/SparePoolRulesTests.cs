// Child targets are public static methods of the test classes (the child process calls them by reflection).
#pragma warning disable xUnit1013, CA1416

using System.Globalization;
using System.Text.RegularExpressions;
using Multiproc.Internal;
using Multiproc.Tests.Pool;

namespace Multiproc.Tests;

/// <summary>
/// The counting rules of the spare pool (docs/design/spare-pool.md) that SparePoolTests does not pin: the pool size
/// from MULTIPROC_PRESTART, one-core machines, no top-up after a Start that took a spare, children in state R when more
/// run than cores, a pending JoinAsync is no waiting parent, and a process pool tops up only once it has ended.
/// </summary>
public class SparePoolRulesTests
{
    private static readonly TimeSpan W = TimeSpan.FromSeconds(60);

    public static void WaitForGo(ProcessQueue<int> go) => go.Get(TimeSpan.FromSeconds(120));

    private static int Wanted => Math.Min(SparePool.Size, Environment.ProcessorCount);

    /// <summary>
    /// Runs the TestApp's spare-count scenario with <paramref name="environment"/> and returns the spares it kept once
    /// idle (it waits up to 120 s for <paramref name="expected"/>, and reports another count if that does not come, or
    /// does not stay) and the cores it saw; checks that those spares end once it has exited.
    /// </summary>
    private static (int Spares, int Cores) SparesOf(int expected, params (string Name, string Value)[] environment)
    {
        using var root = new TempDir();
        var psi = new System.Diagnostics.ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(TestApp.DllPath);
        psi.ArgumentList.Add("spare-count");
        psi.ArgumentList.Add(expected.ToString(CultureInfo.InvariantCulture));
        psi.Environment["MULTIPROC_SHM_ROOT"] = root.Path;
        psi.Environment.Remove("MULTIPROC_RUN_DIR");
        psi.Environment.Remove("MULTIPROC_CHILD_FD");
        psi.Environment.Remove("MULTIPROC_PRESTART");
        psi.Environment.Remove("DOTNET_PROCESSOR_COUNT");
        foreach (var (name, value) in environment) psi.Environment[name] = value;
        using var p = System.Diagnostics.Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromMinutes(5)))
        {
            p.Kill(entireProcessTree: true);
            Assert.Fail("TestApp spare-count did not exit within 5 minutes");
        }
        p.WaitForExit();
        var m = Regex.Match(stdout.Result, @"spares=(\d+) cores=(\d+)");
        Assert.True(m.Success, $"exit {p.ExitCode}: {stdout.Result} {stderr.Result}");
        Assert.True(p.ExitCode == 0, $"expected {expected} spares; exit {p.ExitCode}: {stdout.Result} {stderr.Result}");
        // At exit the spares are released first (their control pipes closed): each reads end-of-file and ends.
        var pids = Regex.Match(stdout.Result, @"pids=([\d,]*)").Groups[1].Value.Split(',', StringSplitOptions.RemoveEmptyEntries);
        // Ended: gone, or a zombie left to whoever reaps orphans here.
        bool Ended(string pid) => State(int.Parse(pid, CultureInfo.InvariantCulture)) is '?' or 'Z';
        Assert.True(Wait.Until(() => pids.All(Ended), W), "spares left after their parent exited: " + string.Join(' ', pids.Where(p => !Ended(p))));
        return (int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture));
    }

    /// <summary>
    /// MULTIPROC_PRESTART sets the pool size (0 turns it off); a value that is not a count leaves the default, 3. The
    /// pool fills to its size even past the cores: a booted spare sleeps in a read and is no load.
    /// </summary>
    [Theory]
    [InlineData(null, 3)]
    [InlineData("0", 0)]
    [InlineData("1", 1)]
    [InlineData("-2", 3)]
    [InlineData("many", 3)]
    public void MULTIPROC_PRESTART_sets_the_pool_size(string? value, int expected)
    {
        var (spares, _) = value is null ? SparesOf(expected) : SparesOf(expected, ("MULTIPROC_PRESTART", value));
        Assert.Equal(expected, spares);
    }

    /// <summary>On one core the parent is not counted as a busy core: else no spare would ever start there.</summary>
    [Fact]
    public void On_one_core_the_pool_still_fills()
    {
        var (spares, cores) = SparesOf(3, ("DOTNET_PROCESSOR_COUNT", "1"));
        Assert.Equal(1, cores);
        Assert.Equal(3, spares);
    }

    /// <summary>The pool full and every spare booted, with no top-up left to come from what ran before.</summary>
    internal static void FillAndSettle()
    {
        var warm = new ChildProcess(() => Targets.Noop());
        warm.Start();
        Wait.Joined(warm);
        Assert.True(Wait.Until(() => SparePool.Count >= SparePool.Size && SparePool.Booting == 0, W),
            $"{SparePool.Count} spares, {SparePool.Booting} still booting");
        Thread.Sleep(400); // past a delayed top-up scheduled by the warm-up's reap (it finds the pool full)
        Assert.True(SparePool.Count >= SparePool.Size && SparePool.Booting == 0, $"{SparePool.Count} spares, {SparePool.Booting} still booting");
    }

    /// <summary>Lets every child waiting on <paramref name="go"/> end, joins each and checks it exited cleanly.</summary>
    internal static void ReleaseAll(ProcessQueue<int> go, List<ChildProcess> kids)
    {
        for (var i = 0; i < kids.Count; i++) go.Put(i);
        foreach (var k in kids) Wait.Joined(k);
        Assert.All(kids, k => Assert.Equal(0, k.ExitCode));
    }

    /// <summary>The state letter of a process (R, S, Z …) from /proc/PID/stat; '?' once it is gone.</summary>
    internal static char State(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[stat.LastIndexOf(')') + 2];
        }
        catch (IOException)
        {
            return '?';
        }
    }

    /// <summary>
    /// A Start that took a spare does not top the pool up, not even after a while (the child and the parent need the
    /// cores first); the reap of that child does.
    /// </summary>
    [Fact]
    public void A_Start_that_took_a_spare_leaves_the_top_up_to_the_reap()
    {
        if (SparePool.Size == 0) return;
        FillAndSettle();
        var started = SparePool.Started;
        var taken = SparePool.Taken;
        var count = SparePool.Count;
        var p = new ChildProcess(() => Targets.Noop());
        p.Start();
        try
        {
            Assert.Equal(taken + 1, SparePool.Taken);
            // The child ends; it is not reaped (IsAlive, ExitCode or Join would reap it): a zombie.
            Assert.True(Wait.Until(() => State(p.Pid!.Value) == 'Z', W), $"the child is in state {State(p.Pid!.Value)}");
            Thread.Sleep(600);
            Assert.Equal(started, SparePool.Started);
            Assert.Equal(count - 1, SparePool.Count);

            Wait.Joined(p);
            Assert.True(Wait.Until(() => SparePool.Started > started, W), "the reap did not top the pool up");
        }
        finally
        {
            Wait.Cleanup(p);
        }
    }

    /// <summary>
    /// With more children than cores, all asleep (waiting for an item), a Join about to wait counts only the children in
    /// state R: spares start although more children are unreaped than there are cores; and each booted report starts the
    /// next one until the pool is full.
    /// </summary>
    [Fact]
    public void With_more_children_than_cores_asleep_a_Join_about_to_wait_starts_spares()
    {
        if (SparePool.Size == 0) return;
        FillAndSettle();
        var cores = Environment.ProcessorCount;
        using var go = new ProcessQueue<int>();
        var kids = new List<ChildProcess>();
        try
        {
            // Take every spare: a start that took one does not top up, and one that found the pool empty does only under
            // the count of unreaped children, which is past the cores here.
            var limit = cores + 3 * SparePool.Size + 4;
            while (kids.Count <= cores || SparePool.Count > 0)
            {
                Assert.True(kids.Count < limit, $"{SparePool.Count} spares left after {kids.Count} starts");
                var c = new ChildProcess(() => WaitForGo(go), $"asleep-{kids.Count}");
                c.Start();
                kids.Add(c);
            }
            Assert.True(Wait.Until(() => kids.All(k => State(k.Pid!.Value) == 'S'), W),
                "children not asleep: " + string.Join(' ', kids.Select(k => State(k.Pid!.Value))));
            var started = SparePool.Started;
            Thread.Sleep(300);
            Assert.Equal(started, SparePool.Started); // the parent works: nothing tops up

            Assert.False(kids[0].Join(TimeSpan.FromMilliseconds(100))); // about to wait: only children in state R count
            Assert.True(SparePool.Started > started, $"no spare started with {kids.Count} children asleep on {cores} cores");
            Assert.True(Wait.Until(() => SparePool.Count >= SparePool.Size && SparePool.Booting == 0, W),
                $"{SparePool.Count} spares, {SparePool.Booting} still booting: the booted reports did not fill the pool");

            ReleaseAll(go, kids);
        }
        finally
        {
            Wait.Cleanup([.. kids]);
        }
    }

    /// <summary>A pending JoinAsync holds no thread in a wait: the parent still counts as a busy core.</summary>
    [Fact]
    public async Task A_pending_JoinAsync_is_no_waiting_parent()
    {
        using var go = new ProcessQueue<int>();
        var c = new ChildProcess(() => WaitForGo(go), "awaited");
        c.Start();
        try
        {
            var before = SparePool.ParentWaiting;
            var joined = c.JoinAsync();
            Thread.Sleep(200);
            Assert.False(joined.IsCompleted);
            Assert.Equal(before, SparePool.ParentWaiting);
            go.Put(1);
            await joined.WaitAsync(W);
            Assert.Equal(before, SparePool.ParentWaiting);
        }
        finally
        {
            Wait.Cleanup([c]);
        }
    }

    /// <summary>
    /// A process pool's workers take spares without a top-up, and neither their reaps (a worker killed and replaced
    /// included) nor the pool's life tops the pool up; the pool's end does, a moment later.
    /// </summary>
    [Fact]
    public void A_process_pool_tops_the_spares_up_only_once_it_has_ended()
    {
        if (SparePool.Size == 0) return;
        FillAndSettle();
        var started = SparePool.Started;
        var pool = new ProcessPool(2);
        try
        {
            var items = Enumerable.Range(0, 1000).ToList();
            Assert.Equal(items.Select(x => x * x), Bounded.Run(() => pool.Map(items, x => PoolTargets.Square(x))));
            var victim = pool.WorkerPids[0];
            System.Diagnostics.Process.GetProcessById(victim).Kill();
            Assert.True(Wait.Until(() => pool.WorkerPids is { Count: 2 } w && !w.Contains(victim), W), "the killed worker was not replaced");
            Assert.Equal(items.Select(x => x * x), Bounded.Run(() => pool.Map(items, x => PoolTargets.Square(x))));
            Thread.Sleep(600);
            Assert.Equal(started, SparePool.Started);

            Bounded.Dispose(pool);
            Assert.True(Wait.Until(() => SparePool.Started > started, W), "the pool's end did not top the spares up");
            Assert.True(Wait.Until(() => SparePool.Count >= Wanted, W), $"{SparePool.Count} spares, {Wanted} wanted");
        }
        finally
        {
            Bounded.Dispose(pool);
        }
    }
}
