using System.Diagnostics;
using Multiproc;

namespace Multiproc.Bench;

/// <summary>
/// The pool workloads of ../shared/bench/python_baseline.py, with the same names and sizes:
/// pool_map_small (a started pool of 2 maps x * x over 200,000 ints, default chunk size) and
/// pool_start_map (create a pool of 2, map 1,000 tiny tasks, dispose).
/// </summary>
public static class PoolWorkloads
{
    public static int Square(int x) => x * x;

    public static void PoolMapSmall(bool quick)
    {
        var n = quick ? 20_000 : 200_000;
        var items = Enumerable.Range(0, n).ToList();
        using var pool = new ProcessPool(2);
        pool.Map(Enumerable.Range(0, 4), x => Square(x)); // the workers are up
        var sw = Stopwatch.StartNew();
        var results = pool.Map(items, x => Square(x));
        var dt = sw.Elapsed.TotalSeconds;
        global::Bench.Emit("pool_map_small", n, dt, ("correct", results[^1] == (n - 1) * (n - 1)));
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
