using System.Diagnostics;
using System.Text.Json;
using Multiproc;

namespace Multiproc.Bench;

/// <summary>
/// The foundation workloads of ../shared/bench/python_baseline.py, with the same names and sizes:
/// lock_uncontended, lock_contended_2p, process_start_join, ticket_50.
/// </summary>
public static partial class CoreWorkloads
{
    public static void LockUncontended(bool quick)
    {
        var n = quick ? 100_000 : 1_000_000;
        using var lk = new ProcessLock();
        for (var i = 0; i < 10_000; i++) { lk.Acquire(); lk.Release(); } // JIT warm-up
        var sw = Stopwatch.StartNew();
        for (var i = 0; i < n; i++)
        {
            lk.Acquire();
            lk.Release();
        }
        global::Bench.Emit("lock_uncontended", n, sw.Elapsed.TotalSeconds);
    }

    /// <summary>
    /// Python's <c>lock_contended_2p</c>: a <c>Value("q", 0, lock=False)</c> and a separate lock, two processes doing
    /// <c>with lock: v.value += 1</c> n times each; the timed region includes starting and joining both, as CPython's.
    /// </summary>
    public static void LockContended2p(bool quick)
    {
        var n = (quick ? 100_000 : 1_000_000) / 10;
        WarmChildren();
        using var lk = new ProcessLock();
        using var v = new SharedValue<long>();
        var ps = Enumerable.Range(0, 2).Select(_ => new ChildProcess(() => Increment(lk, v, n))).ToList();
        var sw = Stopwatch.StartNew();
        foreach (var p in ps) p.Start();
        foreach (var p in ps) p.Join();
        var dt = sw.Elapsed.TotalSeconds;
        global::Bench.Emit("lock_contended_2p", 2 * n, dt, ("correct", v.Value == 2 * n));
    }

    /// <summary>
    /// Before a timed region that starts children: start and join one, then give the pre-started spares it triggers
    /// time to come up, as process_start_join does. CPython's baseline script has started children before its
    /// lock workloads run (queue_1p1c comes first there); ours ran lock_contended_2p first, so its timed region paid
    /// for the first child start of the whole program (the parent's first-use code, and the two spare runtimes booting
    /// on the same 2 cores as the two workers), and value_add_2p paid for it only when run alone.
    /// </summary>
    public static void WarmChildren()
    {
        var warm = new ChildProcess(() => Noop());
        warm.Start();
        warm.Join();
        Thread.Sleep(300);
    }

    /// <summary>Python's <c>_incr</c>: <c>with lock: v.value += 1</c>, n times.</summary>
    public static void Increment(ProcessLock lk, SharedValue<long> v, int n)
    {
        for (var i = 0; i < n; i++)
        {
            using (lk.Hold()) v.Value += 1;
        }
    }

    public static void Noop() { }

    public static void ProcessStartJoin(bool quick)
    {
        var n = quick ? 5 : 20;
        // Warm up: the first Start() starts the pre-started pool, as CPython's forkserver starts its server.
        var warm = new ChildProcess(() => Noop());
        warm.Start();
        warm.Join();
        Thread.Sleep(300);
        var sw = Stopwatch.StartNew();
        for (var i = 0; i < n; i++)
        {
            var p = new ChildProcess(() => Noop());
            p.Start();
            p.Join();
        }
        global::Bench.Emit("process_start_join", n, sw.Elapsed.TotalSeconds);
    }

    /// <summary>
    /// Python's <c>_buy</c>: <c>json.load</c> into a dict, decrement, <c>json.dump</c>. The .NET form of an
    /// untyped JSON dict is <see cref="System.Text.Json.Nodes.JsonObject"/>, which is also what a fresh
    /// process can load quickest (no serializer metadata to build, as Python's json module has none).
    /// </summary>
    public static void Buy(ProcessLock lk, string path)
    {
        using (lk.Hold())
        {
            var d = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(path))!;
            var count = (int)d["count"]!;
            if (count > 0)
            {
                d["count"] = count - 1;
                File.WriteAllText(path, d.ToJsonString());
            }
        }
    }

    public static void Ticket50(bool quick)
    {
        const int buyers = 50;
        var dir = Directory.CreateTempSubdirectory("multiproc-bench-ticket-").FullName;
        var path = Path.Combine(dir, "ticket.json");
        File.WriteAllText(path, """{"count": 10}""");
        using var lk = new ProcessLock();
        var ps = Enumerable.Range(0, buyers).Select(_ => new ChildProcess(() => Buy(lk, path))).ToList();
        var sw = Stopwatch.StartNew();
        foreach (var p in ps) p.Start();
        foreach (var p in ps) p.Join();
        var dt = sw.Elapsed.TotalSeconds;
        var left = (int)System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(path))!["count"]!;
        Directory.Delete(dir, recursive: true);
        global::Bench.Emit("ticket_50", buyers, dt, ("tickets_left", left), ("correct", left == 0));
    }
}
