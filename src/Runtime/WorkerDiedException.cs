namespace Multiproc;

/// <summary>
/// The worker process of a <see cref="ProcessPool"/> died while it ran this task (killed, <c>Environment.Exit</c>,
/// a crash such as a stack overflow). The task fails with this exception; the pool replaces the worker and
/// goes on with the other tasks. (CPython's <c>Pool</c> waits forever for such a task.)
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class WorkerDiedException : Exception
{
    /// <summary>Creates the exception for a worker that ended with <paramref name="exitCode"/>.</summary>
    /// <param name="exitCode">How the worker ended, as <see cref="ChildProcess.ExitCode"/> reports it (−N: killed by signal N).</param>
    /// <param name="pid">The worker's process id.</param>
    public WorkerDiedException(int? exitCode, int? pid)
        : base($"The pool worker process{(pid is { } p ? " " + p : "")} died while running this task ({Describe(exitCode)}); the pool replaced it.")
    {
        ExitCode = exitCode;
    }

    /// <summary>How the worker ended, as <see cref="ChildProcess.ExitCode"/> reports it: −9 after SIGKILL, the code passed to <c>Environment.Exit</c>, …; null when unknown.</summary>
    public int? ExitCode { get; }

    private static string Describe(int? code) => code switch
    {
        null => "exit code unknown",
        < 0 => $"killed by signal {-code}, exit code {code}",
        _ => $"exit code {code}",
    };
}
