namespace Multiproc.Analyzers;

/// <summary>
/// Which of <see cref="MultiprocAnalyzer"/>'s per-invocation checks may care about a call, by the invoked method's name
/// alone: one switch per invocation instead of one name test per rule (most calls of real code, <c>Add</c>,
/// <c>Select</c>, <c>ToString</c> …, match none and go no further). Each bit is a superset of the names its rule's own
/// check accepts; the rule still checks the name and the type itself. A rule that starts to look at a new name adds it
/// here (<c>CallNamesTests</c> compares every bit with its rule's own name test).
/// </summary>
internal static class CallNames
{
    /// <summary>MP0013: <c>ChildProcess.Start()</c> (<see cref="ChildProcessSites.IsStart"/>).</summary>
    public const int Start = 1;
    /// <summary>MP0007: the <c>Monitor</c> methods that use an object as a lock.</summary>
    public const int Monitor = 2;
    /// <summary>MP0001: the <c>File</c> methods that read or write a file.</summary>
    public const int File = 4;
    /// <summary>MP0005: a Get or Put of a queue (<see cref="QueueSizeCheck.FlagsOf"/>).</summary>
    public const int Queue = 8;
    /// <summary>MP0014: the <c>ProcessPool</c> calls that take a function (<see cref="TargetCannotRunInChild.IsPoolCallName"/>).</summary>
    public const int Pool = 16;
    /// <summary>MP0018: <c>ProcessCondition.Wait</c> and <c>WaitAsync</c>.</summary>
    public const int Wait = 32;
    /// <summary>The per-body gates of MP0003, MP0006, MP0010, MP0011, MP0012 and MP0019: Start/Join/Terminate/Kill and the takes.</summary>
    public const int Gate = 64;

    /// <summary>The checks that may care about a call of a method named <paramref name="name"/>; 0 for most names.</summary>
    public static int Of(string name) => name switch
    {
        "Start" => Start | Gate,
        "Join" or "JoinAsync" or "Terminate" or "Kill" or "TryGet" => Gate,
        "Get" or "GetNowait" or "GetAsync" => Queue | Gate,
        "Put" or "PutNowait" or "PutAsync" => Queue,
        "Wait" => Wait | Monitor,
        "WaitAsync" => Wait,
        "Enter" or "TryEnter" or "Exit" or "Pulse" or "PulseAll" => Monitor,
        "ReadAllText" or "ReadAllTextAsync" or "ReadAllBytes" or "ReadAllBytesAsync" or "ReadAllLines" or "ReadAllLinesAsync"
            or "ReadLines" or "ReadLinesAsync" or "OpenRead" or "OpenText"
            or "WriteAllText" or "WriteAllTextAsync" or "WriteAllBytes" or "WriteAllBytesAsync" or "WriteAllLines" or "WriteAllLinesAsync"
            or "Create" or "CreateText" or "OpenWrite" or "Open" => File,
        "Apply" or "ApplyAsync" or "Map" or "MapAsync" or "Imap" or "ImapUnordered" => Pool,
        _ => 0,
    };
}
