namespace Multiproc.Platform;

/// <summary>
/// Asynchronous futex waits: the awaiting caller holds no thread while it waits. This is the one seam every
/// async form of the runtime (queues, joins, events, pipes, …) waits through.
/// </summary>
/// <remarks>
/// <para>Contract (the same as <see cref="Futex.Wait"/>, without a thread): the task completes with <c>true</c> when the
/// word was woken, when it no longer held <c>expected</c>, or spuriously (callers re-check their
/// condition and wait again); with <c>false</c> when <c>timeout</c> passed; it is cancelled when
/// <c>cancellationToken</c> is. The memory holding the word must stay mapped until the task completes.
/// Wakers must call <see cref="Futex.Wake"/> on the word exactly as they would for a synchronous sleeper, so an
/// async waiter must announce itself the same way a synchronous one does (waiters bit or sleeper count).</para>
/// <para>The task runs its continuations asynchronously (never on the waiter's thread). Implementation: one
/// <see cref="KernelWaiter"/> per process, whose threads sleep in futex_waitv on up to 127 distinct words each
/// (waits on the same word share one entry); on kernels without futex_waitv, one thread per distinct word.</para>
/// </remarks>
internal static unsafe class FutexWaiter
{
    private static KernelWaiter _shared = new();

    /// <summary>The process's waiter. Tests swap in a fallback waiter (waits already pending stay with the one they started on).</summary>
    internal static KernelWaiter Shared
    {
        get => Volatile.Read(ref _shared);
        set => Volatile.Write(ref _shared, value);
    }

    /// <summary>Waits, without a thread, while <c>*word == expected</c>; see the type's remarks for the contract.</summary>
    /// <param name="word">A 32-bit futex word in memory that stays mapped until the task completes.</param>
    /// <param name="expected">The value the caller saw; the wait ends at once when the word holds another.</param>
    /// <param name="timeout">The longest wait; null (or <see cref="Timeout.InfiniteTimeSpan"/>) waits as long as needed.</param>
    /// <param name="cancellationToken">Cancels the wait; the task is then cancelled.</param>
    public static Task<bool> WaitAsync(int* word, int expected, TimeSpan? timeout, CancellationToken cancellationToken)
        => Shared.WaitAsync(word, expected, timeout, cancellationToken);
}
