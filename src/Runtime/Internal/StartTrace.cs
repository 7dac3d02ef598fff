using System.Runtime.InteropServices;

namespace Multiproc.Internal;

/// <summary>
/// With <c>MULTIPROC_TRACE_START=1</c> in its environment, a child writes one line to stderr before it exits:
/// the CPU time (user + system, microseconds) its process and its main thread had used at each step of its start. For
/// bench/README.md's per-child breakdown; otherwise it costs one environment read.
/// </summary>
internal static unsafe class StartTrace
{
    private static readonly bool On = Environment.GetEnvironmentVariable("MULTIPROC_TRACE_START") == "1";
    private static readonly string[] Names = new string[8];
    private static readonly double[] Ms = new double[8];
    private static readonly double[] ThreadMs = new double[8];
    private static int _count;

    public static void Mark(string step)
    {
        if (!On || _count == Names.Length) return;
        Timespec t;
        clock_gettime(2 /* CLOCK_PROCESS_CPUTIME_ID */, &t);
        Timespec th;
        clock_gettime(3 /* CLOCK_THREAD_CPUTIME_ID */, &th);
        Names[_count] = step;
        ThreadMs[_count] = th.Seconds * 1e3 + th.Nanoseconds / 1e6;
        Ms[_count++] = t.Seconds * 1e3 + t.Nanoseconds / 1e6;
    }

    public static void Write()
    {
        if (!On) return;
        Mark("end");
        var line = "multiproc-start-trace";
        for (var i = 0; i < _count; i++)
            line += " " + Names[i] + "=" + ((long)(Ms[i] * 1000)).ToString(System.Globalization.CultureInfo.InvariantCulture)
                + "/" + ((long)(ThreadMs[i] * 1000)).ToString(System.Globalization.CultureInfo.InvariantCulture);
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
}
