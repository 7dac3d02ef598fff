namespace Multiproc.Redis;

/// <summary>
/// Tuning for <see cref="RedisQueue{T}"/> and <see cref="RedisJoinableQueue{T}"/>. Every member has a default
/// that suits a queue of work items; the figures behind each choice are in the package README.
/// </summary>
public sealed class RedisQueueOptions
{
    private TimeSpan _visibilityTimeout = TimeSpan.FromSeconds(30);
    private int _readBatchSize = 1;
    private TimeSpan _pollInterval = TimeSpan.FromMilliseconds(20);
    private TimeSpan _connectionLossTimeout = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long an item may stay taken and unacknowledged by a consumer that stopped renewing it (a consumer
    /// that died, or lost its connection) before it is delivered again to another consumer. A live consumer
    /// renews the items it holds every third of this time, so a slow task is not redelivered while its
    /// consumer lives. Default 30 s; at least 100 ms.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">Less than 100 ms.</exception>
    public TimeSpan VisibilityTimeout
    {
        get => _visibilityTimeout;
        set => _visibilityTimeout = value >= TimeSpan.FromMilliseconds(100) ? value
            : throw new ArgumentOutOfRangeException(nameof(VisibilityTimeout), value, "The visibility timeout must be at least 100 ms.");
    }

    /// <summary>
    /// How many items one read takes from the server (<c>XREADGROUP COUNT n</c>). Items read ahead wait in
    /// this process, invisible to other consumers, until a <c>Get</c> hands them out (they are renewed, and
    /// returned to the queue on <c>Dispose</c>); a consumer that dies with items read ahead has them
    /// redelivered after <see cref="VisibilityTimeout"/>. Default 1 (items go to whichever consumer asks
    /// first, as with <c>ProcessQueue</c>); raise it (the benchmark uses 256) for throughput.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">Less than 1 or more than 10,000.</exception>
    public int ReadBatchSize
    {
        get => _readBatchSize;
        set => _readBatchSize = value is >= 1 and <= 10_000 ? value
            : throw new ArgumentOutOfRangeException(nameof(ReadBatchSize), value, "The read batch size must be between 1 and 10,000.");
    }

    /// <summary>
    /// Whether a consumer reads its next batch in the background: with <see cref="ReadBatchSize"/> n above 1, once
    /// a <c>Get</c> leaves n/2 items or fewer read ahead, the next <c>XREADGROUP … COUNT n</c> is sent without
    /// waiting for its reply, so a busy consumer finds the next batch there when it has handed out this one
    /// instead of waiting a round trip. A consumer then holds up to about 1.5 n items read ahead (renewed, and given back on
    /// <c>Dispose</c>, like the others; a <c>Dispose</c> during a read waits for it and gives its items back too).
    /// After a read finds the queue empty, none starts until a <c>Get</c> finds items again. Default false (each
    /// read is made when the read-ahead is empty); the benchmark turns it on.
    /// </summary>
    public bool Prefetch { get; set; }

    /// <summary>
    /// The longest pause between two reads of an empty queue (and between two checks of a full queue, a taken
    /// lock or <c>Join</c>'s counter). Waits poll the server, starting at 1 ms and doubling up to this; so an
    /// idle consumer sees a new item within this time and costs the server at most one small command per
    /// interval. Default 20 ms; between 1 ms and 10 s.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">Outside 1 ms to 10 s.</exception>
    public TimeSpan PollInterval
    {
        get => _pollInterval;
        set => _pollInterval = value >= TimeSpan.FromMilliseconds(1) && value <= TimeSpan.FromSeconds(10) ? value
            : throw new ArgumentOutOfRangeException(nameof(PollInterval), value, "The poll interval must be between 1 ms and 10 s.");
    }

    /// <summary>
    /// How long a call keeps retrying while the server cannot be reached (connection lost, server restarting
    /// or loading its append-only file) before it throws <see cref="RedisUnavailableException"/>. Each attempt
    /// is itself bounded by the connection's <c>syncTimeout</c>/<c>asyncTimeout</c>, so a call fails at the
    /// latest about this plus one of those timeouts after the server went away. Default 10 s; zero fails at
    /// the first error.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">Negative.</exception>
    public TimeSpan ConnectionLossTimeout
    {
        get => _connectionLossTimeout;
        set => _connectionLossTimeout = value >= TimeSpan.Zero ? value
            : throw new ArgumentOutOfRangeException(nameof(ConnectionLossTimeout), value, "The connection loss timeout must not be negative.");
    }

    internal RedisQueueOptions Clone() => (RedisQueueOptions)MemberwiseClone();
}
