namespace Multiproc;

/// <summary>
/// Thrown by <see cref="ProcessBarrier.Wait()"/> when the barrier is broken: a wait timed out,
/// <see cref="ProcessBarrier.Abort"/> or <see cref="ProcessBarrier.Reset"/> was called while parties waited, or
/// a waiting party's process died (Python's <c>BrokenBarrierError</c>).
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class BrokenBarrierException : Exception
{
    /// <summary>Creates the exception with a default message.</summary>
    public BrokenBarrierException()
        : base("The ProcessBarrier is broken.")
    {
    }

    /// <summary>Creates the exception with <paramref name="message"/>.</summary>
    public BrokenBarrierException(string message)
        : base(message)
    {
    }
}
