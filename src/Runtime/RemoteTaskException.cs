namespace Multiproc;

/// <summary>
/// A task of a <see cref="ProcessPool"/> threw in its worker process. Thrown in the caller (by
/// <see cref="ProcessPool.Map{T, TResult}"/>, <see cref="ProcessPool.Apply{TResult}"/>, the tasks of their async
/// forms and the enumerators of <see cref="ProcessPool.Imap{T, TResult}"/>), carrying what the worker saw: the
/// exception's type name, message and stack trace, as text. No type is loaded from what the worker sent.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class RemoteTaskException : Exception
{
    /// <summary>Creates the exception for a task whose worker threw <paramref name="remoteType"/>.</summary>
    /// <param name="remoteType">The full name of the exception type the task threw in the worker.</param>
    /// <param name="remoteMessage">That exception's message.</param>
    /// <param name="remoteStackTrace">That exception's stack trace in the worker.</param>
    public RemoteTaskException(string remoteType, string remoteMessage, string remoteStackTrace)
        : base($"{remoteType}: {remoteMessage}")
    {
        RemoteType = remoteType;
        RemoteMessage = remoteMessage;
        RemoteStackTrace = remoteStackTrace;
    }

    /// <summary>The full name of the exception type the task threw in the worker, such as <c>System.InvalidOperationException</c>.</summary>
    public string RemoteType { get; }

    /// <summary>The message of the exception the task threw in the worker.</summary>
    public string RemoteMessage { get; }

    /// <summary>The stack trace of the exception in the worker process (empty when it had none).</summary>
    public string RemoteStackTrace { get; }

    /// <inheritdoc />
    public override string ToString() =>
        base.ToString() + Environment.NewLine + "--- Remote stack trace (in the worker process) ---" + Environment.NewLine + RemoteStackTrace;
}
