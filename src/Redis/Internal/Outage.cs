using System.Diagnostics;
using StackExchange.Redis;

namespace Multiproc.Redis.Internal;

/// <summary>Tracks how long a call has been failing to reach the server, and decides when to give up.</summary>
internal struct Outage
{
    private long _since;

    /// <summary>Errors worth retrying: the server is unreachable, timed out, or is loading its data.</summary>
    public static bool IsTransient(Exception e) => e switch
    {
        RedisConnectionException => true,
        RedisTimeoutException => true,
        RedisServerException s => s.Message.StartsWith("LOADING", StringComparison.Ordinal)
                                  || s.Message.StartsWith("BUSY", StringComparison.Ordinal)
                                  || s.Message.StartsWith("MASTERDOWN", StringComparison.Ordinal),
        _ => false,
    };

    /// <summary>
    /// Records a transient failure. Throws <see cref="RedisUnavailableException"/> once the failures have lasted
    /// longer than <paramref name="limit"/> or the caller's deadline passed; otherwise returns the pause before
    /// the next attempt.
    /// </summary>
    public TimeSpan Failed(Exception error, TimeSpan limit, Deadline deadline, string what)
    {
        if (_since == 0) _since = Stopwatch.GetTimestamp();
        var failing = Stopwatch.GetElapsedTime(_since);
        if (failing >= limit || deadline.Expired)
            throw new RedisUnavailableException(
                $"The Redis server could not be reached for {failing.TotalSeconds:0.0} s while {what}: {error.Message}", error);
        var pause = TimeSpan.FromMilliseconds(100);
        var left = limit - failing;
        return left < pause ? left : pause;
    }

    public void Succeeded() => _since = 0;
}
