using System.Diagnostics;
using System.Runtime.CompilerServices;
using Multiproc.Platform;

namespace Multiproc.Internal;

/// <summary>
/// A mutex on a 32-bit word in shared memory that holds the owner's pid, with the algorithm of
/// <see cref="ProcessLock"/> (CAS, bounded spin, futex wait, dead-owner takeover), for structures that
/// embed their lock in their own segment. Used by the queue to guard its ring metadata: the queue
/// commits every change through a journal, so a takeover from a dead owner only has to redo or drop
/// the owner's last step and can otherwise go on.
/// </summary>
/// <remarks>
/// The word is 0 when free, else the owner's pid, with <see cref="Waiters"/> set once some process may sleep on
/// it. Like a POSIX semaphore (CPython's lock) and glibc's mutex, the lock barges: a release frees the word at
/// once and wakes a sleeper only when the bit says one may sleep, and the releaser (or anyone) may take it again
/// before the woken one runs; there is no FIFO hand-off, which would cost a context switch per acquire when two
/// processes contend. A contended acquire first spins on plain reads with pause instructions
/// (<see cref="Spin"/>), bounded in time, and only then sleeps: an uncontended release is one atomic exchange and
/// no system call. The owner's pid is the word itself, so crash safety (a waiter that finds the owner dead takes
/// over) costs the hot path nothing.
/// </remarks>
internal static unsafe class OwnerLock
{
    /// <summary>Set in the word when some process may sleep on it: its release must wake one.</summary>
    internal const int Waiters = unchecked((int)0x80000000);
    internal const int OwnerMask = 0x3FFFFFFF;

    /// <summary>
    /// How long a contended acquire spins before it sleeps in the kernel. A futex sleep and wake costs the
    /// releaser a system call and the waiter a context switch (tens of µs on a virtual machine), while the
    /// critical sections these locks guard take well under a µs; 20 µs covers a holder that is running, and a
    /// holder that was preempted is waited for in the kernel.
    /// </summary>
    private static readonly long SpinTicks = Math.Max(1, Stopwatch.Frequency / 50_000);
    private const int MaxPause = 64;

    private static readonly TimeSpan FirstLivenessCheck = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// The longest a waiter sleeps between two checks that the holder still lives (the bound on how late a dead
    /// holder is noticed in a long wait). A waiter checks first after a short interval, then twice as late each
    /// time the holder is still alive, up to this bound, and starts again from the short interval when it is woken
    /// (the lock changed hands). Each check wakes the waiting process, and in a fresh child each wake-up runs the
    /// wait loop's methods once more until the runtime recompiles them at tier 1: with a fixed 200 ms interval a
    /// child waiting 6 s for a lock spent ~12% of its CPU in that recompilation (bench/README.md).
    /// </summary>
    internal static readonly TimeSpan MaxLivenessCheck = TimeSpan.FromSeconds(1);

    /// <summary>The interval to sleep after <paramref name="interval"/> passed with the holder still alive.</summary>
    internal static TimeSpan NextLivenessCheck(TimeSpan interval) =>
        interval >= MaxLivenessCheck / 2 ? MaxLivenessCheck : interval * 2;
    private static readonly int Me = Environment.ProcessId;

    /// <summary>Takes the lock. Returns true when it was taken over from a process that died holding it.</summary>
    [MethodImpl(Jit.HotPath)]
    public static bool Acquire(int* word)
    {
        if (Interlocked.CompareExchange(ref *word, Me, 0) == 0) return false;
        return AcquireSlow(word);
    }

    /// <summary>Releases the lock, waking one waiter if any sleeps.</summary>
    [MethodImpl(Jit.HotPath)]
    public static void Release(int* word)
    {
        if (Interlocked.Exchange(ref *word, 0) < 0) Futex.Wake(word, 1); // < 0: the Waiters bit
    }

    /// <summary>
    /// The bounded spin of a contended acquire: reads the word (a plain read, which leaves the cache line shared
    /// instead of stealing it from the holder at every probe) with exponentially longer pauses between reads, and
    /// takes the word (writing <paramref name="value"/>) when it sees it free. Gives up after <see cref="SpinTicks"/>.
    /// Never yields the processor: a sched_yield per probe costs a system call and, on a loaded machine, hands the
    /// core to an unrelated process.
    /// </summary>
    /// <returns>True when the word was taken.</returns>
    internal static bool Spin(int* word, int value)
    {
        var pause = 1;
        var deadline = 0L;
        while (true)
        {
            Thread.SpinWait(pause);
            var v = Volatile.Read(ref *word);
            if (v == 0)
            {
                if (Interlocked.CompareExchange(ref *word, value, 0) == 0) return true;
                continue;
            }
            if (pause < MaxPause)
            {
                pause <<= 1;
                continue;
            }
            var now = Stopwatch.GetTimestamp();
            if (deadline == 0) deadline = now + SpinTicks;
            else if (now >= deadline) return false;
        }
    }

    private static bool AcquireSlow(int* word)
    {
        if (Spin(word, Me)) return false;

        var checkOwner = true;
        var interval = FirstLivenessCheck;
        while (true)
        {
            var v = Volatile.Read(ref *word);
            if (v == 0)
            {
                // Others may still sleep: keep the waiters bit so that our release wakes one.
                if (Interlocked.CompareExchange(ref *word, Me | Waiters, 0) == 0) return false;
                continue;
            }
            if (checkOwner)
            {
                var owner = v & OwnerMask;
                if (!ProcessLiveness.IsAlive(owner))
                {
                    if (Interlocked.CompareExchange(ref *word, Me | (v & Waiters), v) == v) return true;
                    continue;
                }
            }
            if ((v & Waiters) == 0)
            {
                if (Interlocked.CompareExchange(ref *word, v | Waiters, v) != v) continue;
                v |= Waiters;
            }
            var woken = Futex.Wait(word, v, interval);
            checkOwner = !woken; // timed out: the owner may have died
            interval = woken ? FirstLivenessCheck : NextLivenessCheck(interval);
            // Woken: the releaser may have taken the lock again already (barging); spin before sleeping again.
            // Others may still sleep: keep the waiters bit so that our release wakes one.
            if (woken && Spin(word, Me | Waiters)) return false;
        }
    }
}
