namespace Multiproc.Tests.Primitives;

public class ProcessSemaphoreTests
{
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(30);

    [Fact]
    public void Counts_down_to_zero_and_up_again()
    {
        using var s = new ProcessSemaphore(2);
        Assert.Equal(2, s.CurrentCount);
        s.Acquire();
        Assert.True(s.TryAcquire(TimeSpan.Zero));
        Assert.Equal(0, s.CurrentCount);
        Assert.False(s.TryAcquire(TimeSpan.Zero));
        Assert.False(s.TryAcquire(TimeSpan.FromMilliseconds(50)));
        s.Release(2);
        Assert.Equal(2, s.CurrentCount);
        using (s.Hold())
        {
            Assert.Equal(1, s.CurrentCount);
        }
        Assert.Equal(2, s.CurrentCount);
        s.Release(); // unbounded: may go above the initial count, as Python's Semaphore
        Assert.Equal(3, s.CurrentCount);
    }

    [Fact]
    public void Bad_arguments_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new ProcessSemaphore(-1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ProcessSemaphore(3, 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ProcessSemaphore(0, 0));
        using var s = new ProcessSemaphore(0);
        Assert.Throws<ArgumentOutOfRangeException>(() => s.Release(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => s.TryAcquire(TimeSpan.FromSeconds(-2)));
    }

    [Fact]
    public void A_bounded_semaphore_refuses_a_release_past_its_maximum_and_changes_nothing()
    {
        using var tmp = new TempDir();
        using var s = new ProcessSemaphore(1, maxCount: 2);
        Assert.Equal(2, s.MaxCount);
        s.Release();
        var e = Assert.Throws<SemaphoreFullException>(() => s.Release());
        Assert.Contains("maximum of 2", e.Message);
        Assert.Equal(2, s.CurrentCount);
        s.Acquire();
        Assert.Throws<SemaphoreFullException>(() => s.Release(2));
        Assert.Equal(1, s.CurrentCount);

        // The bound holds in a child too.
        s.Release();
        var result = tmp.File("result");
        var child = new ChildProcess(() => PrimitiveTargets.ReleaseSemaphore(s, result));
        try
        {
            child.Start();
            Wait.Joined(child);
            Assert.StartsWith("full:", File.ReadAllText(result));
            Assert.Equal(2, s.CurrentCount);
        }
        finally { Wait.Cleanup(child); }
    }

    [Fact]
    public void Four_processes_acquire_and_release_1000_times_never_more_than_the_count_inside()
    {
        const int limit = 2;
        using var s = new ProcessSemaphore(limit);
        using var inside = new SharedValue<int>();
        using var overLimit = new SharedValue<int>();
        var ps = Enumerable.Range(0, 4).Select(_ => new ChildProcess(() => PrimitiveTargets.SemaphoreWorker(s, inside, overLimit, limit, 1_000))).ToList();
        try
        {
            ps.ForEach(p => p.Start());
            ps.ForEach(p => Wait.Joined(p, TimeSpan.FromSeconds(120)));
            Assert.All(ps, p => Assert.Equal(0, p.ExitCode));
            Assert.Equal(0, overLimit.Value);
            Assert.Equal(0, inside.Value);
            Assert.Equal(limit, s.CurrentCount);
        }
        finally { Wait.Cleanup([.. ps]); }
    }

    [Fact]
    public async Task A_waiter_gets_the_count_a_child_gives_back_sync_and_async()
    {
        using var tmp = new TempDir();
        using var s = new ProcessSemaphore(1);
        var ready = tmp.File("ready");
        var holder = new ChildProcess(() => PrimitiveTargets.HoldSemaphoreFor(s, ready, 500));
        try
        {
            holder.Start();
            Assert.True(Wait.Until(() => File.Exists(ready), Long));
            Assert.False(s.TryAcquire(TimeSpan.Zero));
            Assert.True(s.TryAcquire(Long));
            Wait.Joined(holder);

            var pending = s.AcquireAsync();
            Assert.False(pending.IsCompleted);
            using (var cts = new CancellationTokenSource(50))
                await Assert.ThrowsAnyAsync<OperationCanceledException>(() => s.AcquireAsync(cts.Token));
            s.Release();
            await pending.WaitAsync(Long);
            Assert.Equal(0, s.CurrentCount);
            s.Release();
            Assert.Equal(1, s.CurrentCount);
        }
        finally { Wait.Cleanup(holder); }
    }
}
