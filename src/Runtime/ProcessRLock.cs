using Multiproc.Internal;
using Multiproc.Platform;

namespace Multiproc;

/// <summary>
/// A re-entrant lock shared between processes, like Python's <c>multiprocessing.RLock</c>: the thread that holds
/// it may acquire it again, and must release it as many times. Create it in the parent and pass it to child
/// processes as a target argument.
/// </summary>
/// <remarks>
/// Shared memory holds the owner's pid (the lock word, as in <see cref="ProcessLock"/>), its managed thread id
/// and the recursion count. Waiting is a short spin, then a futex wait in the kernel. A waiter that has slept for
/// a while checks that the owning process is alive; if it died, the waiter takes the lock over with a recursion
/// count of one and is told (<see cref="AbandonedLockException"/>, <see cref="LockScope.Abandoned"/>). Unlike
/// <see cref="ProcessLock"/>, only the owning thread may release it.
/// <para>The lock's file lives as long as some process uses it (see <see cref="ProcessLock"/>). Using a disposed
/// lock throws <see cref="ObjectDisposedException"/>.</para>
/// </remarks>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class ProcessRLock : IDisposable, ISharedObject, IScopeOwner
{
    private const int Waiters = unchecked((int)0x80000000);
    private const int OwnerMask = 0x3FFFFFFF;
    private const int SpinCount = 100;
    private static readonly TimeSpan LivenessCheckInterval = TimeSpan.FromMilliseconds(200);

    private readonly SharedSegment _segment;
    private readonly DisposeGate _gate = new();
    private readonly unsafe int* _word;   // owner pid | Waiters
    private readonly unsafe int* _thread; // owner's managed thread id
    private readonly unsafe int* _depth;  // recursion count
    private readonly int _me = Environment.ProcessId;

    /// <summary>Creates a new, unlocked re-entrant lock.</summary>
    public ProcessRLock()
        : this(SharedSegment.Create("rlock", 64))
    {
    }

    private unsafe ProcessRLock(SharedSegment segment)
    {
        _segment = segment;
        _word = (int*)segment.Pointer;
        _thread = _word + 1;
        _depth = _word + 2;
    }

    string ISharedObject.Handle
    {
        get
        {
            ThrowIfDisposed();
            return _segment.Name;
        }
    }

    internal static ProcessRLock Attach(string handle) => new(SharedSegment.Open(handle));

    /// <summary>Whether the calling thread holds the lock.</summary>
    /// <exception cref="ObjectDisposedException">The lock was disposed in this process.</exception>
    public bool IsHeldByCurrentThread
    {
        get
        {
            ThrowIfDisposed();
            var held = HeldHere();
            GC.KeepAlive(this);
            return held;
        }
    }

    private unsafe bool HeldHere() =>
        (Volatile.Read(ref *_word) & OwnerMask) == _me && Volatile.Read(ref *_thread) == Environment.CurrentManagedThreadId;

    /// <summary>Acquires the lock, waiting while another thread or process holds it; again at once when this thread holds it.</summary>
    /// <exception cref="AbandonedLockException">The previous owner's process died holding the lock; the caller now holds it (once).</exception>
    /// <exception cref="ObjectDisposedException">The lock was disposed in this process.</exception>
    public void Acquire()
    {
        AcquireCore(Deadline.Never, out var abandonedBy);
        if (abandonedBy != 0) throw new AbandonedLockException(abandonedBy);
    }

    /// <summary>
    /// Acquires the lock if it becomes free within <paramref name="timeout"/> (at once when this thread holds it);
    /// <see cref="TimeSpan.Zero"/> only tries, <see cref="Timeout.InfiniteTimeSpan"/> waits as long as needed.
    /// </summary>
    /// <returns>True when the lock was acquired.</returns>
    /// <exception cref="AbandonedLockException">The previous owner's process died holding the lock; the caller now holds it (once).</exception>
    /// <exception cref="ObjectDisposedException">The lock was disposed in this process.</exception>
    public bool TryAcquire(TimeSpan timeout)
    {
        ThrowIfDisposed();
        var taken = AcquireCore(Deadline.From(timeout), out var abandonedBy);
        if (abandonedBy != 0) throw new AbandonedLockException(abandonedBy);
        return taken;
    }

    /// <summary>Releases one level of the lock; the last release frees it for others.</summary>
    /// <exception cref="InvalidOperationException">The calling thread does not hold the lock.</exception>
    /// <exception cref="ObjectDisposedException">The lock was disposed in this process (for example inside its own <see cref="Hold"/> scope).</exception>
    public void Release()
    {
        ThrowIfDisposed();
        ReleaseMapped();
        GC.KeepAlive(this);
    }

    private unsafe void ReleaseMapped()
    {
        if (!HeldHere())
        {
            var owner = Volatile.Read(ref *_word) & OwnerMask;
            throw new InvalidOperationException(owner == 0
                ? "Release() was called on a ProcessRLock that is not held."
                : owner == _me
                    ? "Release() was called on a ProcessRLock held by another thread of this process; only the thread that acquired it may release it."
                    : $"Release() was called on a ProcessRLock held by process {owner}; only the thread that acquired it may release it.");
        }
        var depth = *_depth - 1;
        if (depth > 0)
        {
            *_depth = depth;
            return;
        }
        *_depth = 0;
        Volatile.Write(ref *_thread, 0);
        var v = Interlocked.Exchange(ref *_word, 0);
        if ((v & Waiters) != 0) Futex.Wake(_word, 1);
    }

    /// <summary>
    /// Acquires the lock and returns a scope whose <c>Dispose</c> releases it (one level): <c>using (rlock.Hold()) { … }</c>.
    /// When the previous owner's process died holding the lock, the scope holds it all the same and
    /// <see cref="LockScope.Abandoned"/> is true.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The lock was disposed in this process.</exception>
    public LockScope Hold()
    {
        AcquireCore(Deadline.Never, out var abandonedBy);
        return new LockScope(this, abandonedBy != 0);
    }

    void IScopeOwner.ReleaseScope() => Release();

    private bool AcquireCore(Deadline deadline, out int abandonedBy)
    {
        ThrowIfDisposed();
        var taken = AcquireMapped(deadline, out abandonedBy);
        GC.KeepAlive(this);
        return taken;
    }

    private unsafe bool AcquireMapped(Deadline deadline, out int abandonedBy)
    {
        abandonedBy = 0;
        var thread = Environment.CurrentManagedThreadId;
        if (HeldHere())
        {
            *_depth += 1;
            return true;
        }
        if (Interlocked.CompareExchange(ref *_word, _me, 0) == 0)
        {
            Own(thread);
            return true;
        }
        if (!AcquireSlow(deadline, out abandonedBy)) return false;
        Own(thread);
        return true;
    }

    private unsafe void Own(int thread)
    {
        *_depth = 1;
        Volatile.Write(ref *_thread, thread);
    }

    private unsafe bool AcquireSlow(Deadline deadline, out int abandonedBy)
    {
        abandonedBy = 0;
        if (!deadline.Passed)
        {
            var spinner = new SpinWait();
            for (var i = 0; i < SpinCount; i++)
            {
                if (Volatile.Read(ref *_word) == 0 && Interlocked.CompareExchange(ref *_word, _me, 0) == 0) return true;
                spinner.SpinOnce(sleep1Threshold: -1);
            }
        }

        var checkOwner = true;
        while (true)
        {
            var v = Volatile.Read(ref *_word);
            if (v == 0)
            {
                // Others may still be asleep: keep the waiters bit so that our release wakes one.
                if (Interlocked.CompareExchange(ref *_word, _me | Waiters, 0) == 0) return true;
                continue;
            }
            if (checkOwner)
            {
                var owner = v & OwnerMask;
                if (owner != _me && !ProcessLiveness.IsAlive(owner))
                {
                    if (Interlocked.CompareExchange(ref *_word, _me | (v & Waiters), v) != v) continue;
                    abandonedBy = owner;
                    return true;
                }
            }
            if ((v & Waiters) == 0)
            {
                if (Interlocked.CompareExchange(ref *_word, v | Waiters, v) != v) continue;
                v |= Waiters;
            }
            var left = deadline.Slice(LivenessCheckInterval);
            if (left == TimeSpan.Zero) return false;
            checkOwner = !Futex.Wait(_word, v, left); // timed out: the owner may have died
        }
    }

    /// <summary>
    /// Lets the lock go in this process; the last process to let it go removes its file. Disposing twice does
    /// nothing. Another thread must not be using the lock at the same moment.
    /// </summary>
    public void Dispose()
    {
        if (_gate.Close()) _segment.Dispose();
    }

    private void ThrowIfDisposed() => _gate.ThrowIfDisposed(nameof(ProcessRLock));
}
