using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Multiproc;
using Multiproc.Bench;

// Multiproc benchmarks: one JSON line per workload, with the workload names of
// ../shared/bench/python_baseline.py so the two can be compared in one run.
//
//   dotnet run -c Release --project bench/Multiproc.Bench -- [--quick] [--redis host:port] [workload ...]
//
// The redis_* workloads use --redis host:port, else a redis-server of their own (skipped when none is installed).
//
// With no workload named, all run. To add one: a static method taking no argument
// and calling Emit, registered in Bench.Workloads.
//
// A bare child of --bare-cost (a .NET process doing a ticket child's work without Multiproc) branches off first,
// before anything else of the bench runs.
if (args.Length is 3 or 4 && args[0] == "--bare-child") return BareCost.Child(args[1], args[2], args.Length == 4);
return Bench.Run(args);

public static class Bench
{
    public static bool Quick;
    private static int NQueue => Quick ? 20_000 : 200_000;
    private static int N1MiB => Quick ? 200 : 2_000;

    private static readonly (string Name, Action Run)[] Workloads =
    [
        ("lock_uncontended", () => CoreWorkloads.LockUncontended(Quick)),
        ("lock_contended_2p", () => CoreWorkloads.LockContended2p(Quick)),
        ("process_start_join", () => CoreWorkloads.ProcessStartJoin(Quick)),
        ("ticket_50", () => CoreWorkloads.Ticket50(Quick)),
        ("queue_1p1c", Queue1P1C),
        ("joinable_1p1c", Joinable1P1C),
        ("queue_1mib", Queue1MiB),
        ("pipe_pingpong", () => PipeWorkloads.PipePingPong(Quick)),
        ("pipe_stream", () => PipeWorkloads.PipeStream(Quick)),
        ("async_get_roundtrip", () => AsyncWorkloads.GetRoundTrip(Quick)),
        ("async_get_1000_pending", () => AsyncWorkloads.ManyPending(Quick)),
        ("value_add_2p", () => PrimitiveWorkloads.ValueAdd2p(Quick)),
        ("event_pingpong", () => PrimitiveWorkloads.EventPingPong(Quick)),
        ("pool_map_small", () => PoolWorkloads.PoolMapSmall(Quick)),
        ("pool_start_map", () => PoolWorkloads.PoolStartMap(Quick)),
        ("redis_queue_1p1c", () => WithRedis(c => RedisWorkloads.Queue1P1C(c, NQueue, LocalQueueRate))),
        ("redis_joinable_1p1c", () => WithRedis(c => RedisWorkloads.Joinable1P1C(c, NQueue / 4, LocalJoinableRate))),
    ];

    private static double? LocalQueueRate, LocalJoinableRate;
    private static string? RedisAddress;

    /// <summary>Runs a Redis workload against --redis host:port, else against a redis-server started for it.</summary>
    private static void WithRedis(Action<string> run)
    {
        if (RedisAddress is not null)
        {
            run(RedisAddress);
            return;
        }
        using var server = RedisWorkloads.Server.Start();
        if (server is null)
        {
            Console.Error.WriteLine("redis workloads skipped: no redis-server found (install it, or pass --redis host:port)");
            return;
        }
        run(server.ConnectionString);
    }

    public static int Run(string[] args)
    {
        // CHILD_X=v in this process's environment becomes X=v in the children's only (for DOTNET_ knobs and tracing).
        foreach (System.Collections.DictionaryEntry e in Environment.GetEnvironmentVariables())
            if (e.Key is string k && k.StartsWith("CHILD_", StringComparison.Ordinal))
                Environment.SetEnvironmentVariable(k["CHILD_".Length..], (string?)e.Value);
        if (args.Length is 3 or 4 && args[0] == "--child-cost")
            return ChildCost.Run(args[1], int.Parse(args[2], CultureInfo.InvariantCulture), Shape(args, "--at-once") is not null);
        if (args.Length is 3 or 4 && args[0] == "--bare-cost")
        {
            var shape = Shape(args, "--at-once", "--paced");
            return BareCost.Run(args[1], int.Parse(args[2], CultureInfo.InvariantCulture), shape == "--at-once", shape == "--paced");
        }
        if (args.Length == 3 && args[0] == "--first-run")
            return FirstRun.Run(int.Parse(args[1], CultureInfo.InvariantCulture), int.Parse(args[2], CultureInfo.InvariantCulture));
        if (args.Length == 2 && args[0] == "--pool-bind")
            return PoolWorkloads.PoolBind(int.Parse(args[1], CultureInfo.InvariantCulture));
        if (args.Length == 3 && args[0] == "--lock-profile")
            return LockProfile.Run(args[1], int.Parse(args[2], CultureInfo.InvariantCulture));
        Quick = args.Contains("--quick");
        var redisAt = Array.IndexOf(args, "--redis");
        if (redisAt >= 0)
        {
            if (redisAt + 1 >= args.Length) { Console.Error.WriteLine("--redis needs host:port"); return 2; }
            RedisAddress = args[redisAt + 1];
            args = args.Where((_, i) => i != redisAt && i != redisAt + 1).ToArray();
        }
        var wanted = args.Where(a => !a.StartsWith("--", StringComparison.Ordinal)).ToHashSet();
        var unknown = wanted.Except(Workloads.Select(w => w.Name)).ToList();
        if (unknown.Count > 0)
        {
            Console.Error.WriteLine($"unknown workload(s): {string.Join(", ", unknown)}; known: {string.Join(", ", Workloads.Select(w => w.Name))}");
            return 2;
        }
        foreach (var (name, run) in Workloads)
            if (wanted.Count == 0 || wanted.Contains(name)) run();
        return 0;
    }

    /// <summary>The optional fourth argument of --child-cost and --bare-cost: null, or one of <paramref name="allowed"/>.</summary>
    private static string? Shape(string[] args, params string[] allowed) =>
        args.Length < 4 ? null
        : Array.IndexOf(allowed, args[3]) >= 0 ? args[3]
        : throw new ArgumentException($"unknown option {args[3]}; use {string.Join(" or ", allowed)}");

    public static void Emit(string workload, long items, double seconds, params (string Key, object Value)[] extra)
    {
        var o = new Dictionary<string, object>
        {
            ["workload"] = workload,
            ["items"] = items,
            ["seconds"] = Math.Round(seconds, 4),
            ["per_second"] = Math.Round(items / seconds, 1),
        };
        foreach (var (k, v) in extra) o[k] = v;
        Console.WriteLine(JsonSerializer.Serialize(o));
    }

    // ---------------------------------------------------------------- queue_1p1c

    public static void Producer(ProcessQueue<string?> q, int n, string payload)
    {
        for (var i = 0; i < n; i++) q.Put(payload);
        q.Put(null);
    }

    public static void Consumer(ProcessQueue<string?> q)
    {
        while (q.Get() is not null) { }
    }

    private static void Queue1P1C()
    {
        var payload = new string('x', 32);
        using var q = new ProcessQueue<string?>();
        var n = NQueue;
        var c = new ChildProcess(() => Consumer(q));
        var p = new ChildProcess(() => Producer(q, n, payload));
        c.Start();
        var sw = Stopwatch.StartNew();
        p.Start();
        p.Join();
        c.Join();
        var seconds = sw.Elapsed.TotalSeconds;
        Emit("queue_1p1c", n, seconds, ("payload_bytes", 32));
        LocalQueueRate = n / seconds;
    }

    // ---------------------------------------------------------------- joinable_1p1c

    public static void JoinableConsumer(JoinableQueue<string?> q)
    {
        while (true)
        {
            q.Get();
            q.TaskDone();
        }
    }

    private static void Joinable1P1C()
    {
        var payload = new string('x', 32);
        using var q = new JoinableQueue<string?>();
        var n = NQueue / 4;
        var c = new ChildProcess(() => JoinableConsumer(q)) { Daemon = true };
        c.Start();
        var sw = Stopwatch.StartNew();
        for (var i = 0; i < n; i++) q.Put(payload);
        q.Join();
        var seconds = sw.Elapsed.TotalSeconds;
        Emit("joinable_1p1c", n, seconds, ("payload_bytes", 32));
        LocalJoinableRate = n / seconds;
        c.Terminate();
        c.Join();
    }

    // ---------------------------------------------------------------- queue_1mib

    public static void BytesProducer(ProcessQueue<byte[]?> q, int n, int size)
    {
        var item = new byte[size];
        Random.Shared.NextBytes(item);
        for (var i = 0; i < n; i++) q.Put(item);
        q.Put(null);
    }

    public static void BytesConsumer(ProcessQueue<byte[]?> q)
    {
        while (q.Get() is not null) { }
    }

    private static void Queue1MiB()
    {
        const int size = 1 << 20;
        using var q = new ProcessQueue<byte[]?>();
        var n = N1MiB;
        var c = new ChildProcess(() => BytesConsumer(q));
        var p = new ChildProcess(() => BytesProducer(q, n, size));
        c.Start();
        var sw = Stopwatch.StartNew();
        p.Start();
        p.Join();
        c.Join();
        var s = sw.Elapsed.TotalSeconds;
        Emit("queue_1mib", n, s, ("payload_bytes", size), ("mb_per_second", Math.Round(n * (double)size / (1 << 20) / s, 1)));
    }
}
