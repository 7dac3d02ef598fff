using StackExchange.Redis;

namespace Multiproc.Redis.Tests;

/// <summary>
/// Acknowledged entries leave the stream (trimmed in one XTRIM MINID when in order, deleted one by one when
/// acknowledged after an older item still pending), so the stream holds exactly the items not yet taken plus
/// those pending, and the size checks (Count, maxSize) stay exact.
/// </summary>
[Collection(SharedServer.Name)]
public sealed class StreamTrimTests(RedisServer server)
{
    [Fact]
    public void AcknowledgedItemsLeaveTheStreamInOrderOrNot()
    {
        var name = Wait.UniqueName("trim");
        using var redis = ConnectionMultiplexer.Connect(server.ConnectionString);
        var db = redis.GetDatabase();
        RedisKey stream = $"multiproc:{{{name}}}:items";
        using var a = new RedisJoinableQueue<int>(redis, name, maxSize: 4);
        using var b = new RedisJoinableQueue<int>(redis, name, maxSize: 4);
        a.PutMany([1, 2, 3, 4]);
        Assert.Equal(1, a.Get());
        Assert.Equal(2, b.Get());
        Assert.Equal(3, b.Get());

        b.TaskDone(); // 2, while 1 (older) is still pending: deleted on its own
        Assert.True(b.FlushAcknowledgements(Wait.Long));
        Assert.Equal(3, db.StreamLength(stream)); // 1 and 3 pending, 4 not taken
        Assert.Equal(1, a.Count);
        Assert.Equal(3, a.Unfinished);
        a.PutMany([5, 6, 7]);
        Assert.True(a.IsFull);
        Assert.Throws<QueueFullException>(() => a.PutNowait(8));

        a.TaskDone(); // 1: everything before 3 goes in one trim
        b.TaskDone(); // 3
        Assert.True(a.FlushAcknowledgements(Wait.Long));
        Assert.True(b.FlushAcknowledgements(Wait.Long));
        Assert.Equal(4, db.StreamLength(stream));
        Assert.Equal(4, a.Count);

        Assert.Equal([4, 5, 6, 7], Enumerable.Range(0, 4).Select(_ => a.GetNowait()).ToArray());
        for (var i = 0; i < 4; i++) a.TaskDone();
        Assert.True(a.Join(Wait.Long));
        Assert.Equal(0, db.StreamLength(stream));
        Assert.Equal(0, a.Count);
    }

    [Fact]
    public void PlainQueueLeavesNothingBehindAndReadsBeforeAnyPut()
    {
        var name = Wait.UniqueName("trim-plain");
        using var redis = ConnectionMultiplexer.Connect(server.ConnectionString);
        RedisKey stream = $"multiproc:{{{name}}}:items";
        using var consumer = new RedisQueue<int>(redis, name, options: new RedisQueueOptions { ReadBatchSize = 7 });
        Assert.False(consumer.TryGet(out _)); // no stream nor group yet: the read creates them
        using var producer = new RedisQueue<int>(redis, name);
        producer.PutMany(Enumerable.Range(0, 100));
        Assert.Equal(Enumerable.Range(0, 100), Enumerable.Range(0, 100).Select(_ => consumer.GetNowait()).ToArray());
        Assert.True(consumer.FlushAcknowledgements(Wait.Long));
        Assert.Equal(0, redis.GetDatabase().StreamLength(stream));
        Assert.True(consumer.IsEmpty);
    }
}
