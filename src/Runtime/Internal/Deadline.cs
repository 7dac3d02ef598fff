using System.Diagnostics;

namespace Multiproc.Internal;

/// <summary>A timeout argument turned into a point in time, for waits that sleep in several slices.</summary>
internal readonly struct Deadline
{
    private readonly long _end; // Stopwatch ticks; long.MaxValue: never

    private Deadline(long end) => _end = end;

    public static Deadline Never => new(long.MaxValue);

    /// <summary>
    /// Checks a public timeout argument (non-negative or <see cref="Timeout.InfiniteTimeSpan"/>) and starts it.
    /// </summary>
    public static Deadline From(TimeSpan timeout, string paramName = "timeout")
    {
        if (timeout == Timeout.InfiniteTimeSpan) return Never;
        if (timeout < TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(paramName, timeout, "The timeout must be non-negative or Timeout.InfiniteTimeSpan.");
        var now = Stopwatch.GetTimestamp();
        var span = timeout.Ticks * (Stopwatch.Frequency / (double)TimeSpan.TicksPerSecond);
        return span >= long.MaxValue - now ? Never : new(now + (long)span); // TimeSpan.MaxValue: as good as never
    }

    public static Deadline From(TimeSpan? timeout, string paramName = "timeout") => timeout is { } t ? From(t, paramName) : Never;

    public bool IsNever => _end == long.MaxValue;

    /// <summary>Time left (zero once passed); null when there is no deadline.</summary>
    public TimeSpan? Left
    {
        get
        {
            if (IsNever) return null;
            var ticks = _end - Stopwatch.GetTimestamp();
            return ticks <= 0 ? TimeSpan.Zero : TimeSpan.FromTicks((long)(ticks * (TimeSpan.TicksPerSecond / (double)Stopwatch.Frequency)));
        }
    }

    public bool Passed => !IsNever && Stopwatch.GetTimestamp() >= _end;

    /// <summary>The next sleep: <paramref name="slice"/> or what is left, whichever is shorter.</summary>
    public TimeSpan? Slice(TimeSpan? slice)
    {
        var left = Left;
        if (left is null) return slice;
        if (slice is null) return left;
        return left < slice ? left : slice;
    }
}
