// The Process lifecycle of the tutorial: name and pid, join order, daemon children, terminate,
// IsAlive right after Terminate() (still true: the signal is on its way) and after Join() (false).
// Run: dotnet run --project samples/Lifecycle [-- --fast]
using Multiproc;
using Multiproc.Samples;

var fast = SampleOptions.Fast(args);
Console.WriteLine($"parent pid {Environment.ProcessId}");

// 1. Name, pid, join order: the parent waits for each child in the order it joins them.
var workers = new List<ChildProcess>();
for (var i = 1; i <= 3; i++)
{
    var seconds = 4 - i;
    var p = new ChildProcess(() => Lifecycle.Work(seconds, fast), name: $"worker-{i}");
    p.Start();
    Console.WriteLine($"started {p.Name} pid={p.Pid} alive={p.IsAlive}");
    workers.Add(p);
}
foreach (var p in workers)
{
    p.Join();
    Console.WriteLine($"joined {p.Name} exitcode={p.ExitCode} alive={p.IsAlive}");
}

// 2. A daemon child is terminated when the parent ends instead of being waited for.
var daemon = new ChildProcess(() => Lifecycle.Forever(fast), name: "daemon") { Daemon = true };
daemon.Start();
Console.WriteLine($"started {daemon.Name} pid={daemon.Pid} daemon={daemon.Daemon}");

// 3. Terminate: IsAlive may still be true right after, until Join() has reaped the child.
var victim = new ChildProcess(() => Lifecycle.Forever(fast), name: "victim");
victim.Start();
Thread.Sleep(fast ? 400 : 1500); // long enough for the child to start and print
victim.Terminate();
Console.WriteLine($"right after Terminate(): {victim.Name} alive={victim.IsAlive}");
victim.Join();
Console.WriteLine($"after Join(): {victim.Name} alive={victim.IsAlive} exitcode={victim.ExitCode}");

Thread.Sleep(fast ? 400 : 1500);
Console.WriteLine("parent done; the daemon is terminated on exit");

public static class Lifecycle
{
    public static void Work(int seconds, bool fast)
    {
        var me = ChildProcess.Current!;
        Console.WriteLine($"  {me.Name} (pid {me.Pid}) works {seconds}s");
        Thread.Sleep(SampleOptions.Delay(seconds * 1000, fast));
        Console.WriteLine($"  {me.Name} done");
    }

    public static void Forever(bool fast)
    {
        var me = ChildProcess.Current!;
        while (true)
        {
            Console.WriteLine($"  {me.Name} (pid {me.Pid}) is still here");
            Thread.Sleep(SampleOptions.Delay(1000, fast));
        }
    }
}
