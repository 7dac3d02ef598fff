namespace Multiproc.Redis.Tests;

public sealed record Dish(string Name, int Number);

[Collection(SharedServer.Name)]
public sealed class QueueApiTests(RedisServer server)
{
    [Fact]
    public void ItemsRoundTripAsJsonInOrderNullIncluded()
    {
        using var q = new RedisQueue<Dish?>(server.ConnectionString, Wait.UniqueName("json"));
        q.Put(new Dish("noodles", 1));
        q.Put(null);
        q.Put(new Dish("dumplings", 2), TimeSpan.FromSeconds(1));
        Assert.Equal(3, q.Count);
        Assert.Equal(new Dish("noodles", 1), q.Get());
        Assert.Null(q.Get(TimeSpan.FromSeconds(10)));
        Assert.Equal(new Dish("dumplings", 2), q.GetNowait());
        Assert.True(q.IsEmpty);
    }

    [Fact]
    public void EmptyQueueThrowsOrReturnsFalse()
    {
        using var q = new RedisQueue<int>(server.ConnectionString, Wait.UniqueName("empty"));
        Assert.Throws<QueueEmptyException>(() => q.GetNowait());
        Assert.Throws<QueueEmptyException>(() => q.Get(TimeSpan.FromMilliseconds(50)));
        Assert.False(q.TryGet(out _));
        Assert.False(q.TryGet(out _, TimeSpan.FromMilliseconds(50)));
        Assert.Equal("timeout", Assert.Throws<ArgumentOutOfRangeException>(() => q.Get(TimeSpan.FromSeconds(-3))).ParamName);
    }

    [Fact]
    public void BoundedQueueRefusesPastMaxSize()
    {
        using var q = new RedisQueue<int>(server.ConnectionString, Wait.UniqueName("bounded"), maxSize: 2);
        q.PutNowait(1);
        Assert.True(q.TryPut(2));
        Assert.True(q.IsFull);
        Assert.Throws<QueueFullException>(() => q.PutNowait(3));
        Assert.Throws<QueueFullException>(() => q.Put(3, TimeSpan.FromMilliseconds(50)));
        Assert.False(q.TryPut(3, TimeSpan.FromMilliseconds(50)));
        Assert.Equal("items", Assert.Throws<ArgumentException>(() => q.PutMany([1, 2, 3])).ParamName);
        Assert.Equal(1, q.Get());
        Assert.True(q.TryPut(3));
        Assert.Equal(2, q.Count);
    }

    [Fact]
    public async Task PutManyAsyncBatchesOnTheWireTogetherArriveInCallOrder()
    {
        using var q = new RedisJoinableQueue<int>(server.ConnectionString, Wait.UniqueName("pipelined"), maxSize: 300);
        var puts = Enumerable.Range(0, 8).Select(b => q.PutManyAsync(Enumerable.Range(b * 30, 30)).AsTask()).ToArray();
        await Task.WhenAll(puts).WaitAsync(Wait.Long);
        Assert.Equal(240, q.Count);
        Assert.Equal(240, q.Unfinished);
        Assert.Equal(Enumerable.Range(0, 240), Enumerable.Range(0, 240).Select(_ => q.GetNowait()).ToArray());
        Assert.Equal("items", Assert.Throws<ArgumentException>(() => q.PutManyAsync(Enumerable.Range(0, 301))).ParamName);
        Assert.Throws<ArgumentNullException>(() => q.PutManyAsync(null!));
        await q.PutManyAsync([]); // nothing to put: completes at once
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await q.PutManyAsync([1], cancelled.Token));
        Assert.Equal(0, q.Count);
    }

    [Fact]
    public async Task AsyncFormsWaitAndCancelWithoutLosingItems()
    {
        using var q = new RedisQueue<int>(server.ConnectionString, Wait.UniqueName("async"));
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await q.GetAsync(cts.Token));
        var getting = q.GetAsync().AsTask();
        await q.PutAsync(7);
        Assert.Equal(7, await getting.WaitAsync(TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public void DisposeGivesBackItemsReadAhead()
    {
        var name = Wait.UniqueName("give-back");
        var greedy = new RedisQueue<int>(server.ConnectionString, name, options: new RedisQueueOptions { ReadBatchSize = 10 });
        greedy.PutMany([1, 2, 3, 4, 5]);
        Assert.Equal(1, greedy.Get());
        Assert.Equal(0, greedy.Count);
        greedy.Dispose();
        using var other = new RedisQueue<int>(server.ConnectionString, name);
        Assert.Equal([2, 3, 4, 5], Enumerable.Range(0, 4).Select(_ => other.GetNowait()));
        Assert.Throws<ObjectDisposedException>(() => greedy.Get());
    }

    [Fact]
    public void TaskDoneMoreThanTakenThrowsAndJoinCounts()
    {
        using var q = new RedisJoinableQueue<string>(server.ConnectionString, Wait.UniqueName("taskdone"));
        Assert.True(q.Join(TimeSpan.Zero));
        q.Put("a");
        Assert.False(q.Join(TimeSpan.FromMilliseconds(50)));
        Assert.Equal("a", q.Get());
        q.TaskDone();
        Assert.Throws<InvalidOperationException>(() => q.TaskDone());
        Assert.True(q.Join(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public void BadArgumentsAreNamed()
    {
        Assert.Equal("name", Assert.Throws<ArgumentException>(() => new RedisQueue<int>(server.ConnectionString, " ")).ParamName);
        Assert.Equal("connectionString", Assert.Throws<ArgumentException>(() => new RedisJoinableQueue<int>(" ", "x")).ParamName);
        Assert.Throws<ArgumentOutOfRangeException>(() => new RedisQueueOptions { ReadBatchSize = 0 });
        Assert.Throws<ArgumentOutOfRangeException>(() => new RedisQueueOptions { VisibilityTimeout = TimeSpan.Zero });
    }
}
