using static Multiproc.Analyzers.Tests.LockCases;

namespace Multiproc.Analyzers.Tests;

/// <summary>MP0002 over the lock kinds of issues 13 and 15: ProcessSemaphore, ProcessRLock, ProcessCondition, RedisLock.</summary>
public class MP0002_SharedPrimitiveLocksTests
{
    private static Task Flagged(string members, DiagnosticResult expected) => LockCases.Flagged(members, expected, LockSources.RedisUsings);

    private static Task NotFlagged(string members) => LockCases.NotFlagged(members, LockSources.RedisUsings);

    [Theory]
    [InlineData("ProcessSemaphore")]
    [InlineData("ProcessRLock")]
    [InlineData("ProcessCondition")]
    [InlineData("RedisLock")]
    public Task AcquireWithEarlyReturn_IsFlagged(string type) => Flagged($$"""
        static int M({{type}} lk, int tickets)
        {
            {|#0:lk.Acquire()|};
            if (tickets == 0) return 0;
            lk.Release();
            return tickets - 1;
        }
        """, Leak("lk"));

    [Theory]
    [InlineData("ProcessSemaphore")]
    [InlineData("ProcessRLock")]
    [InlineData("ProcessCondition")]
    [InlineData("RedisLock")]
    public Task TryAcquireNeverReleased_IsFlagged(string type) => Flagged($$"""
        static void M({{type}} lk)
        {
            if ({|#0:lk.TryAcquire(TimeSpan.FromSeconds(1))|})
            {
                Console.WriteLine("in");
            }
        }
        """, Leak("lk"));

    [Theory]
    [InlineData("ProcessSemaphore")]
    [InlineData("RedisLock")]
    public Task AcquireAsyncNeverReleased_IsFlagged(string type) => Flagged($$"""
        static async Task M({{type}} lk)
        {
            await {|#0:lk.AcquireAsync()|};
            Console.WriteLine("in");
        }
        """, Leak("lk"));

    [Theory]
    [InlineData("ProcessSemaphore")]
    [InlineData("ProcessRLock")]
    [InlineData("ProcessCondition")]
    [InlineData("RedisLock")]
    public Task ReleasedInFinallyOrHeld_IsNotFlagged(string type) => NotFlagged($$"""
        static int M({{type}} lk, int tickets)
        {
            lk.Acquire();
            try
            {
                if (tickets == 0) return 0;
                return tickets - 1;
            }
            finally
            {
                lk.Release();
            }
        }

        static void H({{type}} lk)
        {
            using (lk.Hold())
            {
                Console.WriteLine("in");
            }
            if (lk.TryAcquire(TimeSpan.FromSeconds(1)))
            {
                try { Console.WriteLine("in"); }
                finally { lk.Release(); }
            }
        }
        """);

    [Fact]
    public Task SemaphoreAcquireAsyncReleasedInFinally_IsNotFlagged() => NotFlagged(LockSources.AcquireTryFinally("static async Task M(ProcessSemaphore slots)", "await slots.AcquireAsync()", "await Task.Delay(1);", "slots.Release()"));

    [Fact]
    public Task ConditionWaitAndNotify_AreNotAcquires() => NotFlagged("""
        static void M(ProcessCondition ready, Func<bool> done)
        {
            using (ready.Hold())
            {
                while (!done()) ready.Wait();
                ready.NotifyAll();
            }
        }
        """);

    [Theory]
    [InlineData("ProcessSemaphore")]
    [InlineData("ProcessRLock")]
    [InlineData("ProcessCondition")]
    [InlineData("RedisLock")]
    public Task Fix_UsesHold(string type) => Fixed($$"""
        static void M({{type}} lk)
        {
            {|#0:lk.Acquire()|};
            Console.WriteLine("in");
            lk.Release();
            Console.WriteLine("out");
        }
        """, $$"""
        static void M({{type}} lk)
        {
            using (lk.Hold())
            {
                Console.WriteLine("in");
            }
            Console.WriteLine("out");
        }
        """, LockNotReleasedFixer.HoldEquivalenceKey, LeakOnException("lk"), LockSources.RedisUsings);
}
