using static Multiproc.Analyzers.Tests.LockCases;

namespace Multiproc.Analyzers.Tests;

/// <summary>
/// MP0002's name filter (<c>LockApi.IsCandidateName</c>, by length): every name the rule knows is accepted and look-alikes are
/// not; calls the text does not spell plainly (a Unicode escape, <c>using static</c>, a verbatim identifier, a lambda) are seen.
/// </summary>
public class MP0002_NameFilterTests
{
    [Fact]
    public void EveryCandidateNameIsAccepted()
    {
        Assert.Equal(27, LockApi.CandidateNames.Length);
        foreach (var name in LockApi.CandidateNames)
        {
            Assert.True(LockApi.IsCandidateName(name), name);
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
