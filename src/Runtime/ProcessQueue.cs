using System.Diagnostics.CodeAnalysis;
using System.Runtime.Versioning;
using Multiproc.Internal;

namespace Multiproc;

/// <summary>
/// A FIFO queue shared between processes, like Python's <c>multiprocessing.Queue</c>. Create it in the
/// parent and pass it to child processes as a target argument: it travels as a handle and every process
/// (children, grandchildren) puts to and gets from the same queue in shared memory.
/// </summary>
/// <typeparam name="T">
/// The item type. <c>byte[]</c>, <c>string</c> and types without references (numbers, enums, unmanaged
/// structs) travel as raw bytes; other types as JSON (System.Text.Json: public properties and fields, no type
/// names on the wire, Multiproc primitives as handles). Null items are allowed (the tutorial's sentinel).
/// Every process must use the same <typeparamref name="T"/> for one queue.
/// </typeparam>
/// <remarks>
/// <para>Items live in a ring in memory-mapped files of the run directory (0600, removed when the last
/// process using the queue lets it go, see below); there is no broker process. An empty queue makes <see cref="Get()"/> spin for a few microseconds
/// and then sleep in the kernel (a futex) until an item is put; puts and gets that find work to do make no
/// system call. The ring grows when items outpace the consumers, and an item above about 1 MiB is carried
/// in a file of its own, so items of any size (64 MiB and more) go through.</para>
/// <para>Any number of processes and threads may put and get; every item is delivered exactly once, in the
/// order the puts completed. A process killed in the middle of a put or a get (even by SIGKILL) leaves
/// the queue usable: its operation either happened whole or not at all.</para>
/// <para>The queue's files live as long as some process uses it: they are removed, with any items left in
/// them, when every process that created or attached the queue has disposed it (or died, or let the GC
/// collect it), and no child it was sent to is still unreaped. Using a disposed queue throws
/// <see cref="ObjectDisposedException"/>.</para>
/// </remarks>
[SupportedOSPlatform("linux")]
public class ProcessQueue<T> : IDisposable, ISharedObject
{
    private protected readonly SharedRing Ring;
    private AsyncGetters<T>? _asyncGetters; // this object's pending GetAsync calls, created by the first that waits

    /// <summary>Creates an empty queue.</summary>
    /// <param name="maxSize">The most items the queue holds; <see cref="Put(T)"/> waits while it is full. 0 (or less) means unbounded, as in Python.</param>
    public ProcessQueue(int maxSize = 0)
        : this(SharedRing.Create(maxSize, joinable: false))
    {
    }

    private protected ProcessQueue(SharedRing ring) => Ring = ring;

    string ISharedObject.Handle => Live.Handle;

    IEnumerable<string> ISharedObject.SegmentNames => [Live.Handle];

    /// <summary>The ring, after checking that the queue was not disposed.</summary>
    private protected SharedRing Live
    {
        get
        {
            var ring = Ring;
            if (ring.IsDisposed) ThrowDisposed();
            return ring;
        }
    }

    internal static ProcessQueue<T> Attach(string handle) => new(SharedRing.Attach(handle));

    /// <summary>The most items the queue holds; 0 when unbounded.</summary>
    /// <exception cref="ObjectDisposedException">The queue was disposed in this process.</exception>
    public int MaxSize => Live.MaxSize;

    /// <summary>Puts an item at the end of the queue, waiting as long as needed while the queue is full.</summary>
    /// <param name="item">The item; null is allowed.</param>
    /// <exception cref="ArgumentException">The item cannot be sent to another process (the message names its type); nothing was enqueued.</exception>
    public void Put(T item) => PutCore(item, null, default);

    /// <summary>Puts an item, waiting at most <paramref name="timeout"/> while the queue is full.</summary>
    /// <param name="item">The item; null is allowed.</param>
    /// <param name="timeout">How long to wait for room; <see cref="Timeout.InfiniteTimeSpan"/> waits as long as needed.</param>
    /// <exception cref="QueueFullException">The queue was still full after <paramref name="timeout"/>.</exception>
    /// <exception cref="ArgumentException">The item cannot be sent to another process; nothing was enqueued.</exception>
    public void Put(T item, TimeSpan timeout)
    {
        if (!PutCore(item, CheckTimeout(timeout), default)) throw new QueueFullException();
    }

    /// <summary>Puts an item if the queue has room right now (Python's <c>put_nowait</c>).</summary>
    /// <param name="item">The item; null is allowed.</param>
    /// <exception cref="QueueFullException">The queue is full.</exception>
    /// <exception cref="ArgumentException">The item cannot be sent to another process; nothing was enqueued.</exception>
    public void PutNowait(T item)
    {
        if (!PutCore(item, TimeSpan.Zero, default)) throw new QueueFullException();
    }

    /// <summary>Puts an item if the queue has room within <paramref name="timeout"/> (default: only tries).</summary>
    /// <param name="item">The item; null is allowed.</param>
    /// <param name="timeout">How long to wait for room; <see cref="TimeSpan.Zero"/> only tries, <see cref="Timeout.InfiniteTimeSpan"/> waits as long as needed.</param>
    /// <returns>True when the item was put; false when the queue stayed full.</returns>
    /// <exception cref="ArgumentException">The item cannot be sent to another process; nothing was enqueued.</exception>
    public bool TryPut(T item, TimeSpan timeout = default) => PutCore(item, CheckTimeout(timeout), default);

    /// <summary>Removes and returns the item at the front of the queue, waiting as long as needed while it is empty.</summary>
    /// <returns>The item (null when a null was put).</returns>
    public T Get()
    {
        Live.Dequeue(ItemCodec<T>.Decoder, null, default, out var item);
        GC.KeepAlive(this);
        return item;
    }

    /// <summary>Removes and returns the item at the front, waiting at most <paramref name="timeout"/> while the queue is empty.</summary>
    /// <param name="timeout">How long to wait for an item; <see cref="Timeout.InfiniteTimeSpan"/> waits as long as needed.</param>
    /// <returns>The item.</returns>
    /// <exception cref="QueueEmptyException">The queue was still empty after <paramref name="timeout"/>.</exception>
    public T Get(TimeSpan timeout)
    {
        var ring = Live;
        var got = ring.Dequeue(ItemCodec<T>.Decoder, CheckTimeout(timeout), default, out var item);
        GC.KeepAlive(this);
        if (!got) throw new QueueEmptyException();
        return item;
    }

    /// <summary>Removes and returns the item at the front if there is one right now (Python's <c>get_nowait</c>).</summary>
    /// <returns>The item.</returns>
    /// <exception cref="QueueEmptyException">The queue is empty.</exception>
    public T GetNowait()
    {
        var got = Live.Dequeue(ItemCodec<T>.Decoder, TimeSpan.Zero, default, out var item);
        GC.KeepAlive(this);
        if (!got) throw new QueueEmptyException();
        return item;
    }

    /// <summary>Removes the item at the front if one is there within <paramref name="timeout"/> (default: only tries).</summary>
    /// <param name="item">The item taken, or default when none was.</param>
    /// <param name="timeout">How long to wait; <see cref="TimeSpan.Zero"/> only tries, <see cref="Timeout.InfiniteTimeSpan"/> waits as long as needed.</param>
    /// <returns>True when an item was taken.</returns>
    public bool TryGet(out T item, TimeSpan timeout = default)
    {
        var ring = Live;
        var got = ring.Dequeue(ItemCodec<T>.Decoder, CheckTimeout(timeout), default, out item);
        GC.KeepAlive(this);
        return got;
    }

    /// <summary>
    /// Puts an item without blocking the calling thread: when the queue is full, the call waits for room without
    /// holding a thread (the process's futex waiter sleeps in the kernel for all async waits). The item is
    /// serialized before this method returns.
    /// </summary>
    /// <param name="item">The item; null is allowed.</param>
    /// <param name="cancellationToken">Cancels the wait for room; a cancelled put enqueues nothing.</param>
    /// <returns>A task that completes once the item is in the queue.</returns>
    /// <exception cref="ArgumentException">The item cannot be sent to another process; nothing was enqueued.</exception>
    /// <exception cref="ObjectDisposedException">The task fails so when the queue is disposed while the put waits.</exception>
    public ValueTask PutAsync(T item, CancellationToken cancellationToken = default)
    {
        var ring = Live;
        if (cancellationToken.IsCancellationRequested) return ValueTask.FromCanceled(cancellationToken);
        var payload = ItemCodec<T>.Encode(item, out var flags);
        var done = ring.Enqueue(payload, flags, TimeSpan.Zero, default);
        GC.KeepAlive(this);
        if (done) return ValueTask.CompletedTask;
        return new ValueTask(PutAsyncCore(ring, payload.ToArray(), flags, cancellationToken));
    }

    /// <summary>
    /// Gets an item without blocking the calling thread: when the queue is empty, the call waits for one without
    /// holding a thread (the process's futex waiter sleeps in the kernel for all async waits). Pending calls on one
    /// queue object are served in call order by one pump that waits like a single consumer. Cancellation loses
    /// no item: an item is either returned or left in the queue for the next getter.
    /// </summary>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The item.</returns>
    /// <exception cref="ObjectDisposedException">The task fails so when the queue is disposed while the get waits.</exception>
    public ValueTask<T> GetAsync(CancellationToken cancellationToken = default)
    {
        var ring = Live;
        if (cancellationToken.IsCancellationRequested) return ValueTask.FromCanceled<T>(cancellationToken);
        var getters = Volatile.Read(ref _asyncGetters);
        if (getters is null || !getters.Busy)
        {
            var got = ring.Dequeue(ItemCodec<T>.Decoder, TimeSpan.Zero, default, out var item);
            GC.KeepAlive(this);
            if (got) return new ValueTask<T>(item);
            if (getters is null)
            {
                var made = new AsyncGetters<T>(ring, ItemCodec<T>.Decoder);
                getters = Interlocked.CompareExchange(ref _asyncGetters, made, null) ?? made;
            }
        }
        return new ValueTask<T>(GetAsyncCore(getters, cancellationToken));
    }

    /// <summary>
    /// The number of items in the queue (Python's <c>qsize()</c>). A snapshot: other processes may put or
    /// get at any moment, so it can be stale as soon as it is read. It is exact right after a
    /// <see cref="Put(T)"/> in this process while no other process uses the queue. Do not use it to decide
    /// whether to get or put; use <see cref="TryGet"/> and <see cref="TryPut"/>.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The queue was disposed in this process.</exception>
    public int Count
    {
        get
        {
            var n = Live.Count;
            GC.KeepAlive(this);
            return n;
        }
    }

    /// <summary>Whether the queue held no item when looked at (Python's <c>empty()</c>): a snapshot, stale at once like <see cref="Count"/>.</summary>
    /// <exception cref="ObjectDisposedException">The queue was disposed in this process.</exception>
    public bool IsEmpty => Count == 0;

    /// <summary>Whether the queue held <see cref="MaxSize"/> items when looked at (Python's <c>full()</c>): a snapshot, stale at once like <see cref="Count"/>. Always false for an unbounded queue.</summary>
    /// <exception cref="ObjectDisposedException">The queue was disposed in this process.</exception>
    public bool IsFull => Live.MaxSize > 0 && Count >= Ring.MaxSize;

    /// <summary>
    /// Lets the queue go in this process; the last process to let it go removes its files and the items left in
    /// them. Disposing twice does nothing. Another thread must not be using the queue at the same moment.
    /// </summary>
    public void Dispose()
    {
        Ring.Dispose();
        GC.SuppressFinalize(this);
    }

    // Instance methods: the pending task's state machine references the queue, so a queue nobody else references
    // is not finalized (and its ring released) while one of its async waits is pending.
    private async Task PutAsyncCore(SharedRing ring, byte[] payload, int flags, CancellationToken ct)
    {
        await SharedRingAsync.EnqueueAsync(ring, payload, flags, ct).ConfigureAwait(false);
        GC.KeepAlive(this);
    }

    private async Task<T> GetAsyncCore(AsyncGetters<T> getters, CancellationToken ct)
    {
        var item = await getters.GetAsync(ct).ConfigureAwait(false);
        GC.KeepAlive(this);
        return item;
    }

    private bool PutCore(T item, TimeSpan? timeout, CancellationToken ct)
    {
        var ring = Live;
        var payload = ItemCodec<T>.Encode(item, out var flags);
        var done = ring.Enqueue(payload, flags, timeout, ct);
        GC.KeepAlive(this);
        return done;
    }

    [DoesNotReturn]
    private protected void ThrowDisposed() =>
        throw new ObjectDisposedException(GetType().Name, $"This {GetType().Name.Split('`')[0]} was disposed in this process; it cannot be used any more.");

    private static TimeSpan? CheckTimeout(TimeSpan timeout)
    {
        if (timeout == Timeout.InfiniteTimeSpan) return null;
        if (timeout < TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(timeout), timeout, "The timeout must be non-negative or Timeout.InfiniteTimeSpan.");
        return timeout;
    }
}
