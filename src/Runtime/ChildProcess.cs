using System.Linq.Expressions;
using Multiproc.Internal;
using Multiproc.Platform;

namespace Multiproc;

/// <summary>
/// A child OS process that runs one method call, like Python's <c>multiprocessing.Process</c>.
/// </summary>
/// <remarks>
/// <para>The target is an expression, <c>new ChildProcess(() =&gt; Worker(x, lk))</c>: a call to a static
/// method (or to an instance method of an object that can be sent). Its arguments are evaluated in the
/// parent when <see cref="Start"/> is called, sent to the child as JSON (Multiproc primitives such as
/// <see cref="ProcessLock"/> travel as handles) and bound to the method's parameters there. The primitives
/// sent stay alive for the child until it is reaped (see <see cref="Join()"/>), even when the parent disposes
/// its own copies right after <see cref="Start"/>.</para>
/// <para>The child is a real process with its own memory: a static field it writes is not seen by the
/// parent. Its stdout and stderr are the parent's; its stdin is /dev/null.</para>
/// <para>When the parent exits normally it terminates its daemon children and joins the others.
/// Daemon children also end, within a second, when the parent is killed outright.</para>
/// </remarks>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class ChildProcess : IDisposable
{
    private static int _counter;
    private static ChildProcess? _current;

    private readonly object _gate = new();
    private readonly MethodCallExpression? _call;
    private string _name;
    private bool _daemon;
    private SpawnedChild? _os;
    private int? _exitCode;
    private bool _isSelf;
    private bool _pidfdClosed;
    private bool _poolWorker; // a pool tops the spare pool up itself once it has ended, not as each worker is reaped
    // Shares in the segments of the primitives sent to the child, given up when it is reaped.
    private List<SegmentHold>? _holds;
    private TaskCompletionSource? _ended; // completed when reaped; created by the first JoinAsync

    /// <summary>Creates a process that will run <paramref name="target"/>, a call like <c>() =&gt; Worker(x)</c>.</summary>
    /// <param name="target">One method call whose arguments can be sent to another process.</param>
    /// <param name="name">The process name; <c>ChildProcess-N</c> when null.</param>
    /// <exception cref="ArgumentException">The target is not a single call to a named, non-generic method.</exception>
    public ChildProcess(Expression<Action> target, string? name = null)
        : this((LambdaExpression)target, name)
    {
    }

    /// <summary>Creates a process that will run an asynchronous <paramref name="target"/>; the child awaits the task.</summary>
    /// <param name="target">One call to a <see cref="Task"/>-returning method whose arguments can be sent to another process.</param>
    /// <param name="name">The process name; <c>ChildProcess-N</c> when null.</param>
    /// <exception cref="ArgumentException">The target is not a single call to a named, non-generic method.</exception>
    public ChildProcess(Expression<Func<Task>> target, string? name = null)
        : this((LambdaExpression)target, name)
    {
    }

    private ChildProcess(LambdaExpression target, string? name)
    {
        PlatformSupport.EnsureSupported();
        _call = TargetCall.Parse(target, nameof(target));
        _name = name ?? "ChildProcess-" + Interlocked.Increment(ref _counter);
    }

    private ChildProcess(string name, bool daemon)
    {
        _name = name;
        _daemon = daemon;
        _isSelf = true;
    }

    /// <summary>The process name, for messages and logs. Defaults to <c>ChildProcess-N</c>, N counting up in the creating process.</summary>
    public string Name
    {
        get => _name;
        set => _name = value ?? throw new ArgumentNullException(nameof(value));
    }

    /// <summary>
    /// Whether the child is a daemon: terminated when the parent exits (or dies) instead of joined.
    /// A daemon cannot start children of its own.
    /// </summary>
    /// <exception cref="InvalidOperationException">Set after <see cref="Start"/>.</exception>
    public bool Daemon
    {
        get => _daemon;
        set
        {
            lock (_gate)
            {
                if (_os is not null || _isSelf)
                    throw new InvalidOperationException($"Daemon cannot be set on process '{_name}' after Start(); set it before starting the process.");
                _daemon = value;
            }
        }
    }

    /// <summary>The child's OS process id; null before <see cref="Start"/>.</summary>
    public int? Pid => _isSelf ? Environment.ProcessId : _os?.Pid;

    /// <summary>
    /// Null while the child runs (or before it started); 0 after the target returned; 1 when the target
    /// threw (the exception is printed on the child's stderr); the value passed to <c>Environment.Exit</c>;
    /// −N when the child was killed by signal N (−15 after <see cref="Terminate"/>, −9 after <see cref="Kill"/>).
    /// </summary>
    public int? ExitCode
    {
        get
        {
            if (_os is not null && _exitCode is null) TryReap(0);
            return _exitCode;
        }
    }

    /// <summary>True from <see cref="Start"/> until the child has ended.</summary>
    public bool IsAlive
    {
        get
        {
            if (_isSelf) return true;
            if (_os is null) return false;
            return _exitCode is null && !TryReap(0);
        }
    }

    /// <summary>
    /// Inside a child started by Multiproc: that child (its <see cref="Name"/>, <see cref="Pid"/>,
    /// <see cref="Daemon"/>); null in a process Multiproc did not start.
    /// </summary>
    public static ChildProcess? Current => _current;

    /// <summary>The child's pidfd (readable once it has ended), for a pool watching its workers; −1 before Start() or once disposed.</summary>
    internal int PollFd => _os is null || _pidfdClosed ? -1 : _os.Pidfd;

    internal static void SetCurrent(string name, bool daemon) => _current = new ChildProcess(name, daemon);

    /// <summary>
    /// Evaluates the target's arguments, checks that each can be sent, and starts the child process.
    /// </summary>
    /// <exception cref="InvalidOperationException">The process was started already, or this process is a daemon.</exception>
    /// <exception cref="ArgumentException">An argument cannot be sent to another process; the message names it. No process is started.</exception>
    public void Start() => StartCore(poolWorker: false);

    /// <summary>
    /// Starts a pool's worker. The pre-started children it takes are not replaced now: new runtimes starting
    /// would compete with the pool's workers for the cores. The pool replaces them once it has ended.
    /// </summary>
    internal void StartPoolWorker() => StartCore(poolWorker: true);

    private void StartCore(bool poolWorker)
    {
        bool spawned;
        lock (_gate)
        {
            if (_isSelf)
                throw new InvalidOperationException("ChildProcess.Current describes this process; it cannot be started.");
            if (_os is not null)
                throw new InvalidOperationException($"Start() was called twice on process '{_name}'; a process can only be started once.");
            if (_current is { Daemon: true })
                throw new InvalidOperationException("daemon processes are not allowed to have children");

            // Pipe ends sent get a transit slot in their pipe, handed to the child's pid once it has the message.
            using var transit = PipeTransit.Begin();
            byte[] frame;
            List<SegmentHold> holds;
            using (var scope = SendScope.Begin())
            {
                var message = TargetCall.BuildMessage(_call!);
                message.Name = _name;
                message.Daemon = _daemon;
                message.WorkingDirectory = Environment.CurrentDirectory;
                frame = Wire.Frame(message);
                // The primitives sent stay alive for the child until it is reaped, even if the parent disposes its own copies at once.
                holds = scope.TakeHolds();
            }

            try
            {
                while (true)
                {
                    var os = SparePool.Take(out spawned);
                    try
                    {
                        LinuxNative.WriteAll(os.ControlFd, frame);
                    }
                    catch (IOException)
                    {
                        // The pre-started child died before it got its target: discard it and take another.
                        LinuxNative.close(os.ControlFd);
                        LinuxNative.close(os.Pidfd);
                        continue;
                    }
                    _os = os;
                    transit.Complete(os.Pid);
                    break;
                }
            }
            catch
            {
                foreach (var h in holds) h.Dispose();
                throw;
            }
            if (holds.Count > 0) _holds = holds;
            _poolWorker = poolWorker;
            Children.Add(this);
        }
        if (!poolWorker) SparePool.AfterStart(foundEmpty: spawned);
    }

    /// <summary>Waits until the child has ended. Returns at once if it has already.</summary>
    /// <exception cref="InvalidOperationException">The process was not started.</exception>
    public void Join() => Join(Timeout.InfiniteTimeSpan);

    /// <summary>Waits at most <paramref name="timeout"/> for the child to end.</summary>
    /// <returns>True when the child has ended; false when it is still running.</returns>
    /// <exception cref="InvalidOperationException">The process was not started.</exception>
    public bool Join(TimeSpan timeout)
    {
        EnsureStarted(nameof(Join));
        if (timeout < TimeSpan.Zero && timeout != Timeout.InfiniteTimeSpan)
            throw new ArgumentOutOfRangeException(nameof(timeout), timeout, "The timeout must be non-negative or Timeout.InfiniteTimeSpan.");
        if (_exitCode is not null) return true;
        var ms = timeout == Timeout.InfiniteTimeSpan ? -1 : (int)Math.Min(int.MaxValue, Math.Ceiling(timeout.TotalMilliseconds));
        // The parent is about to wait: a good time to pre-start (not for a pool's workers: the pool tops it up after it has ended).
        if (ms != 0 && !TryReap(0) && !_poolWorker) SparePool.BeforeWait();
        return TryReap(ms);
    }

    /// <summary>
    /// Waits asynchronously until the child has ended, without holding a thread: one watcher thread per process
    /// sleeps in poll(2) on the pidfds of every child awaited this way.
    /// </summary>
    /// <exception cref="InvalidOperationException">The process was not started.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled first.</exception>
    public Task JoinAsync(CancellationToken cancellationToken = default)
    {
        EnsureStarted(nameof(JoinAsync));
        if (_exitCode is not null || TryReap(0)) return Task.CompletedTask;
        if (cancellationToken.IsCancellationRequested) return Task.FromCanceled(cancellationToken);
        if (!_poolWorker) SparePool.BeforeWait(); // as Join: a pool tops the spares up itself once it has ended
        TaskCompletionSource ended;
        lock (_gate)
        {
            if (_exitCode is not null) return Task.CompletedTask;
            if (_ended is null)
            {
                // One watch per child, however many JoinAsync calls await it; a cancelled call leaves it in place (it
                // ends with the child). Under the gate: Dispose closes the pidfd under it, after unwatching it.
                _ended = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                ExitWatcher.Watch(_os!.Pidfd, OnPidfdReadable);
            }
            ended = _ended;
        }
        return cancellationToken.CanBeCanceled ? ended.Task.WaitAsync(cancellationToken) : ended.Task;
    }

    /// <summary>The exit watcher saw the pidfd readable: reap (which completes <see cref="_ended"/>), or watch again after a spurious report.</summary>
    private void OnPidfdReadable()
    {
        lock (_gate)
        {
            if (_exitCode is not null || _pidfdClosed) return;
        }
        if (TryReap(0)) return;
        lock (_gate)
        {
            if (_exitCode is null && !_pidfdClosed) ExitWatcher.Watch(_os!.Pidfd, OnPidfdReadable);
        }
    }

    /// <summary>Asks the child to end (SIGTERM); its <see cref="ExitCode"/> becomes −15. Does nothing once it has ended. Follow with <see cref="Join()"/>.</summary>
    /// <exception cref="InvalidOperationException">The process was not started.</exception>
    public void Terminate() => Signal(LinuxNative.SIGTERM, nameof(Terminate));

    /// <summary>Kills the child (SIGKILL); its <see cref="ExitCode"/> becomes −9. Does nothing once it has ended. Follow with <see cref="Join()"/>.</summary>
    /// <exception cref="InvalidOperationException">The process was not started.</exception>
    public void Kill() => Signal(LinuxNative.SIGKILL, nameof(Kill));

    private void Signal(int signal, string what)
    {
        EnsureStarted(what);
        lock (_gate)
        {
            if (_exitCode is not null) return;
            LinuxNative.PidfdSendSignal(_os!.Pidfd, signal); // a pidfd cannot hit a recycled pid
        }
    }

    private void EnsureStarted(string what)
    {
        if (_isSelf)
            throw new InvalidOperationException($"{what}() cannot be called on ChildProcess.Current (the process itself).");
        if (_os is null)
            throw new InvalidOperationException($"{what}() was called on process '{_name}' before Start(); start the process first.");
    }

    /// <summary>Waits up to <paramref name="timeoutMs"/> (−1: forever) for the child to end and reaps it.</summary>
    private unsafe bool TryReap(int timeoutMs)
    {
        var os = _os!;
        if (_exitCode is not null) return true;
        var pfd = new LinuxNative.PollFd { Fd = os.Pidfd, Events = LinuxNative.POLLIN };
        var deadline = timeoutMs < 0 ? long.MaxValue : Environment.TickCount64 + timeoutMs;
        // While this thread sleeps here, this process leaves its core to the spare pool (not during the reap after it),
        // and looks at the pool now and then (50 ms, then twice as long each time): cores may go idle while it waits.
        if (timeoutMs != 0) SparePool.ParentWaits(begins: true);
        var look = timeoutMs != 0 && !_poolWorker ? SparePool.WaitCheckFirstMs : -1;
        try
        {
            while (true)
            {
                var left = timeoutMs < 0 ? -1 : (int)Math.Max(0, deadline - Environment.TickCount64);
                var slice = look > 0 && (left < 0 || left > look) && SparePool.BelowSize ? look : left;
                var r = LinuxNative.poll(&pfd, 1, slice);
                if (r > 0) break;
                if (r == 0)
                {
                    if (slice == left) return false;
                    SparePool.WhileWaiting();
                    look = Math.Min(look * 2, SparePool.WaitCheckMaxMs);
                    continue;
                }
                if (LinuxNative.Errno != LinuxNative.EINTR) throw LinuxNative.Error("poll");
            }
        }
        finally
        {
            if (timeoutMs != 0) SparePool.ParentWaits(begins: false);
        }
        lock (_gate)
        {
            if (_exitCode is not null) return true;
            // The exit status, leaving the zombie in place (WNOWAIT): the reap itself comes later, off this thread
            // (see ZombieReaper: a reap right at the exit can spin in the kernel for milliseconds).
            var info = stackalloc byte[LinuxNative.SiginfoSize];
            int rc;
            do rc = LinuxNative.waitid(LinuxNative.P_PID, os.Pid, info, LinuxNative.WEXITED | LinuxNative.WNOWAIT);
            while (rc < 0 && LinuxNative.Errno == LinuxNative.EINTR);
            if (rc < 0) throw LinuxNative.Error("waitid");
            _exitCode = ExitCodeOf(*(int*)(info + LinuxNative.SiginfoCodeOffset), *(int*)(info + LinuxNative.SiginfoStatusOffset));
            ZombieReaper.Later(os.Pid);
            LinuxNative.close(os.ControlFd);
        }
        // The child can no longer attach what it was sent: give up the parent's shares (the last one removes the segment).
        if (Interlocked.Exchange(ref _holds, null) is { } holds)
            foreach (var h in holds) h.Dispose();
        // Killed by a signal: it could not let go of what it created or attached; whatever it was the last user of goes now.
        if (_exitCode < 0) SharedSegment.SweepUnused();
        Children.Remove(this, topUpSpares: !_poolWorker);
        // Last: whoever awaits JoinAsync sees the child reaped and its shares already given up.
        Volatile.Read(ref _ended)?.TrySetResult();
        return true;
    }

    /// <summary>The exit code as <see cref="ExitCode"/> gives it, from waitid's <c>si_code</c> and <c>si_status</c>: the code passed to exit, or −signal when a signal ended it.</summary>
    internal static int ExitCodeOf(int siCode, int siStatus) =>
        siCode == LinuxNative.CLD_EXITED ? siStatus & 0xff : -siStatus;

    /// <summary>
    /// Releases the handles of an ended child. A child that is still running is left running and is
    /// still joined (or, if a daemon, terminated) when this process exits.
    /// </summary>
    public void Dispose()
    {
        if (_os is null || (_exitCode is null && !TryReap(0))) return;
        lock (_gate)
        {
            // Every other use of the pidfd checks _exitCode first, so once reaped it is no longer needed.
            if (_pidfdClosed) return;
            _pidfdClosed = true;
            if (_ended is not null) ExitWatcher.Unwatch(_os.Pidfd);
            LinuxNative.close(_os.Pidfd);
        }
    }

    /// <inheritdoc />
    public override string ToString() =>
        $"<ChildProcess name='{_name}' {(_os is null ? "initial" : _exitCode is { } c ? $"stopped exitcode={c}" : $"started pid={_os.Pid}")}{(_daemon ? " daemon" : "")}>";
}
