// The baozi shop with a JoinableQueue: the consumer marks each bun done with TaskDone(); the
// producer waits with Join() until every bun it made has been eaten. The consumer is a daemon, so
// it ends with the program, and no sentinel is needed.
// Run: dotnet run --project samples/BaoziShopJoinable [-- --fast]
using Multiproc;
using Multiproc.Samples;

var fast = SampleOptions.Fast(args);
using var q = new JoinableQueue<string>();
var producer = new ChildProcess(() => Shop.Producer(q, 10, fast), "producer");
var consumer = new ChildProcess(() => Shop.Consumer(q, fast), "consumer") { Daemon = true };
producer.Start();
consumer.Start();
producer.Join();   // the producer returns once every bun was eaten
Console.WriteLine("main: every bun was eaten; the daemon consumer ends with us");

public static class Shop
{
    public static void Producer(JoinableQueue<string> q, int buns, bool fast)
    {
        for (var i = 1; i <= buns; i++)
        {
            Thread.Sleep(SampleOptions.Delay(Random.Shared.Next(300, 1000), fast));
            var bun = $"bun {i}";
            q.Put(bun);
            Console.WriteLine($"{Environment.ProcessId} made {bun}");
        }
        q.Join();
        Console.WriteLine($"{Environment.ProcessId} sees that every bun was eaten");
    }

    public static void Consumer(JoinableQueue<string> q, bool fast)
    {
        while (true)
        {
            var bun = q.Get();
            try
            {
                Thread.Sleep(SampleOptions.Delay(Random.Shared.Next(300, 1000), fast));
                Console.WriteLine($"{Environment.ProcessId} ate {bun}");
            }
            finally
            {
                q.TaskDone();
            }
        }
    }
}
