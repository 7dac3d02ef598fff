using static Multiproc.Analyzers.Tests.LockCases;

namespace Multiproc.Analyzers.Tests;

/// <summary>
/// MP0002 looks at the invocations of a body only when its source text names a lock method (<c>LockNotReleased.TextGate</c>):
/// every name the rule knows must contain one of the gate's anchors, and calls the text does not spell plainly (a Unicode
/// escape, <c>using static</c>, a verbatim identifier, a lambda) are still seen.
/// </summary>
public class MP0002_TextGateTests
{
    [Fact]
    public void EveryCandidateNameContainsAnAnchor()
    {
        Assert.Equal(27, LockApi.CandidateNames.Length);
        foreach (var name in LockApi.CandidateNames)
        {
            Assert.True(LockApi.IsCandidateName(name), name);
            Assert.Contains(LockNotReleased.TextGate.Anchors, a => name.Contains(a, StringComparison.Ordinal));
        }
        foreach (var other in new[] { "Add", "Exits", "Waiter", "Enters", "Acquired", "Released", "TryEnterReadLocks", "ToString", "" })
            Assert.False(LockApi.IsCandidateName(other), other);
    }

    [Fact]
    public Task UnicodeEscapedNameIsSeen() => Flagged("""
        static void M(object gate)
        {
            {|#0:Monitor.\u0045nter(gate)|};
            Console.WriteLine("in");
        }
        """, Leak("gate"));

    [Fact]
    public Task VerbatimIdentifierIsSeen() => Flagged("""
        static void M(object gate)
        {
            {|#0:Monitor.@Enter(gate)|};
            Console.WriteLine("in");
        }
        """, Leak("gate"));

    [Fact]
    public Task UsingStaticCallIsSeen() => Flagged("""
        static void M(object gate)
        {
            {|#0:Enter(gate)|};
            Console.WriteLine("in");
        }
        """, Leak("gate"), LockSources.Usings + "using static System.Threading.Monitor;\n");

    [Fact]
    public Task AcquireInALambdaIsSeen() => Flagged("""
        static Action M(SemaphoreSlim gate) => () =>
        {
            {|#0:gate.Wait()|};
            Console.WriteLine("in");
        };
        """, Leak("gate"));

    [Fact]
    public Task BodyWithoutLockNamesIsNotFlagged() => NotFlagged("""
        static int M(int[] xs)
        {
            var n = 0;
            foreach (var x in xs) n += x;
            return n;
        }
        """);
}
