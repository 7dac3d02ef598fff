using System.Diagnostics;
using Multiproc;

namespace Multiproc.Bench;

/// <summary>
/// Async waits (issue 12): GetAsync round trips between two processes, and many GetAsync pending on one queue.
/// Not compared with CPython (its multiprocessing has no async forms).
/// </summary>
public static class AsyncWorkloads
{
    // ---------------------------------------------------------------- async_get_roundtrip

    /// <summary>The child side of the ping-pong: awaits each item and sends it back.</summary>
    public static async Task Echo(ProcessQueue<int> ping, ProcessQueue<int> pong)
    {
        while (true)
        {
            var v = await ping.GetAsync().ConfigureAwait(false);
            await pong.PutAsync(v).ConfigureAwait(false);
            if (v < 0) return;
        }
    }

    /// <summary>One item at a time to a child and back, both sides awaiting GetAsync on an empty queue: every get waits.</summary>
    public static void GetRoundTrip(bool quick)
    {
        var n = quick ? 2_000 : 20_000;
        using var ping = new ProcessQueue<int>();
        using var pong = new ProcessQueue<int>();
        var child = new ChildProcess(() => Echo(ping, pong));
        child.Start();
        RoundTrips(ping, pong, 200).GetAwaiter().GetResult(); // warm-up
        var sw = Stopwatch.StartNew();
        RoundTrips(ping, pong, n).GetAwaiter().GetResult();
        var s = sw.Elapsed.TotalSeconds;
        ping.Put(-1);
        pong.Get();
        child.Join();
        global::Bench.Emit("async_get_roundtrip", n, s, ("us_per_round_trip", Math.Round(s * 1e6 / n, 1)));
    }

    private static async Task RoundTrips(ProcessQueue<int> ping, ProcessQueue<int> pong, int n)
    {
        for (var i = 0; i < n; i++)
        {
            await ping.PutAsync(i).ConfigureAwait(false);
            if (await pong.GetAsync().ConfigureAwait(false) != i) throw new InvalidOperationException("out of order");
        }
    }

    // ---------------------------------------------------------------- async_get_1000_pending

    public static void PutRange(ProcessQueue<int> q, int n)
    {
        for (var i = 0; i < n; i++) q.Put(i);
    }

    /// <summary>1,000 GetAsync pending on one queue while a child puts items one by one; each awaiter re-arms after its item.</summary>
    public static void ManyPending(bool quick)
    {
        const int Awaiters = 1_000;
        var n = quick ? 5_000 : 50_000;
        using var q = new ProcessQueue<int>();
        var taken = 0;
        async Task Loop()
        {
            while (Interlocked.Increment(ref taken) <= n) await q.GetAsync().ConfigureAwait(false);
        }
        var loops = Enumerable.Range(0, Awaiters).Select(_ => Loop()).ToArray();
        var threads = Directory.GetDirectories("/proc/self/task").Length;
        var producer = new ChildProcess(() => PutRange(q, n));
        var sw = Stopwatch.StartNew();
        producer.Start();
        Task.WaitAll(loops);
        var s = sw.Elapsed.TotalSeconds;
        producer.Join();
        global::Bench.Emit("async_get_1000_pending", n, s, ("threads_while_pending", threads));
    }
}
