using Multiproc;

// A root process for tests that need one of their own (the test host is itself a run):
// exit behaviour, a parent killed outright, run-directory cleanup.
// Usage: Multiproc.TestApp <scenario> [args]
return args.Length == 0 ? 2 : Scenarios.Run(args[0], args[1..]);

public static class Scenarios
{
    public static int Run(string name, string[] args)
    {
        switch (name)
        {
            case "pipe-churn":
                return PipeChurn(int.Parse(args[0]));
            case "hello":
            {
                var p = new ChildProcess(() => Hello("world"));
                p.Start();
                p.Join();
                Console.WriteLine($"parent: exit={p.ExitCode} pid={p.Pid}");
                return 0;
            }
            case "term":
            {
                var p = new ChildProcess(() => Sleep(10_000));
                p.Start();
                Thread.Sleep(300);
                p.Terminate();
                p.Join();
                Console.WriteLine($"term exit={p.ExitCode}");
                var k = new ChildProcess(() => Sleep(10_000));
                k.Start();
                k.Kill();
                k.Join();
                Console.WriteLine($"kill exit={k.ExitCode}");
                var t = new ChildProcess(() => Throw());
                t.Start();
                t.Join();
                Console.WriteLine($"throw exit={t.ExitCode}");
                return 0;
            }
            case "exit-joins":
            {
                // Returns from Main with a non-daemon child running (it must be joined) and a daemon (it must be terminated).
                var file = args[0];
                var nd = new ChildProcess(() => WriteAfter(file, 500, "non-daemon done"));
                nd.Start();
                var d = new ChildProcess(() => WriteAfter(file + ".daemon", 5_000, "daemon done")) { Daemon = true };
                d.Start();
                Console.WriteLine($"children {nd.Pid} {d.Pid}");
                return 0;
            }
            case "daemon-then-wait":
            {
                // Prints the daemon's pid, then waits to be killed.
                var d = new ChildProcess(() => Sleep(60_000)) { Daemon = true };
                d.Start();
                Console.WriteLine($"daemon {d.Pid}");
                Console.Out.Flush();
                Thread.Sleep(60_000);
                return 0;
            }
            case "lock-then-wait":
            {
                var lk = new ProcessLock();
                lk.Acquire();
                Console.WriteLine($"run {Environment.GetEnvironmentVariable("MULTIPROC_SHM_ROOT")}");
                Console.Out.Flush();
                Thread.Sleep(60_000);
                return 0;
            }
            case "run-dir":
            {
                using var lk = new ProcessLock();
                var p = new ChildProcess(() => Hello("run-dir"));
                p.Start();
                p.Join();
                return 0;
            }
            case "churn":
            {
                // Creates, uses and disposes N primitives of each kind with one of each kept live, then lists
                // the run directory: only the live ones' files must be left.
                var n = int.Parse(args[0]);
                using var liveLock = new ProcessLock();
                using var liveQueue = new ProcessQueue<int>();
                using var liveJoinable = new JoinableQueue<int>();
                liveQueue.Put(1);
                var sw = System.Diagnostics.Stopwatch.StartNew();
                for (var i = 0; i < n; i++)
                {
                    using (var lk = new ProcessLock())
                    using (lk.Hold()) { }
                    using (var q = new ProcessQueue<int>())
                    {
                        q.Put(i);
                        if (q.Get() != i) throw new InvalidOperationException("queue lost an item");
                    }
                    using (var j = new JoinableQueue<int>())
                    {
                        j.Put(i);
                        j.Get();
                        j.TaskDone();
                        j.Join();
                    }
                }
                var seconds = sw.Elapsed.TotalSeconds;
                var baseDir = Directory.GetDirectories(Environment.GetEnvironmentVariable("MULTIPROC_SHM_ROOT")!).Single();
                var run = Directory.GetDirectories(baseDir).Single();
                var files = Directory.GetFiles(run).Select(Path.GetFileName).Where(f => !f!.StartsWith('.')).OrderBy(f => f).ToArray();
                Console.WriteLine($"churn {n} files={files.Length} seconds={seconds:F1}");
                foreach (var f in files) Console.WriteLine(f);
                return 0;
            }
            case "pool-dispose-async":
                return PoolDisposeAsync(int.Parse(args[0]));
            case "pool-many":
                return ManyPoolsScenario.Run(int.Parse(args[0]), args[1]);
            case "spare-count":
                return SpareCountScenario.Run(int.Parse(args[0]));
            default:
                Console.Error.WriteLine("unknown scenario " + name);
                return 2;
        }
    }

    public static int Twice(int x) => 2 * x;

    /// <summary>
    /// The processes among <paramref name="pids"/> still there (running, or ended and not reaped) after up to 30 s:
    /// a joined child is reaped a little after its exit (ZombieReaper), so this waits for the reaps.
    /// </summary>
    internal static List<int> NotReaped(IEnumerable<int> pids)
    {
        var deadline = Environment.TickCount64 + 30_000;
        while (true)
        {
            var left = pids.Where(pid => Directory.Exists("/proc/" + pid)).ToList();
            if (left.Count == 0 || Environment.TickCount64 > deadline) return left;
            Thread.Sleep(20);
        }
    }

    /// <summary>
    /// With the thread pool capped at the number of cores, starts N pools of one worker, has each run a task, then
    /// disposes all of them at once with DisposeAsync, sampling the process's threads meanwhile from a thread of its own.
    /// Prints "threads before=B peak=P after=A", then "disposed" once every DisposeAsync completed (within 120 s), and
    /// "twice" when a second DisposeAsync and Dispose of each return at once. A DisposeAsync that parked a thread-pool
    /// thread per pool would starve the pools' own readers here.
    /// </summary>
    private static int PoolDisposeAsync(int n)
    {
        var cores = Environment.ProcessorCount;
        if (!ThreadPool.SetMinThreads(1, 1) || !ThreadPool.SetMaxThreads(cores, cores))
        {
            Console.Error.WriteLine("could not cap the thread pool");
            return 3;
        }
        var pools = new List<ProcessPool>();
        for (var i = 0; i < n; i++) pools.Add(new ProcessPool(1));
        var results = pools.Select((p, i) => p.ApplyAsync(() => Twice(i))).ToArray();
        if (!Task.WhenAll(results).Wait(TimeSpan.FromSeconds(180)))
        {
            Console.Error.WriteLine("the pools' tasks did not finish");
            return 4;
        }
        var pids = pools.SelectMany(p => p.WorkerPids).ToList();
        Thread.Sleep(200);
        var sampler = new ThreadSampler();
        var before = sampler.Before;
        var disposals = pools.Select(p => p.DisposeAsync().AsTask()).ToArray();
        var done = Task.WhenAll(disposals).Wait(TimeSpan.FromSeconds(120));
        sampler.Dispose();
        var after = ThreadSampler.Count();
        Console.WriteLine($"threads before={before} peak={sampler.Peak} after={after} pools={n}");
        if (!done) return 5;
        Console.WriteLine("disposed");
        var left = NotReaped(pids);
        if (left.Count > 0)
        {
            Console.WriteLine("workers left: " + string.Join(' ', left));
            return 6;
        }
        foreach (var p in pools)
        {
            if (!p.DisposeAsync().IsCompleted) return 7;
            p.Dispose();
        }
        Console.WriteLine("twice");
        return 0;
    }

    /// <summary>
    /// Creates, uses (a round trip each way) and closes N pipes with one kept live, then lists the run directory:
    /// only the live pipe's segment must be left, and only it mapped.
    /// </summary>
    private static int PipeChurn(int n)
    {
        var (liveLeft, liveRight) = ProcessPipe.Create<int>();
        liveLeft.Send(1);
        var sw = System.Diagnostics.Stopwatch.StartNew();
        for (var i = 0; i < n; i++)
        {
            var (a, b) = ProcessPipe.Create<int>();
            a.Send(i);
            if (b.Receive() != i) throw new InvalidOperationException("pipe lost an item");
            b.Send(-i);
            if (a.Receive() != -i) throw new InvalidOperationException("pipe lost an item");
            a.Close();
            b.Dispose();
        }
        var seconds = sw.Elapsed.TotalSeconds;
        var baseDir = Directory.GetDirectories(Environment.GetEnvironmentVariable("MULTIPROC_SHM_ROOT")!).Single();
        var run = Directory.GetDirectories(baseDir).Single();
        var files = Directory.GetFiles(run).Select(Path.GetFileName).Where(f => !f!.StartsWith('.')).OrderBy(f => f).ToArray();
        var maps = File.ReadLines("/proc/self/maps").Count(l => l.Contains(run, StringComparison.Ordinal) && l.Contains("/pipe-", StringComparison.Ordinal));
        Console.WriteLine($"pipe-churn {n} files={files.Length} mapped={maps} seconds={seconds:F1}");
        foreach (var f in files) Console.WriteLine(f);
        if (liveRight.Receive() != 1) throw new InvalidOperationException("the live pipe lost its item");
        liveLeft.Close();
        liveRight.Close();
        return 0;
    }

    public static void Hello(string who) => Console.WriteLine(
        $"child {Environment.ProcessId} says hello {who}, current={ChildProcess.Current?.Name}, entry={System.Reflection.Assembly.GetEntryAssembly()?.GetName().Name}");

    public static void Sleep(int ms) => Thread.Sleep(ms);

    public static void Throw() => throw new InvalidOperationException("boom in child");

    public static void WriteAfter(string file, int ms, string text)
    {
        Thread.Sleep(ms);
        File.WriteAllText(file, text);
    }
}
