namespace Multiproc.Redis;

/// <summary>
/// Thrown by the Redis-backed queues and lock when the server could not be reached for longer than the
/// <see cref="RedisQueueOptions.ConnectionLossTimeout"/> (or <see cref="RedisLockOptions.ConnectionLossTimeout"/>)
/// of the call. <see cref="Exception.InnerException"/> is StackExchange.Redis's last error. Nothing taken is lost:
/// an item read and not handed out, or handed out and not acknowledged, is delivered again after the
/// visibility timeout.
/// </summary>
public sealed class RedisUnavailableException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What was being done and for how long the server was unreachable.</param>
    /// <param name="innerException">The client's last error.</param>
    public RedisUnavailableException(string message, Exception? innerException) : base(message, innerException) { }
}
