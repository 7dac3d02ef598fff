using Multiproc.Internal;
using Multiproc.Platform;

namespace Multiproc;

/// <summary>
/// A condition variable shared between processes, like Python's <c>multiprocessing.Condition</c>: processes
/// holding its lock <see cref="Wait()"/> for a change that another process announces with <see cref="Notify"/>
/// or <see cref="NotifyAll"/>. Create it in the parent and pass it to child processes as a target argument.
/// </summary>
/// <remarks>
/// <para>Each waiter takes a slot in shared memory (its pid, a ticket that orders the waiters, and a futex word it
/// sleeps on); <see cref="Notify"/> marks the oldest waiting slots notified and wakes exactly those, so
/// <c>Notify(1)</c> wakes one waiter that was waiting when it was called, never one that came later. A notify
/// skips, and frees, the slots of waiters whose process died. At most 1,024 waiters at a time.</para>
/// <para>The lock is a <see cref="ProcessLock"/>, so a waiter whose re-acquire finds the lock held by a process
/// that died takes it over and returns as usual (re-check the condition, as always: <see cref="WaitFor"/> does).</para>
/// <para>The condition's file lives as long as some process uses it (see <see cref="ProcessLock"/>). Using a
/// disposed condition throws <see cref="ObjectDisposedException"/>.</para>
/// </remarks>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class ProcessCondition : IDisposable, ISharedObject
{
    private const int MaxWaiters = 1024;
    private const int SlotsOffset = 64;
    private const int SlotSize = 16;
    private const int Free = 0, Waiting = 1, Notified = 2;

    private readonly SharedSegment _segment;
    private static readonly TimeSpan LockCheckInterval = TimeSpan.FromMilliseconds(200);

    private readonly DisposeGate _gate = new();
    private readonly List<int> _asyncSlots = new(); // the slots of this process's pending async waits (under its own lock)
    private readonly ProcessLock _lock;
    private readonly bool _ownsLock;
    private readonly int _me = Environment.ProcessId;

    /// <summary>Creates a condition over <paramref name="lockToUse"/>, or over a new lock of its own when null.</summary>
    /// <param name="lockToUse">The lock whose holders may wait and notify (Python's <c>Condition(lock)</c>).</param>
    public ProcessCondition(ProcessLock? lockToUse = null)
    {
        _segment = SharedSegment.Create("cond", SlotsOffset + (long)SlotSize * MaxWaiters);
        _lock = lockToUse ?? new ProcessLock();
        _ownsLock = lockToUse is null;
    }

    private ProcessCondition(SharedSegment segment, ProcessLock lk)
    {
        _segment = segment;
        _lock = lk;
        _ownsLock = true;
    }

    string ISharedObject.Handle
    {
        get
        {
            ThrowIfDisposed();
            return _segment.Name + "+" + ((ISharedObject)_lock).Handle;
        }
    }

    internal static ProcessCondition Attach(string handle)
    {
        var plus = handle.IndexOf('+');
        if (plus <= 0) throw new ArgumentException($"'{handle}' is not a ProcessCondition handle.", nameof(handle));
        var lk = ProcessLock.Attach(handle[(plus + 1)..]);
        try
        {
            return new ProcessCondition(SharedSegment.Open(handle[..plus]), lk);
        }
        catch
        {
            lk.Dispose();
            throw;
        }
    }

    /// <summary>The lock this condition waits and notifies under.</summary>
    /// <exception cref="ObjectDisposedException">The condition was disposed in this process.</exception>
    public ProcessLock Lock
    {
        get
        {
            ThrowIfDisposed();
            return _lock;
        }
    }

    /// <summary>Acquires the condition's lock (see <see cref="ProcessLock.Acquire"/>).</summary>
    /// <exception cref="AbandonedLockException">The previous holder died holding the lock; the caller now holds it.</exception>
    /// <exception cref="ObjectDisposedException">The condition was disposed in this process.</exception>
    public void Acquire()
    {
        ThrowIfDisposed();
        _lock.Acquire();
    }

    /// <summary>Acquires the condition's lock if it becomes free within <paramref name="timeout"/> (see <see cref="ProcessLock.TryAcquire"/>).</summary>
    /// <returns>True when the lock was taken.</returns>
    /// <exception cref="ObjectDisposedException">The condition was disposed in this process.</exception>
    public bool TryAcquire(TimeSpan timeout)
    {
        ThrowIfDisposed();
        return _lock.TryAcquire(timeout);
    }

    /// <summary>Releases the condition's lock.</summary>
    /// <exception cref="InvalidOperationException">The lock is not held.</exception>
    /// <exception cref="ObjectDisposedException">The condition was disposed in this process.</exception>
    public void Release()
    {
        ThrowIfDisposed();
        _lock.Release();
    }

    /// <summary>Acquires the condition's lock for a <c>using</c> block: Python's <c>with cond:</c>.</summary>
    /// <exception cref="ObjectDisposedException">The condition was disposed in this process.</exception>
    public LockScope Hold()
    {
        ThrowIfDisposed();
        return _lock.Hold();
    }

    /// <summary>Releases the lock, waits for a <see cref="Notify"/> or <see cref="NotifyAll"/>, and re-acquires the lock.</summary>
    /// <exception cref="InvalidOperationException">This process does not hold the condition's lock.</exception>
    /// <exception cref="ObjectDisposedException">The condition was disposed in this process.</exception>
    public void Wait() => WaitCore(Deadline.Never);

    /// <summary>
    /// Releases the lock, waits for a notify for at most <paramref name="timeout"/>, and re-acquires the lock
    /// (also after a timeout). <see cref="Timeout.InfiniteTimeSpan"/> waits as long as needed.
    /// </summary>
    /// <returns>True when notified; false when the timeout passed (Python's <c>wait(timeout)</c>).</returns>
    /// <exception cref="InvalidOperationException">This process does not hold the condition's lock.</exception>
    /// <exception cref="ObjectDisposedException">The condition was disposed in this process.</exception>
    public bool Wait(TimeSpan timeout)
    {
        ThrowIfDisposed();
        return WaitCore(Deadline.From(timeout));
    }

    /// <summary>
    /// Waits until <paramref name="predicate"/> is true, calling it with the lock held before the first wait and
    /// after each wake-up (Python's <c>wait_for</c>).
    /// </summary>
    /// <param name="predicate">The condition waited for.</param>
    /// <param name="timeout">The most to wait in all; null waits as long as needed.</param>
    /// <returns>The predicate's last value: false when the timeout passed first.</returns>
    /// <exception cref="InvalidOperationException">This process does not hold the condition's lock.</exception>
    /// <exception cref="ObjectDisposedException">The condition was disposed in this process.</exception>
    public bool WaitFor(Func<bool> predicate, TimeSpan? timeout = null)
    {
        ThrowIfDisposed();
        ArgumentNullException.ThrowIfNull(predicate);
        var deadline = Deadline.From(timeout);
        var result = predicate();
        while (!result)
        {
            if (deadline.Passed) break;
            WaitCore(deadline);
            result = predicate();
        }
        return result;
    }

    /// <summary>Wakes up to <paramref name="n"/> processes or threads waiting on this condition, the longest-waiting first.</summary>
    /// <exception cref="InvalidOperationException">This process does not hold the condition's lock.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="n"/> is negative.</exception>
    /// <exception cref="ObjectDisposedException">The condition was disposed in this process.</exception>
    public void Notify(int n = 1)
    {
        ThrowIfDisposed();
        if (n < 0) throw new ArgumentOutOfRangeException(nameof(n), n, "n must not be negative.");
        CheckHeld(nameof(Notify));
        for (var i = 0; i < n; i++)
            if (!NotifyOldest()) break;
        GC.KeepAlive(this);
    }

    /// <summary>Wakes every process and thread waiting on this condition.</summary>
    /// <exception cref="InvalidOperationException">This process does not hold the condition's lock.</exception>
    /// <exception cref="ObjectDisposedException">The condition was disposed in this process.</exception>
    public void NotifyAll()
    {
        ThrowIfDisposed();
        CheckHeld(nameof(NotifyAll));
        while (NotifyOldest()) { }
        GC.KeepAlive(this);
    }

    private void CheckHeld(string what)
    {
        var holder = _lock.HolderPid;
        if (holder != _me)
            throw new InvalidOperationException(holder == 0
                ? $"{what}() requires the ProcessCondition's lock to be held (call Acquire() or Hold() first)."
                : $"{what}() requires the ProcessCondition's lock to be held by this process; process {holder} holds it.");
    }

    private unsafe int* State(int slot) => (int*)(_segment.Pointer + SlotsOffset + slot * SlotSize);

    private unsafe int* HighWater => (int*)(_segment.Pointer + 8);

    private unsafe long* NextTicket => (long*)_segment.Pointer;

    /// <summary>Under the lock: marks the oldest live waiting slot notified and wakes it.</summary>
    private unsafe bool NotifyOldest()
    {
        var high = Volatile.Read(ref *HighWater);
        while (true)
        {
            var best = -1;
            var bestTicket = long.MaxValue;
            for (var i = 0; i < high; i++)
            {
                var s = State(i);
                if (Volatile.Read(ref *s) != Waiting) continue;
                var ticket = *(long*)(s + 2);
                if (ticket < bestTicket)
                {
                    best = i;
                    bestTicket = ticket;
                }
            }
            if (best < 0) return false;
            var slot = State(best);
            var pid = slot[1];
            if (pid != _me && !ProcessLiveness.IsAlive(pid))
            {
                Volatile.Write(ref *slot, Free); // a waiter killed while waiting
                continue;
            }
            Volatile.Write(ref *slot, Notified);
            Futex.Wake(slot, 1);
            return true;
        }
    }

    private bool WaitCore(Deadline deadline)
    {
        ThrowIfDisposed();
        var notified = WaitMapped(deadline);
        GC.KeepAlive(this);
        return notified;
    }

    private unsafe bool WaitMapped(Deadline deadline)
    {
        CheckHeld(nameof(Wait));
        var slot = State(TakeSlot());

        var notified = false;
        _lock.Release();
        try
        {
            while (true)
            {
                if (Volatile.Read(ref *slot) == Notified)
                {
                    notified = true;
                    break;
                }
                var left = deadline.Left;
                if (left == TimeSpan.Zero) break;
                Futex.Wait(slot, Waiting, left);
            }
        }
        finally
        {
            _lock.Hold(); // re-acquire, also from a holder that died (the scope's Abandoned is not needed here)
            if (Volatile.Read(ref *slot) == Notified) notified = true;
            Volatile.Write(ref *slot, Free);
        }
        return notified;
    }

    /// <summary>Under the lock: takes a free waiter slot, stamped with this process and the next ticket, and marks it waiting.</summary>
    private unsafe int TakeSlot()
    {
        var index = -1;
        var high = *HighWater;
        for (var i = 0; i < high; i++)
            if (Volatile.Read(ref *State(i)) == Free) { index = i; break; }
        if (index < 0)
        {
            if (high == MaxWaiters)
                throw new InvalidOperationException($"A ProcessCondition can have at most {MaxWaiters} waiters at a time.");
            index = high;
            Volatile.Write(ref *HighWater, high + 1);
        }
        var slot = State(index);
        slot[1] = _me;
        *(long*)(slot + 2) = (*NextTicket)++;
        Volatile.Write(ref *slot, Waiting);
        return index;
    }

    // ---------------------------------------------------------------- async wait

    /// <summary>
    /// Releases the lock, waits for a <see cref="Notify"/> or <see cref="NotifyAll"/> without blocking a thread, and
    /// re-acquires the lock, also without blocking a thread (Python's <c>wait()</c> for async code).
    /// </summary>
    /// <param name="cancellationToken">
    /// Cancels the wait. The lock is re-acquired all the same before the task is cancelled (as it is after a
    /// timeout), and a cancelled wait takes no notification: one that came at the same moment goes on to the next waiter.
    /// </param>
    /// <returns>A task that completes, with the lock held again, once this waiter was notified.</returns>
    /// <exception cref="InvalidOperationException">This process does not hold the condition's lock.</exception>
    /// <exception cref="ObjectDisposedException">
    /// The condition was disposed in this process; the task fails so when it is disposed while the wait is pending (the
    /// lock is then not re-acquired).
    /// </exception>
    public Task WaitAsync(CancellationToken cancellationToken = default) => WaitAsync(Timeout.InfiniteTimeSpan, cancellationToken);

    /// <summary>
    /// Releases the lock, waits for a notify for at most <paramref name="timeout"/> without blocking a thread, and
    /// re-acquires the lock (also after a timeout), also without blocking a thread.
    /// </summary>
    /// <param name="timeout">How long to wait for a notify; <see cref="Timeout.InfiniteTimeSpan"/> waits as long as needed.</param>
    /// <param name="cancellationToken">Cancels the wait; see <see cref="WaitAsync(CancellationToken)"/>.</param>
    /// <returns>A task whose result is true when notified, false when the timeout passed; the lock is held again either way.</returns>
    /// <exception cref="InvalidOperationException">This process does not hold the condition's lock.</exception>
    /// <exception cref="ObjectDisposedException">The condition was disposed in this process, or while the wait was pending.</exception>
    public Task<bool> WaitAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        var deadline = Deadline.From(timeout);
        CheckHeld(nameof(WaitAsync));
        if (cancellationToken.IsCancellationRequested) return Task.FromCanceled<bool>(cancellationToken);
        var index = TakeSlot();
        lock (_asyncSlots) _asyncSlots.Add(index);
        _lock.Release();
        GC.KeepAlive(this);
        return WaitSlotAsync(index, deadline, cancellationToken);
    }

    // An instance method: the pending task's state machine references the condition, which stays alive (and mapped)
    // while the wait is pending. Shared memory is touched only inside the gate (see DisposeGate); Dispose frees the
    // slots of the waits it ends.
    private async Task<bool> WaitSlotAsync(int index, Deadline deadline, CancellationToken cancellationToken)
    {
        try
        {
            using (var linked = _gate.Link(cancellationToken))
            {
                while (true)
                {
                    Task<bool> sleep;
                    _gate.Enter(nameof(ProcessCondition));
                    try
                    {
                        if (SlotState(index) == Notified || cancellationToken.IsCancellationRequested) break;
                        var left = deadline.Left;
                        if (left == TimeSpan.Zero) break;
                        sleep = SleepAsync(index, left, linked.Token);
                    }
                    finally
                    {
                        _gate.Exit();
                    }
                    // Cancelled by the caller (handled above) or by Dispose (Enter throws).
                    await DisposeGate.AwaitSleepAsync(sleep).ConfigureAwait(false);
                }
            }

            // Re-acquire the lock without a thread, as the synchronous wait does (also after a timeout or a cancel);
            // take it over from a holder that died. The slot is settled in the same section that takes the lock.
            var checkOwner = true;
            while (true)
            {
                Task<bool> sleep;
                _gate.Enter(nameof(ProcessCondition));
                try
                {
                    if (_lock.TryAcquireOrMark(checkOwner, out var observed))
                        return Settle(index, cancellationToken);
                    sleep = WaitLockAsync(observed);
                }
                finally
                {
                    _gate.Exit();
                }
                // A wait that ran its whole slice: the holder may have died. A cancel (by Dispose: Enter throws) counts as a wake.
                checkOwner = !await DisposeGate.AwaitSleepAsync(sleep).ConfigureAwait(false);
            }
        }
        finally
        {
            lock (_asyncSlots) _asyncSlots.Remove(index);
        }
    }

    /// <summary>
    /// With the lock held again: frees the slot and says whether it was notified; a cancelled wait hands a
    /// notification it got on to the next waiter and throws.
    /// </summary>
    private unsafe bool Settle(int index, CancellationToken cancellationToken)
    {
        var slot = State(index);
        var notified = Volatile.Read(ref *slot) == Notified;
        Volatile.Write(ref *slot, Free);
        if (!cancellationToken.IsCancellationRequested) return notified;
        if (notified) NotifyOldest();
        throw new OperationCanceledException("The ProcessCondition wait was cancelled; the lock is held again.", cancellationToken);
    }

    private unsafe int SlotState(int index) => Volatile.Read(ref *State(index));

    private unsafe Task<bool> SleepAsync(int index, TimeSpan? left, CancellationToken cancellationToken) =>
        FutexWaiter.WaitAsync(State(index), Waiting, left, cancellationToken);

    private unsafe Task<bool> WaitLockAsync(int observed) =>
        FutexWaiter.WaitAsync(_lock.Word, observed, LockCheckInterval, _gate.Disposing);

    /// <summary>
    /// Lets the condition go in this process (and its lock, when the condition made it or attached it); the last
    /// process to let it go removes its file. Disposing twice does nothing. Another thread must not be using the
    /// condition at the same moment.
    /// </summary>
    public void Dispose()
    {
        int[] pending;
        lock (_asyncSlots) pending = [.. _asyncSlots];
        if (!_gate.Close()) return;
        // No async wait of this process reads the condition any more: free their slots, so that no notify goes to them.
        foreach (var index in pending) FreeSlot(index);
        _segment.Dispose();
        if (_ownsLock) _lock.Dispose();
    }

    private unsafe void FreeSlot(int index) => Volatile.Write(ref *State(index), Free);

    private void ThrowIfDisposed() => _gate.ThrowIfDisposed(nameof(ProcessCondition));
}
