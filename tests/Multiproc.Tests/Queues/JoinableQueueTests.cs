// Child targets are public static methods of the test classes (the child process calls them by reflection).
#pragma warning disable xUnit1013, CA1416

using System.Diagnostics;

namespace Multiproc.Tests.Queues;

public class JoinableQueueTests
{
    private static readonly TimeSpan W = Bounded.Wait;

    public static void Worker(JoinableQueue<string?> q)
    {
        while (true)
        {
            var item = q.Get();
            try
            {
                if (item is null) return;
            }
            finally
            {
                q.TaskDone();
            }
        }
    }

    public static void SlowWorker(JoinableQueue<int> q, int n)
    {
        for (var i = 0; i < n; i++)
        {
            q.Get(W);
            Thread.Sleep(2);
            q.TaskDone();
        }
    }

    [Fact]
    public void TaskDone_more_often_than_put_throws()
    {
        using var q = new JoinableQueue<int>();
        var e0 = Assert.Throws<InvalidOperationException>(() => q.TaskDone());
        Assert.Equal("TaskDone() called too many times", e0.Message);
        q.Put(1);
        q.Put(2);
        q.Get(W);
        q.TaskDone();
        q.Get(W);
        q.TaskDone();
        var e = Assert.Throws<InvalidOperationException>(() => q.TaskDone());
        Assert.Equal("TaskDone() called too many times", e.Message);
        Assert.True(q.Join(TimeSpan.Zero));
    }

    [Fact]
    public void Join_returns_once_every_item_is_done_by_a_daemon_consumer()
    {
        using var q = new JoinableQueue<string?>();
        var consumer = new ChildProcess(() => Worker(q)) { Daemon = true };
        consumer.Start();
        for (var i = 0; i < 5000; i++) q.Put("bun " + i);
        Assert.True(q.Join(W));
        Assert.True(q.IsEmpty);
        q.Put(null);
        q.Join(); // bounded by the consumer, which returns after the sentinel
        Bounded.Joined(consumer);
    }

    [Fact]
    public void Join_with_timeout_is_false_while_tasks_remain()
    {
        using var q = new JoinableQueue<int>();
        Assert.True(q.Join(TimeSpan.FromMilliseconds(10)));
        q.Put(1);
        var sw = Stopwatch.StartNew();
        Assert.False(q.Join(TimeSpan.FromMilliseconds(200)));
        Assert.InRange(sw.ElapsedMilliseconds, 150, 5000);
        q.Get(W);
        Assert.False(q.Join(TimeSpan.FromMilliseconds(50))); // taken but not done
        q.TaskDone();
        Assert.True(q.Join(TimeSpan.FromMilliseconds(50)));

        // A joiner sleeping in the kernel is woken by TaskDone in another process.
        for (var i = 0; i < 20; i++) q.Put(i);
        var worker = new ChildProcess(() => SlowWorker(q, 20));
        worker.Start();
        sw.Restart();
        Assert.True(q.Join(W));
        Assert.InRange(sw.ElapsedMilliseconds, 20, 29_000);
        Bounded.Joined(worker);
    }

    public static void TakeJoinable(JoinableQueue<int> q) => q.TaskDone();

    [Fact]
    public void A_joinable_queue_keeps_its_counter_across_processes()
    {
        using var q = new JoinableQueue<int>();
        q.Put(5);
        Assert.Equal(5, q.Get(W));
        var c = new ChildProcess(() => TakeJoinable(q));
        c.Start();
        Bounded.Joined(c);
        Assert.True(q.Join(TimeSpan.Zero));
        var again = new ChildProcess(() => TakeJoinable(q));
        again.Start();
        Bounded.Joined(again, expectedExit: 1); // too many: throws in the child
    }
}
