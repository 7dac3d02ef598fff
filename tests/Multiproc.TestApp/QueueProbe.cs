using System.Diagnostics;
using Multiproc;

public static class QueueProbe
{
    public static void Consumer(ProcessQueue<string?> q, ProcessQueue<string?> back)
    {
        var sw = Stopwatch.StartNew();
        var n = 0;
        while (q.Get() is not null) n++;
        back.Put($"consumer got {n} in {sw.ElapsedMilliseconds} ms");
    }

    public static int Run()
    {
        for (var round = 0; round < 2; round++)
        {
            using var q = new ProcessQueue<string?>();
            var payload = new string('x', 32);
            var sw = Stopwatch.StartNew();
            for (var i = 0; i < 200_000; i++) q.Put(payload);
            Console.WriteLine($"put {sw.Elapsed.TotalMilliseconds / 200_000 * 1e6:F0} ns/item");
            sw.Restart();
            for (var i = 0; i < 200_000; i++) q.Get();
            Console.WriteLine($"get {sw.Elapsed.TotalMilliseconds / 200_000 * 1e6:F0} ns/item");
        }
        using var b = new ProcessQueue<byte[]>();
        var item = new byte[1 << 20];
        var sw2 = Stopwatch.StartNew();
        for (var i = 0; i < 200; i++) { b.Put(item); b.Get(); }
        Console.WriteLine($"1mib put+get {sw2.Elapsed.TotalMilliseconds / 200:F2} ms/item");

        using var q2 = new ProcessQueue<string?>();
        using var back = new ProcessQueue<string?>();
        var c = new ChildProcess(() => Consumer(q2, back));
        c.Start();
        Thread.Sleep(500);
        var sw3 = Stopwatch.StartNew();
        for (var i = 0; i < 200_000; i++) q2.Put("xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
        q2.Put(null);
        Console.WriteLine($"cross-process put loop {sw3.ElapsedMilliseconds} ms");
        Console.WriteLine(back.Get());
        c.Join();
        return 0;
    }
}
