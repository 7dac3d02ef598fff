using Multiproc.Internal;
using Multiproc.Platform;
using Multiproc.Tests.Queues;

namespace Multiproc.Tests;

/// <summary>Disposed primitives, handles whose segment is gone, other operating systems (issue 12).</summary>
public class BadInputTests
{
    private static readonly TimeSpan Short = TimeSpan.FromMilliseconds(10);

    [Fact]
    public void Disposing_twice_is_fine()
    {
        var lk = new ProcessLock();
        lk.Dispose();
        lk.Dispose();
        var q = new ProcessQueue<int>();
        q.Dispose();
        q.Dispose();
        var j = new JoinableQueue<int>();
        j.Dispose();
        j.Dispose();
    }

    [Fact]
    public void Every_member_of_a_disposed_ProcessLock_throws_ObjectDisposedException()
    {
        var lk = new ProcessLock();
        lk.Dispose();
        AssertDisposed(() => lk.Acquire(), "ProcessLock");
        AssertDisposed(() => lk.TryAcquire(Short), "ProcessLock");
        AssertDisposed(() => lk.TryAcquire(TimeSpan.Zero), "ProcessLock");
        AssertDisposed(() => lk.Release(), "ProcessLock");
        AssertDisposed(() => lk.Hold(), "ProcessLock");
        AssertDisposed(() => _ = ((ISharedObject)lk).Handle, "ProcessLock");
    }

    [Fact]
    public void A_lock_disposed_inside_its_Hold_scope_says_so_when_the_scope_ends()
    {
        var lk = new ProcessLock();
        var scope = lk.Hold();
        lk.Dispose();
        AssertDisposed(() => scope.Dispose(), "ProcessLock");
        // A scope of a lock still alive releases it as before.
        using var other = new ProcessLock();
        using (other.Hold()) Assert.True(other.IsHeld);
        Assert.False(other.IsHeld);
    }

    [Fact]
    public void Every_member_of_a_disposed_ProcessQueue_throws_ObjectDisposedException()
    {
        var q = new ProcessQueue<int>();
        q.Put(1);
        q.Dispose();
        AssertQueueMembersThrow(q, "ProcessQueue");
    }

    [Fact]
    public void Every_member_of_a_disposed_JoinableQueue_throws_ObjectDisposedException()
    {
        var j = new JoinableQueue<int>();
        j.Put(1);
        j.Dispose();
        AssertQueueMembersThrow(j, "JoinableQueue");
        AssertDisposed(() => j.TaskDone(), "JoinableQueue");
        AssertDisposed(() => j.Join(), "JoinableQueue");
        AssertDisposed(() => j.Join(Short), "JoinableQueue");
    }

    private static void AssertQueueMembersThrow(ProcessQueue<int> q, string name)
    {
        AssertDisposed(() => q.Put(1), name);
        AssertDisposed(() => q.Put(1, Short), name);
        AssertDisposed(() => q.PutNowait(1), name);
        AssertDisposed(() => q.TryPut(1), name);
        AssertDisposed(() => q.Get(), name);
        AssertDisposed(() => q.Get(Short), name);
        AssertDisposed(() => q.GetNowait(), name);
        AssertDisposed(() => q.TryGet(out _), name);
        AssertDisposed(() => q.PutAsync(1), name);
        AssertDisposed(() => q.GetAsync(), name);
        AssertDisposed(() => _ = q.Count, name);
        AssertDisposed(() => _ = q.IsEmpty, name);
        AssertDisposed(() => _ = q.IsFull, name);
        AssertDisposed(() => _ = q.MaxSize, name);
        AssertDisposed(() => _ = ((ISharedObject)q).Handle, name);
    }

    private static void AssertDisposed(Action use, string typeName)
    {
        var e = Assert.Throws<ObjectDisposedException>(use);
        Assert.Contains(typeName, e.Message);
        Assert.Contains("disposed", e.Message);
    }

    [Fact]
    public void Sending_a_disposed_primitive_to_a_child_fails_at_Start_and_names_the_argument()
    {
        var lk = new ProcessLock();
        lk.Dispose();
        var p = new ChildProcess(() => Targets.HoldLockFor(lk, "unused", 0));
        var e = Assert.Throws<ObjectDisposedException>(() => p.Start());
        Assert.Contains("argument 'lk'", e.Message);
        Assert.Null(p.Pid);
    }

    [Fact]
    public void Attaching_a_handle_whose_segment_is_gone_says_so()
    {
        var lk = new ProcessLock();
        var q = new ProcessQueue<int>();
        var lockHandle = ((ISharedObject)lk).Handle;
        var queueHandle = ((ISharedObject)q).Handle;
        lk.Dispose();
        q.Dispose();
        var e1 = Assert.Throws<ObjectDisposedException>(() => ProcessLock.Attach(lockHandle));
        Assert.Contains($"'{lockHandle}' is gone", e1.Message);
        var e2 = Assert.Throws<ObjectDisposedException>(() => ProcessQueue<int>.Attach(queueHandle));
        Assert.Contains($"'{queueHandle}' is gone", e2.Message);
        Assert.Throws<ObjectDisposedException>(() => JoinableQueue<int>.Attach(queueHandle));
    }

    [Fact]
    public void A_child_sent_a_handle_whose_segment_is_gone_fails_with_a_message_not_a_crash()
    {
        // What a primitive in a queue item (not held in flight) meets when its sender let it go first.
        using var handles = new ProcessQueue<string>();
        var lk = new ProcessLock();
        var h = ((ISharedObject)lk).Handle;
        lk.Dispose();
        handles.Put(h);
        using var results = new ProcessQueue<string>();
        var p = new ChildProcess(() => LifetimeBadInputTargets.AttachSentHandle(handles, results));
        try
        {
            p.Start();
            Assert.StartsWith($"ObjectDisposedException: The shared object '{h}' is gone", results.Get(Bounded.Wait));
            Bounded.Joined(p);
        }
        finally
        {
            Wait.Cleanup(p);
        }
    }

    [Fact]
    public void A_queue_handle_whose_segment_is_gone_says_so_through_the_generic_attach_too()
    {
        using var handles = new ProcessQueue<string>();
        var q = new ProcessQueue<int>();
        var h = ((ISharedObject)q).Handle;
        q.Dispose();
        handles.Put(h);
        using var results = new ProcessQueue<string>();
        var p = new ChildProcess(() => LifetimeBadInputTargets.AttachSentQueue(handles, results));
        try
        {
            p.Start();
            Assert.StartsWith($"ObjectDisposedException: The shared object '{h}' is gone", results.Get(Bounded.Wait));
            Bounded.Joined(p);
        }
        finally
        {
            Wait.Cleanup(p);
        }
    }
}

public static class LifetimeBadInputTargets
{
    public static void AttachSentQueue(ProcessQueue<string> handles, ProcessQueue<string> results)
    {
        var h = handles.Get(TimeSpan.FromSeconds(30));
        try
        {
            var q = (ProcessQueue<int>)SharedObjects.Attach(typeof(ProcessQueue<int>), h);
            q.Dispose();
            results.Put("attached");
        }
        catch (Exception e)
        {
            results.Put(e.GetType().Name + ": " + e.Message);
        }
    }

    public static void AttachSentHandle(ProcessQueue<string> handles, ProcessQueue<string> results)
    {
        var h = handles.Get(TimeSpan.FromSeconds(30));
        try
        {
            ProcessLock.Attach(h).Dispose();
            results.Put("attached");
        }
        catch (Exception e)
        {
            results.Put(e.GetType().Name + ": " + e.Message);
        }
    }
}

public class PlatformTests
{
    [Fact]
    public void On_another_OS_the_first_use_throws_PlatformNotSupportedException_naming_Linux()
    {
        PlatformSupport.SimulatedOS = "Microsoft Windows 10.0.22631";
        try
        {
            foreach (var use in new Action[]
            {
                () => new ProcessLock().Dispose(),
                () => new ProcessQueue<int>().Dispose(),
                () => new JoinableQueue<int>().Dispose(),
                () => new ChildProcess(() => Targets.Noop()).Start(),
                () => ProcessLock.Attach("lock-00000000000000000000000000000000"),
                () => new ProcessEvent().Dispose(),
                () => new ProcessSemaphore(1).Dispose(),
                () => new ProcessRLock().Dispose(),
                () => new ProcessCondition().Dispose(),
                () => new ProcessBarrier(2).Dispose(),
                () => new SharedValue<int>(1).Dispose(),
                () => new SharedArray<int>(4).Dispose(),
                () => ProcessPipe.Create<int>(),
                () => new ProcessPool(1).Dispose(),
                () => ProcessEvent.Attach("event-00000000000000000000000000000000"),
            })
            {
                var e = Assert.Throws<PlatformNotSupportedException>(use);
                Assert.Contains("Multiproc supports Linux only", e.Message);
                Assert.Contains("Microsoft Windows 10.0.22631", e.Message);
            }
        }
        finally
        {
            PlatformSupport.SimulatedOS = null;
        }
        using var lk = new ProcessLock(); // back on Linux
    }

    [Fact]
    public void The_public_types_say_they_support_Linux()
    {
        var runtime = typeof(ProcessLock).Assembly;
        Assert.Contains(runtime.GetCustomAttributes(typeof(System.Runtime.Versioning.SupportedOSPlatformAttribute), false),
            a => ((System.Runtime.Versioning.SupportedOSPlatformAttribute)a).PlatformName == "linux");
        foreach (var t in runtime.GetExportedTypes())
            Assert.True(t.GetCustomAttributes(typeof(System.Runtime.Versioning.SupportedOSPlatformAttribute), false).Length == 1, t.FullName);
    }
}
