using Multiproc.Internal;

namespace Multiproc;

/// <summary>
/// One value of an unmanaged type in shared memory, like Python's <c>multiprocessing.Value</c>. Create it in the
/// parent and pass it to child processes as a target argument; every process reads and writes the same memory.
/// </summary>
/// <remarks>
/// <para>Each single read or write of <see cref="Value"/> is atomic (one load or store for values of up to 8 bytes,
/// a tiny internal lock for larger ones), but a read-modify-write such as <c>v.Value += 1</c> is two operations
/// and loses updates when processes race, exactly as in Python. Hold <see cref="Lock"/> around it
/// (<c>using (v.Lock.Hold()) v.Value += 1;</c>, Python's <c>with v.get_lock():</c>), or use the atomic
/// <see cref="SharedValueExtensions.Add(SharedValue{int}, int)"/> and
/// <see cref="SharedValueExtensions.CompareExchange(SharedValue{int}, int, int)"/>.</para>
/// <para>Unlike Python's <c>Value</c>, a plain get or set does not take <see cref="Lock"/> (it needs no lock to be
/// atomic), and the lock is a <see cref="ProcessLock"/>, not re-entrant.</para>
/// <para>The value's files live as long as some process uses it (see <see cref="ProcessLock"/>). Using a disposed
/// value throws <see cref="ObjectDisposedException"/>.</para>
/// </remarks>
/// <typeparam name="T">An unmanaged type: a number, bool, char, enum, or a struct of those.</typeparam>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class SharedValue<T> : IDisposable, ISharedObject where T : unmanaged
{
    private const int ValueOffset = 8;

    private readonly SharedSegment _segment;
    private readonly DisposeGate _gate = new();
    private readonly ProcessLock _lock;

    /// <summary>Creates a shared value holding <paramref name="initial"/>.</summary>
    public unsafe SharedValue(T initial = default)
    {
        _segment = SharedSegment.Create("value", ValueOffset + Math.Max(8, sizeof(T)));
        _lock = new ProcessLock();
        Value = initial;
    }

    private SharedValue(SharedSegment segment, ProcessLock lk)
    {
        _segment = segment;
        _lock = lk;
    }

    string ISharedObject.Handle
    {
        get
        {
            ThrowIfDisposed();
            return _segment.Name + "+" + ((ISharedObject)_lock).Handle;
        }
    }

    internal static unsafe SharedValue<T> Attach(string handle)
    {
        var plus = handle.IndexOf('+');
        if (plus <= 0) throw new ArgumentException($"'{handle}' is not a SharedValue handle.", nameof(handle));
        var lk = ProcessLock.Attach(handle[(plus + 1)..]);
        SharedSegment segment;
        try
        {
            segment = SharedSegment.Open(handle[..plus]);
        }
        catch
        {
            lk.Dispose();
            throw;
        }
        if (segment.Length < ValueOffset + sizeof(T))
        {
            segment.Dispose();
            lk.Dispose();
            throw new InvalidOperationException($"'{handle}' is not a SharedValue<{typeof(T).Name}>.");
        }
        return new SharedValue<T>(segment, lk);
    }

    /// <summary>The value's address, after checking that the value was not disposed (callers keep the value alive while they use it).</summary>
    internal unsafe void* Address
    {
        get
        {
            ThrowIfDisposed();
            return _segment.Pointer + ValueOffset;
        }
    }

    /// <summary>
    /// The value. One read or one write is atomic; <c>v.Value += 1</c> is a read and then a write, NOT atomic:
    /// hold <see cref="Lock"/> around it or use <see cref="SharedValueExtensions"/>.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The value was disposed in this process.</exception>
    public unsafe T Value
    {
        get
        {
            ThrowIfDisposed();
            var v = SharedCell<T>.Read(_segment.Pointer + ValueOffset, (int*)_segment.Pointer);
            GC.KeepAlive(this);
            return v;
        }
        set
        {
            ThrowIfDisposed();
            SharedCell<T>.Write(_segment.Pointer + ValueOffset, (int*)_segment.Pointer, value);
            GC.KeepAlive(this);
        }
    }

    /// <summary>The lock that goes with this value (Python's <c>get_lock()</c>): <c>using (v.Lock.Hold()) v.Value += 1;</c>.</summary>
    /// <exception cref="ObjectDisposedException">The value was disposed in this process.</exception>
    public ProcessLock Lock
    {
        get
        {
            ThrowIfDisposed();
            return _lock;
        }
    }

    /// <summary>The value, formatted; "SharedValue (disposed)" once disposed (formatting never throws).</summary>
    public override string ToString() => _gate.IsDisposed ? "SharedValue (disposed)" : Value.ToString() ?? "";

    /// <summary>
    /// Lets the value (and its lock) go in this process; the last process to let them go removes their files.
    /// Disposing twice does nothing. Another thread must not be using the value at the same moment.
    /// </summary>
    public void Dispose()
    {
        if (!_gate.Close()) return;
        _segment.Dispose();
        _lock.Dispose();
    }

    private void ThrowIfDisposed() => _gate.ThrowIfDisposed("SharedValue");
}
