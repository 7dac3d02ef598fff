using Multiproc.Platform;

namespace Multiproc.Internal;

/// <summary>
/// The async forms of <see cref="SharedRing"/>'s waits: the same loops as the synchronous ones (try, register as a
/// sleeper, re-check, sleep), sleeping through <see cref="FutexWaiter"/> instead of a thread. No spin: an awaiting
/// caller gives its thread back at once.
/// </summary>
/// <remarks>
/// A waiter woken retries like a synchronous sleeper does; several async waiters of this process on one word share
/// one kernel wait, so a wake reaches all of them and those that find no room (or unfinished items) wait again.
/// (Getters, woken one per item, go through <see cref="AsyncGetters{T}"/> instead.) Disposing the queue ends
/// pending waits with <see cref="ObjectDisposedException"/>.
/// </remarks>
internal static class SharedRingAsync
{
    /// <summary>Appends one record, waiting without a thread while the queue holds its maximum. A cancelled call has put nothing.</summary>
    public static async Task EnqueueAsync(SharedRing ring, byte[] payload, int flags, CancellationToken ct)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, ring.Disposing);
        while (true)
        {
            Check(ring, ct);
            // Read before the attempt: a get after this read changes it, so the wait below cannot miss the room it made.
            var gets = ring.GetsCount;
            if (ring.Enqueue(payload, flags, TimeSpan.Zero, default)) return;
            var wait = ring.BeginAsyncWait(forItem: false, gets, linked.Token);
            if (wait is null) continue;
            try
            {
                await wait.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                Check(ring, ct);
                throw;
            }
            finally
            {
                ring.EndAsyncWait(forItem: false);
            }
        }
    }

    /// <summary>Waits without a thread until every item put has been counted done.</summary>
    public static async Task JoinAsync(SharedRing ring, CancellationToken ct)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, ring.Disposing);
        while (true)
        {
            Check(ring, ct);
            var wait = ring.BeginAsyncJoinWait(linked.Token);
            if (wait is null)
            {
                if (ring.IsDisposed) Check(ring, CancellationToken.None); // null also when the ring was disposed meanwhile
                return;
            }
            try
            {
                await wait.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                Check(ring, ct);
                throw;
            }
            finally
            {
                ring.EndAsyncJoinWait();
            }
        }
    }

    private static void Check(SharedRing ring, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        if (ring.IsDisposed) throw new ObjectDisposedException("ProcessQueue", "The queue was disposed while an async operation waited on it.");
    }
}
