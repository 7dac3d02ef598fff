using Multiproc.Internal;
using Multiproc.Platform;

namespace Multiproc;

/// <summary>
/// A flag shared between processes that processes can wait for, like Python's <c>multiprocessing.Event</c>:
/// <see cref="Set"/> raises it and wakes every waiter, <see cref="Clear"/> lowers it, <see cref="Wait()"/>
/// blocks until it is raised. Create it in the parent and pass it to child processes as a target argument.
/// </summary>
/// <remarks>
/// One word in shared memory holds the flag and a count of the times it was set; waiters sleep in the kernel
/// (futex) on that word after a short spin, and <see cref="Set"/> makes the wake-up system call only when some
/// process sleeps. A waiter returns true when the event was set while it waited, even if another process
/// cleared it again before the waiter ran (as <c>threading.Event</c> does; Python's multiprocessing event may
/// then return false).
/// <para>The event's file lives as long as some process uses it (see <see cref="ProcessLock"/>). Using a disposed
/// event throws <see cref="ObjectDisposedException"/>; an async wait pending when it is disposed fails with it.</para>
/// </remarks>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class ProcessEvent : IDisposable, ISharedObject
{
    private const int MaxSpin = 10; // below SpinWait's yield threshold: spinning never gives the CPU away
    private static readonly long ShortSleep = System.Diagnostics.Stopwatch.Frequency / 20_000; // 50 µs

    // Adaptive spin (this process's view): grows while waits end soon (the other side answers at once, as in a
    // ping-pong on an idle machine), shrinks while they end late (a loaded machine, where spinning and yielding
    // only delays the process that would set the event).
    private int _spin = MaxSpin;

    private readonly SharedSegment _segment;
    private readonly DisposeGate _gate = new();
    private readonly unsafe int* _state;   // (times set << 1) | flag
    private readonly unsafe int* _waiters; // processes/threads about to sleep or asleep on _state
    private readonly CountedWaits _asyncWaits; // this process's async waits counted in _waiters (uncounted by Dispose)

    /// <summary>Creates a new event, not set.</summary>
    public ProcessEvent()
        : this(SharedSegment.Create("event", 64))
    {
    }

    private unsafe ProcessEvent(SharedSegment segment)
    {
        _segment = segment;
        _state = (int*)segment.Pointer;
        _waiters = (int*)segment.Pointer + 1;
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

    internal static ProcessEvent Attach(string handle) => new(SharedSegment.Open(handle));

    /// <summary>Whether the event is set right now (Python's <c>is_set()</c>; a snapshot).</summary>
    /// <exception cref="ObjectDisposedException">The event was disposed in this process.</exception>
    public unsafe bool IsSet
    {
        get
        {
            ThrowIfDisposed();
            var set = (Volatile.Read(ref *_state) & 1) != 0;
            GC.KeepAlive(this);
            return set;
        }
    }

    /// <summary>Sets the event and wakes every process and thread waiting for it. Setting a set event does nothing.</summary>
    /// <exception cref="ObjectDisposedException">The event was disposed in this process.</exception>
    public unsafe void Set()
    {
        ThrowIfDisposed();
        var w = Volatile.Read(ref *_state);
        while (true)
        {
            if ((w & 1) != 0)
            {
                GC.KeepAlive(this);
                return;
            }
            var seen = Interlocked.CompareExchange(ref *_state, unchecked(w + 2) | 1, w);
            if (seen == w) break;
            w = seen;
        }
        if (Volatile.Read(ref *_waiters) > 0) Futex.Wake(_state, int.MaxValue);
        GC.KeepAlive(this);
    }

    /// <summary>Clears the event: later waits block until the next <see cref="Set"/>.</summary>
    /// <exception cref="ObjectDisposedException">The event was disposed in this process.</exception>
    public unsafe void Clear()
    {
        ThrowIfDisposed();
        var w = Volatile.Read(ref *_state);
        while ((w & 1) != 0)
        {
            var seen = Interlocked.CompareExchange(ref *_state, w & ~1, w);
            if (seen == w) break;
            w = seen;
        }
        GC.KeepAlive(this);
    }

    /// <summary>Blocks until the event is set; returns at once when it is set already.</summary>
    /// <exception cref="ObjectDisposedException">The event was disposed in this process.</exception>
    public void Wait() => WaitCore(Deadline.Never);

    /// <summary>
    /// Blocks until the event is set or <paramref name="timeout"/> passes; <see cref="TimeSpan.Zero"/> only looks,
    /// <see cref="Timeout.InfiniteTimeSpan"/> waits as long as needed.
    /// </summary>
    /// <returns>True when the event was set; false on timeout (Python's <c>wait(timeout)</c>).</returns>
    /// <exception cref="ObjectDisposedException">The event was disposed in this process.</exception>
    public bool Wait(TimeSpan timeout)
    {
        ThrowIfDisposed();
        return WaitCore(Deadline.From(timeout));
    }

    /// <summary>Waits for the event without blocking a thread.</summary>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>A task that completes when the event is set.</returns>
    /// <exception cref="ObjectDisposedException">The event was disposed in this process; the task fails so when it is disposed while the wait is pending.</exception>
    public Task WaitAsync(CancellationToken cancellationToken = default) => WaitAsync(Timeout.InfiniteTimeSpan, cancellationToken);

    /// <summary>Waits for the event without blocking a thread, for at most <paramref name="timeout"/>.</summary>
    /// <param name="timeout">How long to wait; <see cref="Timeout.InfiniteTimeSpan"/> waits as long as needed.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>A task whose result is true when the event was set, false on timeout.</returns>
    /// <exception cref="ObjectDisposedException">The event was disposed in this process; the task fails so when it is disposed while the wait is pending.</exception>
    public Task<bool> WaitAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        var deadline = Deadline.From(timeout);
        if (cancellationToken.IsCancellationRequested) return Task.FromCanceled<bool>(cancellationToken);
        var w = ReadState();
        GC.KeepAlive(this);
        if ((w & 1) != 0) return Task.FromResult(true);
        return WaitSlowAsync(w, deadline, cancellationToken);
    }

    // An instance method: the pending task's state machine references the event, which stays alive (and mapped)
    // while the wait is pending. Shared memory is touched only inside the gate (see DisposeGate).
    private async Task<bool> WaitSlowAsync(int w, Deadline deadline, CancellationToken cancellationToken)
    {
        using var linked = _gate.Link(cancellationToken);
        _gate.Enter(nameof(ProcessEvent));
        var inside = true;
        _asyncWaits.Begin();
        try
        {
            while (true)
            {
                if (ReadState() != w) return true;
                var left = deadline.Left;
                if (left == TimeSpan.Zero) return false;
                var sleep = SleepAsync(w, left, linked.Token);
                inside = false;
                // Cancelled by the caller (thrown below, inside the gate) or by Dispose (the re-entry throws).
                await _gate.AwaitOutsideAsync(sleep, nameof(ProcessEvent)).ConfigureAwait(false);
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

    private unsafe int ReadState() => Volatile.Read(ref *_state);


    private unsafe Task<bool> SleepAsync(int expected, TimeSpan? timeout, CancellationToken cancellationToken) =>
        FutexWaiter.WaitAsync(_state, expected, timeout, cancellationToken);

    private bool WaitCore(Deadline deadline)
    {
        ThrowIfDisposed();
        var set = WaitMapped(deadline);
        GC.KeepAlive(this);
        return set;
    }

    private unsafe bool WaitMapped(Deadline deadline)
    {
        var w = Volatile.Read(ref *_state);
        if ((w & 1) != 0) return true;
        // The flag is down: any change of the word is a Set (Clear only changes a raised flag).
        var spin = _spin;
        var start = System.Diagnostics.Stopwatch.GetTimestamp();
        if (!deadline.Passed && spin > 0)
        {
            var spinner = new SpinWait();
            for (var i = 0; i < spin; i++)
            {
                if (Volatile.Read(ref *_state) != w)
                {
                    Adapt(spin, start);
                    return true;
                }
                spinner.SpinOnce(sleep1Threshold: -1);
            }
        }
        Interlocked.Increment(ref *_waiters);
        try
        {
            while (true)
            {
                if (Volatile.Read(ref *_state) != w)
                {
                    Adapt(spin, start);
                    return true;
                }
                var left = deadline.Left;
                if (left == TimeSpan.Zero) return false;
                Futex.Wait(_state, w, left);
            }
        }
        finally
        {
            Interlocked.Decrement(ref *_waiters);
        }
    }

    /// <summary>A wait that ended soon says spinning pays here; one that ended late (even while spinning) says it does not.</summary>
    private void Adapt(int spin, long start) =>
        _spin = System.Diagnostics.Stopwatch.GetTimestamp() - start < ShortSleep ? Math.Min(MaxSpin, spin * 2 + 1) : spin / 2;

    /// <summary>
    /// Lets the event go in this process; the last process to let it go removes its file. Async waits pending in
    /// this process fail with <see cref="ObjectDisposedException"/>. Disposing twice does nothing. Another thread
    /// must not be in a synchronous call on the event at the same moment.
    /// </summary>
    public void Dispose()
    {
        if (!_gate.Close()) return;
        // The async waits still pending finish after the unmapping, without uncounting themselves: uncount them now.
        _asyncWaits.UncountAll();
        _segment.Dispose();
    }

    private void ThrowIfDisposed() => _gate.ThrowIfDisposed(nameof(ProcessEvent));

    /// <summary>For tests: the count of waiters in an event's segment mapped on its own.</summary>
    internal static unsafe int WaitersIn(SharedSegment segment) => Volatile.Read(ref ((int*)segment.Pointer)[1]);
}
