namespace Multiproc.Redis;

/// <summary>
/// A held <see cref="RedisLock"/>, released by <see cref="Dispose"/>: the <c>using (lk.Hold()) { … }</c> form
/// of Python's <c>with lock:</c>, as <see cref="LockScope"/> is for <see cref="ProcessLock"/>.
/// </summary>
public readonly struct RedisLockScope : IDisposable
{
    private readonly RedisLock? _lock;

    internal RedisLockScope(RedisLock redisLock, bool abandoned, long fencingToken)
    {
        _lock = redisLock;
        Abandoned = abandoned;
        FencingToken = fencingToken;
    }

    /// <summary>
    /// True when the previous holder never released the lock (it died, or lost the server, and its lease
    /// ran out): the lock is held all the same, but the data it protects may be inconsistent.
    /// </summary>
    public bool Abandoned { get; }

    /// <summary>The fencing token of this hold: larger than that of every earlier hold of the lock (see <see cref="RedisLock.FencingToken"/>).</summary>
    public long FencingToken { get; }

    /// <summary>Releases the lock (see <see cref="RedisLock.Release"/>).</summary>
    public void Dispose() => _lock?.Release();
}
