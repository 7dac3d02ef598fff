// Child targets are public static methods of the test classes (the child process calls them by reflection).
#pragma warning disable xUnit1013, CA1416

using Multiproc.Platform;

namespace Multiproc.Tests;

/// <summary>ChildProcess.JoinAsync waits through one exit-watcher thread per process, not a thread per call.</summary>
public class AsyncJoinTests
{
    private static readonly TimeSpan W = TimeSpan.FromSeconds(60);

    public static void WaitForGo(ProcessQueue<int> go) => go.Get(TimeSpan.FromSeconds(120));

    private static int Threads() => Directory.GetDirectories("/proc/self/task").Length;

    [Fact]
    public async Task A_thousand_pending_JoinAsync_on_30_children_hold_few_threads()
    {
        const int Children = 30, Joins = 1000;
        using var go = new ProcessQueue<int>();
        var children = Enumerable.Range(0, Children).Select(i => new ChildProcess(() => WaitForGo(go), $"sleeper-{i}")).ToArray();
        try
        {
            foreach (var c in children) c.Start();
            await Task.Delay(200); // let the spare-pool refills of Start settle before counting
            var before = Threads();
            var joins = Enumerable.Range(0, Joins).Select(i => children[i % Children].JoinAsync()).ToArray();
            var during = Threads();
            Assert.All(joins, j => Assert.False(j.IsCompleted));
            // One watched descriptor per child, not per JoinAsync. A pre-started spare still booting is watched too
            // (its "booted" pipe) until it reports, so wait for that to pass rather than count at one instant.
            Assert.True(Wait.Until(() => ExitWatcher.Count == Children, W),
                $"{ExitWatcher.Count} descriptors watched for {Children} children with {Joins} pending JoinAsync");
            Assert.True(during - before < 10, $"{before} threads before, {during} with {Joins} pending JoinAsync");
            for (var i = 0; i < Children; i++) go.Put(i);
            await Task.WhenAll(joins).WaitAsync(TimeSpan.FromSeconds(120));
            Assert.All(children, c => Assert.Equal(0, c.ExitCode));
            Assert.True(Wait.Until(() => ExitWatcher.Count == 0, W));
            Console.WriteLine($"{Joins} pending JoinAsync on {Children} children: {before} -> {during} threads");
        }
        finally
        {
            Wait.Cleanup(children);
            foreach (var c in children) c.Dispose();
        }
    }

    [Fact]
    public async Task A_cancelled_JoinAsync_leaves_the_others_waiting_and_a_later_one_completes()
    {
        using var go = new ProcessQueue<int>();
        var child = new ChildProcess(() => WaitForGo(go));
        try
        {
            child.Start();
            using var cts = new CancellationTokenSource();
            var cancelled = child.JoinAsync(cts.Token);
            var other = child.JoinAsync();
            cts.Cancel();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled.WaitAsync(W));
            Assert.False(other.IsCompleted);
            Assert.True(child.IsAlive);
            go.Put(1);
            await other.WaitAsync(W);
            Assert.Equal(0, child.ExitCode);
            await child.JoinAsync().WaitAsync(W); // ended: completes at once
        }
        finally { Wait.Cleanup(child); }
    }

    [Fact]
    public async Task JoinAsync_completes_when_a_synchronous_Join_reaped_the_child_first()
    {
        using var go = new ProcessQueue<int>();
        var child = new ChildProcess(() => WaitForGo(go));
        try
        {
            child.Start();
            var pending = child.JoinAsync();
            go.Put(1);
            Wait.Joined(child);
            child.Dispose(); // closes the pidfd: the watcher must not be left on it
            await pending.WaitAsync(W);
            Assert.True(Wait.Until(() => ExitWatcher.Count == 0, W));
        }
        finally { Wait.Cleanup(child); }
    }

    [Fact]
    public async Task A_killed_child_ends_its_JoinAsync()
    {
        var child = new ChildProcess(() => Targets.Sleep(120_000));
        try
        {
            child.Start();
            var pending = child.JoinAsync();
            child.Kill();
            await pending.WaitAsync(W);
            Assert.Equal(-9, child.ExitCode);
        }
        finally { Wait.Cleanup(child); }
    }
}
