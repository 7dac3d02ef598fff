using System.Diagnostics;
using Multiproc;

public static class QueueProbe
{
    public static void Consumer(ProcessQueue<byte[]?> q, ProcessQueue<string?> back)
    {
        var sw = Stopwatch.StartNew();
        var n = 0;
        var g2 = GC.CollectionCount(2);
        TimeSpan busy = default;
        while (true)
        {
            var t = Stopwatch.GetTimestamp();
            var x = q.Get();
            busy += Stopwatch.GetElapsedTime(t);
            if (x is null) break;
            n++;
        }
        back.Put($"consumer got {n} in {sw.ElapsedMilliseconds} ms, in Get {busy.TotalMilliseconds:F0} ms, gen2 GCs {GC.CollectionCount(2) - g2}, cpu {Process.GetCurrentProcess().TotalProcessorTime.TotalMilliseconds:F0} ms");
    }

    public static int Run()
    {
        using var q2 = new ProcessQueue<byte[]?>();
        using var back = new ProcessQueue<string?>();
        var c = new ChildProcess(() => Consumer(q2, back));
        c.Start();
        Thread.Sleep(1000);
        var item = new byte[1 << 20];
        var cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
        var sw3 = Stopwatch.StartNew();
        for (var i = 0; i < 1000; i++) q2.Put(item);
        q2.Put(null);
        Console.WriteLine($"producer put loop {sw3.ElapsedMilliseconds} ms, cpu {(Process.GetCurrentProcess().TotalProcessorTime - cpu0).TotalMilliseconds:F0} ms");
        Console.WriteLine(back.Get());
        c.Join();
        return 0;
    }
}
