// Child targets are public static methods of the test classes (the child process calls them by reflection).
#pragma warning disable xUnit1013, CA1416

using System.Globalization;
using Multiproc.Internal;

namespace Multiproc.Tests.Queues;

/// <summary>What a child's first queue operations load: nothing they do not need (no ICU for a ring's file name).</summary>
public class ConsumerFirstRunTests
{
    private static readonly TimeSpan W = Bounded.Wait;

    [Fact]
    public void Digits_write_what_the_invariant_culture_writes()
    {
        long[] samples = [0, 1, 9, 10, 11, 99, 100, 12345, -1, -9, -10, -12345, int.MaxValue, int.MinValue, long.MaxValue, long.MinValue, long.MinValue + 1];
        foreach (var n in samples)
            Assert.Equal(n.ToString(CultureInfo.InvariantCulture), Digits.Format(n));
        for (long n = 1; n > 0 && n < long.MaxValue / 3; n = n * 3 + 1)
        {
            Assert.Equal(n.ToString(CultureInfo.InvariantCulture), Digits.Format(n));
            Assert.Equal((-n).ToString(CultureInfo.InvariantCulture), Digits.Format(-n));
        }
    }

    private static bool IcuLoaded() => File.ReadAllText("/proc/self/maps").Contains("libicu", StringComparison.Ordinal);

    /// <summary>Reports whether ICU was loaded before and after its first Get and TaskDone.</summary>
    public static void FirstGet(JoinableQueue<string?> q, ProcessQueue<string> answer)
    {
        var before = IcuLoaded();
        var item = q.Get(W);
        q.TaskDone();
        var after = IcuLoaded();
        answer.Put($"{item} {(before ? "icu" : "no-icu")} {(after ? "icu" : "no-icu")}");
    }

    /// <summary>Makes a queue and a lock of its own, uses them, and reports whether ICU was loaded after.</summary>
    public static void MakesItsOwn(ProcessQueue<string> answer)
    {
        var before = IcuLoaded();
        using (var q = new JoinableQueue<string?>())
        using (var lk = new ProcessLock())
        {
            q.Put("x");
            q.Get(W);
            q.TaskDone();
            using (lk.Hold()) { }
        }
        answer.Put($"{(before ? "icu" : "no-icu")} {(IcuLoaded() ? "icu" : "no-icu")}");
    }

    [Fact]
    public void A_child_that_creates_its_own_queue_and_lock_does_not_load_ICU()
    {
        using var answer = new ProcessQueue<string>();
        var p = new ChildProcess(() => MakesItsOwn(answer));
        p.Start();
        try
        {
            var reply = answer.Get(W);
            Bounded.Joined(p);
            Assert.Equal("no-icu no-icu", reply);
        }
        finally
        {
            Wait.Cleanup(p);
        }
    }

    [Fact]
    public void A_consumers_first_Get_and_TaskDone_do_not_load_ICU()
    {
        using var q = new JoinableQueue<string?>();
        using var answer = new ProcessQueue<string>();
        q.Put("item");
        var p = new ChildProcess(() => FirstGet(q, answer)) { Daemon = true };
        p.Start();
        try
        {
            var reply = answer.Get(W);
            Assert.True(q.Join(W));
            Bounded.Joined(p);
            Assert.StartsWith("item no-icu", reply, StringComparison.Ordinal);
            Assert.Equal("item no-icu no-icu", reply);
        }
        finally
        {
            Wait.Cleanup(p);
        }
    }
}
