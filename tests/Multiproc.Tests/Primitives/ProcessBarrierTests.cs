using System.Diagnostics;
using Xunit.Abstractions;

namespace Multiproc.Tests.Primitives;

public class ProcessBarrierTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(30);

    [Fact]
    public void Three_parties_in_three_processes_pass_together_with_distinct_indexes_and_again()
    {
        using var tmp = new TempDir();
        using var b = new ProcessBarrier(3);
        Assert.Equal(3, b.Parties);
        for (var round = 0; round < 2; round++)
        {
            var results = new[] { tmp.File($"a{round}"), tmp.File($"b{round}") };
            var ps = results.Select(r => new ChildProcess(() => PrimitiveTargets.BarrierParty(b, r))).ToList();
            try
            {
                ps.ForEach(p => p.Start());
                Assert.True(Wait.Until(() => b.WaitingCount == 2, Long));
                var mine = b.Wait(Long);
                ps.ForEach(p => Wait.Joined(p));
                var indexes = results.Select(r => File.ReadAllText(r)).Select(s => int.Parse(s["index:".Length..])).Append(mine).Order();
                Assert.Equal([0, 1, 2], indexes);
                Assert.Equal(2, mine); // the parent came last
                Assert.False(b.IsBroken);
            }
            finally { Wait.Cleanup([.. ps]); }
        }
    }

    [Fact]
    public void A_party_killed_while_waiting_breaks_the_barrier_for_the_others()
    {
        using var tmp = new TempDir();
        using var b = new ProcessBarrier(3);
        var result = tmp.File("result");
        var victim = new ChildProcess(() => PrimitiveTargets.BarrierPartyForever(b));
        var other = new ChildProcess(() => PrimitiveTargets.BarrierParty(b, result));
        try
        {
            victim.Start();
            Assert.True(Wait.Until(() => b.WaitingCount == 1, Long));
            other.Start();
            Assert.True(Wait.Until(() => b.WaitingCount == 2, Long));
            var sw = Stopwatch.StartNew();
            victim.Kill();
            Assert.True(Wait.Until(() => File.Exists(result) && File.ReadAllText(result).Length > 0, TimeSpan.FromSeconds(10)),
                "the other party was not told within 10 s");
            output.WriteLine($"the surviving party got BrokenBarrierException {sw.ElapsedMilliseconds} ms after the kill");
            Console.WriteLine($"barrier broken {sw.ElapsedMilliseconds} ms after a party was killed");
            Assert.Equal("broken", File.ReadAllText(result));
            Assert.True(b.IsBroken);
            Assert.Throws<BrokenBarrierException>(() => b.Wait(Long)); // broken until Reset
            Wait.Joined(other);
            Wait.Joined(victim);
            b.Reset();
            Assert.False(b.IsBroken);
            Assert.Equal(0, b.WaitingCount);
        }
        finally { Wait.Cleanup(victim, other); }
    }

    [Fact]
    public void A_timeout_breaks_the_barrier_and_Reset_mends_it()
    {
        using var b = new ProcessBarrier(2);
        var e = Assert.Throws<BrokenBarrierException>(() => b.Wait(TimeSpan.FromMilliseconds(100)));
        Assert.Contains("timed out", e.Message);
        Assert.True(b.IsBroken);
        Assert.Throws<BrokenBarrierException>(() => b.Wait(TimeSpan.Zero));
        b.Reset();
        Assert.False(b.IsBroken);
        using var one = new ProcessBarrier(1);
        Assert.Equal(0, one.Wait());
        Assert.Equal(0, one.Wait(TimeSpan.Zero));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ProcessBarrier(0));
    }

    [Fact]
    public void Abort_and_Reset_break_it_for_a_waiting_child()
    {
        using var tmp = new TempDir();
        using var b = new ProcessBarrier(2);
        var results = new[] { tmp.File("abort"), tmp.File("reset") };
        var ps = new List<ChildProcess>();
        try
        {
            for (var i = 0; i < 2; i++)
            {
                var r = results[i];
                var p = new ChildProcess(() => PrimitiveTargets.BarrierParty(b, r));
                ps.Add(p);
                p.Start();
                Assert.True(Wait.Until(() => b.WaitingCount == 1, Long));
                if (i == 0) b.Abort(); else b.Reset();
                Wait.Joined(p);
                Assert.Equal("broken", File.ReadAllText(r));
                if (i == 0)
                {
                    Assert.True(b.IsBroken);
                    b.Reset();
                }
                Assert.False(b.IsBroken);
            }
        }
        finally { Wait.Cleanup([.. ps]); }
    }

    [Fact]
    public async Task WaitAsync_passes_with_a_child_and_a_cancelled_WaitAsync_breaks_the_barrier()
    {
        using var tmp = new TempDir();
        using var b = new ProcessBarrier(2);
        var result = tmp.File("result");
        var child = new ChildProcess(() => PrimitiveTargets.BarrierParty(b, result));
        try
        {
            var mine = b.WaitAsync(Long);
            Assert.False(mine.IsCompleted);
            child.Start();
            Assert.Equal(0, await mine.WaitAsync(Long));
            Wait.Joined(child);
            Assert.Equal("index:1", File.ReadAllText(result));

            using var cts = new CancellationTokenSource(100);
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => b.WaitAsync(cts.Token));
            Assert.True(b.IsBroken);
            await Assert.ThrowsAsync<BrokenBarrierException>(() => b.WaitAsync());
            b.Reset();
            await Assert.ThrowsAsync<BrokenBarrierException>(() => b.WaitAsync(TimeSpan.FromMilliseconds(50)));
        }
        finally { Wait.Cleanup(child); }
    }
}
