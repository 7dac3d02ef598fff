using System.Runtime.CompilerServices;
using Multiproc.Platform;

namespace Multiproc.Internal;

/// <summary>
/// A mutex on a 32-bit word in shared memory that holds the owner's pid, with the algorithm of
/// <see cref="ProcessLock"/> (CAS, short spin, futex wait, dead-owner takeover), for structures that
/// embed their lock in their own segment. Used by the queue to guard its ring metadata: the queue
/// commits every change through a journal, so a takeover from a dead owner only has to redo or drop
/// the owner's last step and can otherwise go on.
/// </summary>
internal static unsafe class OwnerLock
{
    private const int Waiters = unchecked((int)0x80000000);
    private const int OwnerMask = 0x3FFFFFFF;
    private const int SpinCount = 40;
    private static readonly TimeSpan LivenessCheckInterval = TimeSpan.FromMilliseconds(100);
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
        var v = Interlocked.Exchange(ref *word, 0);
        if ((v & Waiters) != 0) Futex.Wake(word, 1);
    }

    private static bool AcquireSlow(int* word)
    {
        var spinner = new SpinWait();
        for (var i = 0; i < SpinCount; i++)
        {
            if (Volatile.Read(ref *word) == 0 && Interlocked.CompareExchange(ref *word, Me, 0) == 0) return false;
            spinner.SpinOnce(sleep1Threshold: -1);
        }

        var checkOwner = true;
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
            checkOwner = !Futex.Wait(word, v, LivenessCheckInterval); // timed out: the owner may have died
        }
    }
}
