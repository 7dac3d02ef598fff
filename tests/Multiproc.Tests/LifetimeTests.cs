using System.Runtime.CompilerServices;
using Multiproc.Internal;
using Multiproc.Tests.Queues;

namespace Multiproc.Tests;

/// <summary>A segment lives as long as some process uses it (issue 12, item 1).</summary>
public class LifetimeTests
{
    private static string Handle(object primitive) => ((ISharedObject)primitive).Handle;

    /// <summary>The segment files of a primitive (its handle and its parts) in this run's directory.</summary>
    private static string[] FilesOf(string handle) => Directory.GetFiles(RunDirectory.Current, handle + "*");

    [Fact]
    public void Disposing_the_only_user_removes_the_files_of_each_kind()
    {
        var lk = new ProcessLock();
        var q = new ProcessQueue<int>();
        var j = new JoinableQueue<int>();
        var handles = new[] { Handle(lk), Handle(q), Handle(j) };
        q.Put(1);
        j.Put(2);
        Assert.All(handles, h => Assert.NotEmpty(FilesOf(h)));
        lk.Dispose();
        q.Dispose();
        j.Dispose();
        Assert.All(handles, h => Assert.Empty(FilesOf(h)));
    }

    [Fact]
    public void A_queue_removes_its_grown_rings_and_large_item_files_with_it()
    {
        var q = new ProcessQueue<byte[]>();
        var h = Handle(q);
        q.Put(new byte[SharedRing.InlineLimit + 1]);          // a file of its own
        for (var i = 0; i < 64; i++) q.Put(new byte[200_000]); // grows the ring past its first 4 MiB
        Assert.NotEmpty(Directory.GetFiles(RunDirectory.Current, h + "-i*"));
        Assert.True(Directory.GetFiles(RunDirectory.Current, h + "-r*").Length >= 2);
        q.Dispose();
        Assert.Empty(FilesOf(h));
    }

    [Fact]
    public void A_second_attachment_keeps_the_segment_until_it_is_disposed_too()
    {
        var lk = new ProcessLock();
        var h = Handle(lk);
        var again = ProcessLock.Attach(h);
        lk.Dispose();
        Assert.NotEmpty(FilesOf(h));
        again.Acquire();
        again.Release();
        again.Dispose();
        Assert.Empty(FilesOf(h));
    }

    [Fact]
    public void An_undisposed_primitive_collected_by_the_GC_releases_its_files()
    {
        var handles = MakeAndDrop();
        Assert.True(Wait.Until(() =>
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            return handles.All(h => FilesOf(h).Length == 0);
        }, TimeSpan.FromSeconds(30)), "files left: " + string.Join(", ", handles.SelectMany(FilesOf)));
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static string[] MakeAndDrop()
    {
        var lk = new ProcessLock();
        lk.Acquire();
        lk.Release();
        var q = new ProcessQueue<string>();
        q.Put("left in the queue");
        var j = new JoinableQueue<int>();
        j.Put(1);
        var handles = new[] { Handle(lk), Handle(q), Handle(j) };
        Assert.All(handles, h => Assert.NotEmpty(FilesOf(h)));
        return handles;
    }

    [Fact]
    public void A_handle_sent_to_a_child_works_after_the_parent_disposed_its_copy_right_after_Start()
    {
        using var results = new ProcessQueue<string>();
        var lk = new ProcessLock();
        var q = new JoinableQueue<int>();
        q.Put(41);
        var lockHandle = Handle(lk);
        var queueHandle = Handle(q);
        var p = new ChildProcess(() => LifetimeTargets.UseAndReport(lk, q, results));
        try
        {
            p.Start();
            lk.Dispose();
            q.Dispose();
            Assert.Equal("lock ok, got 41", results.Get(Bounded.Wait));
            Bounded.Joined(p);
            // Reaped: the child let go at exit and the parent's shares for it are given up.
            Assert.Empty(FilesOf(lockHandle));
            Assert.Empty(FilesOf(queueHandle));
        }
        finally
        {
            Wait.Cleanup(p);
        }
    }

    [Fact]
    public void A_child_that_attached_handles_and_was_SIGKILLed_releases_them_once_reaped()
    {
        using var results = new ProcessQueue<string>();
        var lk = new ProcessLock();
        var q = new ProcessQueue<int>();
        var lockHandle = Handle(lk);
        var queueHandle = Handle(q);
        var p = new ChildProcess(() => LifetimeTargets.AttachAndWait(lk, q, results));
        try
        {
            p.Start();
            Assert.Equal("attached", results.Get(Bounded.Wait));
            lk.Dispose();
            q.Dispose();
            Assert.NotEmpty(FilesOf(lockHandle)); // the child still uses them
            Assert.NotEmpty(FilesOf(queueHandle));
            Bounded.KillAndReap(p);
            Assert.Empty(FilesOf(lockHandle));
            Assert.Empty(FilesOf(queueHandle));
        }
        finally
        {
            Wait.Cleanup(p);
        }
    }

    [Fact]
    public void A_child_that_created_and_sent_back_a_primitive_keeps_it_alive_for_the_parent()
    {
        using var results = new ProcessQueue<ProcessLock>();
        var p = new ChildProcess(() => LifetimeTargets.SendBackALock(results));
        try
        {
            p.Start();
            using var lk = results.Get(Bounded.Wait);
            Bounded.Joined(p);
            // The child disposed its copy after the parent had attached: the parent's keeps it.
            Assert.NotEmpty(FilesOf(Handle(lk)));
            lk.Acquire();
            lk.Release();
        }
        finally
        {
            Wait.Cleanup(p);
        }
    }

    [Fact]
    public void What_a_child_created_and_never_disposed_goes_when_its_target_is_done()
    {
        using var results = new ProcessQueue<string>();
        var p = new ChildProcess(() => LifetimeTargets.CreateAndForget(results, 0));
        try
        {
            p.Start();
            var handles = results.Get(Bounded.Wait).Split(' ');
            Bounded.Joined(p);
            Assert.Equal(2, handles.Length);
            Assert.All(handles, h => Assert.Empty(FilesOf(h)));
        }
        finally
        {
            Wait.Cleanup(p);
        }
    }

    [Fact]
    public void What_a_SIGKILLed_child_created_goes_when_it_is_reaped()
    {
        using var results = new ProcessQueue<string>();
        using var kept = new ProcessLock(); // live and held here: the sweep leaves it
        var p = new ChildProcess(() => LifetimeTargets.CreateAndForget(results, Timeout.Infinite));
        try
        {
            p.Start();
            var handles = results.Get(Bounded.Wait).Split(' ');
            Assert.All(handles, h => Assert.NotEmpty(FilesOf(h)));
            Bounded.KillAndReap(p);
            Assert.All(handles, h => Assert.Empty(FilesOf(h)));
            Assert.NotEmpty(FilesOf(Handle(kept)));
            Assert.NotEmpty(FilesOf(Handle(results)));
            kept.Acquire();
            kept.Release();
        }
        finally
        {
            Wait.Cleanup(p);
        }
    }

    [Fact]
    public void Churning_primitives_of_each_kind_leaves_only_the_live_ones()
    {
        // A root process of its own, in a private shm root. By hand, 100,000 of each kind left the same 5 files
        // (`Multiproc.TestApp churn 100000`); the test keeps a count that runs in seconds on a loaded machine.
        using var root = new TempDir();
        const int Count = 2_000;
        var (code, stdout, stderr) = TestApp.Run(root.Path, TimeSpan.FromSeconds(120), "churn", Count.ToString());
        Assert.True(code == 0, stderr);
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith($"churn {Count} files=5 ", lines[0]);
        // One lock, and a header and a first ring for each of the two queues.
        Assert.Single(lines.Skip(1), l => l.StartsWith("lock-"));
        Assert.Equal(2, lines.Skip(1).Count(l => l.StartsWith("queue-") && l.EndsWith("-r1")));
        Assert.Equal(4, lines.Skip(1).Count(l => l.StartsWith("queue-")));
    }
}

/// <summary>Child targets of <see cref="LifetimeTests"/>.</summary>
public static class LifetimeTargets
{
    public static void UseAndReport(ProcessLock lk, JoinableQueue<int> q, ProcessQueue<string> results)
    {
        using (lk.Hold()) { }
        var item = q.Get(TimeSpan.FromSeconds(30));
        q.TaskDone();
        results.Put($"lock ok, got {item}");
    }

    public static void AttachAndWait(ProcessLock lk, ProcessQueue<int> q, ProcessQueue<string> results)
    {
        q.Put(1);
        results.Put("attached");
        Thread.Sleep(Timeout.Infinite);
    }

    public static void CreateAndForget(ProcessQueue<string> results, int sleepMs)
    {
        var lk = new ProcessLock();
        var q = new ProcessQueue<byte[]>();
        q.Put(new byte[SharedRing.InlineLimit + 1]); // a large item's file too
        results.Put(((ISharedObject)lk).Handle + " " + ((ISharedObject)q).Handle);
        Thread.Sleep(sleepMs);
        GC.KeepAlive(lk);
        GC.KeepAlive(q);
    }

    public static void SendBackALock(ProcessQueue<ProcessLock> results)
    {
        using var lk = new ProcessLock();
        results.Put(lk);
        // The parent attaches what it gets; wait until it has (a primitive sent in a queue item is not held in flight).
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (results.Count > 0 && DateTime.UtcNow < deadline) Thread.Sleep(10);
        Thread.Sleep(200);
    }
}
