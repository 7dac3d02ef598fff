namespace Multiproc.Tests.Pool;

public class PoolFaultTests
{
    [Fact]
    public void A_task_that_throws_fails_with_the_workers_exception_as_text()
    {
        var pool = new ProcessPool(2);
        try
        {
            var e = Assert.Throws<RemoteTaskException>(() => Bounded.Run(() => pool.Map(Enumerable.Range(0, 100), x => PoolTargets.ThrowOn(x, 42), chunkSize: 10)));
            Assert.Equal("System.InvalidOperationException", e.RemoteType);
            Assert.Equal("bad item 42", e.RemoteMessage);
            Assert.Contains("ThrowOn", e.RemoteStackTrace);
            var apply = Bounded.Outcome(pool.ApplyAsync(() => PoolTargets.ThrowOn(1, 1)));
            Assert.IsType<RemoteTaskException>(apply);
            var seen = new List<int>();
            var imap = Assert.Throws<RemoteTaskException>(() => Bounded.Run(() =>
            {
                foreach (var r in pool.Imap(Enumerable.Range(0, 10), x => PoolTargets.ThrowOn(x, 5))) seen.Add(r);
                return 0;
            }));
            Assert.Equal([0, 1, 2, 3, 4], seen);
            Assert.Equal("bad item 5", imap.RemoteMessage);
            Assert.Equal([9], Bounded.Run(() => pool.Map([3], x => PoolTargets.Square(x))));
        }
        finally
        {
            Bounded.Dispose(pool);
        }
    }

    [Fact]
    public void A_worker_killed_in_a_task_fails_that_task_and_the_pool_carries_on()
    {
        using var dir = new TempDir();
        var pool = new ProcessPool(2);
        try
        {
            var path = dir.File("pid");
            var blocked = pool.ApplyAsync(() => PoolTargets.ReportAndSleep(path, 600_000));
            Assert.True(Wait.Until(() => File.Exists(path), Wait.Long), "the task did not start");
            var pid = int.Parse(File.ReadAllText(path), System.Globalization.CultureInfo.InvariantCulture);
            Assert.Contains(pid, pool.WorkerPids);
            System.Diagnostics.Process.GetProcessById(pid).Kill();
            var died = Assert.IsType<WorkerDiedException>(Bounded.Outcome(blocked));
            Assert.Equal(-9, died.ExitCode);

            var items = Enumerable.Range(0, 300).ToList();
            Assert.Equal(items.Select(x => x * x), Bounded.Run(() => pool.Map(items, x => PoolTargets.Square(x))));
            Assert.True(Wait.Until(() => pool.WorkerPids.Count == 2, Wait.Long));
            Assert.DoesNotContain(pid, pool.WorkerPids);
        }
        finally
        {
            Bounded.Dispose(pool);
        }
    }

    [Fact]
    public void A_worker_that_exits_in_a_task_fails_only_that_task()
    {
        var pool = new ProcessPool(2);
        try
        {
            var tasks = Enumerable.Range(0, 40).Select(i => pool.ApplyAsync(() => PoolTargets.ExitOn(i, 17))).ToList();
            for (var i = 0; i < tasks.Count; i++)
            {
                var outcome = Bounded.Outcome(tasks[i]);
                if (i == 17)
                {
                    Assert.Equal(3, Assert.IsType<WorkerDiedException>(outcome).ExitCode);
                }
                else
                {
                    Assert.Null(outcome);
                    Assert.Equal(i * 2, tasks[i].Result);
                }
            }
            var e = Assert.Throws<WorkerDiedException>(() => Bounded.Run(() => pool.Map(Enumerable.Range(0, 50), x => PoolTargets.ExitOn(x, 30), chunkSize: 5)));
            Assert.Equal(3, e.ExitCode);
            Assert.Equal([0, 2], Bounded.Run(() => pool.Map([0, 1], x => PoolTargets.ExitOn(x, -1))));
        }
        finally
        {
            Bounded.Dispose(pool);
        }
    }

    [Fact]
    public void MapAsync_is_cancelled_at_once_and_the_pool_goes_on()
    {
        var pool = new ProcessPool(2);
        try
        {
            using var cts = new CancellationTokenSource();
            var slow = pool.MapAsync(Enumerable.Range(0, 40), x => PoolTargets.Sleep(x, 200), chunkSize: 1, cancellationToken: cts.Token);
            Thread.Sleep(100);
            cts.Cancel();
            Assert.IsAssignableFrom<OperationCanceledException>(Bounded.Outcome(slow));
            Assert.True(slow.IsCanceled);
            Assert.Equal([1, 4, 9], Bounded.Run(() => pool.Map([1, 2, 3], x => PoolTargets.Square(x))));
            var already = pool.MapAsync([1], x => PoolTargets.Square(x), cancellationToken: cts.Token);
            Assert.True(already.IsCanceled);
        }
        finally
        {
            Bounded.Dispose(pool);
        }
    }

    [Fact]
    public async Task Dispose_while_tasks_run_ends_every_worker()
    {
        var pool = new ProcessPool(2);
        var pids = pool.WorkerPids.ToList();
        Assert.Equal(2, pids.Count);
        var running = pool.MapAsync(Enumerable.Range(0, 10), x => PoolTargets.Sleep(x, 600_000), chunkSize: 1);
        var applied = pool.ApplyAsync(() => PoolTargets.Sleep(1, 600_000));
        Thread.Sleep(200);
        await pool.DisposeAsync().AsTask().WaitAsync(Wait.Long);
        // ObjectDisposedException (an InvalidOperationException) for the tasks Dispose did not let finish, and after it.
        Assert.IsType<ObjectDisposedException>(Bounded.Outcome(running));
        Assert.IsType<ObjectDisposedException>(Bounded.Outcome(applied));
        Assert.All(pids, pid => Assert.True(Bounded.ProcessGone(pid), $"worker {pid} was left behind"));
        Assert.IsType<ObjectDisposedException>(Bounded.ThrownAtCall(() => pool.ApplyAsync(() => PoolTargets.Square(1))));
        Assert.Throws<ObjectDisposedException>(() => pool.Join());
        pool.Dispose(); // twice: nothing
    }
}
