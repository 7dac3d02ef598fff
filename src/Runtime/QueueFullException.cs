namespace Multiproc;

/// <summary>Thrown by <see cref="ProcessQueue{T}.Put(T, TimeSpan)"/> and <see cref="ProcessQueue{T}.PutNowait"/> when the queue had no room (Python's <c>queue.Full</c>).</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class QueueFullException : Exception
{
    /// <summary>Creates the exception.</summary>
    public QueueFullException() : base("The queue is full.") { }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">What happened.</param>
    public QueueFullException(string message) : base(message) { }
}
