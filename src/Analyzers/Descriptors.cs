namespace Multiproc.Analyzers;

/// <summary>Every diagnostic descriptor Multiproc reports, in one place.</summary>
internal static class Descriptors
{
    private const string Concurrency = "Concurrency";
    private const string Usage = "Usage";

    private static DiagnosticDescriptor Rule(string id, string title, string message, string category, string description,
        DiagnosticSeverity severity = DiagnosticSeverity.Warning) =>
        new(id, title, message, category, severity, isEnabledByDefault: true, description, RuleIdentifiers.HelpLink(id));

    /// <summary>A descriptor reported from a compilation-end action (tagged so that IDEs know it needs the whole compilation).</summary>
    private static DiagnosticDescriptor CompilationEndRule(string id, string title, string message, string category, string description) =>
        new(id, title, message, category, DiagnosticSeverity.Warning, isEnabledByDefault: true, description, RuleIdentifiers.HelpLink(id),
            WellKnownDiagnosticTags.CompilationEnd);

    public static readonly DiagnosticDescriptor MP0001_UnlockedReadModifyWrite = CompilationEndRule(
        RuleIdentifiers.UnlockedFileReadModifyWrite,
        "Shared file read, modified and written back without a process lock",
        "File '{0}' is read and written back without a ProcessLock held around both; concurrent processes lose updates",
        Concurrency,
        "Code that runs in child processes reads a file, changes the data and writes it back. Without a cross-process lock held from the read to the write, two processes can read the same value and one update is lost (the tutorial's oversold tickets).");

    public static readonly DiagnosticDescriptor MP0001_CSharpLockOnly = CompilationEndRule(
        RuleIdentifiers.UnlockedFileReadModifyWrite,
        "Shared file read, modified and written back without a process lock",
        "File '{0}' is read and written back under a C# 'lock', which only excludes threads of one process; hold a ProcessLock instead",
        Concurrency,
        "A C# lock statement excludes threads of one process only; every child process has its own copy of the lock object.");

    /// <summary>
    /// MP0001 reported from a type's symbol-end action (the target and what it reaches are in that type): the same id and
    /// text without the CompilationEnd tag, so that per-document analysis (the IDE's open files) shows it.
    /// </summary>
    public static readonly DiagnosticDescriptor MP0001_UnlockedReadModifyWriteInType = Rule(
        RuleIdentifiers.UnlockedFileReadModifyWrite, MP0001_UnlockedReadModifyWrite.Title.ToString(),
        MP0001_UnlockedReadModifyWrite.MessageFormat.ToString(), Concurrency, MP0001_UnlockedReadModifyWrite.Description.ToString());

    /// <summary>MP0001's C# lock message from a type's symbol-end action (see <see cref="MP0001_UnlockedReadModifyWriteInType"/>).</summary>
    public static readonly DiagnosticDescriptor MP0001_CSharpLockOnlyInType = Rule(
        RuleIdentifiers.UnlockedFileReadModifyWrite, MP0001_CSharpLockOnly.Title.ToString(),
        MP0001_CSharpLockOnly.MessageFormat.ToString(), Concurrency, MP0001_CSharpLockOnly.Description.ToString());

    public static readonly DiagnosticDescriptor MP0002_LockNotReleased = Rule(
        RuleIdentifiers.LockNotReleased,
        "Lock acquired and not released on every path",
        "'{0}' is acquired here and not released on every path",
        Concurrency,
        "A lock that is not released on some path blocks every other thread or process that needs it.");

    public static readonly DiagnosticDescriptor MP0002_LockNotReleasedOnException = Rule(
        RuleIdentifiers.LockNotReleased,
        "Lock acquired and not released on every path",
        "'{0}' is not released if an exception is thrown before the release; release it in a finally block",
        Concurrency,
        "A release that is not in a finally block is skipped when the code between acquire and release throws.");

    public static readonly DiagnosticDescriptor MP0003_ProcessNotJoined = Rule(
        RuleIdentifiers.ProcessNotJoined,
        "Child process started and never joined",
        "Child process '{0}' is started and not joined on every path",
        Usage,
        "A started ChildProcess that is never joined is left running (and, once it ends, unreaped) while the parent goes on; join it, hand it on, or make it a daemon.");

    public static readonly DiagnosticDescriptor MP0004_DaemonSetAfterStart = Rule(
        RuleIdentifiers.DaemonSetAfterStart,
        "Daemon set after Start()",
        "'{0}.Daemon' is set after '{0}.Start()'; it throws InvalidOperationException at run time",
        Usage,
        "Whether a process is a daemon is fixed when it starts; set Daemon before Start().");

    public static readonly DiagnosticDescriptor MP0005_QueueSizeCheckDecides = Rule(
        RuleIdentifiers.QueueSizeCheckDecides,
        "Queue size check decides whether to Get or Put",
        "'{0}.{1}' is stale as soon as it is read; another process can empty or fill '{0}' before '{2}' runs; use '{3}'",
        Concurrency,
        "IsEmpty, IsFull and Count of a ProcessQueue are snapshots; use TryGet/TryPut, which check and act in one step.");

    public static readonly DiagnosticDescriptor MP0006_MissingTaskDone = Rule(
        RuleIdentifiers.MissingTaskDone,
        "Item taken from a JoinableQueue without TaskDone() on every path",
        "An item taken from '{0}' is not matched by '{0}.TaskDone()' on every path; '{0}.Join()' will hang",
        Usage,
        "JoinableQueue.Join() waits until every item put has been marked done; an item taken without TaskDone() makes it wait forever.");

    public static readonly DiagnosticDescriptor MP0007_InProcessSynchronizerSentToChild = Rule(
        RuleIdentifiers.InProcessSynchronizerSentToChild,
        "In-process synchronizer passed to a child process",
        "'{0}' ({1}) is passed to a child process; each child gets its own copy, so nothing is synchronized across processes; use a {2}",
        Concurrency,
        "Monitor locks, System.Threading.Lock, SemaphoreSlim, Semaphore, unnamed Mutex, ReaderWriterLockSlim, the reset events, Barrier and CountdownEvent only synchronize threads of one process; Multiproc has a cross-process counterpart for each.");

    public static readonly DiagnosticDescriptor MP0008_UnsendableArgument = Rule(
        RuleIdentifiers.UnsendableArgument,
        "Argument cannot be sent to a child process",
        "Argument '{0}' of type '{1}' cannot be sent to a child process: {2}",
        Usage,
        "Arguments of a child target are serialized in the parent and rebuilt in the child; delegates, streams, tasks, pointers and types that do not round-trip through System.Text.Json cannot be sent.");

    public static readonly DiagnosticDescriptor MP0009_StaticStateWrittenInChild = Rule(
        RuleIdentifiers.StaticStateWrittenInChild,
        "Child process writes static state the parent reads",
        "'{0}' is written in child process target '{1}' and read by the parent after it joins; the parent never sees the change; send results back through a ProcessQueue",
        Usage,
        "Each process has its own memory; a static written in a child is not seen by the parent.");

    public static readonly DiagnosticDescriptor MP0010_TerminatedNotJoined = Rule(
        RuleIdentifiers.TerminatedNotJoined,
        "Terminate() or Kill() not followed by Join()",
        "'{0}.{1}()' is not followed by '{0}.Join()' on every path; the child stays a zombie and IsAlive may still be true",
        Usage,
        "Terminate() and Kill() only send a signal; Join() waits for the child to end and reaps it.");

    public static readonly DiagnosticDescriptor MP0011_EndlessConsumerNotDaemon = Rule(
        RuleIdentifiers.EndlessConsumerNotDaemon,
        "Endless consumer loop run by a non-daemon child",
        "Child process '{0}' runs '{1}', whose loop never exits, and is not a daemon; the program never ends",
        Usage,
        "The parent joins non-daemon children when it exits; a child that loops forever keeps the program alive.");

    public static readonly DiagnosticDescriptor MP0012_StartTwiceOrJoinBeforeStart = Rule(
        RuleIdentifiers.StartTwiceOrJoinBeforeStart,
        "Start() twice or Join() before Start()",
        "'{0}.{1}()' is called {2}; it throws InvalidOperationException at run time",
        Usage,
        "A ChildProcess can be started once, and joined only after it was started.");

    public static readonly DiagnosticDescriptor MP0013_DaemonStartsChildren = Rule(
        RuleIdentifiers.DaemonStartsChildren,
        "Daemon child starts child processes",
        "Daemon child process '{0}' runs '{1}', which starts child processes; daemon processes are not allowed to have children",
        Usage,
        "A daemon is terminated when its parent exits and would orphan its own children; Start() inside a daemon throws InvalidOperationException.");

    public static readonly DiagnosticDescriptor MP0014_TargetCannotRunInChild = Rule(
        RuleIdentifiers.TargetCannotRunInChild,
        "Target cannot run in a child process",
        "{0}",
        Usage,
        "A ChildProcess target or a ProcessPool function is sent to another process as a method and argument values: it must be one call to a named, non-generic method, with no ref/out parameters, on a receiver that can be sent (a pool function: a static method taking the item itself). Anything else throws ArgumentException at run time.",
        DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor MP0015_PoolNotDisposed = Rule(
        RuleIdentifiers.PoolNotDisposed,
        "ProcessPool not disposed on every path",
        "'{0}' is created here and not disposed (nor closed and joined) on every path; its worker processes keep running",
        Usage,
        "A ProcessPool starts worker processes; Dispose() (or Close() then Join(), or Terminate() then Join()) ends them. A pool left open keeps its workers until the parent exits.");

    public static readonly DiagnosticDescriptor MP0016_UnlockedSharedReadModifyWrite = CompilationEndRule(
        RuleIdentifiers.UnlockedSharedReadModifyWrite,
        "Shared value read, modified and written back without a lock",
        "'{0}' is read, modified and written back without a lock held; concurrent processes lose updates; use {1}",
        Concurrency,
        "Each single read or write of a SharedValue or SharedArray element is atomic, a read-modify-write (+=, ++, v.Value = v.Value * 2) is not: two processes read the same value and one update is lost. Use the atomic Add, or hold the value's Lock around the read and the write.");

    public static readonly DiagnosticDescriptor MP0017_PipeEndSharedByProcesses = Rule(
        RuleIdentifiers.PipeEndSharedByProcesses,
        "One pipe end used by more than one process",
        "Pipe end '{0}' {1}; a pipe end belongs to one process at a time: give each process its own pipe, or use a ProcessQueue",
        Concurrency,
        "A PipeEnd used by two processes at once refuses the second one (InvalidOperationException); Python's Connection corrupts the data. Keep one end per process: pass one end to the child, keep (or close) the other.");

    public static readonly DiagnosticDescriptor MP0018_ConditionWaitOutsideLoop = Rule(
        RuleIdentifiers.ConditionWaitOutsideLoop,
        "ProcessCondition.Wait() not inside a loop that re-checks the condition",
        "'{0}.{1}' is not inside a loop that re-checks the condition; a spurious or stolen wake-up proceeds on a false condition; {2}",
        Concurrency,
        "A notified waiter re-acquires the lock after the notifier released it; another process can change the state in between, and a timed wait can end with nothing notified. Re-check the condition in a loop, or let WaitFor do it.");

    public static readonly DiagnosticDescriptor MP0019_TaskDoneNotInFinally = Rule(
        RuleIdentifiers.TaskDoneNotInFinally,
        "TaskDone() not in finally",
        "TaskDone() not in finally: an exception between Get() and '{0}.TaskDone()' makes '{0}.Join()' wait forever",
        Usage,
        "The work between taking an item from a JoinableQueue and TaskDone() can throw; the exception skips TaskDone() and JoinableQueue.Join() then waits forever. Call TaskDone() in a finally block.",
        DiagnosticSeverity.Info);
}
