using Multiproc.Internal;

namespace Multiproc;

/// <summary>
/// Python's <c>multiprocessing.Pipe(duplex)</c>: two connected ends in shared memory. Keep one end and pass the
/// other to a child process as a target argument.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public static class ProcessPipe
{
    /// <summary>Creates a pipe; this process holds both ends until it closes them.</summary>
    /// <typeparam name="T">The item type, encoded as <see cref="ProcessQueue{T}"/> encodes its items.</typeparam>
    /// <param name="duplex">True (the default): both ends send and receive. False: <c>Left</c> only receives and
    /// <c>Right</c> only sends, as in Python's <c>Pipe(duplex=False)</c>.</param>
    /// <returns>The two ends.</returns>
    public static (PipeEnd<T> Left, PipeEnd<T> Right) Create<T>(bool duplex = true)
    {
        var (left, right) = SharedPipe.Create(duplex);
        return (new PipeEnd<T>(left), new PipeEnd<T>(right));
    }
}
