namespace Multiproc;

/// <summary>
/// A held lock (<see cref="ProcessLock"/>, <see cref="ProcessRLock"/>, <see cref="ProcessCondition"/>) or a
/// taken <see cref="ProcessSemaphore"/> count, released by <see cref="Dispose"/>: the
/// <c>using (lk.Hold()) { … }</c> form of Python's <c>with lock:</c>.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public readonly struct LockScope : IDisposable
{
    // A ProcessLock (the common case, released without an interface call) or an IScopeOwner.
    private readonly object? _owner;

    internal LockScope(ProcessLock processLock, bool abandoned)
    {
        _owner = processLock;
        Abandoned = abandoned;
    }

    internal LockScope(IScopeOwner owner, bool abandoned)
    {
        _owner = owner;
        Abandoned = abandoned;
    }

    /// <summary>
    /// True when the previous holder died holding the lock (see <see cref="AbandonedLockException"/>):
    /// the lock is held all the same, but the data it protects may be inconsistent.
    /// </summary>
    public bool Abandoned { get; }

    /// <summary>Releases the lock (or gives the semaphore's count back).</summary>
    public void Dispose()
    {
        if (_owner is ProcessLock l) l.Release();
        else if (_owner is IScopeOwner o) o.ReleaseScope();
    }
}

/// <summary>What a <see cref="LockScope"/> releases when it is not a <see cref="ProcessLock"/>.</summary>
internal interface IScopeOwner
{
    void ReleaseScope();
}
