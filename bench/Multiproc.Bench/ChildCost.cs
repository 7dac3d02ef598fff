using Multiproc;

namespace Multiproc.Bench;

/// <summary>
/// What one child costs, for <c>perf stat</c>: <c>Multiproc.Bench --child-cost empty|ticket|wait|none N</c> starts and
/// joins N children one after the other (run it with <c>MULTIPROC_PRESTART=0</c> so that none is started ahead).
/// <c>none</c> does the same set-up without children: the parent's own cost, to subtract.
/// </summary>
public static class ChildCost
{
    public static int Run(string kind, int n)
    {
        var dir = Directory.CreateTempSubdirectory("multiproc-bench-cost-").FullName;
        var path = Path.Combine(dir, "ticket.json");
        File.WriteAllText(path, """{"count": 1000000}""");
        using var lk = new ProcessLock();
        for (var i = 0; i < (kind == "none" ? 0 : n); i++)
        {
            ChildProcess p = kind switch
            {
                "empty" => new ChildProcess(() => CoreWorkloads.Noop()),
                "ticket" or "wait" => new ChildProcess(() => CoreWorkloads.Buy(lk, path)),
                _ => throw new ArgumentException($"unknown child kind {kind}; use empty, ticket, wait or none"),
            };
            if (kind == "wait")
            {
                // A ticket child that waits 3 s for the lock, as most of ticket_50's children do.
                using (lk.Hold())
                {
                    p.Start();
                    Thread.Sleep(3000);
                }
            }
            else
            {
                p.Start();
            }
            p.Join();
            if (p.ExitCode != 0) throw new InvalidOperationException($"child exit code {p.ExitCode}");
        }
        if (kind == "none") _ = new ChildProcess(() => CoreWorkloads.Noop());
        Directory.Delete(dir, recursive: true);
        return 0;
    }
}
