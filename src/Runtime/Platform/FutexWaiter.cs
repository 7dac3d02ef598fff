namespace Multiproc.Platform;

/// <summary>
/// Asynchronous futex waits: the awaiting caller holds no thread while it waits. This is the one seam every
/// async form of the runtime (queues, joins, events, pipes, …) waits through.
/// </summary>
/// <remarks>
/// Contract (the same as <see cref="Futex.Wait"/>, without a thread): the task completes with <c>true</c> when the
/// word was woken, when it no longer held <c>expected</c>, or spuriously (callers re-check their
/// condition and wait again); with <c>false</c> when <c>timeout</c> passed; it is cancelled when
/// <c>cancellationToken</c> is. The memory holding the word must stay mapped until the task completes.
/// Wakers must call <see cref="Futex.Wake"/> on the word exactly as they would for a synchronous sleeper, so an
/// async waiter must announce itself the same way a synchronous one does (waiters bit or sleeper count).
/// </remarks>
internal static unsafe class FutexWaiter
{
    // PLACEHOLDER (to be replaced by one kernel waiter per process): a dedicated thread per wait.
    public static Task<bool> WaitAsync(int* word, int expected, TimeSpan? timeout, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested) return Task.FromCanceled<bool>(cancellationToken);
        if (Volatile.Read(ref *word) != expected) return Task.FromResult(true);
        var address = (nint)word;
        return Task.Factory.StartNew(
            () =>
            {
                var w = (int*)address;
                var deadline = timeout is { } t ? DateTime.UtcNow + t : (DateTime?)null;
                while (true)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    var slice = TimeSpan.FromMilliseconds(50);
                    if (deadline is { } d)
                    {
                        var left = d - DateTime.UtcNow;
                        if (left <= TimeSpan.Zero) return false;
                        if (left < slice) slice = left;
                    }
                    if (Futex.Wait(w, expected, slice)) return true;
                }
            },
            cancellationToken, TaskCreationOptions.LongRunning | TaskCreationOptions.DenyChildAttach, TaskScheduler.Default);
    }
}
