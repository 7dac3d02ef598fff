using StackExchange.Redis;

namespace Multiproc.Redis.Tests;

/// <summary>
/// <see cref="RedisQueueOptions.Prefetch"/>: the next batch is read while the current one is handed out. Its
/// items are this consumer's on the server as soon as the read is sent, so a Dispose in the middle (with the
/// read on the wire or answered and not yet stored) must give them back, and no get may hand one out twice.
/// The visibility timeout (30 s) is far longer than each test: an item not given back stays pending on the
/// server and shows up as missing, not as late.
/// </summary>
[Collection(SharedServer.Name)]
public sealed class PrefetchTests(RedisServer server)
{
    private static readonly RedisQueueOptions Prefetching = new() { ReadBatchSize = 16, Prefetch = true };

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ConsumersDisposedMidBatchLoseNoItemAndRepeatNone(bool joinable)
    {
        const int Items = 3000;
        var name = Wait.UniqueName(joinable ? "prefetch-joinable" : "prefetch-plain");
        using var redis = ConnectionMultiplexer.Connect(server.ConnectionString);
        RedisKey stream = $"multiproc:{{{name}}}:items";
        RedisQueue<int> Open() => joinable ? new RedisJoinableQueue<int>(redis, name, options: Prefetching) : new RedisQueue<int>(redis, name, options: Prefetching);
        using (var producer = Open()) producer.PutMany(Enumerable.Range(0, Items));

        var got = new List<int>();
        var random = new Random(15);
        var quietRounds = 0;
        while (quietRounds < 3)
        {
            // Past half a batch, so that the next read is on the wire (or answered) when the consumer goes away.
            var take = random.Next(9, 40);
            var before = got.Count;
            var consumer = Open();
            for (var i = 0; i < take && consumer.TryGet(out var item, TimeSpan.FromMilliseconds(200)); i++)
            {
                got.Add(item);
                if (consumer is RedisJoinableQueue<int> j) j.TaskDone();
            }
            if (random.Next(2) == 0) Thread.Sleep(random.Next(3)); // sometimes the prefetch is answered before Dispose
            consumer.Dispose();
            quietRounds = got.Count == before ? quietRounds + 1 : 0;
        }

        Assert.Equal(Items, got.Count);
        Assert.Equal(Enumerable.Range(0, Items), got.Order());
        var db = redis.GetDatabase();
        Assert.Equal(0, db.StreamLength(stream)); // nothing left pending to a consumer that went away
        Assert.Equal(0, db.StreamPending(stream, "multiproc").PendingMessageCount);
        if (joinable)
        {
            using var q = new RedisJoinableQueue<int>(redis, name);
            Assert.True(q.Join(Wait.Long));
        }
    }

    [Fact]
    public void ThreadsSharingAPrefetchingConsumerGetEachItemOnceInOrderPerThread()
    {
        const int Items = 4000;
        var name = Wait.UniqueName("prefetch-threads");
        using var redis = ConnectionMultiplexer.Connect(server.ConnectionString);
        using var consumer = new RedisQueue<int>(redis, name, options: Prefetching);
        var got = new List<int>[3];
        var threads = Enumerable.Range(0, got.Length).Select(t =>
        {
            got[t] = [];
            return new Thread(() =>
            {
                for (var item = consumer.Get(Wait.Long); item >= 0; item = consumer.Get(Wait.Long)) got[t].Add(item);
            });
        }).ToArray();
        foreach (var t in threads) t.Start();
        using (var producer = new RedisQueue<int>(redis, name))
        {
            for (var i = 0; i < Items; i += 100) producer.PutMany(Enumerable.Range(i, 100));
            producer.PutMany(Enumerable.Repeat(-1, threads.Length));
        }
        foreach (var t in threads) Assert.True(t.Join(Wait.Long), "a consumer thread did not end");

        Assert.Equal(Enumerable.Range(0, Items), got.SelectMany(g => g).Order());
        foreach (var g in got) Assert.Equal(g.Order(), g); // one queue: each thread sees its items in queue order
        Assert.True(consumer.FlushAcknowledgements(Wait.Long));
        Assert.Equal(0, redis.GetDatabase().StreamLength($"multiproc:{{{name}}}:items"));
    }
}
