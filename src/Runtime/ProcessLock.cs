using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.Versioning;
using Multiproc.Internal;
using Multiproc.Platform;

namespace Multiproc;

/// <summary>
/// A non-recursive lock shared between processes, like Python's <c>multiprocessing.Lock</c>.
/// Create it in the parent and pass it to child processes as a target argument; it travels as a
/// handle and every process locks the same word in shared memory.
/// </summary>
/// <remarks>
/// The lock word lives in a memory-mapped file of the run and holds the pid of the holding process.
/// Acquire is one compare-and-swap when the lock is free, then a spin bounded in time (plain reads with
/// pause instructions), then a futex wait in the kernel; release is one atomic exchange, and a system call
/// only when a waiter may sleep. Like CPython's lock (a POSIX semaphore) it barges: no FIFO hand-off. A waiter that has slept for a while checks that the holder is still alive (after 200 ms, then at
/// intervals that double up to 1 s while the holder lives, so a holder that died is noticed within about 1 s); if
/// it died, the waiter takes the lock over and is told (<see cref="AbandonedLockException"/>,
/// <see cref="LockScope.Abandoned"/>). Like Python's lock, any thread or process may release it, and
/// a thread that acquires it twice without releasing waits for itself.
/// <para>The lock's file lives as long as some process uses it: it is removed when every process that
/// created or attached it has disposed it (or died, or let the GC collect it), and no child it was sent to
/// is still unreaped. Using a disposed lock throws <see cref="ObjectDisposedException"/>.</para>
/// </remarks>
[SupportedOSPlatform("linux")]
public sealed unsafe class ProcessLock : IDisposable, ISharedObject
{
    private const int Waiters = unchecked((int)0x80000000);
    private const int OwnerMask = 0x3FFFFFFF;
    /// <summary>The first liveness check of a wait; later ones back off to <see cref="OwnerLock.MaxLivenessCheck"/>.</summary>
    private static readonly TimeSpan FirstLivenessCheck = TimeSpan.FromMilliseconds(200);

    private readonly SharedSegment _segment;
    private readonly int* _word;
    private readonly int _me = Environment.ProcessId;
    private int _disposed;

    /// <summary>Creates a new, unlocked lock.</summary>
    public ProcessLock()
        : this(SharedSegment.Create("lock", 64))
    {
    }

    private ProcessLock(SharedSegment segment)
    {
        _segment = segment;
        _word = (int*)segment.Pointer;
    }

    string ISharedObject.Handle
    {
        get
        {
            ThrowIfDisposed();
            return _segment.Name;
        }
    }

    IEnumerable<string> ISharedObject.SegmentNames => [_segment.Name];

    internal static ProcessLock Attach(string handle) => new(SharedSegment.Open(handle));

    /// <summary>Waits until the lock is free and takes it.</summary>
    /// <exception cref="AbandonedLockException">The previous holder died holding the lock; the caller now holds it.</exception>
    /// <exception cref="ObjectDisposedException">The lock was disposed in this process.</exception>
    public void Acquire()
    {
        // The hot path is kept small enough to be inlined into the caller's loop: the disposed check is one
        // field test folded into the same branch as the compare-and-swap, everything else is out of line.
        if (_disposed == 0 && Interlocked.CompareExchange(ref *_word, _me, 0) == 0)
        {
            GC.KeepAlive(this); // the mapping must outlive the CAS (a finalizer unmaps it)
            return;
        }
        AcquireContended();
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void AcquireContended()
    {
        ThrowIfDisposed();
        AcquireSlow(null, out var abandonedBy);
        GC.KeepAlive(this);
        if (abandonedBy != 0) throw new AbandonedLockException(abandonedBy);
    }

    /// <summary>
    /// Takes the lock if it becomes free within <paramref name="timeout"/>; <see cref="TimeSpan.Zero"/> only tries,
    /// <see cref="Timeout.InfiniteTimeSpan"/> waits as long as needed.
    /// </summary>
    /// <returns>True when the lock was taken.</returns>
    /// <exception cref="AbandonedLockException">The previous holder died holding the lock; the caller now holds it.</exception>
    /// <exception cref="ObjectDisposedException">The lock was disposed in this process.</exception>
    public bool TryAcquire(TimeSpan timeout)
    {
        ThrowIfDisposed();
        if (timeout < TimeSpan.Zero && timeout != Timeout.InfiniteTimeSpan)
            throw new ArgumentOutOfRangeException(nameof(timeout), timeout, "The timeout must be non-negative or Timeout.InfiniteTimeSpan.");
        if (Interlocked.CompareExchange(ref *_word, _me, 0) == 0) return true;
        if (timeout == TimeSpan.Zero)
        {
            if (!TakeOverIfOwnerDead(Volatile.Read(ref *_word), out var dead)) return false;
            throw new AbandonedLockException(dead);
        }
        var taken = AcquireSlow(timeout == Timeout.InfiniteTimeSpan ? null : timeout, out var abandonedBy);
        GC.KeepAlive(this);
        if (abandonedBy != 0) throw new AbandonedLockException(abandonedBy);
        return taken;
    }

    /// <summary>Releases the lock.</summary>
    /// <exception cref="InvalidOperationException">The lock is not held.</exception>
    /// <exception cref="ObjectDisposedException">The lock was disposed in this process (for example inside its own <see cref="Hold"/> scope).</exception>
    public void Release()
    {
        if (_disposed != 0) ThrowDisposed();
        // One atomic exchange: a free word stays free (exchanging 0 for 0 changes nothing), so "not held" can be
        // told from the old value afterwards, without a read and a compare-and-swap loop first.
        var v = Interlocked.Exchange(ref *_word, 0);
        GC.KeepAlive(this);
        if (v <= 0) ReleaseRare(v); // 0: was not held; < 0: the Waiters bit, someone may sleep
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void ReleaseRare(int v)
    {
        if (v == 0) throw new InvalidOperationException("Release() was called on a ProcessLock that is not held.");
        Futex.Wake(_word, 1);
        GC.KeepAlive(this);
    }

    /// <summary>
    /// Acquires the lock and returns a scope whose <c>Dispose</c> releases it:
    /// <c>using (mutex.Hold()) { … }</c>, Python's <c>with lock:</c>. When the previous holder died
    /// holding the lock, the scope holds it all the same and <see cref="LockScope.Abandoned"/> is true.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The lock was disposed in this process.</exception>
    public LockScope Hold()
    {
        if (_disposed == 0 && Interlocked.CompareExchange(ref *_word, _me, 0) == 0)
        {
            GC.KeepAlive(this);
            return new LockScope(this, false);
        }
        return HoldContended();
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private LockScope HoldContended()
    {
        ThrowIfDisposed();
        AcquireSlow(null, out var abandonedBy);
        GC.KeepAlive(this);
        return new LockScope(this, abandonedBy != 0);
    }

    /// <summary>Whether some process holds the lock right now (a snapshot).</summary>
    internal bool IsHeld
    {
        get
        {
            ThrowIfDisposed();
            var held = Volatile.Read(ref *_word) != 0;
            GC.KeepAlive(this);
            return held;
        }
    }

    /// <summary>The lock word, for a caller that waits on it through FutexWaiter and keeps the lock alive meanwhile.</summary>
    internal int* Word => _word;

    /// <summary>
    /// One step of an acquire that waits without a thread (<see cref="ProcessCondition.WaitAsync(TimeSpan, CancellationToken)"/>):
    /// takes the lock when it is free, or when <paramref name="checkOwner"/> and its holder died; otherwise marks that
    /// someone waits and returns false with the word's value in <paramref name="observed"/>, to wait on (then call again).
    /// </summary>
    internal bool TryAcquireOrMark(bool checkOwner, out int observed)
    {
        ThrowIfDisposed();
        while (true)
        {
            var v = Volatile.Read(ref *_word);
            if (v == 0)
            {
                // Others may still be asleep: keep the waiters bit so that our release wakes one.
                if (Interlocked.CompareExchange(ref *_word, _me | Waiters, 0) == 0) break;
                continue;
            }
            if (checkOwner && TakeOverIfOwnerDead(v, out _)) break;
            if ((v & Waiters) == 0)
            {
                if (Interlocked.CompareExchange(ref *_word, v | Waiters, v) != v) continue;
                v |= Waiters;
            }
            observed = v;
            GC.KeepAlive(this);
            return false;
        }
        observed = 0;
        GC.KeepAlive(this);
        return true;
    }

    /// <summary>The pid of the process that holds the lock right now, 0 when free (a snapshot).</summary>
    internal int HolderPid => Volatile.Read(ref *_word) & OwnerMask;

    private bool AcquireSlow(TimeSpan? timeout, out int abandonedBy)
    {
        abandonedBy = 0;
        if (OwnerLock.Spin(_word, _me)) return true;

        var stopwatch = timeout is null ? null : Stopwatch.StartNew();
        var checkOwner = true;
        var interval = FirstLivenessCheck;
        while (true)
        {
            var v = Volatile.Read(ref *_word);
            if (v == 0)
            {
                // Others may still be asleep: keep the waiters bit so that our release wakes one.
                if (Interlocked.CompareExchange(ref *_word, _me | Waiters, 0) == 0) return true;
                continue;
            }
            if (checkOwner && TakeOverIfOwnerDead(v, out abandonedBy)) return true;
            if ((v & Waiters) == 0)
            {
                if (Interlocked.CompareExchange(ref *_word, v | Waiters, v) != v) continue;
                v |= Waiters;
            }

            var wait = interval;
            if (stopwatch is not null)
            {
                var left = timeout!.Value - stopwatch.Elapsed;
                if (left <= TimeSpan.Zero) return false;
                if (left < wait) wait = left;
            }
            var woken = Futex.Wait(_word, v, wait);
            checkOwner = !woken; // timed out: the owner may have died
            interval = woken ? FirstLivenessCheck : OwnerLock.NextLivenessCheck(interval);
            // Woken: the releaser may have taken the lock again already (barging); spin before sleeping again.
            // Others may still sleep: keep the waiters bit so that our release wakes one.
            if (woken && OwnerLock.Spin(_word, _me | Waiters)) return true;
        }
    }

    private bool TakeOverIfOwnerDead(int v, out int deadOwner)
    {
        deadOwner = 0;
        var owner = v & OwnerMask;
        if (v == 0 || ProcessLiveness.IsAlive(owner)) return false;
        // Keep the waiters bit: other processes may sleep on the word.
        if (Interlocked.CompareExchange(ref *_word, _me | (v & Waiters), v) != v) return false;
        deadOwner = owner;
        return true;
    }

    /// <summary>
    /// Lets the lock go in this process; the last process to let it go removes its file. Disposing twice does
    /// nothing. Another thread must not be using the lock at the same moment.
    /// </summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        _segment.Dispose();
    }

    private void ThrowIfDisposed()
    {
        if (_disposed != 0) ThrowDisposed();
    }

    [DoesNotReturn]
    private static void ThrowDisposed() =>
        throw new ObjectDisposedException(nameof(ProcessLock), "This ProcessLock was disposed in this process; it cannot be used any more.");
}
