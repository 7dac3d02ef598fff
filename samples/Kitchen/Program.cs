// Many producers and consumers on one JoinableQueue: three cooks (buns, bones, soy milk) and two
// daemon eaters. Each cook waits until its food is eaten; main joins the cooks and ends, and the
// daemon eaters end with it.
// Run: dotnet run --project samples/Kitchen [-- --fast]
using Multiproc;
using Multiproc.Samples;

var fast = SampleOptions.Fast(args);
using var q = new JoinableQueue<string>();
var cooks = new[] { "bun", "bone", "soy milk" }
    .Select(food => new ChildProcess(() => Kitchen.Cook(q, food, 3, fast), $"cook-{food}"))
    .ToList();
var eaters = Enumerable.Range(1, 2)
    .Select(i => new ChildProcess(() => Kitchen.Eat(q, fast), $"eater-{i}") { Daemon = true })
    .ToList();
foreach (var e in eaters) e.Start();
foreach (var c in cooks) c.Start();
foreach (var c in cooks) c.Join();
Console.WriteLine("main: all cooks are done and everything was eaten");

public static class Kitchen
{
    public static void Cook(JoinableQueue<string> q, string food, int count, bool fast)
    {
        for (var i = 1; i <= count; i++)
        {
            Thread.Sleep(SampleOptions.Delay(Random.Shared.Next(300, 1000), fast));
            var dish = $"{food} {i}";
            q.Put(dish);
            Console.WriteLine($"{Environment.ProcessId} made {dish}");
        }
        q.Join();
    }

    public static void Eat(JoinableQueue<string> q, bool fast)
    {
        while (true)
        {
            var dish = q.Get();
            try
            {
                Thread.Sleep(SampleOptions.Delay(Random.Shared.Next(300, 1000), fast));
                Console.WriteLine($"{Environment.ProcessId} ate {dish}");
            }
            finally
            {
                q.TaskDone();
            }
        }
    }
}
