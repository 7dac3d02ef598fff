using Multiproc.Internal;
using Multiproc.Internal.Pool;

namespace Multiproc.Tests.Queues;

/// <summary>A ring at its largest size is full like a bounded queue: a put that must not wait fails, a timed one times out.</summary>
public class SharedRingCapTests
{
    [Fact]
    public void A_full_ring_at_its_cap_fails_a_put_that_must_not_wait_and_times_out_a_timed_one()
    {
        using var ring = SharedRing.Create(0, joinable: false, 4096, maxCapacity: 4096);
        var record = new byte[100];
        var n = 0;
        while (ring.Enqueue(record, 0, TimeSpan.Zero, default))
            Assert.True(++n < 1000, "the ring grew past its cap");
        Assert.True(n > 0);
        Assert.False(ring.Enqueue(record, 0, TimeSpan.FromMilliseconds(50), default));
        // A get makes room again.
        Assert.True(ring.Dequeue(PoolRecords.CopyDecoder, TimeSpan.Zero, default, out _));
        Assert.True(ring.Enqueue(record, 0, TimeSpan.Zero, default));
        Assert.Equal(n, ring.Count);
        // A record that could never fit still grows it.
        Assert.True(ring.Enqueue(new byte[8192], 0, TimeSpan.Zero, default));
    }

    [Fact]
    public void A_cap_below_the_first_size_is_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => SharedRing.Create(0, joinable: false, 8192, maxCapacity: 4096));
    }
}
