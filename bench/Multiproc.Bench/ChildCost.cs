using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using Multiproc;

namespace Multiproc.Bench;

/// <summary>
/// What one child costs, for <c>perf stat</c>: <c>Multiproc.Bench --child-cost empty|ticket|wait|none N</c> starts and
/// joins N children one after the other (run it with <c>MULTIPROC_PRESTART=0</c> so that none is started ahead).
/// <c>none</c> does the same set-up without children: the parent's own cost, to subtract. With <c>--at-once</c> it
/// starts all N, then joins all (ticket_50's shape; the file then holds 10 tickets, as ticket_50's). At the end it
/// prints the children's own CPU and page faults per child (<c>getrusage(RUSAGE_CHILDREN)</c>, once they are reaped)
/// on stderr; <see cref="BareCost"/> is the same without Multiproc.
/// </summary>
public static class ChildCost
{
    public static int Run(string kind, int n, bool atOnce = false)
    {
        var dir = Directory.CreateTempSubdirectory("multiproc-bench-cost-").FullName;
        var path = Path.Combine(dir, "ticket.json");
        File.WriteAllText(path, atOnce ? """{"count": 10}""" : """{"count": 1000000}""");
        using var lk = new ProcessLock();
        var count = kind == "none" ? 0 : n;
        var sw = Stopwatch.StartNew();
        var started = double.NaN;
        if (atOnce)
        {
            var ps = new List<ChildProcess>();
            for (var i = 0; i < count; i++)
            {
                ps.Add(kind switch
                {
                    "empty" => new ChildProcess(() => CoreWorkloads.Noop()),
                    "ticket" => new ChildProcess(() => CoreWorkloads.Buy(lk, path)),
                    _ => throw new ArgumentException($"unknown child kind {kind} with --at-once; use empty, ticket or none"),
                });
                ps[^1].Start();
            }
            started = sw.Elapsed.TotalMilliseconds;
            foreach (var p in ps)
            {
                p.Join();
                if (p.ExitCode != 0) throw new InvalidOperationException($"child exit code {p.ExitCode}");
            }
        }
        for (var i = 0; i < (atOnce ? 0 : count); i++)
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
        var wall = sw.Elapsed.TotalMilliseconds;
        if (!atOnce) started = wall;
        if (kind == "none") _ = new ChildProcess(() => CoreWorkloads.Noop());
        var left = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(path))!["count"]!.ToString();
        Directory.Delete(dir, recursive: true);
        if (count > 0)
        {
            Thread.Sleep(300); // the reaper reaps a joined child 100 ms after its join; RUSAGE_CHILDREN counts reaped ones
            getrusage(-1 /* RUSAGE_CHILDREN */, out var u);
            var cpuMs = ((u.UserSec + u.SysSec) * 1e3 + (u.UserUsec + u.SysUsec) / 1e3) / count;
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"multiproc {kind} x{count}{(atOnce ? " at once" : "")}: children's own CPU {cpuMs:F1} ms/child (user {(u.UserSec * 1e3 + u.UserUsec / 1e3) / count:F1}), page faults {u.MinFlt / (double)count:F0}/child, wall {wall:F0} ms ({wall / count:F1} ms/child), starts done at {started:F0} ms, tickets left {left}"));
        }
        return 0;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct RUsage
    {
        public long UserSec, UserUsec, SysSec, SysUsec;
        public long MaxRss, IxRss, IdRss, IsRss, MinFlt, MajFlt, NSwap, InBlock, OuBlock, MsgSnd, MsgRcv, NSignals, NVCsw, NIvCsw;
    }

    [DllImport("libc")] private static extern int getrusage(int who, out RUsage usage);
}
