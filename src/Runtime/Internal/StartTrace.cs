using System.Runtime.InteropServices;

namespace Multiproc.Internal;

/// <summary>
/// With <c>MULTIPROC_TRACE_START=1</c> in its environment, a child writes one line to stderr before it exits:
/// at each step of its start, the CPU time (user + system, microseconds) its process and its main thread had used
/// the minor page faults its process had taken and the methods it had JIT-compiled (<c>step=process/thread/faults/jit</c>). For bench/README.md's
/// per-child breakdown; otherwise it costs one environment read.
/// </summary>
internal static unsafe class StartTrace
{
    private const int Steps = 12;
    private static readonly bool On = Environment.GetEnvironmentVariable("MULTIPROC_TRACE_START") == "1";
    private static readonly string[] Names = new string[Steps];
    private static readonly long[] Us = new long[Steps];
    private static readonly long[] ThreadUs = new long[Steps];
    private static readonly long[] Faults = new long[Steps];
    private static readonly long[] Jitted = new long[Steps];
    private static int _count;

    public static void Mark(string step)
    {
        if (!On || _count == Steps) return;
        Timespec t;
        clock_gettime(2 /* CLOCK_PROCESS_CPUTIME_ID */, &t);
        Timespec th;
        clock_gettime(3 /* CLOCK_THREAD_CPUTIME_ID */, &th);
        // struct rusage: two timevals (4 longs), then ru_maxrss, ru_ixrss, ru_idrss, ru_isrss, ru_minflt, ... (18 longs).
        var usage = stackalloc long[18];
        getrusage(0 /* RUSAGE_SELF */, usage);
        Names[_count] = step;
        ThreadUs[_count] = th.Seconds * 1_000_000 + th.Nanoseconds / 1000;
        Faults[_count] = usage[8];
        Jitted[_count] = System.Runtime.JitInfo.GetCompiledMethodCount();
        Us[_count++] = t.Seconds * 1_000_000 + t.Nanoseconds / 1000;
    }

    public static void Write()
    {
        if (!On) return;
        Mark("end");
        var line = "multiproc-start-trace";
        for (var i = 0; i < _count; i++)
            line += " " + Names[i] + "=" + Us[i].ToString(System.Globalization.CultureInfo.InvariantCulture)
                + "/" + ThreadUs[i].ToString(System.Globalization.CultureInfo.InvariantCulture)
                + "/" + Faults[i].ToString(System.Globalization.CultureInfo.InvariantCulture)
                + "/" + Jitted[i].ToString(System.Globalization.CultureInfo.InvariantCulture);
        Console.Error.WriteLine(line);
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct Timespec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [DllImport("libc")]
    private static extern int clock_gettime(int clock, Timespec* t);

    [DllImport("libc")]
    private static extern int getrusage(int who, long* usage);
}
