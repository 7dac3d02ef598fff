namespace Multiproc.Analyzers.Tests;

/// <summary>
/// <c>CallNames</c>, the one name switch <c>MultiprocAnalyzer</c> runs per invocation before any rule's own check: every
/// name a rule's own test accepts has that rule's bit (else the rule would no longer see the call), and names no rule
/// looks at get none.
/// </summary>
public class CallNamesTests
{
    /// <summary>The names the rules look at, and look-alikes of them.</summary>
    private static readonly string[] Names =
    {
        "Start", "Join", "JoinAsync", "Terminate", "Kill", "Get", "GetNowait", "GetAsync", "TryGet", "Put", "PutNowait", "PutAsync",
        "Wait", "Enter", "TryEnter", "Exit", "Pulse", "PulseAll",
        "ReadAllText", "ReadAllTextAsync", "ReadAllBytes", "ReadAllBytesAsync", "ReadAllLines", "ReadAllLinesAsync", "ReadLines",
        "ReadLinesAsync", "OpenRead", "OpenText", "WriteAllText", "WriteAllTextAsync", "WriteAllBytes", "WriteAllBytesAsync",
        "WriteAllLines", "WriteAllLinesAsync", "Create", "CreateText", "OpenWrite", "Open",
        "Apply", "ApplyAsync", "Map", "MapAsync", "Imap", "ImapUnordered",
        "WaitAsync",
        "Starts", "start", "Joined", "Gets", "TryPut", "WaitFor", "Exits", "ReadAllTextAsyncs", "Opened", "Maps",
        "Add", "Select", "ToString", "WriteLine", "", "TaskDone", "Release", "Acquire",
    };

    private static bool Has(string name, int bit) => (CallNames.Of(name) & bit) != 0;

    [Fact]
    public void EveryNameARuleAcceptsHasItsBit()
    {
        foreach (var name in Names)
        {
            if (name == "Start") Assert.True(Has(name, CallNames.Start), name);                            // MP0013, MP0003
            if (InProcessSynchronizer.IsMonitorMethodName(name)) Assert.True(Has(name, CallNames.Monitor), name);   // MP0007
            if (UnlockedFileReadModifyWrite.FileCallsByName(name) != UnlockedFileReadModifyWrite.FileCalls.None)
                Assert.True(Has(name, CallNames.File), name);                                            // MP0001
            if (QueueSizeCheck.IsGet(name) || QueueSizeCheck.IsPut(name)) Assert.True(Has(name, CallNames.Queue), name);   // MP0005
            if (TargetCannotRunInChild.IsPoolCallName(name)) Assert.True(Has(name, CallNames.Pool), name); // MP0014
            if (name is "Wait" or "WaitAsync") Assert.True(Has(name, CallNames.Wait), name);               // MP0018
            // The per-body gates: MP0003/MP0012 (Start, Join, JoinAsync), MP0010 (Terminate, Kill), the takes (MP0006, MP0011, MP0019).
            if (name is "Start" or "Join" or "JoinAsync" or "Terminate" or "Kill" || MissingTaskDone.IsTakeName(name))
                Assert.True(Has(name, CallNames.Gate), name);
        }
    }

    [Fact]
    public void NamesNoRuleLooksAtGetNoBit()
    {
        foreach (var name in new[] { "Starts", "start", "Joined", "Gets", "TryPut", "WaitFor", "Exits", "ReadAllTextAsyncs",
                     "Opened", "Maps", "Add", "Select", "ToString", "WriteLine", "", "TaskDone", "Release", "Acquire" })
            Assert.Equal(0, CallNames.Of(name));
    }
}
