using System.Diagnostics;
using Multiproc;

namespace Multiproc.Bench;

/// <summary>
/// A joinable_1p1c consumer's first run, for its own start trace: <c>Multiproc.Bench --first-run R K</c> runs R rounds;
/// each waits 1.5 s (the spares boot and take their head start), puts K 32-char strings on a new
/// <see cref="JoinableQueue{T}"/>, starts a daemon consumer that takes and marks done K items and returns, and joins
/// the queue and the child. Run with <c>CHILD_MULTIPROC_TRACE_START=1</c>: each consumer's trace line shows the CPU,
/// page faults and JIT compilations from its frame (<c>frame</c>) through binding (<c>bound</c>) to its K-th item
/// (<c>target</c>).
/// </summary>
public static class FirstRun
{
    public static void Consumer(JoinableQueue<string?> q, int k)
    {
        for (var i = 0; i < k; i++)
        {
            q.Get();
            q.TaskDone();
        }
    }

    public static int Run(int rounds, int k)
    {
        var payload = new string('x', 32);
        for (var r = 0; r < rounds; r++)
        {
            Thread.Sleep(1500);
            using var q = new JoinableQueue<string?>();
            for (var i = 0; i < k; i++) q.Put(payload);
            var c = new ChildProcess(() => Consumer(q, k)) { Daemon = true };
            var sw = Stopwatch.StartNew();
            c.Start();
            q.Join();
            var ms = sw.Elapsed.TotalMilliseconds;
            c.Join();
            Console.WriteLine($"round {r}: start to join {ms:F1} ms, exit {c.ExitCode}");
        }
        return 0;
    }
}
