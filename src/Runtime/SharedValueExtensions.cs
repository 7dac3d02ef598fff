namespace Multiproc;

/// <summary>
/// Atomic read-modify-write operations on shared values, beyond Python: one hardware atomic instruction (or a
/// compare-and-swap loop for <see cref="double"/>) instead of <c>using (v.Lock.Hold()) v.Value += delta;</c>.
/// They need no lock and lose no update when processes race. On a disposed value they throw
/// <see cref="ObjectDisposedException"/>.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public static class SharedValueExtensions
{
    /// <summary>Adds <paramref name="delta"/> atomically (wrapping on overflow, as <see cref="Interlocked.Add(ref int, int)"/> does).</summary>
    /// <returns>The new value.</returns>
    /// <exception cref="ObjectDisposedException">The value was disposed in this process.</exception>
    public static unsafe int Add(this SharedValue<int> value, int delta)
    {
        ArgumentNullException.ThrowIfNull(value);
        var result = Interlocked.Add(ref *(int*)value.Address, delta);
        GC.KeepAlive(value);
        return result;
    }

    /// <summary>Adds <paramref name="delta"/> atomically (wrapping on overflow, as <see cref="Interlocked.Add(ref long, long)"/> does).</summary>
    /// <returns>The new value.</returns>
    /// <exception cref="ObjectDisposedException">The value was disposed in this process.</exception>
    public static unsafe long Add(this SharedValue<long> value, long delta)
    {
        ArgumentNullException.ThrowIfNull(value);
        var result = Interlocked.Add(ref *(long*)value.Address, delta);
        GC.KeepAlive(value);
        return result;
    }

    /// <summary>Adds <paramref name="delta"/> atomically (a compare-and-swap loop).</summary>
    /// <returns>The new value.</returns>
    /// <exception cref="ObjectDisposedException">The value was disposed in this process.</exception>
    public static unsafe double Add(this SharedValue<double> value, double delta)
    {
        ArgumentNullException.ThrowIfNull(value);
        var p = (double*)value.Address;
        var current = Volatile.Read(ref *p);
        while (true)
        {
            var next = current + delta;
            var seen = Interlocked.CompareExchange(ref *p, next, current);
            // Compare bits, not values: NaN != NaN would loop forever.
            if (BitConverter.DoubleToInt64Bits(seen) == BitConverter.DoubleToInt64Bits(current))
            {
                GC.KeepAlive(value);
                return next;
            }
            current = seen;
        }
    }

    /// <summary>Sets the value to <paramref name="desired"/> if it is <paramref name="expected"/>, atomically.</summary>
    /// <returns>True when the value was <paramref name="expected"/> (and is now <paramref name="desired"/>).</returns>
    /// <exception cref="ObjectDisposedException">The value was disposed in this process.</exception>
    public static unsafe bool CompareExchange(this SharedValue<int> value, int expected, int desired)
    {
        ArgumentNullException.ThrowIfNull(value);
        var swapped = Interlocked.CompareExchange(ref *(int*)value.Address, desired, expected) == expected;
        GC.KeepAlive(value);
        return swapped;
    }

    /// <summary>Sets the value to <paramref name="desired"/> if it is <paramref name="expected"/>, atomically.</summary>
    /// <returns>True when the value was <paramref name="expected"/> (and is now <paramref name="desired"/>).</returns>
    /// <exception cref="ObjectDisposedException">The value was disposed in this process.</exception>
    public static unsafe bool CompareExchange(this SharedValue<long> value, long expected, long desired)
    {
        ArgumentNullException.ThrowIfNull(value);
        var swapped = Interlocked.CompareExchange(ref *(long*)value.Address, desired, expected) == expected;
        GC.KeepAlive(value);
        return swapped;
    }
}
