// The tutorial's baozi shop: one producer process makes buns, one consumer process eats them.
// The producer puts null when it is done (the tutorial's None sentinel); the consumer stops on it.
// Run: dotnet run --project samples/BaoziShop [-- --fast]
using Multiproc;
using Multiproc.Samples;

var fast = SampleOptions.Fast(args);
using var q = new ProcessQueue<string?>();
var producer = new ChildProcess(() => Shop.Producer(q, 10, fast), "producer");
var consumer = new ChildProcess(() => Shop.Consumer(q, fast), "consumer");
producer.Start();
consumer.Start();
producer.Join();
consumer.Join();
Console.WriteLine("main: shop closed");

public static class Shop
{
    public static void Producer(ProcessQueue<string?> q, int buns, bool fast)
    {
        for (var i = 1; i <= buns; i++)
        {
            Thread.Sleep(SampleOptions.Delay(Random.Shared.Next(500, 1500), fast));
            var bun = $"bun {i}";
            q.Put(bun);
            Console.WriteLine($"{Environment.ProcessId} made {bun}");
        }
        q.Put(null); // nothing more is coming
    }

    public static void Consumer(ProcessQueue<string?> q, bool fast)
    {
        while (true)
        {
            var bun = q.Get();
            if (bun is null) break;
            Thread.Sleep(SampleOptions.Delay(Random.Shared.Next(500, 1500), fast));
            Console.WriteLine($"{Environment.ProcessId} ate {bun}");
        }
    }
}
