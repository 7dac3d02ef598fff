using Multiproc.Internal;
using Multiproc.Platform;

namespace Multiproc;

/// <summary>
/// A counting semaphore shared between processes, like Python's <c>multiprocessing.Semaphore</c>, and like its
/// <c>BoundedSemaphore</c> when <c>maxCount</c> is given. Create it in the parent and pass it to child processes
/// as a target argument.
/// </summary>
/// <remarks>
/// The count is one word in shared memory: <see cref="Acquire"/> decrements it with a compare-and-swap, or
/// sleeps in the kernel (futex) while it is zero; <see cref="Release"/> adds to it and makes the wake-up system
/// call only when some process sleeps. As with Python's semaphore (and unlike <see cref="ProcessLock"/>), a
/// count taken by a process that dies is not given back: a semaphore does not know who took its counts.
/// <para>The semaphore's file lives as long as some process uses it (see <see cref="ProcessLock"/>). Using a
/// disposed semaphore throws <see cref="ObjectDisposedException"/>; an async acquire pending when it is disposed
/// fails with it.</para>
/// </remarks>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class ProcessSemaphore : IDisposable, ISharedObject, IScopeOwner
{
    private const int SpinCount = 100;

    private readonly SharedSegment _segment;
    private readonly DisposeGate _gate = new();
    private readonly unsafe int* _count;
    private readonly unsafe int* _waiters;
    private readonly CountedWaits _asyncWaits; // this process's async acquires counted in _waiters (uncounted by Dispose)
    private readonly unsafe int* _max;

    /// <summary>Creates a semaphore whose count starts at <paramref name="initialCount"/>.</summary>
    /// <param name="initialCount">The count at the start (Python's <c>value</c>); zero or more.</param>
    /// <param name="maxCount">
    /// The highest the count may go: a <see cref="Release"/> past it throws <see cref="SemaphoreFullException"/>
    /// (Python's <c>BoundedSemaphore</c> raises <c>ValueError</c>). <see cref="int.MaxValue"/>: unbounded.
    /// </param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="initialCount"/> is negative or above <paramref name="maxCount"/>, or <paramref name="maxCount"/> is not positive.</exception>
    public unsafe ProcessSemaphore(int initialCount, int maxCount = int.MaxValue)
    {
        if (maxCount <= 0) throw new ArgumentOutOfRangeException(nameof(maxCount), maxCount, "maxCount must be positive.");
        if (initialCount < 0) throw new ArgumentOutOfRangeException(nameof(initialCount), initialCount, "initialCount must not be negative.");
        if (initialCount > maxCount) throw new ArgumentOutOfRangeException(nameof(initialCount), initialCount, $"initialCount must not be above maxCount ({maxCount}).");
        _segment = SharedSegment.Create("sem", 64);
        _count = (int*)_segment.Pointer;
        _waiters = _count + 1;
        _max = _count + 2;
        _asyncWaits = new CountedWaits((nint)_waiters);
        *_max = maxCount;
        Volatile.Write(ref *_count, initialCount);
    }

    private unsafe ProcessSemaphore(SharedSegment segment)
    {
        _segment = segment;
        _count = (int*)_segment.Pointer;
        _waiters = _count + 1;
        _max = _count + 2;
        _asyncWaits = new CountedWaits((nint)_waiters);
    }

    string ISharedObject.Handle
    {
        get
        {
            ThrowIfDisposed();
            return _segment.Name;
        }
    }

    internal static ProcessSemaphore Attach(string handle) => new(SharedSegment.Open(handle));

    /// <summary>The count right now (a snapshot, stale at once; Python's <c>get_value()</c>).</summary>
    /// <exception cref="ObjectDisposedException">The semaphore was disposed in this process.</exception>
    public unsafe int CurrentCount => ReadWord(_count);

    /// <summary>The highest the count may go (<see cref="int.MaxValue"/> when unbounded).</summary>
    /// <exception cref="ObjectDisposedException">The semaphore was disposed in this process.</exception>
    public unsafe int MaxCount => ReadWord(_max);

    private unsafe int ReadWord(int* word)
    {
        ThrowIfDisposed();
        var value = Volatile.Read(ref *word);
        GC.KeepAlive(this);
        return value;
    }

    /// <summary>Waits until the count is above zero and takes one.</summary>
    /// <exception cref="ObjectDisposedException">The semaphore was disposed in this process.</exception>
    public void Acquire() => AcquireCore(Deadline.Never);

    /// <summary>
    /// Takes one count if one is free within <paramref name="timeout"/>; <see cref="TimeSpan.Zero"/> only tries,
    /// <see cref="Timeout.InfiniteTimeSpan"/> waits as long as needed.
    /// </summary>
    /// <returns>True when a count was taken.</returns>
    /// <exception cref="ObjectDisposedException">The semaphore was disposed in this process.</exception>
    public bool TryAcquire(TimeSpan timeout)
    {
        ThrowIfDisposed();
        return AcquireCore(Deadline.From(timeout));
    }

    /// <summary>Takes one count without blocking a thread while the count is zero.</summary>
    /// <param name="cancellationToken">Cancels the wait; a cancelled acquire takes nothing.</param>
    /// <returns>A task that completes once a count was taken.</returns>
    /// <exception cref="ObjectDisposedException">The semaphore was disposed in this process; the task fails so when it is disposed while the acquire waits.</exception>
    public Task AcquireAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        if (cancellationToken.IsCancellationRequested) return Task.FromCanceled(cancellationToken);
        var taken = TryTake();
        GC.KeepAlive(this);
        if (taken) return Task.CompletedTask;
        return AcquireSlowAsync(cancellationToken);
    }

    // An instance method: the pending task's state machine references the semaphore, which stays alive (and
    // mapped) while the acquire waits. Shared memory is touched only inside the gate (see DisposeGate).
    private async Task AcquireSlowAsync(CancellationToken cancellationToken)
    {
        using var linked = _gate.Link(cancellationToken);
        _gate.Enter(nameof(ProcessSemaphore));
        var inside = true;
        _asyncWaits.Begin();
        try
        {
            while (!TryTake())
            {
                var sleep = SleepAsync(linked.Token);
                inside = false;
                // Cancelled by the caller (thrown below, inside the gate, having taken nothing) or by Dispose (the re-entry throws).
                await _gate.AwaitOutsideAsync(sleep, nameof(ProcessSemaphore)).ConfigureAwait(false);
                inside = true;
                cancellationToken.ThrowIfCancellationRequested();
            }
        }
        finally
        {
            if (inside)
            {
                _asyncWaits.End();
                _gate.Exit();
            }
        }
    }

    /// <summary>Gives <paramref name="count"/> counts back, waking as many waiters.</summary>
    /// <param name="count">How many; one or more.</param>
    /// <exception cref="SemaphoreFullException">The count would go past the maximum given at construction; nothing was changed.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is not positive.</exception>
    /// <exception cref="ObjectDisposedException">The semaphore was disposed in this process.</exception>
    public unsafe void Release(int count = 1)
    {
        ThrowIfDisposed();
        if (count <= 0) throw new ArgumentOutOfRangeException(nameof(count), count, "count must be positive.");
        var max = Volatile.Read(ref *_max);
        var c = Volatile.Read(ref *_count);
        while (true)
        {
            if ((long)c + count > max)
                throw new SemaphoreFullException($"Release({count}) would raise the ProcessSemaphore's count from {c} past its maximum of {max}; nothing was released.");
            var seen = Interlocked.CompareExchange(ref *_count, c + count, c);
            if (seen == c) break;
            c = seen;
        }
        if (Volatile.Read(ref *_waiters) > 0) Futex.Wake(_count, count);
        GC.KeepAlive(this);
    }

    /// <summary>
    /// Takes one count and returns a scope whose <c>Dispose</c> gives it back: <c>using (sem.Hold()) { … }</c>,
    /// Python's <c>with sem:</c>.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The semaphore was disposed in this process.</exception>
    public LockScope Hold()
    {
        Acquire();
        return new LockScope(this, false);
    }

    void IScopeOwner.ReleaseScope() => Release();

    private unsafe bool TryTake()
    {
        var c = Volatile.Read(ref *_count);
        while (c > 0)
        {
            var seen = Interlocked.CompareExchange(ref *_count, c - 1, c);
            if (seen == c) return true;
            c = seen;
        }
        return false;
    }

    private bool AcquireCore(Deadline deadline)
    {
        ThrowIfDisposed();
        var taken = AcquireMapped(deadline);
        GC.KeepAlive(this);
        return taken;
    }

    private unsafe bool AcquireMapped(Deadline deadline)
    {
        if (TryTake()) return true;
        if (deadline.Passed) return false;
        var spinner = new SpinWait();
        for (var i = 0; i < SpinCount; i++)
        {
            spinner.SpinOnce(sleep1Threshold: -1);
            if (Volatile.Read(ref *_count) > 0 && TryTake()) return true;
        }
        Interlocked.Increment(ref *_waiters);
        try
        {
            while (true)
            {
                if (TryTake()) return true;
                var left = deadline.Left;
                if (left == TimeSpan.Zero) return false;
                Futex.Wait(_count, 0, left);
            }
        }
        finally
        {
            Interlocked.Decrement(ref *_waiters);
        }
    }


    private unsafe Task<bool> SleepAsync(CancellationToken cancellationToken) => FutexWaiter.WaitAsync(_count, 0, null, cancellationToken);

    /// <summary>
    /// Lets the semaphore go in this process; the last process to let it go removes its file. Async acquires
    /// pending in this process fail with <see cref="ObjectDisposedException"/>. Disposing twice does nothing.
    /// Another thread must not be in a synchronous call on the semaphore at the same moment.
    /// </summary>
    public void Dispose()
    {
        if (!_gate.Close()) return;
        // The async waits still pending finish after the unmapping, without uncounting themselves: uncount them now.
        _asyncWaits.UncountAll();
        _segment.Dispose();
    }

    private void ThrowIfDisposed() => _gate.ThrowIfDisposed(nameof(ProcessSemaphore));

    /// <summary>For tests: the count of waiters in a semaphore's segment mapped on its own.</summary>
    internal static unsafe int WaitersIn(SharedSegment segment) => Volatile.Read(ref ((int*)segment.Pointer)[1]);
}
