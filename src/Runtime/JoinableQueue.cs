using System.Runtime.Versioning;
using Multiproc.Internal;

namespace Multiproc;

/// <summary>
/// A <see cref="ProcessQueue{T}"/> that counts unfinished items, like Python's <c>multiprocessing.JoinableQueue</c>:
/// every <see cref="ProcessQueue{T}.Put(T)"/> adds one, every <see cref="TaskDone"/> removes one, and
/// <see cref="Join()"/> waits until the count is zero. The count lives in shared memory, so producers,
/// consumers and joiners may be in different processes.
/// </summary>
/// <typeparam name="T">The item type, as for <see cref="ProcessQueue{T}"/>.</typeparam>
/// <remarks>Its files live, and it is disposed, as a <see cref="ProcessQueue{T}"/>'s are.</remarks>
[SupportedOSPlatform("linux")]
public sealed class JoinableQueue<T> : ProcessQueue<T>
{
    /// <summary>Creates an empty joinable queue.</summary>
    /// <param name="maxSize">The most items the queue holds; 0 (or less) means unbounded.</param>
    public JoinableQueue(int maxSize = 0)
        : base(SharedRing.Create(maxSize, joinable: true))
    {
    }

    private JoinableQueue(SharedRing ring)
        : base(ring)
    {
    }

    /// <summary>A queue over a joinable ring made in this process (<see cref="SharedRing.CreatePrivate"/>: a spare's head start); it disposes the ring.</summary>
    internal static JoinableQueue<T> Over(SharedRing ring) => new(ring);

    internal static new JoinableQueue<T> Attach(string handle)
    {
        var ring = SharedRing.Attach(handle);
        if (!ring.Joinable)
        {
            ring.Dispose();
            throw new InvalidOperationException("The queue sent is a ProcessQueue, not a JoinableQueue.");
        }
        return new JoinableQueue<T>(ring);
    }

    /// <summary>Marks one item taken from the queue as processed (Python's <c>task_done()</c>).</summary>
    /// <exception cref="InvalidOperationException">Called more times than items were put: "TaskDone() called too many times".</exception>
    /// <exception cref="ObjectDisposedException">The queue was disposed in this process.</exception>
    public void TaskDone()
    {
        Live.TaskDone();
        GC.KeepAlive(this);
    }

    /// <summary>Waits, in the kernel, until every item put so far has been marked done with <see cref="TaskDone"/>.</summary>
    /// <exception cref="ObjectDisposedException">The queue was disposed in this process.</exception>
    public void Join()
    {
        Live.Join(null);
        GC.KeepAlive(this);
    }

    /// <summary>Waits, without holding a thread, until every item put so far has been marked done with <see cref="TaskDone"/>.</summary>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>A task that completes when no unfinished item remains.</returns>
    /// <exception cref="ObjectDisposedException">The task fails so when the queue is disposed while it waits.</exception>
    public Task JoinAsync(CancellationToken cancellationToken = default)
    {
        var ring = Live;
        if (cancellationToken.IsCancellationRequested) return Task.FromCanceled(cancellationToken);
        return JoinAsyncCore(ring, cancellationToken);
    }

    // An instance method, so that the pending task keeps the queue from being finalized while it waits.
    private async Task JoinAsyncCore(SharedRing ring, CancellationToken cancellationToken)
    {
        await SharedRingAsync.JoinAsync(ring, cancellationToken).ConfigureAwait(false);
        GC.KeepAlive(this);
    }

    /// <summary>Waits at most <paramref name="timeout"/> until every item put has been marked done.</summary>
    /// <param name="timeout">How long to wait; <see cref="Timeout.InfiniteTimeSpan"/> waits as long as needed.</param>
    /// <returns>True when no unfinished item remains; false when some still did after <paramref name="timeout"/>.</returns>
    /// <exception cref="ObjectDisposedException">The queue was disposed in this process.</exception>
    public bool Join(TimeSpan timeout)
    {
        var ring = Live;
        if (timeout < TimeSpan.Zero && timeout != Timeout.InfiniteTimeSpan)
            throw new ArgumentOutOfRangeException(nameof(timeout), timeout, "The timeout must be non-negative or Timeout.InfiniteTimeSpan.");
        var done = ring.Join(timeout == Timeout.InfiniteTimeSpan ? null : timeout);
        GC.KeepAlive(this);
        return done;
    }
}
