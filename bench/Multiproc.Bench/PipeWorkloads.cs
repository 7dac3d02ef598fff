using System.Diagnostics;
using Multiproc;

namespace Multiproc.Bench;

/// <summary>
/// The pipe workloads of ../shared/bench/python_baseline.py, with the same names and sizes:
/// pipe_pingpong (a child echoes ints; round trips per second) and pipe_stream (32-byte strings one way).
/// </summary>
public static class PipeWorkloads
{
    public static void Echo(PipeEnd<int> conn, int n)
    {
        for (var i = 0; i < n; i++) conn.Send(conn.Receive());
    }

    public static void PipePingPong(bool quick)
    {
        var n = quick ? 10_000 : 50_000;
        var (a, b) = ProcessPipe.Create<int>();
        var p = new ChildProcess(() => Echo(b, n));
        p.Start();
        b.Close();
        a.Send(0);
        a.Receive(); // the child is up
        var sw = Stopwatch.StartNew();
        for (var i = 0; i < n - 1; i++)
        {
            a.Send(i);
            a.Receive();
        }
        var dt = sw.Elapsed.TotalSeconds;
        p.Join();
        a.Close();
        global::Bench.Emit("pipe_pingpong", n - 1, dt);
    }

    public static void Drain(PipeEnd<string> conn, int n)
    {
        for (var i = 0; i < n; i++) conn.Receive();
    }

    public static void PipeStream(bool quick)
    {
        var n = (quick ? 10_000 : 50_000) * 4;
        var payload = new string('x', 32);
        var (r, w) = ProcessPipe.Create<string>(duplex: false);
        var p = new ChildProcess(() => Drain(r, n));
        p.Start();
        r.Close();
        var sw = Stopwatch.StartNew();
        for (var i = 0; i < n; i++) w.Send(payload);
        p.Join();
        var dt = sw.Elapsed.TotalSeconds;
        w.Close();
        global::Bench.Emit("pipe_stream", n, dt, ("payload_bytes", 32));
    }
}
