using System.Runtime.InteropServices;

namespace Multiproc.Platform;

/// <summary>
/// The engine behind <see cref="FutexWaiter"/>: a few background threads that sleep in the kernel on every
/// futex word some task awaits, and complete those tasks.
/// </summary>
/// <remarks>
/// <para><b>Design.</b> Each waiter thread owns up to <see cref="WordsPerThread"/> distinct words (futex_waitv
/// takes 128 entries; the last one is the thread's private control word) and sleeps in one futex_waitv on all
/// of them, with an absolute CLOCK_MONOTONIC timeout at its earliest deadline. Waits on the same word coalesce
/// into one entry. Adding a word, a wait that expects another value than the one armed, or an earlier deadline
/// bumps the control word, and the thread re-arms. On each return the thread re-reads its words: the waits of
/// a woken word, and those whose expected value the word no longer holds, complete with true; those past their
/// deadline with false. Cancellation removes the wait under the same lock and completes the task cancelled.
/// A word is read by the thread only while some wait on it is pending, so a word's memory may be unmapped as
/// soon as its last task completed. Tasks run their continuations asynchronously: user code never runs on a
/// waiter thread. A thread with no word left exits after <see cref="IdleExit"/>.</para>
/// <para><b>Fallback.</b> Without futex_waitv (ENOSYS: kernels before 5.16) each thread owns one word and
/// sleeps in a plain FUTEX_WAIT on it (on its control word while it has none), in slices of at most
/// <see cref="FallbackSlice"/> so that it notices an earlier deadline or a changed expected value late by at most
/// one slice. When the last wait on its word is cancelled the word itself is woken, so that the thread leaves it
/// (a spurious wake for any other sleeper on it, which futex users tolerate). That costs one thread per distinct
/// word awaited, not one per wait.</para>
/// </remarks>
internal sealed unsafe class KernelWaiter
{
    /// <summary>Distinct words one futex_waitv thread watches (the 128th entry is its control word).</summary>
    public const int WordsPerThread = LinuxNative.FUTEX_WAITV_MAX - 1;
    private const long FallbackSlice = 100_000_000; // ns
    private static readonly Lazy<bool> WaitvAvailable = new(ProbeWaitv);

    private readonly object _gate = new();
    private readonly bool _useWaitv;
    private readonly int _capacity;
    private readonly Dictionary<nint, Entry> _entries = new();
    private readonly List<WaiterThread> _threads = new();

    /// <summary>How long a thread without words lingers before it exits (tests shorten it).</summary>
    internal TimeSpan IdleExit { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>A waiter using futex_waitv when the kernel has it, the fallback otherwise; <paramref name="forceFallback"/> is the test hook.</summary>
    public KernelWaiter(bool forceFallback = false)
    {
        _useWaitv = !forceFallback && WaitvAvailable.Value;
        _capacity = _useWaitv ? WordsPerThread : 1;
    }

    /// <summary>Whether this waiter sleeps in futex_waitv (false: the one-thread-per-word fallback).</summary>
    public bool UsesWaitv => _useWaitv;

    /// <summary>Waiter threads alive now (tests).</summary>
    public int ThreadCount
    {
        get { lock (_gate) return _threads.Count; }
    }

    /// <summary>Distinct words awaited now (tests).</summary>
    public int WordCount
    {
        get { lock (_gate) return _entries.Count; }
    }

    /// <summary>Whether futex_waitv exists: with zero entries it fails with EINVAL when it does, ENOSYS when not.</summary>
    private static bool ProbeWaitv()
    {
        var r = LinuxNative.syscall_waitv(LinuxNative.SYS_futex_waitv, null, 0, 0, null, LinuxNative.CLOCK_MONOTONIC);
        return !(r < 0 && LinuxNative.Errno == LinuxNative.ENOSYS);
    }

    /// <summary>See <see cref="FutexWaiter.WaitAsync"/>.</summary>
    public Task<bool> WaitAsync(int* word, int expected, TimeSpan? timeout, CancellationToken cancellationToken)
    {
        if (word == null) throw new ArgumentNullException(nameof(word));
        if (timeout == Timeout.InfiniteTimeSpan) timeout = null;
        if (timeout < TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(timeout), timeout, "The timeout must be non-negative, Timeout.InfiniteTimeSpan or null.");
        if (cancellationToken.IsCancellationRequested) return Task.FromCanceled<bool>(cancellationToken);
        if (Volatile.Read(ref *word) != expected) return Task.FromResult(true);
        if (timeout == TimeSpan.Zero) return Task.FromResult(false);

        var deadline = long.MaxValue;
        if (timeout is { } t)
        {
            var ns = t.Ticks > long.MaxValue / 200 ? long.MaxValue / 2 : t.Ticks * 100;
            deadline = LinuxNative.MonotonicNanoseconds() + ns;
        }
        var w = new Waiter(this, expected, deadline);
        WaiterThread thread;
        bool kick;
        lock (_gate)
        {
            if (!_entries.TryGetValue((nint)word, out var entry))
            {
                thread = ThreadWithRoom();
                entry = new Entry((nint)word, thread, expected);
                _entries.Add(entry.Address, entry);
                thread.Entries.Add(entry);
                kick = true;
            }
            else
            {
                thread = entry.Thread;
                kick = entry.Armed != expected;
            }
            w.Entry = entry;
            w.Node = entry.Waiters.AddLast(w);
            if (deadline != long.MaxValue)
            {
                thread.Deadlines.Enqueue(w, deadline);
                if (deadline < thread.ArmedDeadline) kick = true;
            }
        }
        if (kick) thread.Kick(0);
        if (cancellationToken.CanBeCanceled)
        {
            w.Registration = cancellationToken.UnsafeRegister(static (s, token) => ((Waiter)s!).Cancel(token), w);
            if (w.Task.IsCompleted) w.Registration.Unregister();
        }
        return w.Task;
    }

    private WaiterThread ThreadWithRoom()
    {
        foreach (var t in _threads)
            if (t.Entries.Count < _capacity) return t;
        var thread = new WaiterThread(this);
        _threads.Add(thread);
        thread.Start();
        return thread;
    }

    /// <summary>Takes <paramref name="w"/> off its word (under the lock); false when it was done already.</summary>
    private bool Remove(Waiter w, out bool entryGone)
    {
        entryGone = false;
        if (w.Done) return false;
        w.Done = true;
        var entry = w.Entry!;
        entry.Waiters.Remove(w.Node!);
        if (entry.Waiters.Count == 0)
        {
            _entries.Remove(entry.Address);
            entry.Thread.Entries.Remove(entry);
            entry.Gone = true;
            entryGone = true;
        }
        return true;
    }

    private sealed class Entry(nint address, WaiterThread thread, int armed)
    {
        public readonly nint Address = address;
        public readonly WaiterThread Thread = thread;
        public readonly LinkedList<Waiter> Waiters = new();
        /// <summary>The value the thread last armed (or will arm) its wait with.</summary>
        public int Armed = armed;
        public bool Woken;
        public bool Gone;
    }

    private sealed class Waiter(KernelWaiter owner, int expected, long deadline)
        : TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously)
    {
        public readonly int Expected = expected;
        public readonly long Deadline = deadline;
        public Entry? Entry;
        public LinkedListNode<Waiter>? Node;
        public bool Done;
        public CancellationTokenRegistration Registration;

        public void Cancel(CancellationToken token)
        {
            bool removed, entryGone;
            lock (owner._gate) removed = owner.Remove(this, out entryGone);
            if (!removed) return;
            // The thread no longer reads the word; wake it so that it stops sleeping on it.
            if (entryGone) Entry!.Thread.Kick(owner._useWaitv ? 0 : Entry.Address);
            TrySetCanceled(token);
        }

        /// <summary>Completes the task; called under the lock after <see cref="Remove"/>.</summary>
        public void Complete(bool result)
        {
            Registration.Unregister();
            TrySetResult(result);
        }
    }

    private sealed class WaiterThread(KernelWaiter owner)
    {
        public readonly List<Entry> Entries = new();
        public readonly PriorityQueue<Waiter, long> Deadlines = new();
        public long ArmedDeadline = long.MaxValue;
        // Private memory, shared-futex waits on it are fine (wait and wake agree on the key).
        private readonly int* _control = (int*)NativeMemory.AllocZeroed(64);

        public void Start()
        {
            var t = new Thread(Run) { IsBackground = true, Name = "Multiproc futex waiter" };
            t.UnsafeStart();
        }

        /// <summary>Makes the thread re-arm; also wakes <paramref name="word"/> (non-zero only in the fallback), which it may be sleeping on.</summary>
        public void Kick(nint word)
        {
            Interlocked.Increment(ref *_control);
            Futex.Wake(_control, 1);
            if (word != 0) Futex.Wake((int*)word, int.MaxValue);
        }

        private void Run()
        {
            var vec = (LinuxNative.FutexWaitv*)NativeMemory.AllocZeroed((nuint)(LinuxNative.FUTEX_WAITV_MAX * sizeof(LinuxNative.FutexWaitv)));
            var armed = new Entry?[LinuxNative.FUTEX_WAITV_MAX];
            var woken = -1;
            var wokenAll = false;
            long idleSince = 0;
            try
            {
                while (true)
                {
                    int n;
                    int control;
                    long deadline;
                    lock (owner._gate)
                    {
                        control = Volatile.Read(ref *_control); // a kick after this read makes the wait return at once
                        var now = LinuxNative.MonotonicNanoseconds();
                        if (woken >= 0 && armed[woken] is { Gone: false } we) we.Woken = true;
                        if (wokenAll)
                            foreach (var e in Entries) e.Woken = true;
                        woken = -1;
                        wokenAll = false;
                        Array.Clear(armed);

                        // Deadlines first (they may empty an entry), then the words.
                        while (Deadlines.TryPeek(out var w, out var d))
                        {
                            if (w.Done) { Deadlines.Dequeue(); continue; }
                            if (d > now) break;
                            Deadlines.Dequeue();
                            owner.Remove(w, out _);
                            w.Complete(false);
                        }
                        n = 0;
                        for (var i = Entries.Count - 1; i >= 0; i--)
                        {
                            var e = Entries[i];
                            var current = Volatile.Read(ref *(int*)e.Address);
                            if (e.Woken || current != e.Armed)
                            {
                                for (var node = e.Waiters.First; node is not null;)
                                {
                                    var next = node.Next;
                                    var w = node.Value;
                                    if (e.Woken || w.Expected != current)
                                    {
                                        owner.Remove(w, out _); // may remove e from Entries (index i: iterating backwards)
                                        w.Complete(true);
                                    }
                                    node = next;
                                }
                                e.Woken = false;
                            }
                            e.Armed = current;
                            if (e.Gone) continue;
                            vec[n] = new LinuxNative.FutexWaitv { Value = (uint)current, Address = (ulong)e.Address, Flags = LinuxNative.FUTEX2_SIZE_U32 };
                            armed[n] = e;
                            n++;
                        }

                        deadline = long.MaxValue;
                        while (Deadlines.TryPeek(out var w, out var d))
                        {
                            if (w.Done) { Deadlines.Dequeue(); continue; }
                            deadline = d;
                            break;
                        }
                        if (n == 0)
                        {
                            if (idleSince == 0) idleSince = now;
                            var exitAt = idleSince + (long)owner.IdleExit.TotalMilliseconds * 1_000_000;
                            if (now >= exitAt)
                            {
                                owner._threads.Remove(this);
                                return;
                            }
                            deadline = Math.Min(deadline, exitAt);
                        }
                        else
                        {
                            idleSince = 0;
                        }
                        ArmedDeadline = deadline;
                    }

                    if (owner._useWaitv)
                    {
                        vec[n] = new LinuxNative.FutexWaitv { Value = (uint)control, Address = (ulong)_control, Flags = LinuxNative.FUTEX2_SIZE_U32 };
                        long r;
                        if (deadline == long.MaxValue)
                        {
                            r = LinuxNative.syscall_waitv(LinuxNative.SYS_futex_waitv, vec, (uint)(n + 1), 0, null, LinuxNative.CLOCK_MONOTONIC);
                        }
                        else
                        {
                            var ts = new LinuxNative.Timespec { Seconds = deadline / 1_000_000_000, Nanoseconds = deadline % 1_000_000_000 };
                            r = LinuxNative.syscall_waitv(LinuxNative.SYS_futex_waitv, vec, (uint)(n + 1), 0, &ts, LinuxNative.CLOCK_MONOTONIC);
                        }
                        if (r >= 0)
                        {
                            if (r < n) woken = (int)r;
                        }
                        else if (LinuxNative.Errno is not (LinuxNative.EAGAIN or LinuxNative.ETIMEDOUT or LinuxNative.EINTR))
                        {
                            // Unexpected (EFAULT: a word unmapped under a pending wait, against the contract): wake
                            // every wait spuriously rather than spin, and breathe.
                            wokenAll = true;
                            Thread.Sleep(1);
                        }
                    }
                    else
                    {
                        // Fallback: FUTEX_WAIT on the one word (or on the control word when idle), in slices.
                        var now = LinuxNative.MonotonicNanoseconds();
                        var rel = Math.Clamp(deadline == long.MaxValue ? FallbackSlice : deadline - now, 0, FallbackSlice);
                        var ts = new LinuxNative.Timespec { Seconds = rel / 1_000_000_000, Nanoseconds = rel % 1_000_000_000 };
                        var addr = n > 0 ? (int*)vec[0].Address : _control;
                        var value = n > 0 ? (int)vec[0].Value : control;
                        var r = LinuxNative.syscall(LinuxNative.SYS_futex, addr, LinuxNative.FUTEX_WAIT, value, &ts, IntPtr.Zero, 0);
                        if (r == 0 && n > 0) woken = 0;
                        else if (r < 0 && LinuxNative.Errno is not (LinuxNative.EAGAIN or LinuxNative.ETIMEDOUT or LinuxNative.EINTR))
                        {
                            wokenAll = true;
                            Thread.Sleep(1);
                        }
                    }
                }
            }
            finally
            {
                NativeMemory.Free(vec);
                // _control stays allocated: a late Kick may still touch it (64 bytes per thread ever started).
            }
        }
    }
}
