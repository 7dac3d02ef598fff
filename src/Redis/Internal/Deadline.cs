using System.Diagnostics;

namespace Multiproc.Redis.Internal;

/// <summary>A point in time a wait must not pass (or none, for a wait as long as needed).</summary>
internal readonly struct Deadline
{
    private readonly long _start;
    private readonly TimeSpan? _timeout;

    private Deadline(TimeSpan? timeout)
    {
        _start = Stopwatch.GetTimestamp();
        _timeout = timeout;
    }

    /// <summary>A deadline <paramref name="timeout"/> from now; null or infinite: none.</summary>
    public static Deadline After(TimeSpan? timeout) =>
        new(timeout == Timeout.InfiniteTimeSpan ? null : timeout);

    /// <summary>Checks a caller's timeout: non-negative or <see cref="Timeout.InfiniteTimeSpan"/>.</summary>
    public static TimeSpan Check(TimeSpan timeout, string paramName) =>
        timeout >= TimeSpan.Zero || timeout == Timeout.InfiniteTimeSpan ? timeout
            : throw new ArgumentOutOfRangeException(paramName, timeout, "The timeout must be non-negative or Timeout.InfiniteTimeSpan.");

    public bool IsZero => _timeout == TimeSpan.Zero;

    public bool Expired => _timeout is { } t && Stopwatch.GetElapsedTime(_start) >= t;

    /// <summary>The time left, capped at <paramref name="cap"/>.</summary>
    public TimeSpan Left(TimeSpan cap)
    {
        if (_timeout is not { } t) return cap;
        var left = t - Stopwatch.GetElapsedTime(_start);
        if (left < TimeSpan.Zero) return TimeSpan.Zero;
        return left < cap ? left : cap;
    }
}
