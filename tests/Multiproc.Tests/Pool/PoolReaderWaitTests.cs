using Multiproc.Internal;
using Multiproc.Internal.Pool;

namespace Multiproc.Tests.Pool;

/// <summary>The pool's result reader waits for an item (SharedRing.WaitForItemAsync) through the ring's counted async waits.</summary>
public class PoolReaderWaitTests
{
    private static readonly TimeSpan W = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task WaitForItemAsync_counts_itself_as_a_sleeping_getter_until_an_item_comes()
    {
        using var ring = SharedRing.Create(0, joinable: false, PoolEngine.RingCapacity);
        using var share = SharedSegment.Open(ring.Handle);
        var pending = ring.WaitForItemAsync(default);
        Assert.False(pending.IsCompleted);
        Assert.Equal((1, 0, 0), SharedRing.WaitersIn(share));
        ring.Enqueue(new byte[] { 1, 2, 3 }, 0, null, default);
        await pending.WaitAsync(W);
        Assert.Equal((0, 0, 0), SharedRing.WaitersIn(share));
        // An item waiting: completes at once, counting nothing.
        Assert.True(ring.WaitForItemAsync(default).IsCompletedSuccessfully);
        Assert.True(ring.Dequeue(PoolRecords.CopyDecoder, TimeSpan.Zero, default, out var item));
        Assert.Equal(new byte[] { 1, 2, 3 }, item);
        Assert.Equal((0, 0, 0), SharedRing.WaitersIn(share));
    }

    [Fact]
    public async Task A_cancelled_WaitForItemAsync_is_uncounted()
    {
        using var ring = SharedRing.Create(0, joinable: false, PoolEngine.RingCapacity);
        using var share = SharedSegment.Open(ring.Handle);
        using var cts = new CancellationTokenSource();
        var pending = ring.WaitForItemAsync(cts.Token);
        Assert.Equal((1, 0, 0), SharedRing.WaitersIn(share));
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pending.WaitAsync(W));
        Assert.Equal((0, 0, 0), SharedRing.WaitersIn(share));
    }

    [Fact]
    public async Task A_ring_disposed_under_a_pending_WaitForItemAsync_ends_it_and_leaves_the_count_as_it_found_it()
    {
        var ring = SharedRing.Create(0, joinable: false, PoolEngine.RingCapacity);
        // A share of the header of its own: the count stays readable after the ring is let go here.
        using var share = SharedSegment.Open(ring.Handle);
        var pending = ring.WaitForItemAsync(default);
        Assert.Equal((1, 0, 0), SharedRing.WaitersIn(share));
        ring.Dispose();
        await Assert.ThrowsAsync<ObjectDisposedException>(() => pending.WaitAsync(W));
        Assert.Equal((0, 0, 0), SharedRing.WaitersIn(share));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => ring.WaitForItemAsync(default).WaitAsync(W));
    }
}
