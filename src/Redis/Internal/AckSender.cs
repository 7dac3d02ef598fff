using StackExchange.Redis;

namespace Multiproc.Redis.Internal;

/// <summary>
/// Sends a queue's acknowledgements from a thread of its own: one command on the wire at a time, and every id
/// queued while it is there goes in the next one. The thread waits (no spinning) while there is nothing to send,
/// is woken by the first id after a quiet spell, sends synchronously, and ends after a second without ids (it
/// starts again with the next one). Neither the send nor its completion goes through the .NET thread pool,
/// whose workers spin after every wake-up: on a busy machine that spinning, not the protocol, was most of a
/// client's CPU per item. The ids are never sent from the thread that marks items done (the consumer's, the
/// busiest of a queue's pipeline).
/// </summary>
internal sealed class AckSender
{
    private const int MaxIdsPerCommand = 1000;
    private static readonly TimeSpan IdleExit = TimeSpan.FromSeconds(1);
    private readonly Func<IDatabase> _database;
    private readonly RedisKey[] _keys;
    private readonly RedisValue _group;
    private readonly RedisValue _joinable;
    private readonly TimeSpan _connectionLossTimeout;
    private readonly object _sync = new();
    private List<RedisValue> _pending = [];
    private bool _running;
    private bool _waiting;
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

    /// <summary>Queues the acknowledgement of <paramref name="id"/>; the sender sends it now when no command is on the wire.</summary>
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
            if (_waiting)
            {
                _waiting = false;
                Monitor.Pulse(_sync);
            }
            if (_running) return;
            _running = true;
        }
        new Thread(static state => ((AckSender)state!).Run()) { IsBackground = true, Name = "Multiproc.Redis acks" }.Start(this);
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
        lock (_sync)
        {
            _closed = true;
            Monitor.PulseAll(_sync);
        }
    }

    private void Run()
    {
        while (true)
        {
            RedisValue[] args;
            lock (_sync)
            {
                while (_pending.Count == 0)
                {
                    if (_closed)
                    {
                        _running = false;
                        return;
                    }
                    _waiting = true;
                    Monitor.Wait(_sync, IdleExit);
                    if (_pending.Count == 0 && _waiting)
                    {
                        // A second without ids: end; the next id starts a new sender.
                        _waiting = false;
                        _running = false;
                        return;
                    }
                    _waiting = false;
                }
                args = TakeLocked();
            }
            Send(args);
            Interlocked.Add(ref _sent, args.Length - 2);
        }
    }

    private RedisValue[] TakeLocked()
    {
        var count = Math.Min(_pending.Count, MaxIdsPerCommand);
        var args = new RedisValue[2 + count];
        args[0] = _group;
        args[1] = _joinable;
        _pending.CopyTo(0, args, 2, count);
        if (count == _pending.Count) _pending.Clear();
        else _pending.RemoveRange(0, count);
        return args;
    }

    /// <summary>Sends one command, retrying while the server cannot be reached for at most the connection-loss timeout.</summary>
    private void Send(RedisValue[] args)
    {
        var outage = default(Outage);
        while (true)
        {
            try
            {
                _database().ScriptEvaluate(QueueScripts.Ack, _keys, args);
                return;
            }
            catch (Exception e) when (Outage.IsTransient(e))
            {
                TimeSpan pause;
                try
                {
                    pause = outage.Failed(e, _connectionLossTimeout, Deadline.After(null), "acknowledging items of a Redis queue");
                }
                catch (RedisUnavailableException)
                {
                    return; // given up: the items come back after the visibility timeout (at least once)
                }
                Thread.Sleep(pause);
            }
            catch (Exception)
            {
                // Failed for good (the connection was disposed, or the server refused the script): these ids are
                // settled either way; their items come back after the visibility timeout.
                return;
            }
        }
    }
}
