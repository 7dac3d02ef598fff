using Multiproc.Redis.Internal;
using StackExchange.Redis;

namespace Multiproc.Redis;

/// <summary>
/// A <see cref="RedisQueue{T}"/> that also counts unfinished tasks, with the members and meanings of
/// <see cref="JoinableQueue{T}"/>: every <c>Put</c> adds one, every <see cref="TaskDone"/> removes one, and
/// <see cref="Join()"/> waits until the count is zero, across every process and machine that uses the queue.
/// </summary>
/// <typeparam name="T">The item type, sent as System.Text.Json of <typeparamref name="T"/>.</typeparam>
/// <remarks>
/// <para>An item stays pending in the consumer group from <c>Get</c> until its <see cref="TaskDone"/>, which
/// acknowledges it. A consumer that dies (or loses the server) before <c>TaskDone</c> stops renewing its items,
/// and after <see cref="RedisQueueOptions.VisibilityTimeout"/> each is delivered again to another consumer:
/// delivery is <b>at least once</b>, so make the work of an item idempotent (or keyed by an id you can check),
/// because an item whose work was done and whose <c>TaskDone</c> did not reach the server is done twice.
/// The unfinished count is decremented only by the first acknowledgement of an item, so <see cref="Join()"/>
/// is exact either way.</para>
/// <para><see cref="TaskDone"/> marks done the oldest item that <i>this object</i> handed out and that was not
/// yet marked done; call it on the object whose <c>Get</c> took the item. It returns at once: the queue's acknowledgement thread acknowledges the items marked done
/// in one command per round trip; <see cref="Join()"/> returns only once the server has counted them.</para>
/// </remarks>
public sealed class RedisJoinableQueue<T> : RedisQueue<T>
{
    private readonly Queue<RedisValue> _taken = new();

    /// <summary>Connects to the joinable queue <paramref name="name"/> on the server of <paramref name="connection"/>.</summary>
    /// <param name="connection">A StackExchange.Redis connection; it stays the caller's.</param>
    /// <param name="name">The queue's name: every process that uses the queue passes the same one (not the name of a plain <see cref="RedisQueue{T}"/>).</param>
    /// <param name="maxSize">The most items the queue holds (taken items do not count); 0 (or less): unbounded.</param>
    /// <param name="options">Timeouts and batching; null for the defaults.</param>
    /// <exception cref="ArgumentNullException"><paramref name="connection"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="name"/> is empty or contains a brace.</exception>
    public RedisJoinableQueue(IConnectionMultiplexer connection, string name, int maxSize = 0, RedisQueueOptions? options = null)
        : base(connection ?? throw new ArgumentNullException(nameof(connection)), false, name, maxSize, options, true)
    {
    }

    /// <summary>Connects to the server given by a StackExchange.Redis configuration string, and to the joinable queue <paramref name="name"/> there.</summary>
    /// <param name="connectionString">For example <c>"localhost:6379"</c>; the connection belongs to the queue.</param>
    /// <param name="name">The queue's name.</param>
    /// <param name="maxSize">The most items the queue holds; 0 (or less): unbounded.</param>
    /// <param name="options">Timeouts and batching; null for the defaults.</param>
    /// <exception cref="ArgumentException">The connection string is empty or invalid, or <paramref name="name"/> is empty or contains a brace.</exception>
    public RedisJoinableQueue(string connectionString, string name, int maxSize = 0, RedisQueueOptions? options = null)
        : base(Connections.Connect(connectionString, nameof(connectionString)), true, name, maxSize, options, true)
    {
    }

    /// <summary>Marks done the oldest item this object handed out and not yet marked done (Python's <c>task_done()</c>).</summary>
    /// <exception cref="InvalidOperationException">This object has no item taken and not yet marked done (called more often than its <c>Get</c>s took items).</exception>
    public void TaskDone()
    {
        ThrowIfDisposed();
        RedisValue id;
        lock (Sync)
        {
            if (!_taken.TryDequeue(out id))
                throw new InvalidOperationException($"TaskDone() was called more times than this RedisJoinableQueue '{Name}' handed out items: call it on the object whose Get took the item.");
        }
        Acknowledge(id);
    }

    /// <summary>Waits until every item put (by any process) has been marked done.</summary>
    /// <exception cref="RedisUnavailableException">The server could not be reached for longer than <see cref="RedisQueueOptions.ConnectionLossTimeout"/>.</exception>
    public void Join() => JoinCore(Deadline.After(null));

    /// <summary>Waits at most <paramref name="timeout"/> until every item put has been marked done.</summary>
    /// <param name="timeout">How long to wait; <see cref="Timeout.InfiniteTimeSpan"/> waits as long as needed.</param>
    /// <returns>True when every item was done; false when some were still unfinished after the timeout.</returns>
    /// <exception cref="RedisUnavailableException">The server could not be reached.</exception>
    public bool Join(TimeSpan timeout) => JoinCore(Deadline.After(Deadline.Check(timeout, nameof(timeout))));

    /// <summary>Waits asynchronously until every item put has been marked done.</summary>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>A task that completes when the unfinished count is zero.</returns>
    /// <exception cref="RedisUnavailableException">The server could not be reached.</exception>
    public async Task JoinAsync(CancellationToken cancellationToken = default)
    {
        var outage = default(Outage);
        var pause = TimeSpan.FromMilliseconds(1);
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            ThrowIfDisposed();
            long unfinished;
            try
            {
                unfinished = (long)await Database.StringGetAsync(UnfinishedKey).ConfigureAwait(false);
                outage.Succeeded();
            }
            catch (Exception e) when (Outage.IsTransient(e))
            {
                await Task.Delay(outage.Failed(e, Options.ConnectionLossTimeout, Deadline.After(null), $"joining the Redis queue '{Name}'"), cancellationToken).ConfigureAwait(false);
                continue;
            }
            if (unfinished <= 0) return;
            await Task.Delay(pause, cancellationToken).ConfigureAwait(false);
            pause = NextPause(pause);
        }
    }

    /// <summary>The number of items put and not yet marked done, by all processes (a snapshot).</summary>
    /// <exception cref="RedisUnavailableException">The server could not be reached.</exception>
    public long Unfinished => (long)Call(db => db.StringGet(UnfinishedKey), "reading the unfinished count of");

    private protected override void HandedOut(RedisValue id)
    {
        lock (Sync) _taken.Enqueue(id);
    }

    private protected override void CollectHeld(List<RedisValue> ids) => ids.AddRange(_taken);

    private bool JoinCore(Deadline deadline)
    {
        var outage = default(Outage);
        var pause = TimeSpan.FromMilliseconds(1);
        while (true)
        {
            ThrowIfDisposed();
            long unfinished;
            try
            {
                unfinished = (long)Database.StringGet(UnfinishedKey);
                outage.Succeeded();
            }
            catch (Exception e) when (Outage.IsTransient(e))
            {
                Thread.Sleep(outage.Failed(e, Options.ConnectionLossTimeout, deadline, $"joining the Redis queue '{Name}'"));
                continue;
            }
            if (unfinished <= 0) return true;
            if (deadline.IsZero || deadline.Expired) return false;
            Thread.Sleep(deadline.Left(pause));
            pause = NextPause(pause);
        }
    }
}
