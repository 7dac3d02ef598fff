using Multiproc.Redis.Internal;
using StackExchange.Redis;

namespace Multiproc.Redis;

/// <summary>
/// A lock shared by processes on any number of machines through one Redis server, with the members and
/// meanings of <see cref="ProcessLock"/>: every process that constructs a <see cref="RedisLock"/> with the same
/// server and name contends for the same lock.
/// </summary>
/// <remarks>
/// <para>The lock is a key set with <c>SET NX PX</c> (a lease of <see cref="RedisLockOptions.LeaseTime"/>),
/// renewed by a timer every third of the lease while held. A holder that dies, or cannot reach the server,
/// stops renewing: the lock becomes free when the lease ends. A marker key without expiry records the holder
/// until <see cref="Release"/>, so the next acquirer learns that the previous holder never released:
/// <see cref="Acquire"/> and <see cref="TryAcquire"/> then throw <see cref="AbandonedLockException"/> (the
/// caller holds the lock) and <see cref="Hold"/> sets <see cref="RedisLockScope.Abandoned"/>.</para>
/// <para>A lease can end under a live holder (a pause longer than the lease, a network partition). Each
/// acquisition therefore gets a <see cref="FencingToken"/> (an <c>INCR</c>ed counter) larger than every earlier
/// one: pass it to the storage the lock protects and have it refuse writes carrying an older token.</para>
/// <para>Waiting for a taken lock polls the server (1 ms, doubling up to <see cref="RedisLockOptions.PollInterval"/>).
/// The lock is not re-entrant: one object holds it once; other threads of the same object wait.</para>
/// </remarks>
public sealed class RedisLock : IDisposable
{
    private readonly IConnectionMultiplexer _connection;
    private readonly bool _ownsConnection;
    private readonly RedisKey[] _keys;
    private readonly object _sync = new();
    private readonly Timer _renewal;
    private string? _owner;
    private long _token;
    private bool _lost;
    private bool _disposed;

    /// <summary>Connects to the lock <paramref name="name"/> on the server of <paramref name="connection"/>.</summary>
    /// <param name="connection">A StackExchange.Redis connection; it stays the caller's.</param>
    /// <param name="name">The lock's name: every process that uses the lock passes the same one.</param>
    /// <param name="options">Lease and timeouts; null for the defaults.</param>
    /// <exception cref="ArgumentNullException"><paramref name="connection"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="name"/> is empty or contains a brace.</exception>
    public RedisLock(IConnectionMultiplexer connection, string name, RedisLockOptions? options = null)
        : this(connection ?? throw new ArgumentNullException(nameof(connection)), false, name, options)
    {
    }

    /// <summary>Connects to the server given by a StackExchange.Redis configuration string, and to the lock <paramref name="name"/> there.</summary>
    /// <param name="connectionString">For example <c>"localhost:6379"</c>; the connection belongs to the lock and is closed by <see cref="Dispose"/>.</param>
    /// <param name="name">The lock's name.</param>
    /// <param name="options">Lease and timeouts; null for the defaults.</param>
    /// <exception cref="ArgumentException">The connection string is empty or invalid, or <paramref name="name"/> is empty or contains a brace.</exception>
    public RedisLock(string connectionString, string name, RedisLockOptions? options = null)
        : this(Connections.Connect(connectionString, nameof(connectionString)), true, name, options)
    {
    }

    private RedisLock(IConnectionMultiplexer connection, bool ownsConnection, string name, RedisLockOptions? options)
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
        Options = (options ?? new RedisLockOptions()).Clone();
        _keys = [$"multiproc:{{{name}}}:lock", $"multiproc:{{{name}}}:fence", $"multiproc:{{{name}}}:held"];
        _renewal = new Timer(_ => Renew(), null, Timeout.Infinite, Timeout.Infinite);
    }

    /// <summary>The lock's name.</summary>
    public string Name { get; }

    /// <summary>The options this lock was created with (a copy).</summary>
    public RedisLockOptions Options { get; }

    /// <summary>Whether this object holds the lock and has not seen its lease end (a snapshot).</summary>
    public bool IsHeld
    {
        get
        {
            lock (_sync) return _owner is not null && !_lost;
        }
    }

    /// <summary>
    /// The fencing token of the current hold by this object (0 when it does not hold the lock): every
    /// acquisition of the lock, by any process, gets a larger one. Storage that refuses writes carrying a
    /// token older than the newest it has seen is safe even when a lease ended under a paused holder.
    /// </summary>
    public long FencingToken
    {
        get
        {
            lock (_sync) return _owner is null ? 0 : _token;
        }
    }

    private IDatabase Database => _connection.GetDatabase();

    /// <summary>Waits until the lock is free and takes it.</summary>
    /// <exception cref="AbandonedLockException">The previous holder never released the lock (it died and its lease ended); the caller now holds it.</exception>
    /// <exception cref="RedisUnavailableException">The server could not be reached for longer than <see cref="RedisLockOptions.ConnectionLossTimeout"/>.</exception>
    public void Acquire()
    {
        AcquireCore(Deadline.After(null), out var abandonedBy);
        if (abandonedBy is not null) throw Abandoned(abandonedBy);
    }

    /// <summary>
    /// Takes the lock if it becomes free within <paramref name="timeout"/>; <see cref="TimeSpan.Zero"/> only tries,
    /// <see cref="Timeout.InfiniteTimeSpan"/> waits as long as needed.
    /// </summary>
    /// <param name="timeout">How long to wait.</param>
    /// <returns>True when the lock was taken.</returns>
    /// <exception cref="AbandonedLockException">The previous holder never released the lock; the caller now holds it.</exception>
    /// <exception cref="RedisUnavailableException">The server could not be reached.</exception>
    public bool TryAcquire(TimeSpan timeout)
    {
        var taken = AcquireCore(Deadline.After(Deadline.Check(timeout, nameof(timeout))), out var abandonedBy);
        if (abandonedBy is not null) throw Abandoned(abandonedBy);
        return taken;
    }

    /// <summary>Waits asynchronously until the lock is free and takes it.</summary>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>A task that completes once the lock is held.</returns>
    /// <exception cref="AbandonedLockException">The previous holder never released the lock; the caller now holds it.</exception>
    /// <exception cref="RedisUnavailableException">The server could not be reached.</exception>
    public async Task AcquireAsync(CancellationToken cancellationToken = default)
    {
        var outage = default(Outage);
        var pause = TimeSpan.FromMilliseconds(1);
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            ObjectDisposedException.ThrowIf(_disposed, this);
            var owner = Connections.NewOwnerId();
            RedisResult result;
            try
            {
                result = await Database.ScriptEvaluateAsync(LockScripts.Acquire, _keys, [owner, LeaseMs]).ConfigureAwait(false);
                outage.Succeeded();
            }
            catch (Exception e) when (Outage.IsTransient(e))
            {
                await Task.Delay(outage.Failed(e, Options.ConnectionLossTimeout, Deadline.After(null), $"acquiring the Redis lock '{Name}'"), cancellationToken).ConfigureAwait(false);
                continue;
            }
            if (Taken(result, owner, out var abandonedBy))
            {
                if (abandonedBy is not null) throw Abandoned(abandonedBy);
                return;
            }
            await Task.Delay(pause, cancellationToken).ConfigureAwait(false);
            pause = NextPause(pause);
        }
    }

    /// <summary>Releases the lock.</summary>
    /// <exception cref="InvalidOperationException">This object does not hold the lock; or its lease ended before this call (the message says so: another process may have held the lock meanwhile).</exception>
    /// <exception cref="RedisUnavailableException">The server could not be reached (the lock is then free when its lease ends, and its next holder is told it was abandoned).</exception>
    public void Release()
    {
        string owner;
        long token;
        lock (_sync)
        {
            if (_owner is null) throw new InvalidOperationException($"Release() was called on the RedisLock '{Name}', which this object does not hold.");
            owner = _owner;
            token = _token;
            _owner = null;
            _lost = false;
            _renewal.Change(Timeout.Infinite, Timeout.Infinite);
        }
        var outage = default(Outage);
        while (true)
        {
            try
            {
                var released = (int)Database.ScriptEvaluate(LockScripts.Release, [_keys[0], _keys[2]], [owner]) == 1;
                if (!released)
                    throw new InvalidOperationException($"The lease of the RedisLock '{Name}' (fencing token {token}) ended before Release(): another process may have held the lock meanwhile.");
                return;
            }
            catch (Exception e) when (Outage.IsTransient(e))
            {
                Thread.Sleep(outage.Failed(e, Options.ConnectionLossTimeout, Deadline.After(null), $"releasing the Redis lock '{Name}'"));
            }
        }
    }

    /// <summary>
    /// Acquires the lock and returns a scope whose <c>Dispose</c> releases it: <c>using (lk.Hold()) { … }</c>,
    /// Python's <c>with lock:</c>. When the previous holder never released the lock, the scope holds it all the
    /// same and <see cref="RedisLockScope.Abandoned"/> is true.
    /// </summary>
    /// <returns>The held lock.</returns>
    /// <exception cref="RedisUnavailableException">The server could not be reached.</exception>
    public RedisLockScope Hold()
    {
        AcquireCore(Deadline.After(null), out var abandonedBy);
        return new RedisLockScope(this, abandonedBy is not null, FencingToken);
    }

    /// <summary>Stops renewing the lease and releases the lock if this object holds it; closes the connection when the lock was created from a connection string.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        if (IsHeld)
        {
            try
            {
                Release();
            }
            catch (Exception e) when (e is InvalidOperationException or RedisUnavailableException)
            {
                // Lost or unreachable: the lease ends by itself.
            }
        }
        _disposed = true;
        _renewal.Dispose();
        if (_ownsConnection) _connection.Dispose();
    }

    private long LeaseMs => (long)Options.LeaseTime.TotalMilliseconds;

    private TimeSpan NextPause(TimeSpan pause)
    {
        var next = pause * 2;
        return next < Options.PollInterval ? next : Options.PollInterval;
    }

    private static AbandonedLockException Abandoned(string previousOwner)
    {
        // The owner id is machine:pid:random; the pid is the one AbandonedLockException carries.
        var parts = previousOwner.Split(':');
        var pid = parts.Length >= 3 && int.TryParse(parts[^2], out var p) ? p : 0;
        return new AbandonedLockException(pid);
    }

    private bool AcquireCore(Deadline deadline, out string? abandonedBy)
    {
        var outage = default(Outage);
        var pause = TimeSpan.FromMilliseconds(1);
        while (true)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var owner = Connections.NewOwnerId();
            RedisResult result;
            try
            {
                result = Database.ScriptEvaluate(LockScripts.Acquire, _keys, [owner, LeaseMs]);
                outage.Succeeded();
            }
            catch (Exception e) when (Outage.IsTransient(e))
            {
                Thread.Sleep(outage.Failed(e, Options.ConnectionLossTimeout, deadline, $"acquiring the Redis lock '{Name}'"));
                continue;
            }
            if (Taken(result, owner, out abandonedBy)) return true;
            if (deadline.IsZero || deadline.Expired) return false;
            Thread.Sleep(deadline.Left(pause));
            pause = NextPause(pause);
        }
    }

    private bool Taken(RedisResult result, string owner, out string? abandonedBy)
    {
        abandonedBy = null;
        if (result.IsNull) return false;
        var parts = (RedisResult[])result!;
        var previous = (string?)parts[1];
        lock (_sync)
        {
            _owner = owner;
            _token = (long)parts[0];
            _lost = false;
            var period = Options.LeaseTime / 3;
            _renewal.Change(period, period);
        }
        if (!string.IsNullOrEmpty(previous)) abandonedBy = previous;
        return true;
    }

    private void Renew()
    {
        string? owner;
        lock (_sync) owner = _lost ? null : _owner;
        if (owner is null) return;
        try
        {
            var renewed = (int)Database.ScriptEvaluate(LockScripts.Renew, [_keys[0]], [owner, LeaseMs]) == 1;
            if (!renewed)
            {
                lock (_sync)
                {
                    if (_owner == owner) _lost = true;
                }
            }
        }
        catch (Exception e) when (Outage.IsTransient(e) || e is ObjectDisposedException)
        {
            // The next tick tries again; if none gets through within the lease, the lock is lost.
        }
    }
}
