using System.Text.Json;
using Multiproc.Redis.Internal;
using StackExchange.Redis;

namespace Multiproc.Redis;

/// <summary>
/// A FIFO queue shared by processes on any number of machines through one Redis server, with the members and
/// meanings of <see cref="ProcessQueue{T}"/>: every process that constructs a <see cref="RedisQueue{T}"/> with
/// the same server and name puts to and gets from the same queue.
/// </summary>
/// <typeparam name="T">The item type, sent as System.Text.Json of <typeparamref name="T"/> (no type names on
/// the wire). Every process must use the same <typeparamref name="T"/> for one queue.</typeparam>
/// <remarks>
/// <para>Items live in a Redis Stream (key <c>multiproc:{name}:items</c>) read through a consumer group, one
/// consumer per <see cref="RedisQueue{T}"/> object. <see cref="Put(T)"/> returns once the server has the item:
/// with <c>appendonly yes</c> and <c>appendfsync always</c> it survives a server restart.</para>
/// <para><b>Delivery.</b> <see cref="Get()"/> acknowledges (and deletes) the item as it hands it out: once
/// <c>Get</c> has returned, the item is not delivered again (at most once from there on). The acknowledgement
/// is sent from a thread of the queue's own without delaying <c>Get</c> (acknowledgements queued while one is on the wire
/// share the next command), so a process killed within the microseconds before it leaves may see that item
/// delivered again.
/// Items a consumer read from the server but did not hand out (see <see cref="RedisQueueOptions.ReadBatchSize"/>),
/// or whose <c>Get</c> did not return because the consumer died, are delivered again to another consumer after
/// <see cref="RedisQueueOptions.VisibilityTimeout"/>. Use <see cref="RedisJoinableQueue{T}"/> to keep items
/// until <c>TaskDone</c> (at-least-once for the whole task).</para>
/// <para><b>Waiting.</b> StackExchange.Redis shares one connection between callers and does not run blocking
/// commands (<c>XREADGROUP BLOCK</c>) on it, so an empty queue is polled: a read every 1 ms, backing off to
/// <see cref="RedisQueueOptions.PollInterval"/> (20 ms). An idle consumer therefore sees a new item within
/// that interval; a busy one reads without pausing.</para>
/// <para><b>Faults.</b> While the server cannot be reached, calls retry for
/// <see cref="RedisQueueOptions.ConnectionLossTimeout"/> and then throw <see cref="RedisUnavailableException"/>;
/// they never hang. A <c>Put</c> retried after a lost reply may put its item twice.</para>
/// </remarks>
public class RedisQueue<T> : IDisposable
{
    private protected const string Group = "multiproc";
    private readonly IConnectionMultiplexer _connection;
    private readonly bool _ownsConnection;
    private readonly Queue<(RedisValue Id, RedisValue Payload)> _readAhead = new();
    private readonly SemaphoreSlim _readGate = new(1, 1);
    private readonly Timer _renewal;
    private readonly object _sync = new();
    private readonly RedisValue _consumer;
    private readonly AckSender _acks;
    private Task<StreamEntry[]>? _prefetch;
    private bool _prefetchDry;
    private RedisValue _claimCursor = "0-0";
    private long _lastClaim;
    private bool _disposed;

    /// <summary>Connects to the queue <paramref name="name"/> on the server of <paramref name="connection"/>.</summary>
    /// <param name="connection">A StackExchange.Redis connection; it stays the caller's (not disposed with the queue).</param>
    /// <param name="name">The queue's name: every process that uses the queue passes the same one.</param>
    /// <param name="maxSize">The most items the queue holds; <see cref="Put(T)"/> waits while it is full. 0 (or less): unbounded. Checked by this object's puts: give every process the same value.</param>
    /// <param name="options">Timeouts and batching; null for the defaults.</param>
    /// <exception cref="ArgumentNullException"><paramref name="connection"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="name"/> is empty or contains a brace.</exception>
    public RedisQueue(IConnectionMultiplexer connection, string name, int maxSize = 0, RedisQueueOptions? options = null)
        : this(connection ?? throw new ArgumentNullException(nameof(connection)), false, name, maxSize, options, false)
    {
    }

    /// <summary>Connects to the server given by a StackExchange.Redis configuration string, and to the queue <paramref name="name"/> there.</summary>
    /// <param name="connectionString">For example <c>"localhost:6379"</c>; the connection belongs to the queue and is closed by <see cref="Dispose()"/>.</param>
    /// <param name="name">The queue's name: every process that uses the queue passes the same one.</param>
    /// <param name="maxSize">The most items the queue holds; 0 (or less): unbounded.</param>
    /// <param name="options">Timeouts and batching; null for the defaults.</param>
    /// <exception cref="ArgumentException">The connection string is empty or invalid, or <paramref name="name"/> is empty or contains a brace.</exception>
    public RedisQueue(string connectionString, string name, int maxSize = 0, RedisQueueOptions? options = null)
        : this(Connections.Connect(connectionString, nameof(connectionString)), true, name, maxSize, options, false)
    {
    }

    private protected RedisQueue(IConnectionMultiplexer connection, bool ownsConnection, string name, int maxSize, RedisQueueOptions? options, bool joinable)
    {
        try
        {
            Name = Connections.CheckName(name, nameof(name));
        }
        catch
        {
            if (ownsConnection) connection.Dispose();
            throw;
        }
        _connection = connection;
        _ownsConnection = ownsConnection;
        MaxSize = maxSize > 0 ? maxSize : 0;
        Options = (options ?? new RedisQueueOptions()).Clone();
        Joinable = joinable;
        StreamKey = $"multiproc:{{{name}}}:items";
        UnfinishedKey = $"multiproc:{{{name}}}:unfinished";
        _consumer = Connections.NewOwnerId();
        var period = Options.VisibilityTimeout / 3;
        _renewal = new Timer(_ => Renew(), null, period, period);
        _acks = new AckSender(() => Database, StreamKey, UnfinishedKey, Group, joinable, Options.ConnectionLossTimeout);
    }

    /// <summary>The queue's name.</summary>
    public string Name { get; }

    /// <summary>The most items the queue holds; 0 when unbounded.</summary>
    public int MaxSize { get; }

    /// <summary>The options this queue was created with (a copy: changing the object passed in changes nothing).</summary>
    public RedisQueueOptions Options { get; }

    private protected bool Joinable { get; }

    private protected RedisKey StreamKey { get; }

    private protected RedisKey UnfinishedKey { get; }

    private protected IDatabase Database => _connection.GetDatabase();

    /// <summary>Puts an item at the end of the queue, waiting as long as needed while the queue is full.</summary>
    /// <param name="item">The item; null is allowed.</param>
    /// <exception cref="RedisUnavailableException">The server could not be reached for longer than <see cref="RedisQueueOptions.ConnectionLossTimeout"/>.</exception>
    public void Put(T item) => PutCore([Encode(item)], Deadline.After(null));

    /// <summary>Puts an item, waiting at most <paramref name="timeout"/> while the queue is full.</summary>
    /// <param name="item">The item; null is allowed.</param>
    /// <param name="timeout">How long to wait for room; <see cref="Timeout.InfiniteTimeSpan"/> waits as long as needed.</param>
    /// <exception cref="QueueFullException">The queue was still full after <paramref name="timeout"/>.</exception>
    /// <exception cref="RedisUnavailableException">The server could not be reached.</exception>
    public void Put(T item, TimeSpan timeout)
    {
        if (!PutCore([Encode(item)], Deadline.After(Deadline.Check(timeout, nameof(timeout))))) throw new QueueFullException($"The Redis queue '{Name}' is full ({MaxSize} items).");
    }

    /// <summary>Puts an item if the queue has room right now (Python's <c>put_nowait</c>).</summary>
    /// <param name="item">The item; null is allowed.</param>
    /// <exception cref="QueueFullException">The queue is full.</exception>
    /// <exception cref="RedisUnavailableException">The server could not be reached.</exception>
    public void PutNowait(T item)
    {
        if (!PutCore([Encode(item)], Deadline.After(TimeSpan.Zero))) throw new QueueFullException($"The Redis queue '{Name}' is full ({MaxSize} items).");
    }

    /// <summary>Puts an item if the queue has room within <paramref name="timeout"/> (default: only tries).</summary>
    /// <param name="item">The item; null is allowed.</param>
    /// <param name="timeout">How long to wait for room; <see cref="TimeSpan.Zero"/> only tries, <see cref="Timeout.InfiniteTimeSpan"/> waits as long as needed.</param>
    /// <returns>True when the item was put; false when the queue stayed full.</returns>
    /// <exception cref="RedisUnavailableException">The server could not be reached.</exception>
    public bool TryPut(T item, TimeSpan timeout = default) => PutCore([Encode(item)], Deadline.After(Deadline.Check(timeout, nameof(timeout))));

    /// <summary>
    /// Puts several items in one round trip to the server (one script that adds them all): the way to amortise
    /// the network cost of each item. On a bounded queue, waits until there is room for all of them at once.
    /// </summary>
    /// <param name="items">The items, put in order.</param>
    /// <exception cref="ArgumentNullException"><paramref name="items"/> is null.</exception>
    /// <exception cref="ArgumentException">More items than <see cref="MaxSize"/> of a bounded queue.</exception>
    /// <exception cref="RedisUnavailableException">The server could not be reached.</exception>
    public void PutMany(IEnumerable<T> items)
    {
        ArgumentNullException.ThrowIfNull(items);
        var payloads = items.Select(Encode).ToArray();
        if (payloads.Length == 0) return;
        if (MaxSize > 0 && payloads.Length > MaxSize)
            throw new ArgumentException($"{payloads.Length} items can never fit in the Redis queue '{Name}' of {MaxSize} items at once.", nameof(items));
        PutCore(payloads, Deadline.After(null));
    }

    /// <summary>Removes and returns the item at the front of the queue, waiting as long as needed while it is empty.</summary>
    /// <returns>The item (null when a null was put).</returns>
    /// <exception cref="RedisUnavailableException">The server could not be reached for longer than <see cref="RedisQueueOptions.ConnectionLossTimeout"/>.</exception>
    public T Get()
    {
        TakeCore(Deadline.After(null), out var item);
        return item;
    }

    /// <summary>Removes and returns the item at the front, waiting at most <paramref name="timeout"/> while the queue is empty.</summary>
    /// <param name="timeout">How long to wait for an item; <see cref="Timeout.InfiniteTimeSpan"/> waits as long as needed.</param>
    /// <returns>The item.</returns>
    /// <exception cref="QueueEmptyException">The queue was still empty after <paramref name="timeout"/>.</exception>
    /// <exception cref="RedisUnavailableException">The server could not be reached.</exception>
    public T Get(TimeSpan timeout)
    {
        if (!TakeCore(Deadline.After(Deadline.Check(timeout, nameof(timeout))), out var item)) throw new QueueEmptyException($"The Redis queue '{Name}' is empty.");
        return item;
    }

    /// <summary>Removes and returns the item at the front if there is one right now (Python's <c>get_nowait</c>).</summary>
    /// <returns>The item.</returns>
    /// <exception cref="QueueEmptyException">The queue is empty.</exception>
    /// <exception cref="RedisUnavailableException">The server could not be reached.</exception>
    public T GetNowait()
    {
        if (!TakeCore(Deadline.After(TimeSpan.Zero), out var item)) throw new QueueEmptyException($"The Redis queue '{Name}' is empty.");
        return item;
    }

    /// <summary>Removes the item at the front if one is there within <paramref name="timeout"/> (default: only tries).</summary>
    /// <param name="item">The item taken, or default when none was.</param>
    /// <param name="timeout">How long to wait; <see cref="TimeSpan.Zero"/> only tries, <see cref="Timeout.InfiniteTimeSpan"/> waits as long as needed.</param>
    /// <returns>True when an item was taken.</returns>
    /// <exception cref="RedisUnavailableException">The server could not be reached.</exception>
    public bool TryGet(out T item, TimeSpan timeout = default) => TakeCore(Deadline.After(Deadline.Check(timeout, nameof(timeout))), out item);

    /// <summary>Puts an item without blocking the calling thread, waiting asynchronously while the queue is full.</summary>
    /// <param name="item">The item; null is allowed.</param>
    /// <param name="cancellationToken">Cancels the wait for room. A put cancelled while its command is on the wire may still have put the item.</param>
    /// <returns>A task that completes once the server has the item.</returns>
    /// <exception cref="RedisUnavailableException">The server could not be reached.</exception>
    public ValueTask PutAsync(T item, CancellationToken cancellationToken = default) =>
        cancellationToken.IsCancellationRequested ? ValueTask.FromCanceled(cancellationToken) : PutCoreAsync([Encode(item)], cancellationToken);

    /// <summary>
    /// Puts several items in one round trip without blocking the calling thread, as <see cref="PutMany"/> does.
    /// The command is sent before this returns, so a producer can keep several batches on the wire (pipelined)
    /// and wait for the oldest: batches put by one object reach the queue in the order of the calls (unless one is
    /// sent again after a lost connection, which may also put it twice).
    /// </summary>
    /// <param name="items">The items, put in order.</param>
    /// <param name="cancellationToken">Cancels the wait for room. A put cancelled while its command is on the wire may still have put the items.</param>
    /// <returns>A task that completes once the server has all the items.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="items"/> is null.</exception>
    /// <exception cref="ArgumentException">More items than <see cref="MaxSize"/> of a bounded queue.</exception>
    /// <exception cref="RedisUnavailableException">The server could not be reached.</exception>
    public ValueTask PutManyAsync(IEnumerable<T> items, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(items);
        if (cancellationToken.IsCancellationRequested) return ValueTask.FromCanceled(cancellationToken);
        var payloads = items.Select(Encode).ToArray();
        if (payloads.Length == 0) return default;
        if (MaxSize > 0 && payloads.Length > MaxSize)
            throw new ArgumentException($"{payloads.Length} items can never fit in the Redis queue '{Name}' of {MaxSize} items at once.", nameof(items));
        return PutCoreAsync(payloads, cancellationToken);
    }

    private async ValueTask PutCoreAsync(RedisValue[] payloads, CancellationToken cancellationToken)
    {
        var args = new RedisValue[3 + payloads.Length];
        args[0] = Group;
        args[1] = MaxSize;
        args[2] = Joinable ? 1 : 0;
        payloads.CopyTo(args, 3);
        var outage = default(Outage);
        var pause = TimeSpan.FromMilliseconds(1);
        while (true)
        {
            ThrowIfDisposed();
            bool put;
            try
            {
                put = (int)await Database.ScriptEvaluateAsync(QueueScripts.Put, [StreamKey, UnfinishedKey], args).ConfigureAwait(false) == 1;
                outage.Succeeded();
            }
            catch (Exception e) when (Outage.IsTransient(e))
            {
                await Task.Delay(outage.Failed(e, Options.ConnectionLossTimeout, Deadline.After(null), $"putting to the Redis queue '{Name}'"), cancellationToken).ConfigureAwait(false);
                continue;
            }
            if (put) return;
            await Task.Delay(pause, cancellationToken).ConfigureAwait(false);
            pause = NextPause(pause);
        }
    }

    /// <summary>Gets an item without blocking the calling thread, waiting asynchronously while the queue is empty.</summary>
    /// <param name="cancellationToken">Cancels the wait. Cancellation loses no item: one read from the server and not returned stays with this object for the next get (or is given back by <see cref="Dispose()"/>).</param>
    /// <returns>The item.</returns>
    /// <exception cref="RedisUnavailableException">The server could not be reached.</exception>
    public async ValueTask<T> GetAsync(CancellationToken cancellationToken = default)
    {
        var outage = default(Outage);
        var pause = TimeSpan.FromMilliseconds(1);
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (TryHandOut(out var item)) return item;
            await _readGate.WaitAsync(cancellationToken).ConfigureAwait(false);
            int read;
            Exception? failure = null;
            try
            {
                if (ReadAheadCount > 0) continue;
                if (TakePrefetch() is { } prefetch)
                {
                    await ((Task)prefetch).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                    read = StorePrefetch(prefetch);
                }
                else
                {
                    read = StoreRead(await ReadAsync().ConfigureAwait(false));
                }
            }
            catch (Exception e) when (Outage.IsTransient(e))
            {
                failure = e;
                read = 0;
            }
            finally
            {
                _readGate.Release();
            }
            if (failure is not null)
            {
                await Task.Delay(outage.Failed(failure, Options.ConnectionLossTimeout, Deadline.After(null), $"getting from the Redis queue '{Name}'"), cancellationToken).ConfigureAwait(false);
                continue;
            }
            outage.Succeeded();
            if (read > 0)
            {
                pause = TimeSpan.FromMilliseconds(1);
                continue;
            }
            await Task.Delay(pause, cancellationToken).ConfigureAwait(false);
            pause = NextPause(pause);
        }
    }

    /// <summary>
    /// The number of items in the queue, not yet taken by any consumer (Python's <c>qsize()</c>). A snapshot:
    /// other processes may put or get at any moment. Items read ahead by a consumer count as taken.
    /// </summary>
    /// <exception cref="RedisUnavailableException">The server could not be reached.</exception>
    public int Count => (int)(long)Call(db => db.ScriptEvaluate(QueueScripts.Count, [StreamKey], [Group]), "counting the items of");

    /// <summary>Whether the queue has no item right now (Python's <c>empty()</c>): a snapshot, stale at once.</summary>
    public bool IsEmpty => Count == 0;

    /// <summary>Whether a bounded queue is full right now (Python's <c>full()</c>): a snapshot, stale at once. Always false when unbounded.</summary>
    public bool IsFull => MaxSize > 0 && Count >= MaxSize;

    /// <summary>
    /// Stops renewing this object's items and gives back to the queue the items it read ahead and did not
    /// hand out (at the end of the queue). Closes the connection when the queue was created from a connection string.
    /// </summary>
    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Releases what the queue holds; see <see cref="Dispose()"/>.</summary>
    /// <param name="disposing">True from <see cref="Dispose()"/>.</param>
    protected virtual void Dispose(bool disposing)
    {
        if (!disposing) return;
        (RedisValue Id, RedisValue Payload)[] giveBack;
        Task<StreamEntry[]>? prefetch;
        lock (_sync)
        {
            if (_disposed) return;
            _disposed = true;
            prefetch = _prefetch;
        }
        _renewal.Dispose();
        var waitAtMost = Options.ConnectionLossTimeout + TimeSpan.FromSeconds(5);
        if (prefetch is not null)
        {
            // A read on the wire: its items are this consumer's on the server, so they are given back with the rest.
            try
            {
                prefetch.Wait(waitAtMost);
            }
            catch (AggregateException)
            {
                // Failed: whatever it took comes back after the visibility timeout.
            }
        }
        lock (_sync)
        {
            StoreFinishedPrefetch();
            giveBack = _readAhead.ToArray();
            _readAhead.Clear();
        }
        _acks.Close(waitAtMost);
        try
        {
            if (giveBack.Length > 0)
            {
                var args = new RedisValue[1 + giveBack.Length * 2];
                args[0] = Group;
                for (var i = 0; i < giveBack.Length; i++)
                {
                    args[1 + i * 2] = giveBack[i].Id;
                    args[2 + i * 2] = giveBack[i].Payload;
                }
                Database.ScriptEvaluate(QueueScripts.GiveBack, [StreamKey], args);
            }
        }
        catch (Exception e) when (Outage.IsTransient(e))
        {
            // Unreachable: the items come back after the visibility timeout instead.
        }
        if (_ownsConnection) _connection.Dispose();
    }

    /// <summary>Hands an item out: the plain queue acknowledges it now, the joinable queue at <c>TaskDone</c>.</summary>
    private protected virtual void HandedOut(RedisValue id) => Acknowledge(id);

    /// <summary>
    /// Queues the acknowledgement of an item: sent at once when no acknowledgement is on the wire, else in the
    /// next command, as soon as that one is answered (so a fast consumer's acknowledgements share round trips,
    /// and a slow one's go out one by one).
    /// </summary>
    private protected void Acknowledge(RedisValue id) => _acks.Add(id);

    /// <summary>Waits until every acknowledgement queued so far has been answered by the server (or given up on).</summary>
    internal bool FlushAcknowledgements(TimeSpan timeout) => _acks.Flush(timeout);

    /// <summary>Ids this object holds taken and unacknowledged beyond its read-ahead (the joinable queue's tasks).</summary>
    private protected virtual void CollectHeld(List<RedisValue> ids)
    {
    }

    private protected void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);

    private protected TResult Call<TResult>(Func<IDatabase, TResult> call, string what)
    {
        var outage = default(Outage);
        while (true)
        {
            ThrowIfDisposed();
            try
            {
                return call(Database);
            }
            catch (Exception e) when (Outage.IsTransient(e))
            {
                Thread.Sleep(outage.Failed(e, Options.ConnectionLossTimeout, Deadline.After(null), $"{what} the Redis queue '{Name}'"));
            }
        }
    }

    private protected TimeSpan NextPause(TimeSpan pause)
    {
        var next = pause * 2;
        return next < Options.PollInterval ? next : Options.PollInterval;
    }

    private static RedisValue Encode(T item) => JsonSerializer.SerializeToUtf8Bytes(item);

    private bool PutCore(RedisValue[] payloads, Deadline deadline)
    {
        var args = new RedisValue[3 + payloads.Length];
        args[0] = Group;
        args[1] = MaxSize;
        args[2] = Joinable ? 1 : 0;
        payloads.CopyTo(args, 3);
        var outage = default(Outage);
        var pause = TimeSpan.FromMilliseconds(1);
        while (true)
        {
            ThrowIfDisposed();
            try
            {
                var put = (int)Database.ScriptEvaluate(QueueScripts.Put, [StreamKey, UnfinishedKey], args) == 1;
                outage.Succeeded();
                if (put) return true;
            }
            catch (Exception e) when (Outage.IsTransient(e))
            {
                Thread.Sleep(outage.Failed(e, Options.ConnectionLossTimeout, deadline, $"putting to the Redis queue '{Name}'"));
                continue;
            }
            if (deadline.IsZero || deadline.Expired) return false;
            Thread.Sleep(deadline.Left(pause));
            pause = NextPause(pause);
        }
    }

    private bool TakeCore(Deadline deadline, out T item)
    {
        var outage = default(Outage);
        var pause = TimeSpan.FromMilliseconds(1);
        while (true)
        {
            if (TryHandOut(out item)) return true;
            if (!_readGate.Wait(deadline.Left(Timeout.InfiniteTimeSpan))) return false;
            int read;
            Exception? failure = null;
            try
            {
                if (ReadAheadCount > 0) continue;
                read = TakePrefetch() is { } prefetch ? StorePrefetch(prefetch) : StoreRead(Read());
            }
            catch (Exception e) when (Outage.IsTransient(e))
            {
                failure = e;
                read = 0;
            }
            finally
            {
                _readGate.Release();
            }
            if (failure is not null)
            {
                Thread.Sleep(outage.Failed(failure, Options.ConnectionLossTimeout, deadline, $"getting from the Redis queue '{Name}'"));
                continue;
            }
            outage.Succeeded();
            if (read > 0)
            {
                pause = TimeSpan.FromMilliseconds(1);
                continue;
            }
            if (deadline.IsZero || deadline.Expired) return false;
            Thread.Sleep(deadline.Left(pause));
            pause = NextPause(pause);
        }
    }

    private int ReadAheadCount
    {
        get
        {
            lock (_sync) return _readAhead.Count;
        }
    }

    /// <summary>
    /// The minimum idle time of the items to claim from dead consumers now, or -1: consumers look for them every
    /// quarter of the visibility timeout (at most every 50 ms), before reading new items.
    /// </summary>
    private long ClaimDue()
    {
        var claimEvery = Options.VisibilityTimeout / 4;
        if (claimEvery < TimeSpan.FromMilliseconds(50)) claimEvery = TimeSpan.FromMilliseconds(50);
        if (_lastClaim != 0 && System.Diagnostics.Stopwatch.GetElapsedTime(_lastClaim) < claimEvery) return -1;
        _lastClaim = System.Diagnostics.Stopwatch.GetTimestamp();
        return (long)Options.VisibilityTimeout.TotalMilliseconds;
    }

    /// <summary>
    /// Reads up to <see cref="RedisQueueOptions.ReadBatchSize"/> items: those abandoned by dead consumers when a
    /// claim is due (<c>XAUTOCLAIM</c>), else new ones (<c>XREADGROUP … COUNT n</c>). Plain commands, not a
    /// script: a script would copy every entry of the reply into Lua and back (twice the server's time per
    /// item). The two need not be atomic: each only moves entries to this consumer's pending list.
    /// </summary>
    private StreamEntry[] Read()
    {
        var db = Database;
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                var minIdle = ClaimDue();
                if (minIdle >= 0)
                {
                    var claimed = db.StreamAutoClaim(StreamKey, Group, _consumer, minIdle, _claimCursor, Options.ReadBatchSize);
                    _claimCursor = claimed.NextStartId;
                    if (claimed.ClaimedEntries is { Length: > 0 } entries) return entries;
                }
                return db.StreamReadGroup(StreamKey, Group, _consumer, StreamPosition.NewMessages, Options.ReadBatchSize);
            }
            catch (RedisServerException e) when (attempt == 0 && IsNoGroup(e))
            {
                _lastClaim = 0;
                CreateGroup(db);
            }
        }
    }

    private async Task<StreamEntry[]> ReadAsync()
    {
        var db = Database;
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                var minIdle = ClaimDue();
                if (minIdle >= 0)
                {
                    var claimed = await db.StreamAutoClaimAsync(StreamKey, Group, _consumer, minIdle, _claimCursor, Options.ReadBatchSize).ConfigureAwait(false);
                    _claimCursor = claimed.NextStartId;
                    if (claimed.ClaimedEntries is { Length: > 0 } entries) return entries;
                }
                return await db.StreamReadGroupAsync(StreamKey, Group, _consumer, StreamPosition.NewMessages, Options.ReadBatchSize).ConfigureAwait(false);
            }
            catch (RedisServerException e) when (attempt == 0 && IsNoGroup(e))
            {
                _lastClaim = 0;
                CreateGroup(db);
            }
        }
    }

    private static bool IsNoGroup(RedisServerException e) => e.Message.StartsWith("NOGROUP", StringComparison.Ordinal);

    /// <summary>Creates the stream and its group (reading from the start) when no put has yet.</summary>
    private void CreateGroup(IDatabase db)
    {
        try
        {
            db.StreamCreateConsumerGroup(StreamKey, Group, "0-0", createStream: true);
        }
        catch (RedisServerException e) when (e.Message.StartsWith("BUSYGROUP", StringComparison.Ordinal))
        {
            // Another process created it in the meantime.
        }
    }

    private int Store(StreamEntry[] entries)
    {
        var stored = 0;
        lock (_sync)
        {
            foreach (var entry in entries)
            {
                if (entry.IsNull || entry.Values is not { Length: > 0 } values) continue; // deleted while pending (Redis 6.2 reports these as nil)
                _readAhead.Enqueue((entry.Id, values[0].Value));
                stored++;
            }
        }
        return stored;
    }

    /// <summary>Stores the entries of a read made while holding the read gate; a read that found items lets prefetching start again.</summary>
    private int StoreRead(StreamEntry[] entries)
    {
        var stored = Store(entries);
        if (stored > 0)
        {
            lock (_sync) _prefetchDry = false;
        }
        return stored;
    }

    /// <summary>
    /// Whether to read the next batch in the background now (under <see cref="_sync"/>): prefetching is on, none
    /// is on the wire, the last one found items, and at most half a batch is left to hand out.
    /// </summary>
    private bool PrefetchDue() =>
        Options.Prefetch && Options.ReadBatchSize > 1 && _prefetch is null && !_prefetchDry && !_disposed
        && _readAhead.Count <= Options.ReadBatchSize / 2;

    /// <summary>
    /// Starts reading the next batch without waiting for it, unless a read is under way (another thread holds the
    /// read gate). The read is started under <see cref="_sync"/>, so that <see cref="Dispose()"/> either sees it
    /// (and waits for it, to give its items back) or has already stopped new ones.
    /// </summary>
    private void StartPrefetch()
    {
        if (!_readGate.Wait(0)) return;
        try
        {
            lock (_sync)
            {
                if (PrefetchDue()) _prefetch = ReadAsync();
            }
        }
        finally
        {
            _readGate.Release();
        }
    }

    /// <summary>
    /// Moves the entries of a finished prefetch into the read-ahead (under <see cref="_sync"/>). Its task is not
    /// continued on (which would cost a thread-pool hop per batch): the consumer, the renewal timer and Dispose
    /// look at it instead. A failed one is dropped: whatever it took comes back after the visibility timeout.
    /// </summary>
    private void StoreFinishedPrefetch()
    {
        if (_prefetch is not { IsCompleted: true } done) return;
        _prefetch = null;
        if (done.IsCompletedSuccessfully)
        {
            if (Store(done.Result) == 0) _prefetchDry = true;
        }
        else
        {
            _ = done.Exception; // observed
        }
    }

    /// <summary>The prefetch on the wire (or finished and not yet stored), for the holder of the read gate to wait for instead of reading.</summary>
    private Task<StreamEntry[]>? TakePrefetch()
    {
        lock (_sync) return _prefetch;
    }

    /// <summary>
    /// Waits for a prefetch as a read would (bounded by the client's timeouts) and stores its entries, unless a get
    /// on another thread already did; a failed one is dropped and its error thrown, as a failed read's would be.
    /// </summary>
    private int StorePrefetch(Task<StreamEntry[]> prefetch)
    {
        try
        {
            prefetch.Wait(Options.ConnectionLossTimeout + TimeSpan.FromSeconds(30));
        }
        catch (AggregateException)
        {
            // Failed: thrown below, as a failed read would be.
        }
        if (!prefetch.IsCompleted) throw new RedisUnavailableException($"A read from the Redis queue '{Name}' was not answered.", null);
        lock (_sync)
        {
            if (!ReferenceEquals(_prefetch, prefetch)) return _readAhead.Count;
            _prefetch = null;
            if (prefetch.IsCompletedSuccessfully)
            {
                var stored = Store(prefetch.Result);
                _prefetchDry = stored == 0;
                return stored;
            }
        }
        return prefetch.GetAwaiter().GetResult().Length; // throws what it failed with
    }

    private bool TryHandOut(out T item)
    {
        ThrowIfDisposed();
        (RedisValue Id, RedisValue Payload) entry;
        bool prefetch;
        lock (_sync)
        {
            StoreFinishedPrefetch();
            if (!_readAhead.TryDequeue(out entry))
            {
                item = default!;
                return false;
            }
            prefetch = PrefetchDue();
        }
        if (prefetch) StartPrefetch();
        try
        {
            item = JsonSerializer.Deserialize<T>(((ReadOnlyMemory<byte>)entry.Payload).Span)!;
        }
        catch (JsonException e)
        {
            // Not an item of this T: acknowledge it so it does not come back forever, and say so.
            HandedOut(entry.Id);
            throw new InvalidDataException($"The item {entry.Id} of the Redis queue '{Name}' is not JSON of {typeof(T)}: {e.Message} (it was removed from the queue).", e);
        }
        HandedOut(entry.Id);
        return true;
    }

    private void Renew()
    {
        var ids = new List<RedisValue>();
        lock (_sync)
        {
            if (_disposed) return;
            StoreFinishedPrefetch();
            foreach (var (id, _) in _readAhead) ids.Add(id);
            CollectHeld(ids);
        }
        if (ids.Count == 0) return;
        try
        {
            // Resets their idle time, so that no other consumer claims them while this one lives.
            for (var i = 0; i < ids.Count; i += 1000)
                Database.StreamClaimIdsOnly(StreamKey, Group, _consumer, 0, ids.Skip(i).Take(1000).ToArray(), CommandFlags.FireAndForget);
        }
        catch (Exception e) when (Outage.IsTransient(e) || e is ObjectDisposedException)
        {
            // The next tick tries again; past the visibility timeout the items go to another consumer.
        }
    }

    private protected object Sync => _sync;
}
