using System.Diagnostics;
using Multiproc.Internal;

namespace Multiproc;

/// <summary>
/// One end of a <see cref="ProcessPipe"/>, Python's <c>Connection</c>: <see cref="Send"/> puts an item that the
/// other end <see cref="Receive"/>s, in order. It travels to a child process as a target argument.
/// </summary>
/// <typeparam name="T">
/// The item type: <c>byte[]</c>, <c>string</c> and types without references travel as raw bytes, other types as
/// JSON (System.Text.Json, no type names on the wire); null is an item. Items of any size go through (an item
/// above 256 KiB is carried in a file of the run directory).
/// </typeparam>
/// <remarks>
/// <para><b>One process per end.</b> Where Python's pipe mixes or tears messages when two processes use the same
/// end at once, an end here belongs to the first process that sends or receives on it (a <see cref="Poll"/>
/// does not count), until that process closes it or ends; another process that then sends or receives on it
/// gets an <see cref="InvalidOperationException"/> naming the owner's pid. Threads of the owning process may
/// share the end. Give each process its own end, or use a <see cref="ProcessQueue{T}"/> for many processes.</para>
/// <para><b>End of stream.</b> Every process that has the end (its creator, every process it was passed to)
/// holds it until it calls <see cref="Close"/> or ends, killed or not. Once the other end is held by no live
/// process and everything it sent has been received, <see cref="Receive"/> throws
/// <see cref="EndOfStreamException"/> (Python's <c>EOFError</c>), and a <see cref="Send"/> to an end held by
/// no one throws <see cref="IOException"/> (Python's <c>BrokenPipeError</c>). As in Python, the creator holds
/// both ends: close the end you handed to a child, or the peer never sees the end of the stream.</para>
/// <para>Using an end this process closed (or disposed) throws <see cref="ObjectDisposedException"/>, except
/// <see cref="IsClosed"/>, <see cref="Close"/> and <see cref="Dispose"/>; an async send or receive pending on it
/// when it is closed fails with <see cref="ObjectDisposedException"/>, having sent or taken nothing.</para>
/// </remarks>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class PipeEnd<T> : IDisposable, ISharedObject
{
    private readonly SharedPipe.EndState _state;
    private readonly SharedPipe _pipe;
    private readonly int _end;
    private readonly bool _lent; // see Attach: Close leaves the end to the wrapper this process already had

    internal PipeEnd(SharedPipe.EndState state, bool lent = false)
    {
        _state = state;
        _pipe = state.Pipe;
        _end = state.End;
        _lent = lent;
    }

    string ISharedObject.Handle
    {
        get
        {
            Enter();
            try
            {
                if (SendScope.Current is not { Checking: true }) PipeTransit.Note(_pipe, _end);
                return SharedPipe.HandleOf(_state);
            }
            finally
            {
                Exit();
            }
        }
    }

    // The pipe's segment, without reading Handle again (that would take a second transit slot).
    IEnumerable<string> ISharedObject.SegmentNames
    {
        get
        {
            ThrowIfClosed();
            return [_pipe.Name];
        }
    }

    internal static PipeEnd<T> Attach(string handle)
    {
        var state = SharedPipe.Attach(handle, out var heldAlready);
        // ChildProcess.Start reads an argument that holds an end back in this process to check that it round-trips,
        // and disposes what that attached: an end this process already held is lent to the check, not closed by it.
        return new PipeEnd<T>(state, lent: heldAlready && SendScope.Current is { Checking: true });
    }

    /// <summary>Whether this end may send (false only for the Left end of a one-way pipe).</summary>
    /// <exception cref="ObjectDisposedException">This process closed this end.</exception>
    public bool CanSend
    {
        get
        {
            ThrowIfClosed();
            return Sends;
        }
    }

    /// <summary>Whether this end may receive (false only for the Right end of a one-way pipe).</summary>
    /// <exception cref="ObjectDisposedException">This process closed this end.</exception>
    public bool CanReceive
    {
        get
        {
            ThrowIfClosed();
            return Receives;
        }
    }

    private bool Sends => _pipe.Duplex || _end == 1;

    private bool Receives => _pipe.Duplex || _end == 0;

    /// <summary>Whether this process has closed this end (never throws).</summary>
    public bool IsClosed => _state.Closed;

    /// <summary>Sends an item to the other end; waits only while the pipe's buffer (1 MiB) is full.</summary>
    /// <param name="item">The item; null is allowed.</param>
    /// <exception cref="InvalidOperationException">This end only receives, or another live process uses this end.</exception>
    /// <exception cref="IOException">The other end is closed in every process that held it.</exception>
    /// <exception cref="ArgumentException">The item cannot be sent to another process; nothing was sent.</exception>
    /// <exception cref="ObjectDisposedException">This process closed this end.</exception>
    public void Send(T item)
    {
        Enter();
        try
        {
            SendCore(item);
        }
        finally
        {
            Exit();
        }
    }

    private void SendCore(T item)
    {
        var dir = SendDirection();
        var payload = ItemCodec<T>.Encode(item, out var flags);
        if (payload.Length <= SharedPipe.InlineLimit)
        {
            _pipe.Send(dir, payload, flags);
            return;
        }
        var record = _pipe.Spill(payload, out var path);
        var sent = false;
        try
        {
            _pipe.Send(dir, record, flags | SharedPipe.FlagFile);
            sent = true;
        }
        finally
        {
            if (!sent) TryDelete(path);
        }
    }

    /// <summary>Receives the next item, waiting as long as needed.</summary>
    /// <returns>The item (null when a null was sent).</returns>
    /// <exception cref="EndOfStreamException">Nothing is left and the other end is closed in every process that held it (Python's <c>EOFError</c>).</exception>
    /// <exception cref="InvalidOperationException">This end only sends, or another live process uses this end.</exception>
    /// <exception cref="ObjectDisposedException">This process closed this end.</exception>
    public T Receive()
    {
        TryReceiveCore(0, out var item);
        return item;
    }

    /// <summary>Receives the next item if one comes within <paramref name="timeout"/> (default: only tries).</summary>
    /// <param name="item">The item received, or default when none was.</param>
    /// <param name="timeout">How long to wait; <see cref="TimeSpan.Zero"/> only tries, <see cref="Timeout.InfiniteTimeSpan"/> waits as long as needed.</param>
    /// <returns>True when an item was received; false when none came in time.</returns>
    /// <exception cref="EndOfStreamException">Nothing is left and the other end is closed everywhere: false would only mean "try again".</exception>
    /// <exception cref="InvalidOperationException">This end only sends, or another live process uses this end.</exception>
    /// <exception cref="ObjectDisposedException">This process closed this end.</exception>
    public bool TryReceive(out T item, TimeSpan timeout = default) => TryReceiveCore(Deadline(timeout), out item);

    /// <summary>
    /// Whether <see cref="Receive"/> would return at once, waiting up to <paramref name="timeout"/> (default: only
    /// looks): true when an item is ready, or when the other end is closed everywhere (then Receive throws), as
    /// Python's <c>poll</c>. Takes nothing, and does not make this process the end's user.
    /// </summary>
    /// <param name="timeout">How long to wait; <see cref="Timeout.InfiniteTimeSpan"/> waits as long as needed.</param>
    /// <exception cref="InvalidOperationException">This end only sends.</exception>
    /// <exception cref="ObjectDisposedException">This process closed this end.</exception>
    public bool Poll(TimeSpan timeout = default)
    {
        Enter();
        try
        {
            var dir = ReceiveDirection(claim: false);
            var deadline = Deadline(timeout);
            return _pipe.HasData(dir) || _pipe.WaitReadable(dir, deadline);
        }
        finally
        {
            Exit();
        }
    }

    /// <summary>
    /// Sends an item without blocking the calling thread while the buffer is full (the wait holds no thread).
    /// The item is encoded before this method returns.
    /// </summary>
    /// <param name="item">The item; null is allowed.</param>
    /// <param name="cancellationToken">Cancels the wait for room; a cancelled send sends nothing.</param>
    /// <returns>A task that completes once the item is in the pipe.</returns>
    /// <exception cref="InvalidOperationException">This end only receives, or another live process uses this end.</exception>
    /// <exception cref="ArgumentException">The item cannot be sent to another process; nothing was sent.</exception>
    /// <exception cref="ObjectDisposedException">This process closed this end; the task fails so when the end is closed while the send waits.</exception>
    public ValueTask SendAsync(T item, CancellationToken cancellationToken = default)
    {
        Enter();
        try
        {
            return SendAsyncCore(item, cancellationToken);
        }
        finally
        {
            Exit();
        }
    }

    private ValueTask SendAsyncCore(T item, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested) return ValueTask.FromCanceled(cancellationToken);
        var dir = SendDirection();
        var payload = ItemCodec<T>.Encode(item, out var flags);
        string? path = null;
        byte[]? spilled = null;
        if (payload.Length > SharedPipe.InlineLimit)
        {
            spilled = _pipe.Spill(payload, out path);
            payload = spilled;
            flags |= SharedPipe.FlagFile;
        }
        try
        {
            if (_pipe.TrySendNow(dir, payload, flags)) return ValueTask.CompletedTask;
        }
        catch
        {
            if (path is not null) TryDelete(path);
            throw;
        }
        return SendSlow(dir, spilled ?? payload.ToArray(), flags, path, cancellationToken);
    }

    private async ValueTask SendSlow(int dir, byte[] record, int flags, string? path, CancellationToken ct)
    {
        var sent = false;
        try
        {
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, _state.Closing);
            while (true)
            {
                ct.ThrowIfCancellationRequested();
                Task<bool>? wait;
                Enter(); // touches the mapping only inside, never across the await
                try
                {
                    if (_pipe.TrySendNow(dir, record, flags)) break;
                    wait = _pipe.SpaceWait(dir, record.Length, linked.Token);
                }
                finally
                {
                    Exit();
                }
                if (wait is not null) await AwaitWait(wait, dir, space: true).ConfigureAwait(false);
            }
            sent = true;
        }
        finally
        {
            if (!sent && path is not null) TryDelete(path);
        }
    }

    /// <summary>Receives the next item without blocking the calling thread (the wait holds no thread).</summary>
    /// <param name="cancellationToken">Cancels the wait; a cancelled receive takes nothing: the item stays for the next receive.</param>
    /// <returns>The item.</returns>
    /// <exception cref="EndOfStreamException">Nothing is left and the other end is closed everywhere.</exception>
    /// <exception cref="InvalidOperationException">This end only sends, or another live process uses this end.</exception>
    /// <exception cref="ObjectDisposedException">This process closed this end; the task fails so when the end is closed while the receive waits (the item, if one comes, stays for another receiver).</exception>
    public ValueTask<T> ReceiveAsync(CancellationToken cancellationToken = default)
    {
        Enter();
        try
        {
            if (cancellationToken.IsCancellationRequested) return ValueTask.FromCanceled<T>(cancellationToken);
            var dir = ReceiveDirection(claim: true);
            if (_pipe.TryTake(dir, ItemCodec<T>.Decoder, out var item)) return new ValueTask<T>(item);
            return ReceiveSlow(dir, cancellationToken);
        }
        finally
        {
            Exit();
        }
    }

    private async ValueTask<T> ReceiveSlow(int dir, CancellationToken ct)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, _state.Closing);
        while (true)
        {
            Task<bool>? wait;
            Enter(); // touches the mapping only inside, never across the await
            try
            {
                if (_pipe.TryTake(dir, ItemCodec<T>.Decoder, out var item)) return item;
                if (_pipe.SenderClosed(dir))
                {
                    if (_pipe.TryTake(dir, ItemCodec<T>.Decoder, out item)) return item;
                    throw EndOfStream();
                }
                ct.ThrowIfCancellationRequested();
                wait = _pipe.ReadWait(dir, linked.Token);
            }
            finally
            {
                Exit();
            }
            if (wait is not null) await AwaitWait(wait, dir, space: false).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// This process is done with this end (Python's <c>close()</c>): it no longer holds or uses it. When no
    /// process holds it any more, the other end's receives end with <see cref="EndOfStreamException"/> once
    /// they have taken what was sent. Async sends and receives pending on this end fail with
    /// <see cref="ObjectDisposedException"/>. Safe to call more than once.
    /// </summary>
    public void Close()
    {
        if (!_lent) _pipe.Close(_state);
    }

    /// <summary>Same as <see cref="Close"/>.</summary>
    public void Dispose() => Close();

    /// <summary>"PipeEnd(Left)" or "PipeEnd(Right)", with "closed" once this process closed it.</summary>
    public override string ToString() => $"PipeEnd({(_end == 0 ? "Left" : "Right")}{(_state.Closed ? ", closed" : "")})";

    // ---------------------------------------------------------------- helpers

    private bool TryReceiveCore(long deadline, out T item)
    {
        Enter();
        try
        {
            return TryReceiveMapped(deadline, out item);
        }
        finally
        {
            Exit();
        }
    }

    private bool TryReceiveMapped(long deadline, out T item)
    {
        var dir = ReceiveDirection(claim: true);
        while (true)
        {
            ThrowIfClosed(); // closed by another thread while this one waited: take nothing
            if (_pipe.TryTake(dir, ItemCodec<T>.Decoder, out item)) return true;
            if (_pipe.SenderClosed(dir))
            {
                if (_pipe.TryTake(dir, ItemCodec<T>.Decoder, out item)) return true;
                throw EndOfStream();
            }
            if (!_pipe.WaitReadable(dir, deadline)) return false;
        }
    }

    private int SendDirection()
    {
        ThrowIfClosed();
        if (!Sends)
            throw new InvalidOperationException("This end (Left) of a one-way pipe only receives: with duplex: false, Left receives and Right sends. Send on the Right end.");
        if (!_state.Claimed) _pipe.Claim(_state);
        return 1 - _end;
    }

    private int ReceiveDirection(bool claim)
    {
        ThrowIfClosed();
        if (!Receives)
            throw new InvalidOperationException("This end (Right) of a one-way pipe only sends: with duplex: false, Left receives and Right sends. Receive on the Left end.");
        if (claim && !_state.Claimed) _pipe.Claim(_state);
        return _end;
    }

    private void ThrowIfClosed()
    {
        if (_state.Closed) ThrowClosed();
    }

    /// <summary>
    /// Begins an operation that touches the pipe's mapping (see <see cref="SharedPipe.TryEnter"/>): the mapping
    /// stays until it ends, even if another thread closes both ends meanwhile.
    /// </summary>
    private void Enter()
    {
        if (!_pipe.TryEnter()) ThrowClosed();
        if (_state.Closed)
        {
            _pipe.Exit();
            ThrowClosed();
        }
    }

    private void Exit()
    {
        _pipe.Exit();
        GC.KeepAlive(this);
    }

    /// <summary>
    /// Awaits a wait for room (<paramref name="space"/>) or for an item, outside any operation; a cancel (by the
    /// caller or by Close: the loop's first lines say which) counts as a wake. Then ends the wait's registration,
    /// unless the pipe was let go meanwhile (nothing is mapped to touch then: letting it go uncounted the wait, see SharedPipe.Release).
    /// </summary>
    private async ValueTask AwaitWait(Task<bool> wait, int dir, bool space)
    {
        try
        {
            await DisposeGate.AwaitSleepAsync(wait).ConfigureAwait(false);
        }
        finally
        {
            if (_pipe.TryEnter())
            {
                _pipe.EndWait(dir, space);
                _pipe.Exit();
            }
        }
    }

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    private void ThrowClosed() =>
        throw new ObjectDisposedException("PipeEnd", $"This PipeEnd ({(_end == 0 ? "Left" : "Right")}) was closed (or disposed) in this process; it cannot be used any more.");

    private EndOfStreamException EndOfStream() =>
        new($"The other end of the pipe ({(_end == 0 ? "Right" : "Left")}) is closed in every process that held it, and nothing is left to receive.");

    private static long Deadline(TimeSpan timeout)
    {
        if (timeout == Timeout.InfiniteTimeSpan) return 0;
        if (timeout < TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(timeout), timeout, "The timeout must be non-negative or Timeout.InfiniteTimeSpan.");
        return Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
    }

    private static void TryDelete(string path)
    {
        try { File.Delete(path); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
