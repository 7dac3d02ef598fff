using System.Diagnostics;
using System.Globalization;
using System.IO.MemoryMappedFiles;
using System.Text.Json;
using Multiproc;

namespace Multiproc.Bench;

/// <summary>
/// Where the time of lock_contended_2p / value_add_2p goes (<c>Multiproc.Bench --lock-profile lock|value N</c>):
/// one JSON line per run with the parent's timeline (each Start() returned, both joined) and each child's own
/// (its loop began and ended, and the CPU it had used by then), all in ms from the moment the timed region began.
/// Not a workload: bench/compare does not run it.
/// </summary>
public static unsafe class LockProfile
{
    private const int Slots = 6; // per child: loop begin, loop end (Stopwatch ticks), process CPU at begin, at end, thread CPU at begin, at end (µs)

    public static int Run(string kind, int runs)
    {
        if (kind == "uncontended")
        {
            Uncontended(runs);
            return 0;
        }
        for (var r = 0; r < runs; r++) Once(kind);
        return 0;
    }

    private static void Once(string kind)
    {
        var n = 100_000;
        var file = Path.Combine(Path.GetTempPath(), "multiproc-lockprofile-" + Guid.NewGuid().ToString("N"));
        File.WriteAllBytes(file, new byte[8 * (1 + 2 * Slots)]);
        using var lk = new ProcessLock();
        using var v = new SharedValue<long>();
        using var together = new ProcessBarrier(2);
        try
        {
            var ps = Enumerable.Range(0, 2).Select(i => kind switch
            {
                "value" or "lock" or "value-sync" or "lock-sync" => new ChildProcess(() => Timed(file, i, kind, lk, v, together, n)),
                // The workload's loop before it used a SharedValue: Acquire/Release around a counter in a file mapping,
                // the loop inside the mapping's using (a try region, which keeps a fresh child's loop in tier-0 code).
                "lock-mmf" => new ChildProcess(() => LockChild(lk, file, i, n)),
                "lock-opt" => new ChildProcess(() => LockChildOpt(lk, file, i, n)),
                _ => throw new ArgumentException("kind: uncontended, lock, lock-mmf, lock-opt or value"),
            }).ToList();
            var t0 = Stopwatch.GetTimestamp();
            var started = new double[2];
            for (var i = 0; i < 2; i++) { ps[i].Start(); started[i] = Ms(t0, Stopwatch.GetTimestamp()); }
            foreach (var p in ps) p.Join();
            var joined = Ms(t0, Stopwatch.GetTimestamp());
            var raw = File.ReadAllBytes(file);
            long At(int i) => BitConverter.ToInt64(raw, 8 * i);
            var o = new Dictionary<string, object>
            {
                ["kind"] = kind,
                ["total_ms"] = Math.Round(joined, 1),
                ["start_returned_ms"] = started.Select(x => Math.Round(x, 1)).ToArray(),
                ["correct"] = kind is "value" or "lock" or "value-sync" or "lock-sync" ? v.Value == 2 * n : At(0) == 2 * n,
            };
            for (var c = 0; c < 2; c++)
            {
                var b = 1 + c * Slots;
                o[$"child{c}"] = new Dictionary<string, double>
                {
                    ["loop_begin_ms"] = Math.Round(Ms(t0, At(b)), 1),
                    ["loop_end_ms"] = Math.Round(Ms(t0, At(b + 1)), 1),
                    ["loop_cpu_ms"] = Math.Round((At(b + 3) - At(b + 2)) / 1000.0, 1),
                    ["loop_thread_cpu_ms"] = Math.Round((At(b + 5) - At(b + 4)) / 1000.0, 1),
                    ["cpu_before_loop_ms"] = Math.Round(At(b + 2) / 1000.0, 1),
                };
            }
            Console.WriteLine(JsonSerializer.Serialize(o));
        }
        finally
        {
            File.Delete(file);
        }
    }

    /// <summary>
    /// lock_uncontended's loop in windows of 1M acquire/release pairs: ns per pair of wall time and of this thread's CPU
    /// (the latter holds under load); the first window is what the workload times.
    /// </summary>
    private static void Uncontended(int windows)
    {
        using var lk = new ProcessLock();
        for (var i = 0; i < 10_000; i++) { lk.Acquire(); lk.Release(); }
        var wall = new List<double>();
        var cpu = new List<double>();
        for (var w = 0; w < windows; w++)
        {
            var c0 = ThreadCpuMicros();
            var t0 = Stopwatch.GetTimestamp();
            UncontendedWindow(lk, 1_000_000);
            var t1 = Stopwatch.GetTimestamp();
            var c1 = ThreadCpuMicros();
            wall.Add(Math.Round(Ms(t0, t1) * 1e6 / 1_000_000, 2));
            cpu.Add(Math.Round((c1 - c0) * 1e3 / 1_000_000, 2));
        }
        // The floor: the same two atomic instructions (lock cmpxchg, xchg) on a plain native word, no object.
        var word = (int*)System.Runtime.InteropServices.NativeMemory.AlignedAlloc(64, 64);
        *word = 0;
        var raw = new List<double>();
        for (var w = 0; w < windows; w++)
        {
            var c0 = ThreadCpuMicros();
            RawWindow(word, 1_000_000);
            raw.Add(Math.Round((ThreadCpuMicros() - c0) * 1e3 / 1_000_000, 2));
        }
        System.Runtime.InteropServices.NativeMemory.AlignedFree(word);
        var o = new Dictionary<string, object>
        {
            ["kind"] = "uncontended",
            ["raw_min_cpu_ns"] = raw.Min(),
            ["raw_median_cpu_ns"] = raw.Order().ElementAt(raw.Count / 2),
            ["first_wall_ns"] = wall[0],
            ["first_cpu_ns"] = cpu[0],
            ["min_wall_ns"] = wall.Min(),
            ["min_cpu_ns"] = cpu.Min(),
            ["median_cpu_ns"] = cpu.Order().ElementAt(cpu.Count / 2),
        };
        Console.WriteLine(JsonSerializer.Serialize(o));
    }

    private static void RawWindow(int* word, int n)
    {
        var me = Environment.ProcessId;
        for (var i = 0; i < n; i++)
        {
            if (Interlocked.CompareExchange(ref *word, me, 0) != 0) throw new InvalidOperationException();
            if (Interlocked.Exchange(ref *word, 0) <= 0) throw new InvalidOperationException();
        }
    }

    private static void UncontendedWindow(ProcessLock lk, int n)
    {
        for (var i = 0; i < n; i++)
        {
            lk.Acquire();
            lk.Release();
        }
    }

    private static double Ms(long from, long to) => (to - from) * 1000.0 / Stopwatch.Frequency;

    private static long CpuMicros() => (long)Process.GetCurrentProcess().TotalProcessorTime.TotalMicroseconds;

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "clock_gettime")]
    private static extern int ClockGettime(int clock, long* ts);

    /// <summary>CPU time of the calling thread (CLOCK_THREAD_CPUTIME_ID), µs.</summary>
    private static long ThreadCpuMicros()
    {
        var ts = stackalloc long[2];
        ClockGettime(3, ts);
        return ts[0] * 1_000_000 + ts[1] / 1000;
    }

    public static void LockChild(ProcessLock lk, string file, int index, int n)
    {
        using var mmf = MemoryMappedFile.CreateFromFile(file, FileMode.Open, null, 8 * (1 + 2 * Slots));
        using var view = mmf.CreateViewAccessor(0, 8 * (1 + 2 * Slots));
        byte* p = null;
        view.SafeMemoryMappedViewHandle.AcquirePointer(ref p);
        var slots = (long*)(p + view.PointerOffset);
        var counter = slots;
        var mine = slots + 1 + index * Slots;
        ThreadCpuMicros();
        mine[2] = CpuMicros();
        mine[4] = ThreadCpuMicros();
        mine[0] = Stopwatch.GetTimestamp();
        for (var i = 0; i < n; i++)
        {
            lk.Acquire();
            *counter += 1;
            lk.Release();
        }
        mine[1] = Stopwatch.GetTimestamp();
        mine[5] = ThreadCpuMicros();
        mine[3] = CpuMicros();
        view.SafeMemoryMappedViewHandle.ReleasePointer();
    }

    /// <summary>Runs a workload's own child function between the timeline marks.</summary>
    public static void Timed(string file, int index, string kind, ProcessLock lk, SharedValue<long> v, ProcessBarrier together, int n)
    {
        using var mmf = MemoryMappedFile.CreateFromFile(file, FileMode.Open, null, 8 * (1 + 2 * Slots));
        using var view = mmf.CreateViewAccessor(0, 8 * (1 + 2 * Slots));
        byte* p = null;
        view.SafeMemoryMappedViewHandle.AcquirePointer(ref p);
        var mine = (long*)(p + view.PointerOffset) + 1 + index * Slots;
        // *-sync: both children start their loops together (the contended case proper; otherwise a loaded machine
        // often starts one child's loop after the other's has ended).
        if (kind.EndsWith("-sync", StringComparison.Ordinal)) together.Wait();
        ThreadCpuMicros();
        mine[2] = CpuMicros();
        mine[4] = ThreadCpuMicros();
        mine[0] = Stopwatch.GetTimestamp();
        if (kind.StartsWith("value", StringComparison.Ordinal)) PrimitiveWorkloads.ValueAdd(v, n);
        else CoreWorkloads.Increment(lk, v, n);
        mine[1] = Stopwatch.GetTimestamp();
        mine[5] = ThreadCpuMicros();
        mine[3] = CpuMicros();
        view.SafeMemoryMappedViewHandle.ReleasePointer();
    }

    public static void LockChildOpt(ProcessLock lk, string file, int index, int n)
    {
        using var mmf = MemoryMappedFile.CreateFromFile(file, FileMode.Open, null, 8 * (1 + 2 * Slots));
        using var view = mmf.CreateViewAccessor(0, 8 * (1 + 2 * Slots));
        byte* p = null;
        view.SafeMemoryMappedViewHandle.AcquirePointer(ref p);
        var slots = (long*)(p + view.PointerOffset);
        var mine = slots + 1 + index * Slots;
        ThreadCpuMicros();
        mine[2] = CpuMicros();
        mine[4] = ThreadCpuMicros();
        mine[0] = Stopwatch.GetTimestamp();
        LoopOpt(lk, slots, n);
        mine[1] = Stopwatch.GetTimestamp();
        mine[5] = ThreadCpuMicros();
        mine[3] = CpuMicros();
        view.SafeMemoryMappedViewHandle.ReleasePointer();
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static void LoopOpt(ProcessLock lk, long* counter, int n)
    {
        for (var i = 0; i < n; i++)
        {
            lk.Acquire();
            *counter += 1;
            lk.Release();
        }
    }
}
