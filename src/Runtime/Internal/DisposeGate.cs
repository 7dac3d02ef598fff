using System.Diagnostics.CodeAnalysis;

namespace Multiproc.Internal;

/// <summary>
/// The disposed state of a primitive built on a <see cref="SharedSegment"/>, and what keeps its async waits from
/// touching the segment once it is unmapped.
/// </summary>
/// <remarks>
/// <para>Synchronous members check <see cref="IsDisposed"/> (and end with <c>GC.KeepAlive(this)</c>); as for
/// every primitive, another thread must not be using it while it is disposed.</para>
/// <para>Async waits may be pending when the primitive is disposed: they wait through
/// <see cref="Platform.FutexWaiter"/> with a token linked to <see cref="Disposing"/>, and they touch shared memory
/// only between <see cref="TryEnter"/> and <see cref="Exit"/> (a few instructions, never across an await).
/// <see cref="Close"/> marks the primitive disposed, cancels <see cref="Disposing"/> (which removes the pending
/// kernel waits at once, so no waiter reads the words any more) and waits for the sections in progress to leave;
/// only then may the caller unmap. A section entered after that finds the primitive disposed and touches nothing.</para>
/// </remarks>
internal sealed class DisposeGate
{
    private const int DisposedBit = 1 << 30;
    private int _state; // sections in progress | DisposedBit
    private CancellationTokenSource? _disposing;

    /// <summary>Whether <see cref="Close"/> was called.</summary>
    public bool IsDisposed => (Volatile.Read(ref _state) & DisposedBit) != 0;

    /// <summary>Cancelled when the primitive is disposed: link it into every async wait's token.</summary>
    public CancellationToken Disposing
    {
        get
        {
            var cts = InstallOnce(ref _disposing, out var installed);
            if (installed && IsDisposed) cts.Cancel(); // disposed before the source existed: nobody else will cancel it
            return cts.Token;
        }
    }

    /// <summary>
    /// The source in <paramref name="field"/>, made and installed by the first caller (<paramref name="installed"/>
    /// true for that one only, which must then cancel it if its owner was disposed meanwhile).
    /// </summary>
    internal static CancellationTokenSource InstallOnce(ref CancellationTokenSource? field, out bool installed)
    {
        installed = false;
        var cts = Volatile.Read(ref field);
        if (cts is not null) return cts;
        var made = new CancellationTokenSource();
        cts = Interlocked.CompareExchange(ref field, made, null);
        if (cts is not null)
        {
            made.Dispose();
            return cts;
        }
        installed = true;
        return made;
    }

    /// <summary>A token cancelled by <paramref name="cancellationToken"/> or by disposal (dispose it when the wait ends).</summary>
    public CancellationTokenSource Link(CancellationToken cancellationToken) =>
        CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, Disposing);

    /// <summary>Begins a section of an async wait that touches shared memory; false (nothing entered) once disposed.</summary>
    public bool TryEnter()
    {
        if ((Interlocked.Increment(ref _state) & DisposedBit) == 0) return true;
        Interlocked.Decrement(ref _state);
        return false;
    }

    /// <summary>Like <see cref="TryEnter"/>, throwing <see cref="ObjectDisposedException"/> naming <paramref name="typeName"/> once disposed.</summary>
    public void Enter(string typeName)
    {
        if (!TryEnter()) ThrowDisposed(typeName);
    }

    /// <summary>Ends a section begun by <see cref="TryEnter"/>.</summary>
    public void Exit() => Interlocked.Decrement(ref _state);

    /// <summary>
    /// Awaits an async futex sleep (<see cref="Platform.FutexWaiter.WaitAsync"/>) outside the section the caller is
    /// in: leaves the section, awaits <paramref name="sleep"/> (see <see cref="AwaitSleepAsync"/>) and enters again.
    /// </summary>
    /// <returns>False when the sleep ran its whole timeout; true when it was woken (or spuriously, or cancelled).</returns>
    /// <exception cref="ObjectDisposedException">The primitive was disposed meanwhile; the section is left.</exception>
    public async ValueTask<bool> AwaitOutsideAsync(Task<bool> sleep, string typeName)
    {
        Exit();
        var woken = await AwaitSleepAsync(sleep).ConfigureAwait(false);
        Enter(typeName);
        return woken;
    }

    /// <summary>
    /// Awaits an async futex sleep taken with a token linked to <see cref="Disposing"/>, outside any section. A
    /// cancelled sleep counts as a wake: the caller's loop then checks its own token, and its next
    /// <see cref="Enter"/> throws when the cancel came from disposal.
    /// </summary>
    /// <returns>False when the sleep ran its whole timeout; true when it was woken (or spuriously, or cancelled).</returns>
    public static async ValueTask<bool> AwaitSleepAsync(Task<bool> sleep)
    {
        try
        {
            return await sleep.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return true;
        }
    }

    /// <summary>Throws <see cref="ObjectDisposedException"/> naming <paramref name="typeName"/> once disposed.</summary>
    public void ThrowIfDisposed(string typeName)
    {
        if ((Volatile.Read(ref _state) & DisposedBit) != 0) ThrowDisposed(typeName);
    }

    /// <summary>
    /// Marks the primitive disposed, ends its pending async waits and waits for their sections in progress to leave.
    /// True for the first call only: the caller then unmaps; a second call does nothing.
    /// </summary>
    public bool Close()
    {
        if ((Interlocked.Or(ref _state, DisposedBit) & DisposedBit) != 0) return false;
        Volatile.Read(ref _disposing)?.Cancel();
        var spinner = new SpinWait();
        while ((Volatile.Read(ref _state) & ~DisposedBit) != 0) spinner.SpinOnce();
        return true;
    }

    /// <summary>The exception a disposed primitive throws: its type name, and what happened.</summary>
    public static ObjectDisposedException Disposed(string typeName) =>
        new(typeName, $"This {typeName} was disposed in this process; it cannot be used any more.");

    /// <summary>Throws <see cref="Disposed"/>.</summary>
    [DoesNotReturn]
    public static void ThrowDisposed(string typeName) => throw Disposed(typeName);
}
