using System.Globalization;
using Multiproc;

/// <summary>
/// "pool-many N": N live pools in one process, each mapping, with workers SIGKILLed in some of them mid-task.
/// The pools must not hold a thread each (their workers' exits are watched by the process's one exit watcher).
/// </summary>
public static class ManyPoolsScenario
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(180);

    /// <summary>
    /// After a warm-up pool (started, mapped on, disposed), starts N pools of one worker and maps on each; SIGKILLs
    /// the worker of every tenth pool in a task (that task must fail with WorkerDiedException, exit code −9, and the
    /// pool must map again on a new worker); maps on every pool again; disposes half with DisposeAsync (all at once)
    /// and half with Dispose (one after the other). A thread samples the thread count meanwhile. Prints
    /// "threads before=B live=L peak=P pools=N",
    /// "killed=K reported=R", "mapped", "disposed"; a non-zero exit code names the step that failed.
    /// </summary>
    public static int Run(int n, string dir)
    {
        using (var warm = new ProcessPool(1))
        {
            if (!Same(warm.MapAsync(Enumerable.Range(0, 10), x => Scenarios.Twice(x)), 10)) return 10;
        }
        Thread.Sleep(200);
        var sampler = new ThreadSampler();
        var before = sampler.Before;

        var pools = new List<ProcessPool>();
        try
        {
            for (var i = 0; i < n; i++) pools.Add(new ProcessPool(1));
            var maps = pools.Select(p => p.MapAsync(Enumerable.Range(0, 100), x => Scenarios.Twice(x), chunkSize: 10)).ToList();
            if (!maps.All(m => Same(m, 100))) return 11;
            var pids = pools.SelectMany(p => p.WorkerPids).ToList();
            var live = ThreadSampler.Count();

            // Every tenth pool: a worker killed in its task.
            var killed = 0;
            var reported = 0;
            var victims = Enumerable.Range(0, n).Where(i => i % 10 == 0).ToList();
            var blocked = victims.Select(i => pools[i].ApplyAsync(() => PidAndSleep(Path.Combine(dir, "pid" + i), 600_000))).ToList();
            for (var k = 0; k < victims.Count; k++)
            {
                var path = Path.Combine(dir, "pid" + victims[k]);
                var deadline = DateTime.UtcNow + Bound;
                while (!File.Exists(path) || new FileInfo(path).Length == 0)
                {
                    if (DateTime.UtcNow > deadline) return 12;
                    Thread.Sleep(10);
                }
                var pid = int.Parse(File.ReadAllText(path), CultureInfo.InvariantCulture);
                System.Diagnostics.Process.GetProcessById(pid).Kill();
                killed++;
            }
            foreach (var t in blocked)
            {
                try
                {
                    if (!t.Wait(Bound)) return 13;
                    Console.WriteLine("a task whose worker was killed completed");
                }
                catch (AggregateException e) when (e.InnerException is WorkerDiedException { ExitCode: -9 })
                {
                    reported++;
                }
            }
            Console.WriteLine($"killed={killed} reported={reported}");

            // Every pool maps again, the killed ones on their new workers; each result comes once, in order.
            var again = pools.Select(p => p.MapAsync(Enumerable.Range(0, 1000), x => Scenarios.Twice(x))).ToList();
            if (!again.All(m => Same(m, 1000))) return 14;
            foreach (var i in victims)
                if (pools[i].WorkerPids.Count != 1 || pids.Contains(pools[i].WorkerPids[0])) return 15;
            Console.WriteLine("mapped");
            pids.AddRange(pools.SelectMany(p => p.WorkerPids));

            // Half at once without a thread, the other half one after the other on this thread.
            var disposals = pools.Where((_, i) => i % 2 == 0).Select(p => p.DisposeAsync().AsTask()).ToArray();
            foreach (var p in pools.Where((_, i) => i % 2 == 1)) p.Dispose();
            if (!Task.WhenAll(disposals).Wait(Bound)) return 16;
            sampler.Dispose();
            Console.WriteLine($"threads before={before} live={live} peak={sampler.Peak} pools={n}");
            var left = Scenarios.NotReaped(pids);
            if (left.Count > 0)
            {
                Console.WriteLine("workers left: " + string.Join(' ', left));
                return 17;
            }
            Console.WriteLine("disposed");
            return 0;
        }
        finally
        {
            sampler.Dispose();
            foreach (var p in pools) p.Dispose();
        }
    }

    /// <summary>Writes this worker's pid to <paramref name="path"/>, then sleeps.</summary>
    public static int PidAndSleep(string path, int ms)
    {
        File.WriteAllText(path + ".tmp", Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
        File.Move(path + ".tmp", path);
        Thread.Sleep(ms);
        return 0;
    }

    private static bool Same(Task<List<int>> map, int count) =>
        map.Wait(Bound) && map.Result.SequenceEqual(Enumerable.Range(0, count).Select(x => 2 * x));
}
