// The tutorial's Queue basics: a queue of at most 3 items, blocking put/get with timeouts,
// Full/Empty, the nowait forms, and why IsEmpty/IsFull/Count cannot be trusted across processes.
// Run: dotnet run --project samples/QueueBasics [-- --fast]
using Multiproc;
using Multiproc.Samples;

var fast = SampleOptions.Fast(args);
var timeout = TimeSpan.FromMilliseconds(SampleOptions.Delay(2000, fast));
using var q = new ProcessQueue<string>(maxSize: 3);

q.Put("bun 1");
q.Put("bun 2");
q.Put("bun 3");
Console.WriteLine($"put 3 items; Count={q.Count} IsFull={q.IsFull}");

try { q.PutNowait("bun 4"); }
catch (QueueFullException) { Console.WriteLine("PutNowait on a full queue: QueueFullException at once"); }

try { q.Put("bun 4", timeout); }
catch (QueueFullException) { Console.WriteLine($"Put with a {timeout.TotalMilliseconds:0} ms timeout: QueueFullException after waiting"); }

Console.WriteLine($"TryPut: {q.TryPut("bun 4")} (no exception, just false)");

for (var i = 0; i < 3; i++) Console.WriteLine($"Get -> {q.Get()}");
Console.WriteLine($"IsEmpty={q.IsEmpty}");

try { q.GetNowait(); }
catch (QueueEmptyException) { Console.WriteLine("GetNowait on an empty queue: QueueEmptyException at once"); }

try { q.Get(timeout); }
catch (QueueEmptyException) { Console.WriteLine($"Get with a {timeout.TotalMilliseconds:0} ms timeout: QueueEmptyException after waiting"); }

// Why the size checks lie: another process changes the queue between the check and the action.
// A child fills the queue while the parent looks; the parent's earlier reading is already wrong.
var sawEmpty = q.IsEmpty;
var filler = new ChildProcess(() => QueueBasics.Fill(q, 3));
filler.Start();
filler.Join();
Console.WriteLine($"IsEmpty said {sawEmpty} a moment ago; now Count={q.Count}: the snapshot was stale at once.");
Console.WriteLine("So never write `if (!q.IsEmpty) q.Get()`; write `if (q.TryGet(out var item)) …` (rule MP0005).");
while (q.TryGet(out var item)) Console.WriteLine($"TryGet -> {item}");

public static class QueueBasics
{
    public static void Fill(ProcessQueue<string> q, int n)
    {
        for (var i = 1; i <= n; i++) q.Put($"bun {i} from {Environment.ProcessId}");
    }
}
