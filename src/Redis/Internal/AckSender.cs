using StackExchange.Redis;

namespace Multiproc.Redis.Internal;

/// <summary>
/// Sends a queue's acknowledgements: one command on the wire at a time, and every id queued while it is there
/// goes in the next one. The first id after a quiet spell leaves at once (a thread-pool work item); the
/// ids queued behind a command leave from that command's completion. The sends are made on the thread pool,
/// never on the thread that marks items done (the consumer's, the busiest of a queue's pipeline).
/// </summary>
internal sealed class AckSender
{
    private const int MaxIdsPerCommand = 1000;
    private readonly Func<IDatabase> _database;
    private readonly RedisKey[] _keys;
    private readonly RedisValue _group;
    private readonly RedisValue _joinable;
    private readonly TimeSpan _connectionLossTimeout;
    private readonly object _sync = new();
    private List<RedisValue> _pending = [];
    private bool _busy;
    private bool _closed;
    private long _queued;
    private long _sent;

    public AckSender(Func<IDatabase> database, RedisKey stream, RedisKey unfinished, RedisValue group, bool joinable, TimeSpan connectionLossTimeout)
    {
        _database = database;
        _keys = [stream, unfinished];
        _group = group;
        _joinable = joinable ? 1 : 0;
        _connectionLossTimeout = connectionLossTimeout;
    }

    /// <summary>Queues the acknowledgement of <paramref name="id"/>; sends it now when no command is on the wire.</summary>
    public void Add(RedisValue id)
    {
        Interlocked.Increment(ref _queued);
        lock (_sync)
        {
            if (_closed)
            {
                Interlocked.Increment(ref _sent); // closed: the item comes back after the visibility timeout
                return;
            }
            _pending.Add(id);
            if (_busy) return; // goes with the next command, sent when this one completes
            _busy = true;
        }
        // Sent from the thread pool, not from the caller's thread: the consumer's thread is the busiest of the
        // pipeline, and the ids it marks done before this runs go in the same command.
        ThreadPool.UnsafeQueueUserWorkItem(static sender => sender.SendPending(), this, preferLocal: false);
    }

    private void SendPending()
    {
        Batch send;
        lock (_sync) send = TakeLocked();
        Send(send);
    }

    /// <summary>Waits until every acknowledgement queued so far has been answered by the server (or given up on).</summary>
    public bool Flush(TimeSpan timeout)
    {
        var target = Interlocked.Read(ref _queued);
        var deadline = Deadline.After(timeout);
        while (Interlocked.Read(ref _sent) < target)
        {
            if (deadline.Expired) return Interlocked.Read(ref _sent) >= target;
            Thread.Sleep(1);
        }
        return true;
    }

    /// <summary>Waits (at most <paramref name="timeout"/>) for the acknowledgements queued so far, then takes no more.</summary>
    public void Close(TimeSpan timeout)
    {
        Flush(timeout);
        lock (_sync) _closed = true;
    }

    private Batch TakeLocked()
    {
        List<RedisValue> ids;
        if (_pending.Count <= MaxIdsPerCommand)
        {
            ids = _pending;
            _pending = [];
        }
        else
        {
            ids = _pending.GetRange(0, MaxIdsPerCommand);
            _pending.RemoveRange(0, MaxIdsPerCommand);
        }
        var args = new RedisValue[2 + ids.Count];
        args[0] = _group;
        args[1] = _joinable;
        ids.CopyTo(args, 2);
        return new Batch(args, ids.Count);
    }

    private void Send(Batch batch)
    {
        Task task;
        try
        {
            task = _database().ScriptEvaluateAsync(QueueScripts.Ack, _keys, batch.Args);
        }
        catch (Exception e)
        {
            task = Task.FromException(e);
        }
        task.ContinueWith(static (t, state) => ((Batch)state!).Owner!.Completed(t, (Batch)state!), batch.For(this),
            CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    private void Completed(Task task, Batch batch)
    {
        if (task.Exception?.InnerException is { } e && Outage.IsTransient(e))
        {
            try
            {
                var pause = batch.Outage.Failed(e, _connectionLossTimeout, Deadline.After(null), "acknowledging items of a Redis queue");
                Task.Delay(pause).ContinueWith(static (_, state) => ((Batch)state!).Owner!.Send((Batch)state!), batch,
                    CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
                return;
            }
            catch (RedisUnavailableException)
            {
                // Given up: the items come back after the visibility timeout (at least once).
            }
        }
        // Answered, or failed for good (the connection was disposed, or the server refused the script): either
        // way these ids are settled; the items of a failed one come back after the visibility timeout.
        Interlocked.Add(ref _sent, batch.Count);
        Batch next;
        lock (_sync)
        {
            if (_pending.Count == 0)
            {
                _busy = false;
                return;
            }
            next = TakeLocked();
        }
        Send(next);
    }

    /// <summary>One command's arguments (group, joinable flag, ids) and its retries' outage.</summary>
    private sealed class Batch(RedisValue[] args, int count)
    {
        public RedisValue[] Args { get; } = args;

        public int Count { get; } = count;

        public AckSender? Owner { get; private set; }

        public Outage Outage;

        public Batch For(AckSender owner)
        {
            Owner = owner;
            return this;
        }
    }
}
