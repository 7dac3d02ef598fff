// Child targets are public static methods of the test classes (the child process calls them by reflection).
#pragma warning disable xUnit1013, CA1416

using Multiproc.Internal;
using Multiproc.Tests.Queues;

namespace Multiproc.Tests.Primitives;

/// <summary>
/// An async wait pending when this process disposes a primitive finishes after the segment is unmapped; disposing
/// must take it off the shared waiter count, or every later Set/Release by another process wakes nobody in vain.
/// </summary>
public class AsyncWaitCountTests
{
    private static readonly TimeSpan W = TimeSpan.FromSeconds(30);

    public static void HoldEvent(ProcessEvent e, ProcessEvent attached)
    {
        attached.Set();
        GC.KeepAlive(e);
        Thread.Sleep(Timeout.Infinite);
    }

    public static void HoldSemaphore(ProcessSemaphore s, ProcessEvent attached)
    {
        attached.Set();
        GC.KeepAlive(s);
        Thread.Sleep(Timeout.Infinite);
    }

    public static void HoldQueues(JoinableQueue<int> a, ProcessQueue<int> b, ProcessEvent attached)
    {
        attached.Set();
        GC.KeepAlive(a);
        GC.KeepAlive(b);
        Thread.Sleep(Timeout.Infinite);
    }

    [Fact]
    public async Task Queues_disposed_under_pending_PutAsync_JoinAsync_and_GetAsync_leave_the_waiter_counts_as_they_found_them()
    {
        var full = new JoinableQueue<int>(maxSize: 1);
        var empty = new ProcessQueue<int>();
        using var attached = new ProcessEvent();
        using var fullShare = SharedSegment.Open(((ISharedObject)full).Handle);
        using var emptyShare = SharedSegment.Open(((ISharedObject)empty).Handle);
        var p = new ChildProcess(() => HoldQueues(full, empty, attached));
        try
        {
            p.Start();
            Assert.True(attached.Wait(W));
            full.Put(1); // full now, and one item not done
            var putting = full.PutAsync(2).AsTask();
            var joining = full.JoinAsync();
            var getting = empty.GetAsync().AsTask();
            Assert.True(Wait.Until(() => SharedRing.WaitersIn(fullShare) == (0, 1, 1) && SharedRing.WaitersIn(emptyShare) == (1, 0, 0), W),
                $"counts {SharedRing.WaitersIn(fullShare)} {SharedRing.WaitersIn(emptyShare)}");
            full.Dispose();
            empty.Dispose();
            await Assert.ThrowsAsync<ObjectDisposedException>(() => putting.WaitAsync(W));
            await Assert.ThrowsAsync<ObjectDisposedException>(() => joining.WaitAsync(W));
            await Assert.ThrowsAsync<ObjectDisposedException>(() => getting.WaitAsync(W));
            Assert.Equal((0, 0, 0), SharedRing.WaitersIn(fullShare));
            Assert.Equal((0, 0, 0), SharedRing.WaitersIn(emptyShare));
            Bounded.KillAndReap(p);
        }
        finally
        {
            full.Dispose();
            empty.Dispose();
            Wait.Cleanup(p);
        }
    }

    [Fact]
    public async Task An_event_disposed_under_a_pending_WaitAsync_leaves_the_waiter_count_as_it_found_it()
    {
        var e = new ProcessEvent();
        using var attached = new ProcessEvent();
        // A share of the segment of its own: the count stays readable after this process let the event go.
        using var share = SharedSegment.Open(((ISharedObject)e).Handle);
        var p = new ChildProcess(() => HoldEvent(e, attached)); // another process keeps the event alive
        try
        {
            p.Start();
            Assert.True(attached.Wait(W));
            Assert.Equal(0, ProcessEvent.WaitersIn(share));
            var pending = e.WaitAsync(W);
            Assert.True(Wait.Until(() => ProcessEvent.WaitersIn(share) == 1, W), $"count {ProcessEvent.WaitersIn(share)}");
            e.Dispose(); // ends the wait, which finishes after the segment is unmapped here
            await Assert.ThrowsAsync<ObjectDisposedException>(() => pending.WaitAsync(W));
            Assert.Equal(0, ProcessEvent.WaitersIn(share));
            Bounded.KillAndReap(p);
        }
        finally
        {
            e.Dispose();
            Wait.Cleanup(p);
        }
    }

    [Fact]
    public async Task A_semaphore_disposed_under_a_pending_AcquireAsync_leaves_the_waiter_count_as_it_found_it()
    {
        var s = new ProcessSemaphore(0);
        using var attached = new ProcessEvent();
        using var share = SharedSegment.Open(((ISharedObject)s).Handle);
        var p = new ChildProcess(() => HoldSemaphore(s, attached));
        try
        {
            p.Start();
            Assert.True(attached.Wait(W));
            Assert.Equal(0, ProcessSemaphore.WaitersIn(share));
            var pending = s.AcquireAsync();
            Assert.True(Wait.Until(() => ProcessSemaphore.WaitersIn(share) == 1, W), $"count {ProcessSemaphore.WaitersIn(share)}");
            s.Dispose();
            await Assert.ThrowsAsync<ObjectDisposedException>(() => pending.WaitAsync(W));
            Assert.Equal(0, ProcessSemaphore.WaitersIn(share));
            Bounded.KillAndReap(p);
        }
        finally
        {
            s.Dispose();
            Wait.Cleanup(p);
        }
    }
}
