namespace Multiproc.Redis.Tests;

/// <summary>Delivery across real processes: exactly once without faults, again after a consumer is killed.</summary>
[Collection(SharedServer.Name)]
public sealed class DeliveryTests(RedisServer server)
{
    [Fact]
    public void FourProducersThreeConsumersDeliverEveryItemExactlyOnce()
    {
        const int producers = 4, perProducer = 2_000, consumers = 3;
        var name = Wait.UniqueName("exactly-once");
        var conn = server.ConnectionString;
        using var dir = new TempDir();
        var children = new List<ChildProcess>();
        var sw = System.Diagnostics.Stopwatch.StartNew();
        try
        {
            var outs = Enumerable.Range(0, consumers).Select(i => dir.File($"c{i}.txt")).ToArray();
            foreach (var outPath in outs)
                children.Add(new ChildProcess(() => RedisTargets.Consume(conn, name, 8, outPath)));
            for (var p = 0; p < producers; p++)
            {
                var id = p;
                children.Add(new ChildProcess(() => RedisTargets.Produce(conn, name, id, perProducer)));
            }
            foreach (var c in children) c.Start();
            foreach (var c in children.Skip(consumers)) Wait.Joined(c);
            using (var q = new RedisQueue<int>(conn, name))
                for (var i = 0; i < consumers; i++) q.Put(-1);
            foreach (var c in children.Take(consumers)) Wait.Joined(c);
            foreach (var c in children) Assert.Equal(0, c.ExitCode);

            var got = outs.SelectMany(File.ReadAllLines).Select(int.Parse).ToList();
            using (var mux = StackExchange.Redis.ConnectionMultiplexer.Connect(conn))
            {
                var pending = mux.GetDatabase().StreamPending($"multiproc:{{{name}}}:items", "multiproc");
                var length = mux.GetDatabase().StreamLength($"multiproc:{{{name}}}:items");
                Console.WriteLine($"exactly-once: {sw.Elapsed.TotalSeconds:0.0} s, stream length {length}, pending {pending.PendingMessageCount} ({string.Join(", ", pending.Consumers.Select(c => c.Name + "=" + c.PendingMessageCount))})");
            }
            var expected = Enumerable.Range(0, producers).SelectMany(p => Enumerable.Range(0, perProducer).Select(i => p * 100_000 + i)).ToHashSet();
            Assert.Equal(expected.Count, got.Count);
            Assert.True(expected.SetEquals(got), "every item put was got, none twice");
            using var check = new RedisQueue<int>(conn, name);
            Assert.Equal(0, check.Count);
        }
        finally
        {
            Wait.Cleanup(children);
        }
    }

    [Fact]
    public void AnItemTakenByAKilledConsumerWithoutTaskDoneIsDeliveredAgain()
    {
        var name = Wait.UniqueName("redeliver");
        var conn = server.ConnectionString;
        using var dir = new TempDir();
        var options = new RedisQueueOptions { VisibilityTimeout = TimeSpan.FromSeconds(1) };
        using var q = new RedisJoinableQueue<int>(conn, name, options: options);
        q.PutMany([1, 2, 3]);
        var ready = dir.File("ready");
        var victim = new ChildProcess(() => RedisTargets.TakeAndHang(conn, name, true, 1, 1000, ready));
        try
        {
            victim.Start();
            Assert.True(Wait.Until(() => File.Exists(ready) && File.ReadAllText(ready).Length > 0, Wait.Long), "the consumer took an item");
            var taken = int.Parse(File.ReadAllText(ready));
            victim.Kill();
            Wait.Joined(victim);

            var got = new List<int>();
            for (var i = 0; i < 3; i++)
            {
                got.Add(q.Get(TimeSpan.FromSeconds(30)));
                q.TaskDone();
            }
            Assert.Equal([1, 2, 3], got.Order());
            Assert.Contains(taken, got);
            Assert.True(q.Join(TimeSpan.FromSeconds(30)));
            Assert.Equal(0, q.Unfinished);
        }
        finally
        {
            Wait.Cleanup([victim]);
        }
    }

    [Fact]
    public void ItemsReadAheadByAKilledConsumerAreDeliveredAgainButTheOneItsGetReturnedIsNot()
    {
        var name = Wait.UniqueName("read-ahead");
        var conn = server.ConnectionString;
        using var dir = new TempDir();
        using var q = new RedisQueue<int>(conn, name, options: new RedisQueueOptions { VisibilityTimeout = TimeSpan.FromSeconds(1) });
        q.PutMany(Enumerable.Range(1, 10));
        var ready = dir.File("ready");
        var victim = new ChildProcess(() => RedisTargets.TakeAndHang(conn, name, false, 10, 1000, ready));
        try
        {
            victim.Start();
            Assert.True(Wait.Until(() => File.Exists(ready) && File.ReadAllText(ready).Length > 0, Wait.Long), "the consumer took an item");
            Assert.Equal("1", File.ReadAllText(ready));
            Assert.Equal(0, q.Count); // the other nine are read ahead by the victim
            victim.Kill();
            Wait.Joined(victim);

            var got = Enumerable.Range(0, 9).Select(_ => q.Get(TimeSpan.FromSeconds(30))).ToList();
            Assert.Equal(Enumerable.Range(2, 9), got.Order());
            Assert.False(q.TryGet(out _, TimeSpan.FromSeconds(2)), "item 1 was acknowledged when Get returned it");
        }
        finally
        {
            Wait.Cleanup([victim]);
        }
    }

    [Fact]
    public void JoinWaitsForLateTaskDonesInAnotherProcess()
    {
        var name = Wait.UniqueName("join");
        var conn = server.ConnectionString;
        using var dir = new TempDir();
        using var q = new RedisJoinableQueue<int>(conn, name);
        q.PutMany(Enumerable.Range(1, 5));
        Assert.Equal(5, q.Unfinished);
        var log = dir.File("done.log");
        var worker = new ChildProcess(() => RedisTargets.SlowTaskDone(conn, name, 5, 200, log));
        try
        {
            worker.Start();
            Assert.False(q.Join(TimeSpan.FromMilliseconds(100)), "items are still unfinished");
            Assert.True(q.Join(Wait.Long), "Join returned once every item was done");
            Assert.Equal(5, File.ReadAllLines(log).Length);
            Assert.Equal(0, q.Unfinished);
            Wait.Joined(worker);
            Assert.Equal(0, worker.ExitCode);
        }
        finally
        {
            Wait.Cleanup([worker]);
        }
    }
}
