namespace Multiproc.Redis;

/// <summary>Tuning for <see cref="RedisLock"/>.</summary>
public sealed class RedisLockOptions
{
    private TimeSpan _leaseTime = TimeSpan.FromSeconds(10);
    private TimeSpan _pollInterval = TimeSpan.FromMilliseconds(20);
    private TimeSpan _connectionLossTimeout = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long the lock stays taken after its holder stopped renewing it (died, or lost the server). A live
    /// holder renews the lease every third of this time. Default 10 s; at least 100 ms.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">Less than 100 ms.</exception>
    public TimeSpan LeaseTime
    {
        get => _leaseTime;
        set => _leaseTime = value >= TimeSpan.FromMilliseconds(100) ? value
            : throw new ArgumentOutOfRangeException(nameof(LeaseTime), value, "The lease time must be at least 100 ms.");
    }

    /// <summary>The longest pause between two attempts to take a taken lock (they start at 1 ms and double). Default 20 ms; between 1 ms and 10 s.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Outside 1 ms to 10 s.</exception>
    public TimeSpan PollInterval
    {
        get => _pollInterval;
        set => _pollInterval = value >= TimeSpan.FromMilliseconds(1) && value <= TimeSpan.FromSeconds(10) ? value
            : throw new ArgumentOutOfRangeException(nameof(PollInterval), value, "The poll interval must be between 1 ms and 10 s.");
    }

    /// <summary>How long a call keeps retrying while the server cannot be reached before it throws <see cref="RedisUnavailableException"/>. Default 10 s.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Negative.</exception>
    public TimeSpan ConnectionLossTimeout
    {
        get => _connectionLossTimeout;
        set => _connectionLossTimeout = value >= TimeSpan.Zero ? value
            : throw new ArgumentOutOfRangeException(nameof(ConnectionLossTimeout), value, "The connection loss timeout must not be negative.");
    }

    internal RedisLockOptions Clone() => (RedisLockOptions)MemberwiseClone();
}
