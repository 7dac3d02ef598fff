// The tutorial's "bathroom door": three processes share one ProcessLock; only one is inside at a time.
// Run: dotnet run --project samples/Bathroom [-- --fast]
using Multiproc;
using Multiproc.Samples;

var fast = SampleOptions.Fast(args);
using var door = new ProcessLock();
var people = Enumerable.Range(0, 3).Select(_ => new ChildProcess(() => Bathroom.Task(door, fast))).ToList();
foreach (var p in people) p.Start();
foreach (var p in people) p.Join();

public static class Bathroom
{
    public static void Task(ProcessLock door, bool fast)
    {
        using (door.Hold())
        {
            Console.WriteLine($"task[{Environment.ProcessId}] goes in");
            Thread.Sleep(SampleOptions.Delay(Random.Shared.Next(1000, 3001), fast));
            Console.WriteLine($"task[{Environment.ProcessId}] comes out");
        }
    }
}
