// The Kitchen sample past one machine: cooks and eaters are two programs that share only a Redis server
// (a RedisJoinableQueue named "kitchen"). Start the eaters in one terminal (or on one machine) and the cooks
// in another; the cooks end once everything they made was eaten, the eaters run until Ctrl+C (or --for N s).
// Run: dotnet run --project samples/KitchenRedis -- --role eaters|cooks|both [--redis host:port] [--fast] [--for SECONDS]
using Multiproc;
using Multiproc.Redis;
using Multiproc.Samples;

var fast = SampleOptions.Fast(args);
var redis = SampleOptions.Value(args, "--redis") ?? "localhost:6379";
var role = SampleOptions.Value(args, "--role") ?? "both";
var name = SampleOptions.Value(args, "--name") ?? "kitchen";
var seconds = int.TryParse(SampleOptions.Value(args, "--for"), out var s) ? s : (int?)null;

switch (role)
{
    case "cooks":
        RunCooks(redis, name, fast);
        break;
    case "eaters":
        RunEaters(redis, name, fast, seconds);
        break;
    case "both":
        var eaters = StartEaters(redis, name, fast);
        RunCooks(redis, name, fast);
        foreach (var e in eaters) e.Terminate();
        foreach (var e in eaters) e.Join();
        break;
    default:
        Console.Error.WriteLine($"unknown role '{role}': use --role cooks, --role eaters or --role both");
        return 2;
}
return 0;

static void RunCooks(string redis, string name, bool fast)
{
    var cooks = new[] { "bun", "bone", "soy milk" }
        .Select(food => new ChildProcess(() => Kitchen.Cook(redis, name, food, 3, fast), $"cook-{food}"))
        .ToList();
    foreach (var c in cooks) c.Start();
    foreach (var c in cooks) c.Join();
    Console.WriteLine("cooks: all cooks are done and everything was eaten");
}

static List<ChildProcess> StartEaters(string redis, string name, bool fast)
{
    var eaters = Enumerable.Range(1, 2)
        .Select(i => new ChildProcess(() => Kitchen.Eat(redis, name, fast), $"eater-{i}") { Daemon = true })
        .ToList();
    foreach (var e in eaters) e.Start();
    return eaters;
}

static void RunEaters(string redis, string name, bool fast, int? seconds)
{
    var eaters = StartEaters(redis, name, fast);
    Console.WriteLine(seconds is { } n ? $"eaters: eating for {n} s" : "eaters: eating until Ctrl+C");
    Thread.Sleep(seconds is { } t ? TimeSpan.FromSeconds(t) : Timeout.InfiniteTimeSpan);
    foreach (var e in eaters) e.Terminate();
    foreach (var e in eaters) e.Join();
}

public static class Kitchen
{
    // An eater that dies mid-dish (Ctrl+C, kill, a lost machine) has its dish served again to another eater
    // after this long: delivery is at least once, so eating a dish must be safe to repeat.
    private static readonly RedisQueueOptions Options = new() { VisibilityTimeout = TimeSpan.FromSeconds(5) };

    public static void Cook(string redis, string name, string food, int count, bool fast)
    {
        using var q = new RedisJoinableQueue<string>(redis, name, options: Options);
        for (var i = 1; i <= count; i++)
        {
            Thread.Sleep(SampleOptions.Delay(Random.Shared.Next(300, 1000), fast));
            var dish = $"{food} {i}";
            q.Put(dish);
            Console.WriteLine($"{Environment.MachineName}:{Environment.ProcessId} made {dish}");
        }
        q.Join();
    }

    public static void Eat(string redis, string name, bool fast)
    {
        using var q = new RedisJoinableQueue<string>(redis, name, options: Options);
        while (true)
        {
            var dish = q.Get();
            try
            {
                Thread.Sleep(SampleOptions.Delay(Random.Shared.Next(300, 1000), fast));
                Console.WriteLine($"{Environment.MachineName}:{Environment.ProcessId} ate {dish}");
            }
            finally
            {
                q.TaskDone();
            }
        }
    }
}
