namespace Multiproc.Tests.Pool;

public class ProcessPoolTests
{
    [Fact]
    public void Map_returns_results_in_item_order()
    {
        var pool = new ProcessPool(2);
        try
        {
            var items = Enumerable.Range(0, 1000).ToList();
            Assert.Equal(items.Select(x => x * x), Bounded.Run(() => pool.Map(items, x => PoolTargets.Square(x))));
            Assert.Equal(items.Select(x => x + 7L), Bounded.Run(() => pool.Map(items, x => PoolTargets.Add(x, 7L), chunkSize: 3)));
        }
        finally
        {
            Bounded.Dispose(pool);
        }
    }

    [Fact]
    public void Calls_with_other_fixed_arguments_get_their_own_function_in_the_workers()
    {
        // A worker keeps a bound function across calls with the same spec: a different argument must not hit it.
        var pool = new ProcessPool(2);
        try
        {
            var items = Enumerable.Range(0, 50_000).ToList();
            var array = items.ToArray();
            for (var round = 0; round < 2; round++)
            {
                Assert.Equal(items.Select(x => x + 5L), Bounded.Run(() => pool.Map(items, x => PoolTargets.Add(x, 5L))));
                Assert.Equal(items.Select(x => x + 7L), Bounded.Run(() => pool.Map(items, x => PoolTargets.Add(x, 7L))));
                Assert.Equal(items.Select(x => x + 9L), Bounded.Run(() => pool.MapAsync(array, x => PoolTargets.Add(x, 9L)).GetAwaiter().GetResult()));
                Assert.Equal(items.Select(x => x * x), Bounded.Run(() => pool.Map(array, x => PoolTargets.Square(x))));
            }
        }
        finally
        {
            Bounded.Dispose(pool);
        }
    }

    [Fact]
    public void Map_of_0_1_and_100000_items()
    {
        var pool = new ProcessPool(2);
        try
        {
            Assert.Empty(Bounded.Run(() => pool.Map(Array.Empty<int>(), x => PoolTargets.Square(x))));
            Assert.Equal([49], Bounded.Run(() => pool.Map([7], x => PoolTargets.Square(x))));
            var many = Enumerable.Range(0, 100_000).ToArray();
            var results = Bounded.Run(() => pool.Map(many, x => PoolTargets.Square(x)));
            Assert.Equal(many.Length, results.Count);
            for (var i = 0; i < many.Length; i++) Assert.Equal(i * i, results[i]);
        }
        finally
        {
            Bounded.Dispose(pool);
        }
    }

    [Fact]
    public void Apply_runs_one_call_in_a_worker()
    {
        var pool = new ProcessPool(1);
        try
        {
            var name = "pool";
            Assert.Equal("hello pool", Bounded.Run(() => pool.Apply(() => PoolTargets.Hello(name))));
            var pid = Bounded.Run(() => pool.Apply(() => PoolTargets.Pid(0)));
            Assert.NotEqual(Environment.ProcessId, pid);
            Assert.Contains(pid, pool.WorkerPids);
            using var dir = new TempDir();
            var path = dir.File("touched");
            Assert.Null(Bounded.Outcome(pool.ApplyAsync(() => PoolTargets.Touch(path))));
            Assert.Equal("touched", File.ReadAllText(path));
        }
        finally
        {
            Bounded.Dispose(pool);
        }
    }

    [Fact]
    public void Items_and_results_of_1_MiB_and_json_items()
    {
        var pool = new ProcessPool(2);
        try
        {
            var rng = new Random(42);
            var items = Enumerable.Range(0, 4).Select(_ => { var b = new byte[1 << 20]; rng.NextBytes(b); return b; }).ToList();
            var results = Bounded.Run(() => pool.Map(items, b => PoolTargets.Reverse(b), chunkSize: 1));
            for (var i = 0; i < items.Count; i++) Assert.True(items[i].Reverse().SequenceEqual(results[i]), $"result {i} is not item {i} reversed");

            var shapes = new[] { new Shape("a", [1]), new Shape("b", [1, 2]) };
            var grown = Bounded.Run(() => pool.Map(shapes, s => PoolTargets.Grow(s)));
            Assert.Equal("a+", grown[0].Name);
            Assert.Equal([1, 2, 2], grown[1].Sides);
        }
        finally
        {
            Bounded.Dispose(pool);
        }
    }

    [Fact]
    public void Imap_yields_in_order_and_ImapUnordered_every_result_once()
    {
        var pool = new ProcessPool(2);
        try
        {
            var items = Enumerable.Range(0, 200).ToList();
            Assert.Equal(items.Select(x => x * x), Bounded.Run(() => pool.Imap(items, x => PoolTargets.Square(x)).ToList()));
            Assert.Equal(items.Select(x => x * x), Bounded.Run(() => pool.Imap(items, x => PoolTargets.Square(x), chunkSize: 7).ToList()));
            var unordered = Bounded.Run(() => pool.ImapUnordered(items, x => PoolTargets.Square(x), chunkSize: 3).ToList());
            Assert.Equal(items.Select(x => x * x), unordered.Order());
            var sleepy = Bounded.Run(() => pool.ImapUnordered([200, 0, 0, 0], x => PoolTargets.SleepFor(x)).ToList());
            Assert.Equal([0, 0, 0, 200], sleepy.Order());
        }
        finally
        {
            Bounded.Dispose(pool);
        }
    }

    [Fact]
    public void MaxTasksPerChild_1_runs_every_task_in_a_new_process()
    {
        var pool = new ProcessPool(2, maxTasksPerChild: 1);
        try
        {
            var pids = Bounded.Run(() => pool.Map(Enumerable.Range(0, 5), x => PoolTargets.Pid(x), chunkSize: 1));
            Assert.Equal(5, pids.Distinct().Count());
            Assert.DoesNotContain(Environment.ProcessId, pids);
            Assert.Equal([1, 4], Bounded.Run(() => pool.Map([1, 2], x => PoolTargets.Square(x))));
        }
        finally
        {
            Bounded.Dispose(pool);
        }
    }

    [Fact]
    public void Two_threads_use_one_pool_at_once()
    {
        var pool = new ProcessPool(2);
        try
        {
            var items = Enumerable.Range(0, 500).ToArray();
            var a = Task.Run(() =>
            {
                for (var i = 0; i < 10; i++) Assert.Equal(items.Select(x => x * x), pool.Map(items, x => PoolTargets.Square(x), chunkSize: 16));
            });
            var b = Task.Run(() =>
            {
                for (var i = 0; i < 10; i++) Assert.Equal(items.Select(x => x + (long)i), pool.Imap(items, x => PoolTargets.Add(x, i), chunkSize: 16).ToList());
            });
            Assert.Null(Bounded.Outcome(Task.WhenAll(a, b)));
        }
        finally
        {
            Bounded.Dispose(pool);
        }
    }

    [Fact]
    public void Close_lets_queued_tasks_finish_and_Join_waits_for_the_workers()
    {
        var pool = new ProcessPool(2);
        var pids = pool.WorkerPids;
        var pending = pool.MapAsync(Enumerable.Range(0, 8), x => PoolTargets.Sleep(x, 50), chunkSize: 1);
        Assert.Throws<InvalidOperationException>(() => pool.Join());
        pool.Close();
        Assert.Throws<InvalidOperationException>(() => pool.Map([1], x => PoolTargets.Square(x)));
        Assert.IsType<InvalidOperationException>(Bounded.ThrownAtCall(() => pool.ApplyAsync(() => PoolTargets.Square(1))));
        Bounded.Run(pool.Join);
        Assert.Null(Bounded.Outcome(pending));
        Assert.Equal(Enumerable.Range(0, 8), pending.Result);
        Assert.All(pids, pid => Assert.True(Bounded.ProcessGone(pid), $"worker {pid} is still there"));
        Bounded.Dispose(pool);
        Assert.Throws<ObjectDisposedException>(() => pool.Map([1], x => PoolTargets.Square(x))); // an InvalidOperationException too
    }

    [Fact]
    public void Functions_that_cannot_run_in_a_worker_are_rejected_at_the_call()
    {
        var pool = new ProcessPool(1);
        try
        {
            var e1 = Assert.Throws<ArgumentException>(() => pool.Map([1], x => x * 2));
            Assert.Contains("one method call", e1.Message);
            var e2 = Assert.Throws<ArgumentException>(() => pool.Map([1], x => PoolTargets.Square(x + 1)));
            Assert.Contains("computed from the item", e2.Message);
            var e3 = Assert.Throws<ArgumentException>(() => pool.Map([1], x => PoolTargets.Generic<string>(x)));
            Assert.Contains("generic", e3.Message);
            var gate = new object();
            var e4 = Assert.Throws<ArgumentException>(() => pool.Apply(() => Unsendable(gate)));
            Assert.Contains("'gate'", e4.Message);
            var e5 = Assert.Throws<ArgumentException>(() => pool.Map([1], x => PoolTargets.Add(7, 1)));
            Assert.Contains("does not pass the item", e5.Message);
            Assert.Throws<ArgumentOutOfRangeException>(() => pool.Imap([1], x => PoolTargets.Square(x), chunkSize: 0));
            Assert.Equal([4], Bounded.Run(() => pool.Map([2], x => PoolTargets.Square(x))));
        }
        finally
        {
            Bounded.Dispose(pool);
        }
    }

    public static int Unsendable(object gate) => gate.GetHashCode();
}
