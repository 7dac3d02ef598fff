namespace Multiproc.Internal;

/// <summary>
/// The pending <see cref="ProcessQueue{T}.GetAsync"/> calls of one queue object in this process, served in
/// FIFO order by one pump that sleeps as a single consumer would.
/// </summary>
/// <remarks>
/// <para>Without the pump, every async getter would sleep on the queue's futex word itself; a put wakes the one
/// kernel wait they share, so all of them would retry and all but one wait again: O(getters) work per item.
/// The pump instead registers as one sleeper (<c>getWaiters</c>/<c>itemSignal</c>, exactly like a synchronous
/// <see cref="ProcessQueue{T}.Get()"/>), and when woken takes items for the getters in order until the
/// queue is empty again. It runs on the thread pool and holds no thread while it waits.</para>
/// <para><b>Cancellation takes no item.</b> The pump claims the first getter before it takes an item for it;
/// a getter cancelled while unclaimed leaves at once (cancelled); one cancelled while claimed gets the item if
/// the take succeeded (the take came first), and is cancelled otherwise. When the last getter leaves, the
/// pump's wait is cancelled and it unregisters as a sleeper. Disposing the queue fails the pending getters with
/// <see cref="ObjectDisposedException"/>.</para>
/// </remarks>
internal sealed class AsyncGetters<T>(SharedRing ring, ItemDecoder<T> decode)
{
    private readonly object _lock = new();
    private readonly LinkedList<Getter> _getters = new();
    private bool _running;
    private CancellationTokenSource? _waitCts;

    /// <summary>Whether the pump runs (getters are pending): a new GetAsync then queues behind them instead of taking first.</summary>
    public bool Busy => Volatile.Read(ref _running);

    /// <summary>Getters pending now (tests).</summary>
    internal int Count
    {
        get { lock (_lock) return _getters.Count; }
    }

    /// <summary>Adds a getter; the task completes with its item, cancelled, or faulted (the queue was disposed, or the item could not be read).</summary>
    public Task<T> GetAsync(CancellationToken ct)
    {
        var g = new Getter(this, ct);
        bool start;
        lock (_lock)
        {
            g.Node = _getters.AddLast(g);
            start = !_running;
            _running = true;
        }
        if (ct.CanBeCanceled)
        {
            g.Registration = ct.UnsafeRegister(static s => ((Getter)s!).Cancel(), g);
            if (g.Task.IsCompleted) g.Registration.Unregister();
        }
        // The pump's first steps run here (a take that does not wait, then registering its kernel wait: what the caller's
        // GetAsync did already, no user code), which saves a thread-pool hop per wait; everything after its first await
        // runs on the thread pool (ConfigureAwait(false)), never on the caller's synchronization context.
        if (start) _ = PumpAsync();
        return g.Task;
    }

    private async Task PumpAsync()
    {
        try
        {
            await PumpLoopAsync().ConfigureAwait(false);
        }
        catch (Exception e)
        {
            // A bug or an exhausted resource: fail the getters rather than leave them pending.
            FailAll(e);
        }
    }

    private async Task PumpLoopAsync()
    {
        while (true)
        {
            // Serve the getters in order while items are there.
            long observedPuts;
            while (true)
            {
                Getter? g;
                lock (_lock)
                {
                    g = _getters.First?.Value;
                    if (g is null)
                    {
                        _running = false;
                        return;
                    }
                    g.Claimed = true;
                }
                if (ring.IsDisposed)
                {
                    FailAll();
                    return;
                }
                bool got;
                T item;
                try
                {
                    got = ring.TryTake(decode, out item, out observedPuts);
                }
                catch (Exception e)
                {
                    // The record was consumed but could not be read: that getter gets the error, the next ones go on.
                    lock (_lock) _getters.Remove(g.Node!);
                    g.Registration.Unregister();
                    g.TrySetException(e);
                    continue;
                }
                bool cancelled;
                lock (_lock)
                {
                    g.Claimed = false;
                    cancelled = !got && g.CancelRequested;
                    if (got || cancelled) _getters.Remove(g.Node!);
                }
                if (got)
                {
                    g.Registration.Unregister();
                    g.TrySetResult(item);
                    continue;
                }
                if (cancelled)
                {
                    g.TrySetCanceled(g.Token);
                    continue;
                }
                break;
            }

            // Empty: sleep as one consumer until a put (or until the last getter left, or the queue was disposed).
            var cts = CancellationTokenSource.CreateLinkedTokenSource(ring.Disposing);
            try
            {
                lock (_lock)
                {
                    if (_getters.Count == 0)
                    {
                        _running = false;
                        return;
                    }
                    _waitCts = cts;
                }
                if (ring.IsDisposed)
                {
                    FailAll();
                    return;
                }
                var wait = ring.BeginAsyncWait(forItem: true, observedPuts, cts.Token);
                if (wait is null) continue;
                try
                {
                    await wait.ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    // The last getter left (the loop above then ends the pump) or the queue was disposed (checked there).
                }
                finally
                {
                    ring.EndAsyncWait(forItem: true);
                }
            }
            finally
            {
                lock (_lock) _waitCts = null;
                cts.Dispose();
            }
        }
    }

    private void FailAll(Exception? error = null)
    {
        List<Getter> all;
        lock (_lock)
        {
            all = [.. _getters];
            _getters.Clear();
            _running = false;
        }
        foreach (var g in all)
        {
            g.Registration.Unregister();
            g.TrySetException(error ?? new ObjectDisposedException("ProcessQueue", "The queue was disposed while GetAsync waited on it."));
        }
    }

    private sealed class Getter(AsyncGetters<T> owner, CancellationToken token)
        : TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously)
    {
        public readonly CancellationToken Token = token;
        public LinkedListNode<Getter>? Node;
        public CancellationTokenRegistration Registration;
        /// <summary>The pump is taking an item for this getter (under the owner's lock).</summary>
        public bool Claimed;
        public bool CancelRequested;

        public void Cancel()
        {
            CancellationTokenSource? idle = null;
            lock (owner._lock)
            {
                if (Node!.List is null) return; // served already
                if (Claimed)
                {
                    CancelRequested = true; // the pump decides: the item if it took one, cancelled otherwise
                    return;
                }
                owner._getters.Remove(Node);
                if (owner._getters.Count == 0) idle = owner._waitCts;
            }
            TrySetCanceled(Token);
            // No getter left: stop the pump's wait so that it unregisters as a sleeper.
            try { idle?.Cancel(); }
            catch (ObjectDisposedException) { }
        }
    }
}
