namespace Multiproc;

/// <summary>
/// Thrown by <see cref="ProcessLock.Acquire"/> and <see cref="ProcessLock.TryAcquire"/> when the process that
/// held the lock died without releasing it. As with <see cref="System.Threading.AbandonedMutexException"/>,
/// the caller now holds the lock and must release it; the data the lock protects may be inconsistent.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class AbandonedLockException : Exception
{
    /// <summary>Creates the exception for a lock abandoned by process <paramref name="deadOwnerPid"/>.</summary>
    public AbandonedLockException(int deadOwnerPid)
        : base($"The ProcessLock was abandoned: process {deadOwnerPid} died while holding it. This thread now holds the lock; the data it protects may be inconsistent.")
    {
        DeadOwnerPid = deadOwnerPid;
    }

    /// <summary>The pid of the process that died holding the lock.</summary>
    public int DeadOwnerPid { get; }
}
