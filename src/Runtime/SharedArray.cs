using Multiproc.Internal;

namespace Multiproc;

/// <summary>
/// A fixed-length array of an unmanaged type in shared memory, like Python's <c>multiprocessing.Array</c>. Create
/// it in the parent and pass it to child processes as a target argument; every process reads and writes the same
/// elements.
/// </summary>
/// <remarks>
/// Each single read or write of an element is atomic (one load or store for elements of up to 8 bytes, a tiny
/// internal lock for larger ones); <c>a[i] += 1</c> is NOT, exactly as in Python: hold <see cref="Lock"/> around
/// it (<c>using (a.Lock.Hold()) a[i] += 1;</c>). <see cref="ToArray"/> reads element by element: hold
/// <see cref="Lock"/> (in the writers too) for a consistent copy. Unlike Python's <c>Array</c>, a plain get or set
/// does not take <see cref="Lock"/>.
/// <para>The array's files live as long as some process uses it (see <see cref="ProcessLock"/>). Using a disposed
/// array throws <see cref="ObjectDisposedException"/>.</para>
/// </remarks>
/// <typeparam name="T">An unmanaged type: a number, bool, char, enum, or a struct of those.</typeparam>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class SharedArray<T> : IDisposable, ISharedObject where T : unmanaged
{
    private const int DataOffset = 64;

    private readonly SharedSegment _segment;
    private readonly DisposeGate _gate = new();
    private readonly ProcessLock _lock;
    private readonly int _length;

    /// <summary>Creates a shared array of <paramref name="length"/> elements, all <c>default</c>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="length"/> is negative.</exception>
    public unsafe SharedArray(int length)
    {
        if (length < 0) throw new ArgumentOutOfRangeException(nameof(length), length, "length must not be negative.");
        _segment = SharedSegment.Create("array", DataOffset + (long)length * sizeof(T));
        *(int*)_segment.Pointer = length;
        _length = length;
        _lock = new ProcessLock();
    }

    /// <summary>Creates a shared array holding a copy of <paramref name="initial"/>.</summary>
    public unsafe SharedArray(ReadOnlySpan<T> initial)
        : this(initial.Length)
    {
        initial.CopyTo(new Span<T>(_segment.Pointer + DataOffset, initial.Length));
        Thread.MemoryBarrier();
    }

    private SharedArray(SharedSegment segment, ProcessLock lk, int length)
    {
        _segment = segment;
        _lock = lk;
        _length = length;
    }

    string ISharedObject.Handle
    {
        get
        {
            ThrowIfDisposed();
            return _segment.Name + "+" + ((ISharedObject)_lock).Handle;
        }
    }

    internal static unsafe SharedArray<T> Attach(string handle)
    {
        var plus = handle.IndexOf('+');
        if (plus <= 0) throw new ArgumentException($"'{handle}' is not a SharedArray handle.", nameof(handle));
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
        var length = *(int*)segment.Pointer;
        if (length < 0 || DataOffset + (long)length * sizeof(T) > segment.Length)
        {
            segment.Dispose();
            lk.Dispose();
            throw new InvalidOperationException($"'{handle}' is not a SharedArray<{typeof(T).Name}>.");
        }
        return new SharedArray<T>(segment, lk, length);
    }

    /// <summary>The number of elements.</summary>
    /// <exception cref="ObjectDisposedException">The array was disposed in this process.</exception>
    public int Length
    {
        get
        {
            ThrowIfDisposed();
            return _length;
        }
    }

    /// <summary>
    /// The element at <paramref name="index"/>. One read or one write is atomic; <c>a[i] += 1</c> is NOT: hold
    /// <see cref="Lock"/> around it.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is outside 0 … <see cref="Length"/> − 1.</exception>
    /// <exception cref="ObjectDisposedException">The array was disposed in this process.</exception>
    public unsafe T this[int index]
    {
        get
        {
            ThrowIfDisposed();
            var v = SharedCell<T>.Read(Element(index), (int*)_segment.Pointer + 1);
            GC.KeepAlive(this);
            return v;
        }
        set
        {
            ThrowIfDisposed();
            SharedCell<T>.Write(Element(index), (int*)_segment.Pointer + 1, value);
            GC.KeepAlive(this);
        }
    }

    /// <summary>The lock that goes with this array (Python's <c>get_lock()</c>).</summary>
    /// <exception cref="ObjectDisposedException">The array was disposed in this process.</exception>
    public ProcessLock Lock
    {
        get
        {
            ThrowIfDisposed();
            return _lock;
        }
    }

    /// <summary>A copy of the elements, read one by one (hold <see cref="Lock"/> for a consistent copy).</summary>
    /// <exception cref="ObjectDisposedException">The array was disposed in this process.</exception>
    public unsafe T[] ToArray()
    {
        ThrowIfDisposed();
        var copy = new T[_length];
        for (var i = 0; i < copy.Length; i++) copy[i] = SharedCell<T>.Read(Element(i), (int*)_segment.Pointer + 1);
        GC.KeepAlive(this);
        return copy;
    }

    private unsafe byte* Element(int index)
    {
        if ((uint)index >= (uint)_length)
            throw new ArgumentOutOfRangeException(nameof(index), index, $"The index must be between 0 and {_length - 1} (the SharedArray has {_length} elements).");
        return _segment.Pointer + DataOffset + (long)index * sizeof(T);
    }

    /// <summary>
    /// Lets the array (and its lock) go in this process; the last process to let them go removes their files.
    /// Disposing twice does nothing. Another thread must not be using the array at the same moment.
    /// </summary>
    public void Dispose()
    {
        if (!_gate.Close()) return;
        _segment.Dispose();
        _lock.Dispose();
    }

    private void ThrowIfDisposed() => _gate.ThrowIfDisposed("SharedArray");
}
