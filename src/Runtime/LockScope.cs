namespace Multiproc;

/// <summary>
/// A held <see cref="ProcessLock"/>, released by <see cref="Dispose"/>: the <c>using (lk.Hold()) { … }</c>
/// form of Python's <c>with lock:</c>.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public readonly struct LockScope : IDisposable
{
    private readonly ProcessLock? _lock;

    internal LockScope(ProcessLock processLock, bool abandoned)
    {
        _lock = processLock;
        Abandoned = abandoned;
    }

    /// <summary>
    /// True when the previous holder died holding the lock (see <see cref="AbandonedLockException"/>):
    /// the lock is held all the same, but the data it protects may be inconsistent.
    /// </summary>
    public bool Abandoned { get; }

    /// <summary>Releases the lock.</summary>
    public void Dispose() => _lock?.Release();
}
