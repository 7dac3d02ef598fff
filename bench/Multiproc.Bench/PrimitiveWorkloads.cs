using System.Diagnostics;
using Multiproc;

namespace Multiproc.Bench;

/// <summary>
/// The shared-value and event workloads of ../shared/bench/python_baseline.py, with the same names and sizes:
/// value_add_2p and event_pingpong.
/// </summary>
public static class PrimitiveWorkloads
{
    /// <summary>Python's <c>_vadd</c>: <c>with v.get_lock(): v.value += 1</c>, n times.</summary>
    public static void ValueAdd(SharedValue<long> v, int n)
    {
        for (var i = 0; i < n; i++)
        {
            using (v.Lock.Hold()) v.Value += 1;
        }
    }

    /// <summary>The correct way in Python: two processes hold the value's lock around <c>+= 1</c>.</summary>
    public static void ValueAdd2p(bool quick)
    {
        var n = (quick ? 20_000 : 200_000) / 2;
        CoreWorkloads.WarmChildren();
        using var v = new SharedValue<long>();
        var ps = Enumerable.Range(0, 2).Select(_ => new ChildProcess(() => ValueAdd(v, n))).ToList();
        var sw = Stopwatch.StartNew();
        foreach (var p in ps) p.Start();
        foreach (var p in ps) p.Join();
        var dt = sw.Elapsed.TotalSeconds;
        global::Bench.Emit("value_add_2p", 2 * n, dt, ("correct", v.Value == 2 * n));
    }

    /// <summary>Python's <c>_pong</c>: n times wait for ping, clear it, set pong.</summary>
    public static void Pong(ProcessEvent ping, ProcessEvent pong, int n)
    {
        for (var i = 0; i < n; i++)
        {
            ping.Wait();
            ping.Clear();
            pong.Set();
        }
    }

    /// <summary>Round trips through two events: the parent sets ping and waits for pong, the child the other way.</summary>
    public static void EventPingPong(bool quick)
    {
        var n = quick ? 2_000 : 10_000;
        using var ping = new ProcessEvent();
        using var pong = new ProcessEvent();
        var p = new ChildProcess(() => Pong(ping, pong, n + 1));
        p.Start();
        ping.Set(); pong.Wait(); pong.Clear(); // the child is up
        var sw = Stopwatch.StartNew();
        for (var i = 0; i < n; i++)
        {
            ping.Set();
            pong.Wait();
            pong.Clear();
        }
        var dt = sw.Elapsed.TotalSeconds;
        p.Join();
        global::Bench.Emit("event_pingpong", n, dt);
    }
}
