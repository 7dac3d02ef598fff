namespace Multiproc;

/// <summary>Thrown by <see cref="ProcessQueue{T}.Get(TimeSpan)"/> and <see cref="ProcessQueue{T}.GetNowait"/> when no item came (Python's <c>queue.Empty</c>).</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class QueueEmptyException : Exception
{
    /// <summary>Creates the exception.</summary>
    public QueueEmptyException() : base("The queue is empty.") { }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">What happened.</param>
    public QueueEmptyException(string message) : base(message) { }
}
