namespace Multiproc.Internal;

/// <summary>
/// Decimal text of a number, written by hand: <c>long.ToString(CultureInfo.InvariantCulture)</c> initializes
/// globalization (loading ICU: ~100 page faults and milliseconds of CPU) in a process that had not used it yet,
/// and a child's first queue operation names a ring file this way.
/// </summary>
internal static class Digits
{
    /// <summary>What <c>value.ToString(CultureInfo.InvariantCulture)</c> returns.</summary>
    public static string Format(long value)
    {
        if (value == long.MinValue) return "-9223372036854775808";
        Span<char> buffer = stackalloc char[20];
        var magnitude = (ulong)Math.Abs(value);
        var at = buffer.Length;
        do
        {
            buffer[--at] = (char)('0' + (int)(magnitude % 10));
            magnitude /= 10;
        }
        while (magnitude != 0);
        if (value < 0) buffer[--at] = '-';
        return new string(buffer[at..]);
    }
}
