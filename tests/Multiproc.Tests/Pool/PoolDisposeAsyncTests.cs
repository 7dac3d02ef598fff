using System.Globalization;
using System.Text.RegularExpressions;

namespace Multiproc.Tests.Pool;

/// <summary>ProcessPool.DisposeAsync awaits the workers' exits without holding a thread.</summary>
public class PoolDisposeAsyncTests
{
    [Fact]
    public void Fifty_pools_disposed_at_once_under_a_capped_thread_pool_all_end_and_hold_few_threads()
    {
        using var root = new TempDir();
        var (code, stdout, stderr) = TestApp.Run(root.Path, TimeSpan.FromMinutes(10), "pool-dispose-async", "50");
        Console.WriteLine(stdout);
        Assert.True(code == 0, $"exit {code}: {stdout} {stderr}");
        Assert.Contains("disposed", stdout);
        Assert.Contains("twice", stdout);
        var m = Regex.Match(stdout, @"threads before=(\d+) peak=(\d+) after=(\d+)");
        Assert.True(m.Success, stdout);
        var before = int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
        var peak = int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture);
        var after = int.Parse(m.Groups[3].Value, CultureInfo.InvariantCulture);
        // The exit watcher and a timer thread at most come in. The 50 live pools hold no thread each (their workers'
        // exits are watched by the process's one exit watcher), and the disposals leave none behind.
        Assert.True(peak - before <= 8, stdout);
        Assert.True(before < 50, stdout);
        Assert.True(after <= before + 4, stdout);
    }

    [Fact]
    public async Task A_pool_whose_workers_were_SIGKILLed_still_disposes_and_a_second_dispose_does_nothing()
    {
        using var dir = new TempDir();
        var pool = new ProcessPool(2);
        var pids = new HashSet<int>();
        try
        {
            // One worker killed and replaced before the disposal, the other killed just before it.
            var path = dir.File("pid");
            var blocked = pool.ApplyAsync(() => PoolTargets.ReportAndSleep(path, 600_000));
            Assert.True(Wait.Until(() => File.Exists(path), Wait.Long), "the task did not start");
            var first = int.Parse(File.ReadAllText(path), CultureInfo.InvariantCulture);
            pids.UnionWith(pool.WorkerPids);
            System.Diagnostics.Process.GetProcessById(first).Kill();
            Assert.IsType<WorkerDiedException>(Bounded.Outcome(blocked));
            Assert.True(Wait.Until(() => pool.WorkerPids is { Count: 2 } w && !w.Contains(first), Wait.Long), "the killed worker was not replaced");
            pids.UnionWith(pool.WorkerPids);
            var second = pool.WorkerPids[0];
            var pending = pool.ApplyAsync(() => PoolTargets.SleepFor(600_000));
            System.Diagnostics.Process.GetProcessById(second).Kill();
            await pool.DisposeAsync().AsTask().WaitAsync(Wait.Long);

            Assert.True(Bounded.Outcome(pending) is ObjectDisposedException or WorkerDiedException);
            Assert.All(pids, pid => Assert.True(Bounded.ProcessGone(pid), $"worker {pid} was left behind"));
            Assert.True(pool.DisposeAsync().IsCompleted);
            pool.Dispose();
            Assert.Throws<ObjectDisposedException>(() => pool.WorkerPids);
            Assert.IsType<ObjectDisposedException>(Bounded.ThrownAtCall(() => pool.ApplyAsync(() => PoolTargets.Square(1))));
        }
        finally
        {
            Bounded.Dispose(pool);
        }
    }

    [Fact]
    public async Task DisposeAsync_during_a_synchronous_Join_ends_both()
    {
        var pool = new ProcessPool(2);
        try
        {
            var pids = pool.WorkerPids.ToList();
            var slow = pool.ApplyAsync(() => PoolTargets.SleepFor(600_000));
            pool.Close();
            // On a thread of its own, and known to be running before the dispose: a thread-pool task could start after
            // the dispose under load, and its Join would then (rightly) throw ObjectDisposedException.
            using var joining = new ManualResetEventSlim();
            var join = Task.Factory.StartNew(() => { joining.Set(); pool.Join(); }, TaskCreationOptions.LongRunning);
            Assert.True(joining.Wait(Wait.Long), "the joining thread did not start");
            Thread.Sleep(200);
            Assert.False(join.IsCompleted);
            await pool.DisposeAsync().AsTask().WaitAsync(Wait.Long);
            await join.WaitAsync(Wait.Long);
            Assert.IsType<ObjectDisposedException>(Bounded.Outcome(slow));
            Assert.All(pids, pid => Assert.True(Bounded.ProcessGone(pid), $"worker {pid} was left behind"));
        }
        finally
        {
            Bounded.Dispose(pool);
        }
    }

    [Fact]
    public async Task DisposeAsync_after_Close_and_Join_completes_with_the_results_kept()
    {
        var pool = new ProcessPool(2);
        try
        {
            var squares = pool.MapAsync(Enumerable.Range(0, 100), x => PoolTargets.Square(x), chunkSize: 7);
            pool.Close();
            Bounded.Run(pool.Join);
            await pool.DisposeAsync().AsTask().WaitAsync(Wait.Long);
            Assert.Equal(Enumerable.Range(0, 100).Select(x => x * x), await squares.WaitAsync(Wait.Long));
        }
        finally
        {
            Bounded.Dispose(pool);
        }
    }
}
