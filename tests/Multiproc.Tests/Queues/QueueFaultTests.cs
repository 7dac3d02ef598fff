// Child targets are public static methods of the test classes (the child process calls them by reflection).
#pragma warning disable xUnit1013, CA1416

using Multiproc.Internal;

namespace Multiproc.Tests.Queues;

/// <summary>Processes killed (SIGKILL) in the middle of queue operations.</summary>
public class QueueFaultTests
{
    private static readonly TimeSpan W = Bounded.Wait;

    public static void BlockedGet(ProcessQueue<string?> q, ProcessQueue<int> ready)
    {
        ready.Put(Environment.ProcessId);
        q.Get(); // nothing comes: killed here
    }

    /// <summary>Stops inside the put or get lock at <paramref name="stage"/> and waits to be killed.</summary>
    public static void StopAt(string stage, ProcessQueue<string?> q, ProcessQueue<int> ready, bool put)
    {
        SharedRing.CrashPoint = s =>
        {
            if (s != stage) return;
            SharedRing.CrashPoint = null; // the hook fires for every queue: not again for this one
            ready.Put(1);
            Thread.Sleep(Timeout.Infinite);
        };
        if (put) q.Put("from the killed producer");
        else q.Get(W);
    }

    public static void StreamBig(ProcessQueue<byte[]> q, ProcessQueue<int> acks)
    {
        for (var i = 0; ; i++)
        {
            // Alternate inline records (copied into the ring under the lock) and file-backed ones.
            var size = i % 2 == 0 ? 512 << 10 : 3 << 20;
            var item = ProcessQueueTests.Pattern(size, i);
            BitConverter.TryWriteBytes(item, i);
            q.Put(item);
            acks.Put(i);
        }
    }

    [Fact]
    public void An_item_taken_before_its_put_was_counted_can_be_marked_done()
    {
        using var q = new JoinableQueue<string?>();
        using var ready = new ProcessQueue<int>();
        var victim = new ChildProcess(() => StopAt("put-published", q, ready, true));
        victim.Start();
        ready.Get(W);
        // The producer stopped between publishing its record and counting it: the item is there to take.
        Assert.Equal("from the killed producer", q.Get(W));
        q.TaskDone(); // this item was put: not "too many times"
        Bounded.KillAndReap(victim);
        q.Put("after", W); // takes the dead producer's lock over and finishes its count
        Assert.Equal("after", q.Get(W));
        q.TaskDone();
        Assert.True(q.Join(W));
        Assert.Throws<InvalidOperationException>(() => q.TaskDone());
    }

    [Fact]
    public void A_consumer_killed_while_blocked_in_Get_leaves_the_queue_usable()
    {
        using var q = new ProcessQueue<string?>();
        using var ready = new ProcessQueue<int>();
        var victim = new ChildProcess(() => BlockedGet(q, ready));
        victim.Start();
        ready.Get(W);
        Thread.Sleep(300); // well into its futex wait
        Bounded.KillAndReap(victim);

        q.Put("a");
        q.Put(null);
        using var results = new ProcessQueue<List<string>>();
        var next = new ChildProcess(() => ProcessQueueTests.Consume(q, results));
        next.Start();
        Assert.Equal(["a"], results.Get(W));
        Bounded.Joined(next);
        Assert.True(q.IsEmpty);
    }

    [Fact]
    public void A_producer_killed_after_copying_but_before_committing_leaves_no_item()
    {
        using var q = new ProcessQueue<string?>();
        using var ready = new ProcessQueue<int>();
        q.Put("before");
        var victim = new ChildProcess(() => StopAt("put-copied", q, ready, true));
        victim.Start();
        ready.Get(W);
        Bounded.KillAndReap(victim);
        // The next put takes the dead producer's lock over.
        q.Put("after", W);
        Assert.Equal(2, q.Count);
        Assert.Equal("before", q.Get(W));
        Assert.Equal("after", q.Get(W));
        Assert.False(q.TryGet(out _, TimeSpan.FromMilliseconds(50)));
    }

    [Fact]
    public void A_producer_killed_after_its_journal_entry_has_its_put_completed()
    {
        using var q = new ProcessQueue<string?>();
        using var ready = new ProcessQueue<int>();
        var victim = new ChildProcess(() => StopAt("put-journaled", q, ready, true));
        victim.Start();
        ready.Get(W);
        Bounded.KillAndReap(victim);
        q.Put("after", W);
        Assert.Equal("from the killed producer", q.Get(W));
        Assert.Equal("after", q.Get(W));
        Assert.True(q.IsEmpty);
    }

    [Fact]
    public void A_consumer_killed_while_copying_an_item_out_leaves_it_in_the_queue()
    {
        using var q = new ProcessQueue<string?>();
        using var ready = new ProcessQueue<int>();
        q.Put("x");
        q.Put("y");
        var victim = new ChildProcess(() => StopAt("get-copied", q, ready, false));
        victim.Start();
        ready.Get(W);
        Bounded.KillAndReap(victim);
        Assert.Equal("x", q.Get(W));
        Assert.Equal("y", q.Get(W));
        Assert.True(q.IsEmpty);
    }

    [Fact]
    public void A_consumer_killed_after_its_journal_entry_has_its_get_completed()
    {
        using var q = new ProcessQueue<string?>();
        using var ready = new ProcessQueue<int>();
        q.Put("x");
        q.Put("y");
        var victim = new ChildProcess(() => StopAt("get-journaled", q, ready, false));
        victim.Start();
        ready.Get(W);
        Bounded.KillAndReap(victim);
        Assert.Equal("y", q.Get(W));
        Assert.Equal(0, q.Count);
        q.Put("z");
        Assert.Equal("z", q.Get(W));
    }

    [Fact]
    public void A_producer_killed_mid_stream_of_large_items_leaves_no_torn_item_and_loses_no_returned_put()
    {
        using var q = new ProcessQueue<byte[]>();
        using var acks = new ProcessQueue<int>();
        var victim = new ChildProcess(() => StreamBig(q, acks));
        victim.Start();
        var acked = new List<int> { acks.Get(W) }; // it is streaming
        Thread.Sleep(150);
        Bounded.KillAndReap(victim);

        while (acks.TryGet(out var a)) acked.Add(a);
        var received = new List<int>();
        while (q.TryGet(out var item))
        {
            var i = BitConverter.ToInt32(item);
            var size = i % 2 == 0 ? 512 << 10 : 3 << 20;
            Assert.Equal(size, item.Length);
            var expected = ProcessQueueTests.Pattern(size, i);
            BitConverter.TryWriteBytes(expected, i);
            Assert.True(expected.AsSpan().SequenceEqual(item), $"item {i} is torn");
            received.Add(i);
        }
        Assert.Equal(Enumerable.Range(0, received.Count), received);
        Assert.NotEmpty(acked);
        Assert.All(acked, a => Assert.Contains(a, received));
        Assert.InRange(received.Count, acked.Count, acked.Count + 1);

        // Still usable, by this process and by others.
        q.Put([1, 2, 3]);
        Assert.Equal(new byte[] { 1, 2, 3 }, q.Get(W));
        // At most the file of the put that was cut short is left (removed with the run).
        Assert.True(Directory.GetFiles(RunDirectory.Current, ((ISharedObject)q).Handle + "-i*").Length <= 1);
    }
}
