namespace Multiproc.Analyzers;

/// <summary>The ids of every Multiproc rule, in one place.</summary>
internal static class RuleIdentifiers
{
    public const string UnlockedFileReadModifyWrite = "MP0001";
    public const string LockNotReleased = "MP0002";
    public const string ProcessNotJoined = "MP0003";
    public const string DaemonSetAfterStart = "MP0004";
    public const string QueueSizeCheckDecides = "MP0005";
    public const string MissingTaskDone = "MP0006";
    public const string InProcessSynchronizerSentToChild = "MP0007";
    public const string UnsendableArgument = "MP0008";
    public const string StaticStateWrittenInChild = "MP0009";
    public const string TerminatedNotJoined = "MP0010";
    public const string EndlessConsumerNotDaemon = "MP0011";
    public const string StartTwiceOrJoinBeforeStart = "MP0012";
    public const string DaemonStartsChildren = "MP0013";
    public const string TargetCannotRunInChild = "MP0014";
    public const string PoolNotDisposed = "MP0015";
    public const string UnlockedSharedReadModifyWrite = "MP0016";
    public const string PipeEndSharedByProcesses = "MP0017";
    public const string ConditionWaitOutsideLoop = "MP0018";
    public const string TaskDoneNotInFinally = "MP0019";

    public static string HelpLink(string id) =>
        "https://github.com/multiproc/multiproc/blob/main/docs/rules/" + id + ".md";
}
