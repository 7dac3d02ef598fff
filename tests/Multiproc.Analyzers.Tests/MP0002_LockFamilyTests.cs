using static Multiproc.Analyzers.Tests.LockCases;

namespace Multiproc.Analyzers.Tests;

/// <summary>
/// MP0002 per lock family (<c>LockApi.FamilyOf</c>, fourteenth session): <c>Classify</c> takes one branch per family of the
/// called method's containing type, and <c>IsReleaseOf</c> rejects a call by one reference comparison of that type with the
/// acquire's family before it looks at the name and the lock. For each family a release in a finally of the lock acquired
/// is a release, and the same release of another lock of the same type is not.
/// </summary>
public class MP0002_LockFamilyTests
{
    public static TheoryData<string, string, string, string> Families => new()
    {
        // type, acquire of {0}, release of {0}, usings
        { "object", "Monitor.Enter({0})", "Monitor.Exit({0})", LockSources.Usings },
        { "SemaphoreSlim", "{0}.Wait()", "{0}.Release()", LockSources.Usings },
        { "ReaderWriterLockSlim", "{0}.EnterWriteLock()", "{0}.ExitWriteLock()", LockSources.Usings },
        { "ReaderWriterLock", "{0}.AcquireWriterLock(100)", "{0}.ReleaseWriterLock()", LockSources.Usings },
        // WaitOne is WaitHandle's (the family Mutex or WaitHandle), ReleaseMutex is Mutex's: the release's type is not the acquire's method's.
        { "Mutex", "{0}.WaitOne()", "{0}.ReleaseMutex()", LockSources.Usings },
        { "Lock", "{0}.Enter()", "{0}.Exit()", LockSources.Usings },
        { "ProcessLock", "{0}.Acquire()", "{0}.Release()", LockSources.Usings },
        { "ProcessSemaphore", "{0}.Acquire()", "{0}.Release()", LockSources.RedisUsings },
        { "RedisLock", "{0}.Acquire()", "{0}.Release()", LockSources.RedisUsings },
    };

    [Theory]
    [MemberData(nameof(Families))]
    public Task ReleaseOfTheLockInFinally_IsNotFlagged(string type, string acquire, string release, string usings) => NotFlagged($$"""
        static void M({{type}} a, {{type}} b)
        {
            {{string.Format(acquire, "a")}};
            try
            {
                Console.WriteLine("in");
            }
            finally
            {
                {{string.Format(release, "a")}};
            }
        }
        """, usings);

    [Theory]
    [MemberData(nameof(Families))]
    public Task ReleaseOfAnotherLockOfTheSameType_IsFlagged(string type, string acquire, string release, string usings) => Flagged($$"""
        static void M({{type}} a, {{type}} b)
        {
            {|#0:{{string.Format(acquire, "a")}}|};
            try
            {
                Console.WriteLine("in");
            }
            finally
            {
                {{string.Format(release, "b")}};
            }
        }
        """, Leak("a"), usings);
}
