using Multiproc.Internal;
using Multiproc.Platform;

namespace Multiproc;

/// <summary>
/// A barrier for a fixed number of parties across processes, like Python's <c>multiprocessing.Barrier</c>: each
/// party calls <see cref="Wait()"/>, and all of them go on once the last one has arrived. Create it in the parent
/// and pass it to child processes as a target argument.
/// </summary>
/// <remarks>
/// <para>The barrier's state (generation, arrivals, the pids of the waiting parties) lives in shared memory under a
/// small crash-safe lock word; waiters sleep in the kernel (futex) on the generation word.</para>
/// <para>A barrier breaks, and every party waiting gets <see cref="BrokenBarrierException"/>, when a wait times out,
/// when <see cref="Abort"/> is called, or when the process of a waiting party dies: waiters check every 200 ms
/// that the other waiting parties are alive (CPython's barrier waits forever for a dead party). Once broken, every
/// <see cref="Wait()"/> throws until <see cref="Reset"/>.</para>
/// <para>The barrier's file lives as long as some process uses it (see <see cref="ProcessLock"/>). Using a disposed
/// barrier throws <see cref="ObjectDisposedException"/>. Disposing it while an async wait of this process is
/// pending fails that wait with <see cref="ObjectDisposedException"/> and breaks the barrier, as cancelling the
/// wait does (the party has arrived and cannot take its arrival back).</para>
/// </remarks>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class ProcessBarrier : IDisposable, ISharedObject
{
    private const int MaxParties = 1 << 20;
    private const int PidsOffset = 64;
    private static readonly TimeSpan LivenessCheckInterval = TimeSpan.FromMilliseconds(200);

    private readonly SharedSegment _segment;
    private readonly DisposeGate _gate = new();
    private readonly List<int> _asyncWaits = new(); // the states this process's pending async waits wait in (under its own lock)
    private readonly unsafe int* _state;    // generation << 1 | broken
    private readonly unsafe int* _guard;    // OwnerLock word over everything below
    private readonly unsafe int* _count;    // parties arrived in this generation
    private readonly unsafe int* _parties;
    private readonly unsafe long* _history; // bit (generation % 64): that generation ended broken
    private readonly unsafe int* _pids;     // the arrived parties' pids, in arrival order
    private readonly int _me = Environment.ProcessId;

    /// <summary>Creates a barrier for <paramref name="parties"/> parties.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="parties"/> is not positive (or absurdly large).</exception>
    public ProcessBarrier(int parties)
        : this(CreateSegment(parties))
    {
    }

    /// <summary>A new barrier's segment, with its party count written (where the other constructor reads it).</summary>
    private static unsafe SharedSegment CreateSegment(int parties)
    {
        if (parties <= 0 || parties > MaxParties)
            throw new ArgumentOutOfRangeException(nameof(parties), parties, $"parties must be between 1 and {MaxParties}.");
        var segment = SharedSegment.Create("barrier", PidsOffset + 4L * parties);
        Volatile.Write(ref *((int*)segment.Pointer + 3), parties);
        return segment;
    }

    private unsafe ProcessBarrier(SharedSegment segment)
    {
        _segment = segment;
        _state = (int*)_segment.Pointer;
        _guard = _state + 1;
        _count = _state + 2;
        _parties = _state + 3;
        _history = (long*)(_segment.Pointer + 16);
        _pids = (int*)(_segment.Pointer + PidsOffset);
        if (*_parties <= 0 || PidsOffset + 4L * *_parties > segment.Length)
            throw new InvalidOperationException($"'{segment.Name}' is not a ProcessBarrier.");
    }

    string ISharedObject.Handle
    {
        get
        {
            ThrowIfDisposed();
            return _segment.Name;
        }
    }

    internal static ProcessBarrier Attach(string handle) => new(SharedSegment.Open(handle));

    /// <summary>The number of parties that must arrive for the barrier to let them through.</summary>
    /// <exception cref="ObjectDisposedException">The barrier was disposed in this process.</exception>
    public unsafe int Parties
    {
        get
        {
            ThrowIfDisposed();
            var n = *_parties;
            GC.KeepAlive(this);
            return n;
        }
    }

    /// <summary>Whether the barrier is broken (a snapshot).</summary>
    /// <exception cref="ObjectDisposedException">The barrier was disposed in this process.</exception>
    public unsafe bool IsBroken
    {
        get
        {
            ThrowIfDisposed();
            var broken = (Volatile.Read(ref *_state) & 1) != 0;
            GC.KeepAlive(this);
            return broken;
        }
    }

    /// <summary>The number of parties waiting at the barrier right now (Python's <c>n_waiting</c>; a snapshot).</summary>
    /// <exception cref="ObjectDisposedException">The barrier was disposed in this process.</exception>
    public unsafe int WaitingCount
    {
        get
        {
            ThrowIfDisposed();
            var n = (Volatile.Read(ref *_state) & 1) != 0 ? 0 : Volatile.Read(ref *_count);
            GC.KeepAlive(this);
            return n;
        }
    }

    /// <summary>Waits until all <see cref="Parties"/> parties have called <see cref="Wait()"/>.</summary>
    /// <returns>This party's arrival index, 0 for the first to arrive up to <see cref="Parties"/> − 1 for the last.</returns>
    /// <exception cref="BrokenBarrierException">The barrier is or became broken (see <see cref="ProcessBarrier"/>).</exception>
    /// <exception cref="ObjectDisposedException">The barrier was disposed in this process.</exception>
    public int Wait() => WaitCore(Deadline.Never);

    /// <summary>
    /// Waits until all parties have arrived, for at most <paramref name="timeout"/>; a timeout breaks the barrier
    /// for every party, as in Python.
    /// </summary>
    /// <returns>This party's arrival index, 0 for the first to arrive up to <see cref="Parties"/> − 1 for the last.</returns>
    /// <exception cref="BrokenBarrierException">The wait timed out, or the barrier is or became broken.</exception>
    /// <exception cref="ObjectDisposedException">The barrier was disposed in this process.</exception>
    public int Wait(TimeSpan timeout)
    {
        ThrowIfDisposed();
        return WaitCore(Deadline.From(timeout));
    }

    /// <summary>Breaks the barrier: every party waiting, and every later <see cref="Wait()"/> until <see cref="Reset"/>, gets <see cref="BrokenBarrierException"/>.</summary>
    /// <exception cref="ObjectDisposedException">The barrier was disposed in this process.</exception>
    public void Abort()
    {
        ThrowIfDisposed();
        AbortMapped();
        GC.KeepAlive(this);
    }

    private unsafe void AbortMapped()
    {
        Lock();
        try
        {
            BreakLocked();
        }
        finally
        {
            OwnerLock.Release(_guard);
        }
        Futex.Wake(_state, int.MaxValue);
    }

    /// <summary>
    /// Returns the barrier to its empty, unbroken state. Parties waiting at that moment get
    /// <see cref="BrokenBarrierException"/>.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The barrier was disposed in this process.</exception>
    public void Reset()
    {
        ThrowIfDisposed();
        ResetMapped();
        GC.KeepAlive(this);
    }

    private unsafe void ResetMapped()
    {
        Lock();
        try
        {
            var w = *_state;
            if ((w & 1) == 0 && *_count == 0) return;
            SetHistory(w >> 1, broken: true);
            *_count = 0;
            Volatile.Write(ref *_state, unchecked(((w >> 1) + 1) << 1));
        }
        finally
        {
            OwnerLock.Release(_guard);
        }
        Futex.Wake(_state, int.MaxValue);
    }

    /// <summary>Waits for all parties without blocking a thread.</summary>
    /// <param name="cancellationToken">
    /// Cancels the wait. This party has arrived by then and cannot take its arrival back, so a cancelled wait
    /// breaks the barrier, as a timeout does.
    /// </param>
    /// <returns>A task whose result is this party's arrival index.</returns>
    /// <exception cref="BrokenBarrierException">The barrier is or became broken.</exception>
    /// <exception cref="ObjectDisposedException">The barrier was disposed in this process; the task fails so when it is disposed while the wait is pending.</exception>
    public Task<int> WaitAsync(CancellationToken cancellationToken = default) => WaitAsync(Timeout.InfiniteTimeSpan, cancellationToken);

    /// <summary>Waits for all parties without blocking a thread, for at most <paramref name="timeout"/> (a timeout breaks the barrier).</summary>
    /// <param name="timeout">How long to wait; <see cref="Timeout.InfiniteTimeSpan"/> waits as long as needed.</param>
    /// <param name="cancellationToken">Cancels the wait; a cancelled wait breaks the barrier, as a timeout does.</param>
    /// <returns>A task whose result is this party's arrival index.</returns>
    /// <exception cref="BrokenBarrierException">The wait timed out, or the barrier is or became broken.</exception>
    /// <exception cref="ObjectDisposedException">The barrier was disposed in this process; the task fails so when it is disposed while the wait is pending.</exception>
    public Task<int> WaitAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        var deadline = Deadline.From(timeout);
        if (cancellationToken.IsCancellationRequested) return Task.FromCanceled<int>(cancellationToken);
        int w, index;
        try
        {
            (w, index) = Arrive();
        }
        catch (BrokenBarrierException e)
        {
            return Task.FromException<int>(e);
        }
        finally
        {
            GC.KeepAlive(this);
        }
        if (w == -1) return Task.FromResult(index);
        lock (_asyncWaits) _asyncWaits.Add(w);
        return WaitArrivedAsync(w, index, deadline, cancellationToken);
    }

    // An instance method: the pending task's state machine references the barrier, which stays alive (and mapped)
    // while the wait is pending. Shared memory is touched only inside the gate (see DisposeGate); Dispose breaks
    // the barrier for the waits it ends.
    private async Task<int> WaitArrivedAsync(int w, int index, Deadline deadline, CancellationToken cancellationToken)
    {
        try
        {
            using var linked = _gate.Link(cancellationToken);
            var sliceElapsed = false;
            while (true)
            {
                Task<bool> sleep;
                _gate.Enter(nameof(ProcessBarrier));
                try
                {
                    if (cancellationToken.IsCancellationRequested)
                    {
                        BreakIfStill(w, null);
                        cancellationToken.ThrowIfCancellationRequested();
                    }
                    if (Step(w, index, deadline, sliceElapsed, out var slice)) return index;
                    sleep = SleepAsync(w, slice, linked.Token);
                }
                finally
                {
                    _gate.Exit();
                }
                // A cancel (by the caller, handled above, or by Dispose: Enter throws) counts as a wake.
                sliceElapsed = !await DisposeGate.AwaitSleepAsync(sleep).ConfigureAwait(false);
            }
        }
        finally
        {
            lock (_asyncWaits) _asyncWaits.Remove(w);
        }
    }

    private unsafe Task<bool> SleepAsync(int w, TimeSpan? slice, CancellationToken cancellationToken) =>
        FutexWaiter.WaitAsync(_state, w, slice, cancellationToken);

    private int WaitCore(Deadline deadline)
    {
        ThrowIfDisposed();
        var index = WaitMapped(deadline);
        GC.KeepAlive(this);
        return index;
    }

    private unsafe int WaitMapped(Deadline deadline)
    {
        var (w, index) = Arrive();
        if (w == -1) return index;
        var sliceElapsed = false;
        while (!Step(w, index, deadline, sliceElapsed, out var slice))
            sliceElapsed = !Futex.Wait(_state, w, slice);
        return index;
    }

    /// <summary>Counts this party in; the last one trips the barrier (then the state returned is −1).</summary>
    private unsafe (int State, int Index) Arrive()
    {
        int w, index;
        Lock();
        try
        {
            w = *_state;
            if ((w & 1) != 0) throw new BrokenBarrierException();
            index = *_count;
            _pids[index] = _me;
            if (index + 1 == *_parties)
            {
                SetHistory(w >> 1, broken: false);
                *_count = 0;
                Volatile.Write(ref *_state, unchecked(((w >> 1) + 1) << 1));
                w = -1;
            }
            else
            {
                *_count = index + 1;
            }
        }
        finally
        {
            OwnerLock.Release(_guard);
        }
        if (w == -1) Futex.Wake(_state, int.MaxValue);
        return (w, index);
    }

    /// <summary>
    /// One look at a barrier this party waits at in state <paramref name="w"/>: true when it tripped; false with the
    /// next sleep in <paramref name="slice"/>; <see cref="BrokenBarrierException"/> when it broke, timed out or a
    /// waiting party died (checked when the last sleep ran its whole slice).
    /// </summary>
    private unsafe bool Step(int w, int index, Deadline deadline, bool sliceElapsed, out TimeSpan? slice)
    {
        slice = null;
        if (sliceElapsed && BreakIfStill(w, DeadParty))
            throw new BrokenBarrierException("A party waiting at the ProcessBarrier died (its process ended); the barrier is now broken for every party.");
        while (true)
        {
            var cur = Volatile.Read(ref *_state);
            if (cur != w)
            {
                Outcome(w, cur);
                return true;
            }
            slice = deadline.Slice(LivenessCheckInterval);
            if (slice != TimeSpan.Zero) return false;
            if (BreakIfStill(w, null))
                throw new BrokenBarrierException($"The ProcessBarrier wait timed out before all {*_parties} parties arrived; the barrier is now broken for every party.");
        }
    }

    /// <summary>Throws when generation <c>w &gt;&gt; 1</c> ended broken rather than by tripping.</summary>
    private unsafe void Outcome(int w, int cur)
    {
        var gen = w >> 1;
        if ((cur >> 1) == gen || (Volatile.Read(ref *_history) & (1L << (gen & 63))) != 0)
            throw new BrokenBarrierException();
    }

    /// <summary>Breaks the barrier when its state is still <paramref name="w"/> (and <paramref name="reason"/>, if given, says so).</summary>
    private unsafe bool BreakIfStill(int w, Func<bool>? reason)
    {
        Lock();
        try
        {
            if (*_state != w) return false;
            if (reason is not null && !reason()) return false;
            BreakLocked();
        }
        finally
        {
            OwnerLock.Release(_guard);
        }
        Futex.Wake(_state, int.MaxValue);
        return true;
    }

    /// <summary>Under the guard: whether a party that arrived in this generation belongs to a process that died.</summary>
    private unsafe bool DeadParty()
    {
        var n = *_count;
        for (var i = 0; i < n; i++)
        {
            var pid = _pids[i];
            if (pid != _me && !ProcessLiveness.IsAlive(pid)) return true;
        }
        return false;
    }

    private unsafe void Lock()
    {
        // A process died between taking the guard and releasing it: what it was doing may be half done, so the
        // only safe state is a broken barrier (Reset() makes it usable again).
        if (OwnerLock.Acquire(_guard)) BreakLocked();
    }

    private unsafe void BreakLocked()
    {
        var w = *_state;
        if ((w & 1) != 0) return;
        SetHistory(w >> 1, broken: true);
        Volatile.Write(ref *_state, w | 1);
    }

    private unsafe void SetHistory(int generation, bool broken)
    {
        var bit = 1L << (generation & 63);
        var h = *_history;
        Volatile.Write(ref *_history, broken ? h | bit : h & ~bit);
    }

    /// <summary>
    /// Lets the barrier go in this process; the last process to let it go removes its file. Async waits pending in
    /// this process fail with <see cref="ObjectDisposedException"/>, and the barrier breaks for the other parties
    /// of their generation (as a cancelled wait breaks it). Disposing twice does nothing. Another thread must not be
    /// in a synchronous call on the barrier at the same moment.
    /// </summary>
    public void Dispose()
    {
        int[] pending;
        lock (_asyncWaits) pending = [.. _asyncWaits];
        if (!_gate.Close()) return;
        // No wait of this process reads the barrier any more: it is still mapped, so break what they waited in.
        foreach (var w in pending.Distinct()) BreakIfStill(w, null);
        _segment.Dispose();
    }

    private void ThrowIfDisposed() => _gate.ThrowIfDisposed(nameof(ProcessBarrier));
}
