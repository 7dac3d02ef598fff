using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using Multiproc;

namespace Multiproc.Bench;

/// <summary>
/// The pool workloads of ../shared/bench/python_baseline.py, with the same names and sizes:
/// pool_map_small (a started pool of 2 maps x * x over 200,000 ints, default chunk size) and
/// pool_start_map (create a pool of 2, map 1,000 tiny tasks, dispose).
/// </summary>
/// <remarks>
/// MULTIPROC_POOL_PROFILE=N makes pool_map_small repeat its map N more times and print, per map, the wall
/// time and the CPU time of the parent (getrusage: every thread) and of the workers' main threads (/proc schedstat), in ns per item, to stderr:
/// CPU figures hold on a loaded machine, where wall times do not.
/// </remarks>
public static class PoolWorkloads
{
    public static int Square(int x) => x * x;

    public static int Add(int x, int y) => x + y;

    public static int AddFirst(int y, int x) => x + y;

    public static int Sum4(int a, int b, int x, int c) => a + b + x + c;

    /// <summary>
    /// <c>--pool-bind N</c>: what a function that is not a bare one-argument static call costs per item. A started pool of 2
    /// maps N ints with <c>x =&gt; Square(x)</c>, <c>x =&gt; Add(x, 7)</c>, <c>x =&gt; AddFirst(seven, x)</c> and
    /// <c>x =&gt; Sum4(1, 2, x, 3)</c> (compiled after the first items), 5 times each,
    /// interleaved, and prints per function the median CPU of the workers' main threads and the wall time, in ns per item.
    /// </summary>
    public static int PoolBind(int n)
    {
        var items = Enumerable.Range(0, n).ToList();
        using var pool = new ProcessPool(2);
        var pids = pool.WorkerPids;
        var seven = 7;
        var functions = new (string Name, Func<List<int>> Run)[]
        {
            ("Square(x)", () => pool.Map(items, x => Square(x))),
            ("Add(x, 7)", () => pool.Map(items, x => Add(x, 7))),
            ("AddFirst(seven, x)", () => pool.Map(items, x => AddFirst(seven, x))),
            ("Sum4(1, 2, x, 3)", () => pool.Map(items, x => Sum4(1, 2, x, 3))),
        };
        foreach (var (_, run) in functions) run(); // warm
        var cpu = functions.Select(_ => new List<double>()).ToArray();
        var wall = functions.Select(_ => new List<double>()).ToArray();
        for (var r = 0; r < 5; r++)
        {
            for (var f = 0; f < functions.Length; f++)
            {
                var w0 = pids.Sum(MainThreadCpuNs);
                var t0 = Stopwatch.GetTimestamp();
                var results = functions[f].Run();
                wall[f].Add(Stopwatch.GetElapsedTime(t0).TotalNanoseconds / n);
                cpu[f].Add((pids.Sum(MainThreadCpuNs) - w0) / (double)n);
                if (results.Count != n) throw new InvalidOperationException("wrong result count");
            }
        }
        static double Median(List<double> v) => v.Order().ElementAt(v.Count / 2);
        for (var f = 0; f < functions.Length; f++)
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{functions[f].Name,-20} workers cpu {Median(cpu[f]),7:F1} ns/item (range {cpu[f].Min():F1}-{cpu[f].Max():F1}), wall {Median(wall[f]),7:F1} ns/item"));
        return 0;
    }

    public static void PoolMapSmall(bool quick)
    {
        var n = quick ? 20_000 : 200_000;
        var items = Enumerable.Range(0, n).ToList();
        using var pool = new ProcessPool(2);
        pool.Map(Enumerable.Range(0, 4), x => Square(x)); // the workers are up
        var pids = pool.WorkerPids;
        var p0 = SelfCpuNs();
        var w0 = pids.Sum(MainThreadCpuNs);
        var sw = Stopwatch.StartNew();
        var results = pool.Map(items, x => Square(x));
        var dt = sw.Elapsed.TotalSeconds;
        // CPU time of the map (the parent's threads, the workers' main threads): holds on a loaded machine, where wall time does not.
        var parentCpu = (SelfCpuNs() - p0) / 1e6;
        var workersCpu = (pids.Sum(MainThreadCpuNs) - w0) / 1e6;
        global::Bench.Emit("pool_map_small", n, dt, ("correct", results[^1] == (n - 1) * (n - 1)),
            ("parent_cpu_ms", Math.Round(parentCpu, 2)), ("workers_cpu_ms", Math.Round(workersCpu, 2)));
        if (int.TryParse(Environment.GetEnvironmentVariable("MULTIPROC_POOL_PROFILE"), out var repeats))
            Profile(pool, items, repeats);
    }

    private static void Profile(ProcessPool pool, List<int> items, int repeats)
    {
        var pids = pool.WorkerPids;
        var n = items.Count;
        var walls = new List<double>();
        var parents = new List<double>();
        var workers = new List<double>();
        for (var r = 0; r < repeats; r++)
        {
            var p0 = SelfCpuNs();
            var w0 = pids.Sum(MainThreadCpuNs);
            var t0 = Stopwatch.GetTimestamp();
            pool.Map(items, x => Square(x));
            var wall = Stopwatch.GetElapsedTime(t0).TotalNanoseconds / n;
            var parent = (SelfCpuNs() - p0) / (double)n;
            var worker = (pids.Sum(MainThreadCpuNs) - w0) / (double)n;
            walls.Add(wall);
            parents.Add(parent);
            workers.Add(worker);
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"map {r}: wall {wall:F1} ns/item ({1e3 / wall:F2} M items/s), parent cpu {parent:F1} ns/item, workers cpu {worker:F1} ns/item"));
        }
        static double Median(List<double> v) => v.Order().ElementAt(v.Count / 2);
        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"median: wall {Median(walls):F1} ns/item, parent cpu {Median(parents):F1}, workers cpu {Median(workers):F1}"));
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct RUsage
    {
        public long UserSec, UserUsec, SysSec, SysUsec;
        public long Rest0, Rest1, Rest2, Rest3, Rest4, Rest5, Rest6, Rest7, Rest8, Rest9, Rest10, Rest11, Rest12, Rest13;
    }

    [DllImport("libc", EntryPoint = "getrusage")]
    private static extern int GetRUsage(int who, out RUsage usage);

    /// <summary>CPU time of this whole process (every thread), in ns.</summary>
    private static long SelfCpuNs()
    {
        GetRUsage(0, out var u);
        return (u.UserSec + u.SysSec) * 1_000_000_000 + (u.UserUsec + u.SysUsec) * 1000;
    }

    /// <summary>CPU time of a process's main thread (a pool worker does its work there), in ns: /proc/pid/schedstat.</summary>
    private static long MainThreadCpuNs(int pid)
    {
        Span<byte> buf = stackalloc byte[128];
        using var h = File.OpenHandle($"/proc/{pid}/schedstat", FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        var n = RandomAccess.Read(h, buf, 0);
        var text = System.Text.Encoding.ASCII.GetString(buf[..n]);
        return long.Parse(text.AsSpan(0, text.IndexOf(' ')), CultureInfo.InvariantCulture);
    }

    public static void PoolStartMap(bool quick)
    {
        // As in process_start_join, the pre-started children (CPython's forkserver idea) are given a moment to be up.
        Thread.Sleep(300);
        var items = Enumerable.Range(0, 1000).ToList();
        var sw = Stopwatch.StartNew();
        List<int> results;
        using (var pool = new ProcessPool(2))
        {
            results = pool.Map(items, x => Square(x));
        }
        var dt = sw.Elapsed.TotalSeconds;
        global::Bench.Emit("pool_start_map", 1, dt, ("correct", results[^1] == 999 * 999));
    }
}
