using System.Linq.Expressions;

namespace Multiproc;

/// <summary>A child OS process running one method call.</summary>
public sealed class ChildProcess : IDisposable
{
    /// <summary>Creates a process for a synchronous target.</summary>
    public ChildProcess(Expression<Action> target, string? name = null) => throw new NotImplementedException();
    /// <summary>Creates a process for an asynchronous target.</summary>
    public ChildProcess(Expression<Func<Task>> target, string? name = null) => throw new NotImplementedException();
    /// <summary>Name.</summary>
    public string Name { get; set; } = "";
    /// <summary>Daemon.</summary>
    public bool Daemon { get; set; }
    /// <summary>Pid.</summary>
    public int? Pid => throw new NotImplementedException();
    /// <summary>Exit code.</summary>
    public int? ExitCode => throw new NotImplementedException();
    /// <summary>Alive.</summary>
    public bool IsAlive => throw new NotImplementedException();
    /// <summary>Start.</summary>
    public void Start() => throw new NotImplementedException();
    /// <summary>Join.</summary>
    public void Join() => throw new NotImplementedException();
    /// <summary>Join.</summary>
    public bool Join(TimeSpan timeout) => throw new NotImplementedException();
    /// <summary>Join.</summary>
    public Task JoinAsync(CancellationToken cancellationToken = default) => throw new NotImplementedException();
    /// <summary>SIGTERM.</summary>
    public void Terminate() => throw new NotImplementedException();
    /// <summary>SIGKILL.</summary>
    public void Kill() => throw new NotImplementedException();
    /// <summary>Current.</summary>
    public static ChildProcess? Current => throw new NotImplementedException();
    /// <summary>Dispose.</summary>
    public void Dispose() => throw new NotImplementedException();
}

/// <summary>A lock shared between processes.</summary>
public sealed class ProcessLock : IDisposable
{
    /// <summary>Acquire.</summary>
    public void Acquire() => throw new NotImplementedException();
    /// <summary>TryAcquire.</summary>
    public bool TryAcquire(TimeSpan timeout) => throw new NotImplementedException();
    /// <summary>Release.</summary>
    public void Release() => throw new NotImplementedException();
    /// <summary>Hold.</summary>
    public LockScope Hold() => throw new NotImplementedException();
    /// <summary>Dispose.</summary>
    public void Dispose() => throw new NotImplementedException();
}

/// <summary>Scope.</summary>
public readonly struct LockScope : IDisposable
{
    /// <summary>Whether the previous holder died holding the lock.</summary>
    public bool Abandoned => false;
    /// <summary>Release.</summary>
    public void Dispose() { }
}
