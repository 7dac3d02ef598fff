// Child targets are public static methods of the test classes (the child process calls them by reflection).
#pragma warning disable xUnit1013, CA1416

using Multiproc.Internal;

namespace Multiproc.Tests;

/// <summary>
/// A spare's head start (<see cref="ChildMain"/>'s Prepare): a private queue and a thread of its own, nothing that any
/// other process sees, and a spare that ran it still runs a real consumer as any child does.
/// </summary>
public class HeadStartTests
{
    private static readonly TimeSpan W = TimeSpan.FromSeconds(60);

    private static string[] RunDirectoryFiles() =>
        [.. Directory.EnumerateFileSystemEntries(RunDirectory.Current).Select(Path.GetFileName).Order(StringComparer.Ordinal)!];

    [Fact]
    public void The_queue_and_thread_steps_leave_no_file_and_no_thread()
    {
        using var marker = new ProcessLock(); // the run directory exists and holds one segment
        var before = RunDirectoryFiles();
        var threads = System.Diagnostics.Process.GetCurrentProcess().Threads.Count;
        for (var i = 0; i < 3; i++)
        {
            ChildMain.PrepareQueue();
            ChildMain.PrepareThread();
        }
        Assert.Equal(before, RunDirectoryFiles());
        Assert.True(Wait.Until(() => System.Diagnostics.Process.GetCurrentProcess().Threads.Count <= threads + 2, W),
            "the head start's threads did not end");
    }

    [Fact]
    public void A_private_ring_puts_gets_and_counts_done_items_without_a_file()
    {
        var before = RunDirectoryFiles();
        using (var q = JoinableQueue<string?>.Over(SharedRing.CreatePrivate(joinable: true)))
        {
            for (var i = 0; i < 100; i++) q.Put(i % 10 == 0 ? null : "item " + i);
            Assert.False(q.Join(TimeSpan.Zero));
            for (var i = 0; i < 100; i++)
            {
                Assert.Equal(i % 10 == 0 ? null : "item " + i, q.Get(TimeSpan.FromSeconds(5)));
                q.TaskDone();
            }
            Assert.True(q.Join(TimeSpan.Zero));
            Assert.Throws<QueueEmptyException>(() => q.GetNowait());
        }
        Assert.Equal(before, RunDirectoryFiles());
    }

    /// <summary>Reports how many head-start steps it ran, then consumes until a null, marking each item done.</summary>
    public static void Consumer(JoinableQueue<string?> q, ProcessQueue<int> steps, ProcessQueue<string> seen)
    {
        steps.Put(ChildMain.HeadStartSteps);
        while (q.Get(TimeSpan.FromSeconds(60)) is { } item)
        {
            seen.Put(item);
            q.TaskDone();
        }
        q.TaskDone();
    }

    [Fact]
    public void A_spare_that_ran_its_head_start_runs_a_real_JoinableQueue_consumer()
    {
        var headStarts = 0;
        for (var attempt = 0; attempt < 5 && headStarts == 0; attempt++)
        {
            // Give the pool's spares time to boot and run their head start (the assertions below hold either way).
            Wait.Until(() => SparePool.Count >= 1 && SparePool.Booting == 0, W);
            Thread.Sleep(2000);
            using var q = new JoinableQueue<string?>();
            using var steps = new ProcessQueue<int>();
            using var seen = new ProcessQueue<string>();
            for (var i = 0; i < 1000; i++) q.Put("item " + i);
            q.Put(null);
            var c = new ChildProcess(() => Consumer(q, steps, seen)) { Daemon = true };
            try
            {
                c.Start();
                var ran = steps.Get(W);
                Assert.InRange(ran, 0, 3);
                if (ran == 3) headStarts++;
                Assert.True(q.Join(W), "the consumer did not mark every item done");
                for (var i = 0; i < 1000; i++) Assert.Equal("item " + i, seen.Get(W));
                Assert.Equal(0, seen.Count);
                Assert.True(c.Join(W), "the consumer did not end");
                Assert.Equal(0, c.ExitCode);
            }
            finally
            {
                Wait.Cleanup(c);
            }
        }
        if (SparePool.Size > 0) Assert.True(headStarts > 0, "no consumer was a spare that had run its whole head start");
    }
}
