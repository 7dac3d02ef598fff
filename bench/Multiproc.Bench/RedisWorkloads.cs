using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Multiproc.Redis;

namespace Multiproc.Bench;

/// <summary>
/// redis_queue_1p1c and redis_joinable_1p1c: the queue workloads through Multiproc.Redis and one loopback
/// redis-server, 32-byte items, batched (PutMany of 256 items per round trip, ReadBatchSize 256; neither
/// pipelined puts nor Prefetch, which did not raise the rate here: bench/README.md, "Redis"). The clock
/// runs over the items once both processes are connected and warm (steady state: a Redis client is a long-lived
/// service): warm-up rounds of <see cref="WarmupRound"/> items go through until three in a row in which neither client
/// process compiled a method, then each process's background JIT settles. A fixed warm-up (100 batches) was not enough:
/// tiered compilation (with PGO, two recompilations per hot method) went on compiling 450-700 methods per process
/// inside the timed items, 1-3 s of JIT time on a loaded 2-core machine; <c>timed_jit_methods</c> prints how many
/// both compiled there. The cold start before it (process start,
/// connection handshake, the JIT of StackExchange.Redis, about a second of CPU) is printed as
/// <c>startup_seconds</c>. Each line also prints the CPU time per item over the timed items, of the two client
/// processes (<c>client_cpu_us_per_item</c>, each measuring its own) and of the server (<c>server_cpu_us_per_item</c>,
/// from INFO cpu): figures that hold on a loaded machine, where the rate does not. There is no CPython pair; each line carries the local queue's rate of the same run
/// (local_per_second) when that workload ran first. The server is the one of <c>--redis host:port</c>, else a
/// redis-server started here on a free port (no persistence, data directory in a temporary folder) and
/// stopped afterwards.
/// </summary>
public static class RedisWorkloads
{
    public const int Batch = 256;
    /// <summary>
    /// Warm-up items per round; rounds go on until three in a row in which no client process compiled a method. A round ends with a partial batch, as the timed items do.</summary>
    public const int WarmupRound = 50 * Batch + Batch / 4;
    private const int QuietRounds = 3;
    private static readonly TimeSpan WarmupCap = TimeSpan.FromSeconds(60);
    // Slots of the shared array: CPU seconds of the consumer and the producer, then the warm-up's handshake.
    private const int ProducerJit = 2, ConsumerJit = 3, Warm = 4, WarmupItems = 5, WarmupRounds = 6, Slots = 7;
    private static readonly RedisQueueOptions Options = new() { ReadBatchSize = Batch };
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(120);

    private static void PutAll(RedisQueue<string?> q, int n, string payload)
    {
        var batch = Enumerable.Repeat<string?>(payload, Batch).ToArray();
        for (var i = 0; i < n; i += Batch) q.PutMany(i + Batch <= n ? batch : batch.Take(n - i));
    }

    public static void Producer(string connection, string name, int n, string payload, ProcessBarrier ready, SharedArray<double> cpu)
    {
        using var q = new RedisQueue<string?>(connection, name, options: Options);
        // Warm-up rounds until the consumer has seen a round in which neither process compiled a method.
        var rounds = 0;
        do
        {
            PutAll(q, WarmupRound, payload);
            rounds++;
            cpu[ProducerJit] = JitCount();
            // At most one round ahead of the consumer (a faster producer would otherwise fill the stream).
            var waiting = Stopwatch.StartNew();
            while (cpu[WarmupRounds] < rounds - 1 && cpu[Warm] == 0)
            {
                if (waiting.Elapsed > StartTimeout) throw new TimeoutException("the consumer did not take the warm-up items");
                Thread.Sleep(1);
            }
        }
        while (cpu[Warm] == 0);
        cpu[WarmupItems] = rounds * WarmupRound;
        SettleJit();
        var jit = JitCount();
        cpu[1] = CpuSeconds();
        ready.Wait(StartTimeout);
        PutAll(q, n, payload);
        q.Put(null);
        cpu[1] = CpuSeconds();
        cpu[ProducerJit] = JitCount() - jit;
    }

    public static void Consumer(string connection, string name, ProcessBarrier ready, SharedArray<double> cpu)
    {
        using var q = new RedisQueue<string?>(connection, name, options: Options);
        var taken = 0;
        var rounds = 0;
        var sw = Stopwatch.StartNew();
        double mine = JitCount(), theirs = -1;
        var quiet = 0;
        while (cpu[Warm] == 0)
        {
            for (var i = 0; i < WarmupRound; i++) q.Get();
            taken += WarmupRound;
            cpu[WarmupRounds] = ++rounds;
            double mineNow = JitCount(), theirsNow = cpu[ProducerJit];
            quiet = mineNow == mine && theirsNow == theirs ? quiet + 1 : 0;
            if (quiet >= QuietRounds || sw.Elapsed > WarmupCap) cpu[Warm] = 1;
            (mine, theirs) = (mineNow, theirsNow);
        }
        var settling = Stopwatch.StartNew();
        while (cpu[WarmupItems] == 0)
        {
            if (settling.Elapsed > StartTimeout) throw new TimeoutException("the producer did not finish its warm-up");
            Thread.Sleep(1);
        }
        for (; taken < (int)cpu[WarmupItems]; taken++) q.Get();
        SettleJit();
        var jit = JitCount();
        cpu[0] = CpuSeconds();
        ready.Wait(StartTimeout);
        while (q.Get() is not null) { }
        cpu[0] = CpuSeconds();
        cpu[ConsumerJit] = JitCount() - jit;
    }

    public static void JoinableConsumer(string connection, string name, SharedArray<double> cpu)
    {
        using var q = new RedisJoinableQueue<string?>(connection, name, options: Options);
        for (var i = 1; ; i++)
        {
            q.Get();
            q.TaskDone();
            if (i % Batch == 0)
            {
                cpu[0] = CpuSeconds(); // it runs until terminated: its CPU so far, every batch
                cpu[ConsumerJit] = JitCount();
            }
        }
    }

    public static void Queue1P1C(string connection, int n, double? localRate)
    {
        var payload = new string('x', 32);
        var name = "bench-" + Guid.NewGuid().ToString("N");
        using var ready = new ProcessBarrier(3);
        using var cpu = new SharedArray<double>(Slots);
        var c = new ChildProcess(() => Consumer(connection, name, ready, cpu));
        var p = new ChildProcess(() => Producer(connection, name, n, payload, ready, cpu));
        var cold = Stopwatch.StartNew();
        c.Start();
        p.Start();
        ready.Wait(StartTimeout);
        var startup = cold.Elapsed.TotalSeconds;
        var server = ServerCpuSeconds(connection);
        var client = cpu[0] + cpu[1];
        var sw = Stopwatch.StartNew();
        p.Join();
        c.Join();
        var seconds = sw.Elapsed.TotalSeconds;
        Emit("redis_queue_1p1c", n, seconds, startup, cpu[0] + cpu[1] - client, ServerCpuSeconds(connection) - server, localRate,
            (int)cpu[WarmupItems], (int)(cpu[ProducerJit] + cpu[ConsumerJit]));
    }

    public static void Joinable1P1C(string connection, int n, double? localRate)
    {
        var payload = new string('x', 32);
        var name = "bench-" + Guid.NewGuid().ToString("N");
        var cold = Stopwatch.StartNew();
        using var cpu = new SharedArray<double>(Slots);
        using var q = new RedisJoinableQueue<string?>(connection, name, options: Options);
        var c = new ChildProcess(() => JoinableConsumer(connection, name, cpu)) { Daemon = true };
        c.Start();
        // Warm-up rounds (each joined) until one in which neither process compiled a method.
        var rounds = 0;
        var warming = Stopwatch.StartNew();
        double mine = JitCount(), theirs = -1;
        for (var quiet = 0; quiet < QuietRounds && warming.Elapsed < WarmupCap;)
        {
            PutAll(q, WarmupRound, payload);
            if (!q.Join(StartTimeout)) throw new TimeoutException("the joinable consumer did not take the warm-up items");
            rounds++;
            double mineNow = JitCount(), theirsNow = cpu[ConsumerJit];
            quiet = mineNow == mine && theirsNow == theirs ? quiet + 1 : 0;
            (mine, theirs) = (mineNow, theirsNow);
        }
        ServerCpuSeconds(connection); // its first call JITs a connection of its own: not in the timed items
        SettleJit();
        var startup = cold.Elapsed.TotalSeconds;
        var server = ServerCpuSeconds(connection);
        var jitMine = JitCount();
        var jitTheirs = cpu[ConsumerJit];
        var client = cpu[0] + CpuSeconds();
        var sw = Stopwatch.StartNew();
        PutAll(q, n, payload);
        q.Join();
        var seconds = sw.Elapsed.TotalSeconds;
        var clientCpu = cpu[0] + CpuSeconds() - client;
        var timedJit = (int)(JitCount() - jitMine + cpu[ConsumerJit] - jitTheirs);
        Emit("redis_joinable_1p1c", n, seconds, startup, clientCpu, ServerCpuSeconds(connection) - server, localRate, rounds * WarmupRound, timedJit);
        c.Terminate();
        c.Join();
    }

    /// <summary>
    /// Waits (at most 15 s) until this process's JIT has compiled nothing new for 300 ms: the warm-up made the hot
    /// methods of StackExchange.Redis due for their optimised tier, compiled in the background; without this wait
    /// that compilation (about a second of CPU on a loaded 2-core machine) lands in the timed items.
    /// </summary>
    private static void SettleJit()
    {
        var sw = Stopwatch.StartNew();
        var last = System.Runtime.JitInfo.GetCompiledMethodCount();
        var stableSince = TimeSpan.Zero;
        while (sw.Elapsed < TimeSpan.FromSeconds(15))
        {
            Thread.Sleep(50);
            var now = System.Runtime.JitInfo.GetCompiledMethodCount();
            if (now != last)
            {
                last = now;
                stableSince = sw.Elapsed;
            }
            else if (sw.Elapsed - stableSince >= TimeSpan.FromMilliseconds(300))
            {
                return;
            }
        }
    }

    private static long JitCount() => System.Runtime.JitInfo.GetCompiledMethodCount();

    private static double CpuSeconds() => Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds;

    /// <summary>The server's CPU time so far (INFO cpu: user + system), to print its cost per item; null when INFO is refused.</summary>
    private static double? ServerCpuSeconds(string connection)
    {
        var options = StackExchange.Redis.ConfigurationOptions.Parse(connection);
        options.AllowAdmin = true;
        try
        {
            using var mux = StackExchange.Redis.ConnectionMultiplexer.Connect(options);
            var info = mux.GetServer(mux.GetEndPoints()[0]).Info("cpu").SelectMany(g => g);
            return info.Where(kv => kv.Key is "used_cpu_user" or "used_cpu_sys").Sum(kv => double.Parse(kv.Value, CultureInfo.InvariantCulture));
        }
        catch (StackExchange.Redis.RedisException)
        {
            return null;
        }
    }

    private static void Emit(string workload, int n, double seconds, double startup, double clientCpu, double? serverCpu, double? localRate, int warmupItems, int timedJitMethods)
    {
        var extra = new List<(string, object)>
        {
            ("payload_bytes", 32), ("batch", Batch), ("startup_seconds", Math.Round(startup, 3)),
            ("warmup_items", warmupItems), ("timed_jit_methods", timedJitMethods),
            ("client_cpu_us_per_item", Math.Round(clientCpu * 1e6 / n, 2)),
        };
        if (serverCpu is { } server) extra.Add(("server_cpu_us_per_item", Math.Round(server * 1e6 / n, 2)));
        if (localRate is { } l)
        {
            extra.Add(("local_per_second", Math.Round(l, 1)));
            extra.Add(("redis_vs_local", Math.Round(n / seconds / l, 3)));
        }
        global::Bench.Emit(workload, n, seconds, [.. extra]);
    }

    /// <summary>A redis-server of the benchmark's own, on a free loopback port; null when none is installed.</summary>
    public sealed class Server : IDisposable
    {
        private readonly Process _process;
        private readonly string _dir;

        private Server(Process process, string dir, int port)
        {
            _process = process;
            _dir = dir;
            ConnectionString = $"127.0.0.1:{port}";
        }

        public string ConnectionString { get; }

        public static Server? Start()
        {
            var exe = new[] { Environment.GetEnvironmentVariable("REDIS_SERVER"), "/usr/bin/redis-server", "/usr/local/bin/redis-server" }
                .FirstOrDefault(p => !string.IsNullOrEmpty(p) && File.Exists(p));
            if (exe is null) return null;
            var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            var port = ((IPEndPoint)listener.LocalEndpoint).Port;
            listener.Stop();
            var dir = Directory.CreateTempSubdirectory("multiproc-bench-redis-").FullName;
            var psi = new ProcessStartInfo(exe) { UseShellExecute = false, RedirectStandardOutput = true };
            foreach (var a in new[] { "--port", port.ToString(), "--bind", "127.0.0.1", "--dir", dir, "--save", "", "--appendonly", "no", "--logfile", Path.Combine(dir, "redis.log") })
                psi.ArgumentList.Add(a);
            var process = Process.Start(psi)!;
            var sw = Stopwatch.StartNew();
            while (sw.Elapsed < TimeSpan.FromSeconds(30))
            {
                try
                {
                    using var client = new TcpClient();
                    client.Connect(IPAddress.Loopback, port);
                    return new Server(process, dir, port);
                }
                catch (SocketException)
                {
                    Thread.Sleep(20);
                }
            }
            process.Kill();
            throw new InvalidOperationException("redis-server did not start within 30 s");
        }

        public void Dispose()
        {
            if (!_process.HasExited) _process.Kill();
            _process.WaitForExit(10_000);
            try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
        }
    }
}
