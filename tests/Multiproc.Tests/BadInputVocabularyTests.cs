using System.Runtime.CompilerServices;
using Multiproc.Internal;

namespace Multiproc.Tests;

/// <summary>
/// Disposed primitives of the vocabulary beyond locks and queues (events, semaphores, re-entrant locks, conditions,
/// barriers, shared values and arrays, pipes, pools): every member says so, disposing twice does nothing, an async
/// wait pending at Dispose fails with <see cref="ObjectDisposedException"/> instead of touching unmapped memory, and
/// an undisposed one collected by the GC releases its files (issue 12).
/// </summary>
public class BadInputVocabularyTests
{
    private static readonly TimeSpan Short = TimeSpan.FromMilliseconds(10);

    private static string Handle(object primitive) => ((ISharedObject)primitive).Handle;

    private static string[] FilesOf(string handle) =>
        SharedSegment.NamesIn(handle).SelectMany(n => Directory.GetFiles(RunDirectory.Current, n + "*")).ToArray();

    internal static void AssertDisposed(Action use, string typeName)
    {
        var e = Assert.Throws<ObjectDisposedException>(use);
        Assert.Contains(typeName, e.Message);
        Assert.Contains("disposed", e.Message);
    }

    /// <summary>The task fails with ObjectDisposedException naming <paramref name="typeName"/>, within a generous bound.</summary>
    internal static async Task AssertFailsDisposed(Task task, string typeName)
    {
        var first = await Task.WhenAny(task, Task.Delay(Wait.Long));
        Assert.True(ReferenceEquals(first, task), $"the pending wait did not end within {Wait.Long} after Dispose");
        var e = await Assert.ThrowsAsync<ObjectDisposedException>(() => task);
        Assert.Contains(typeName, e.Message);
    }

    // ------------------------------------------------------------------ ProcessEvent

    [Fact]
    public void Every_member_of_a_disposed_ProcessEvent_throws_ObjectDisposedException()
    {
        var ev = new ProcessEvent();
        ev.Set();
        ev.Dispose();
        const string name = "ProcessEvent";
        AssertDisposed(() => _ = ev.IsSet, name);
        AssertDisposed(() => ev.Set(), name);
        AssertDisposed(() => ev.Clear(), name);
        AssertDisposed(() => ev.Wait(), name);
        AssertDisposed(() => ev.Wait(Short), name);
        AssertDisposed(() => ev.Wait(TimeSpan.Zero), name);
        AssertDisposed(() => ev.WaitAsync(), name);
        AssertDisposed(() => ev.WaitAsync(Short), name);
        AssertDisposed(() => _ = Handle(ev), name);
    }

    [Fact]
    public async Task Disposing_a_ProcessEvent_fails_its_pending_async_waits_with_ObjectDisposedException()
    {
        var ev = new ProcessEvent();
        using var other = ProcessEvent.Attach(Handle(ev));
        var forever = ev.WaitAsync();
        var timed = ev.WaitAsync(TimeSpan.FromMinutes(10));
        Assert.False(forever.IsCompleted);
        ev.Dispose();
        await AssertFailsDisposed(forever, "ProcessEvent");
        await AssertFailsDisposed(timed, "ProcessEvent");
        // The other attachment goes on.
        var waiting = other.WaitAsync(Wait.Long);
        other.Set();
        Assert.True(await waiting);
    }

    // ------------------------------------------------------------------ ProcessSemaphore

    [Fact]
    public void Every_member_of_a_disposed_ProcessSemaphore_throws_ObjectDisposedException()
    {
        var sem = new ProcessSemaphore(1, 2);
        sem.Dispose();
        const string name = "ProcessSemaphore";
        AssertDisposed(() => _ = sem.CurrentCount, name);
        AssertDisposed(() => _ = sem.MaxCount, name);
        AssertDisposed(() => sem.Acquire(), name);
        AssertDisposed(() => sem.TryAcquire(Short), name);
        AssertDisposed(() => sem.TryAcquire(TimeSpan.Zero), name);
        AssertDisposed(() => sem.AcquireAsync(), name);
        AssertDisposed(() => sem.Release(), name);
        AssertDisposed(() => sem.Hold(), name);
        AssertDisposed(() => _ = Handle(sem), name);
    }

    [Fact]
    public void A_semaphore_disposed_inside_its_Hold_scope_says_so_when_the_scope_ends()
    {
        var sem = new ProcessSemaphore(1);
        var scope = sem.Hold();
        sem.Dispose();
        AssertDisposed(() => scope.Dispose(), "ProcessSemaphore");
    }

    [Fact]
    public async Task Disposing_a_ProcessSemaphore_fails_its_pending_async_acquire_and_takes_nothing()
    {
        var sem = new ProcessSemaphore(0);
        using var other = ProcessSemaphore.Attach(Handle(sem));
        var pending = sem.AcquireAsync();
        Assert.False(pending.IsCompleted);
        sem.Dispose();
        await AssertFailsDisposed(pending, "ProcessSemaphore");
        other.Release();
        Assert.Equal(1, other.CurrentCount);
        Assert.True(other.TryAcquire(TimeSpan.Zero));
    }

    // ------------------------------------------------------------------ ProcessRLock

    [Fact]
    public void Every_member_of_a_disposed_ProcessRLock_throws_ObjectDisposedException()
    {
        var rl = new ProcessRLock();
        rl.Dispose();
        const string name = "ProcessRLock";
        AssertDisposed(() => _ = rl.IsHeldByCurrentThread, name);
        AssertDisposed(() => rl.Acquire(), name);
        AssertDisposed(() => rl.TryAcquire(Short), name);
        AssertDisposed(() => rl.TryAcquire(TimeSpan.Zero), name);
        AssertDisposed(() => rl.Release(), name);
        AssertDisposed(() => rl.Hold(), name);
        AssertDisposed(() => _ = Handle(rl), name);
    }

    [Fact]
    public void An_rlock_disposed_inside_its_Hold_scope_says_so_when_the_scope_ends()
    {
        var rl = new ProcessRLock();
        var scope = rl.Hold();
        rl.Dispose();
        AssertDisposed(() => scope.Dispose(), "ProcessRLock");
    }

    // ------------------------------------------------------------------ ProcessBarrier

    [Fact]
    public void Every_member_of_a_disposed_ProcessBarrier_throws_ObjectDisposedException()
    {
        var b = new ProcessBarrier(2);
        b.Dispose();
        const string name = "ProcessBarrier";
        AssertDisposed(() => _ = b.Parties, name);
        AssertDisposed(() => _ = b.IsBroken, name);
        AssertDisposed(() => _ = b.WaitingCount, name);
        AssertDisposed(() => b.Wait(), name);
        AssertDisposed(() => b.Wait(Short), name);
        AssertDisposed(() => b.Abort(), name);
        AssertDisposed(() => b.Reset(), name);
        AssertDisposed(() => b.WaitAsync(), name);
        AssertDisposed(() => b.WaitAsync(Short), name);
        AssertDisposed(() => _ = Handle(b), name);
    }

    [Fact]
    public async Task Disposing_a_ProcessBarrier_fails_its_pending_async_wait_and_breaks_the_barrier()
    {
        var b = new ProcessBarrier(2);
        using var other = ProcessBarrier.Attach(Handle(b));
        var pending = b.WaitAsync();
        Assert.False(pending.IsCompleted);
        Assert.Equal(1, other.WaitingCount);
        b.Dispose();
        await AssertFailsDisposed(pending, "ProcessBarrier");
        // The party that arrived cannot take its arrival back: the others are told, not left waiting.
        Assert.True(other.IsBroken);
        Assert.Throws<BrokenBarrierException>(() => other.Wait(Wait.Long));
        other.Reset();
        Assert.False(other.IsBroken);
    }

    // ------------------------------------------------------------------ ProcessCondition

    [Fact]
    public void Every_member_of_a_disposed_ProcessCondition_throws_ObjectDisposedException()
    {
        using var lk = new ProcessLock();
        foreach (var cond in new[] { new ProcessCondition(), new ProcessCondition(lk) })
        {
            cond.Dispose();
            const string name = "ProcessCondition";
            AssertDisposed(() => _ = cond.Lock, name);
            AssertDisposed(() => cond.Acquire(), name);
            AssertDisposed(() => cond.TryAcquire(Short), name);
            AssertDisposed(() => cond.Release(), name);
            AssertDisposed(() => cond.Hold(), name);
            AssertDisposed(() => cond.Wait(), name);
            AssertDisposed(() => cond.Wait(Short), name);
            AssertDisposed(() => cond.WaitAsync(), name);
            AssertDisposed(() => cond.WaitAsync(Short), name);
            AssertDisposed(() => cond.WaitFor(() => true), name);
            AssertDisposed(() => cond.Notify(), name);
            AssertDisposed(() => cond.NotifyAll(), name);
            AssertDisposed(() => _ = Handle(cond), name);
        }
        // A lock the caller gave stays the caller's.
        using (lk.Hold()) { }
    }

    [Fact]
    public async Task Disposing_a_ProcessCondition_fails_its_pending_async_wait_and_frees_its_slot()
    {
        var cond = new ProcessCondition();
        using var other = ProcessCondition.Attach(Handle(cond));
        cond.Acquire();
        var pending = cond.WaitAsync();
        Assert.False(pending.IsCompleted);
        cond.Dispose();
        await AssertFailsDisposed(pending, "ProcessCondition");
        // The wait released the lock and never took it back, and its slot (older) takes no notify: the next waiter gets it.
        other.Acquire();
        var next = other.WaitAsync(Wait.Long);
        using (other.Hold()) other.Notify();
        Assert.True(await next.WaitAsync(Wait.Long));
        other.Release();
    }

    // ------------------------------------------------------------------ SharedValue, SharedValueExtensions, SharedArray

    [Fact]
    public void Every_member_of_a_disposed_SharedValue_throws_ObjectDisposedException()
    {
        var v = new SharedValue<int>(5);
        var l = new SharedValue<long>(5);
        var d = new SharedValue<double>(5);
        v.Dispose();
        l.Dispose();
        d.Dispose();
        const string name = "SharedValue";
        AssertDisposed(() => _ = v.Value, name);
        AssertDisposed(() => v.Value = 1, name);
        AssertDisposed(() => _ = v.Lock, name);
        AssertDisposed(() => _ = Handle(v), name);
        AssertDisposed(() => v.Add(1), name);
        AssertDisposed(() => v.CompareExchange(5, 6), name);
        AssertDisposed(() => l.Add(1), name);
        AssertDisposed(() => l.CompareExchange(5, 6), name);
        AssertDisposed(() => d.Add(1), name);
        Assert.Contains("disposed", v.ToString()); // formatting never throws
    }

    [Fact]
    public void Every_member_of_a_disposed_SharedArray_throws_ObjectDisposedException()
    {
        var a = new SharedArray<int>([1, 2, 3]);
        a.Dispose();
        const string name = "SharedArray";
        AssertDisposed(() => _ = a.Length, name);
        AssertDisposed(() => _ = a[0], name);
        AssertDisposed(() => a[0] = 1, name);
        AssertDisposed(() => _ = a[99], name); // disposed, whatever the index
        AssertDisposed(() => a.ToArray(), name);
        AssertDisposed(() => _ = a.Lock, name);
        AssertDisposed(() => _ = Handle(a), name);
    }

    // ------------------------------------------------------------------ PipeEnd

    [Fact]
    public void Every_member_of_a_closed_PipeEnd_throws_ObjectDisposedException()
    {
        var (left, right) = ProcessPipe.Create<int>();
        left.Dispose();
        right.Close();
        foreach (var end in new[] { left, right })
        {
            const string name = "PipeEnd";
            AssertDisposed(() => _ = end.CanSend, name);
            AssertDisposed(() => _ = end.CanReceive, name);
            AssertDisposed(() => end.Send(1), name);
            AssertDisposed(() => end.Receive(), name);
            AssertDisposed(() => end.TryReceive(out _), name);
            AssertDisposed(() => end.TryReceive(out _, Short), name);
            AssertDisposed(() => end.Poll(), name);
            AssertDisposed(() => end.SendAsync(1), name);
            AssertDisposed(() => end.ReceiveAsync(), name);
            AssertDisposed(() => _ = Handle(end), name);
            Assert.True(end.IsClosed); // the state query still answers
            Assert.Contains("closed", end.ToString());
            end.Close();
            end.Dispose();
        }
    }

    [Fact]
    public async Task Closing_a_PipeEnd_fails_its_pending_async_receive_with_ObjectDisposedException()
    {
        var (left, right) = ProcessPipe.Create<int>();
        var pending = left.ReceiveAsync().AsTask();
        Assert.False(pending.IsCompleted);
        left.Close();
        await AssertFailsDisposed(pending, "PipeEnd");
        right.Close();
    }

    [Fact]
    public async Task Closing_a_PipeEnd_fails_its_pending_async_send_having_sent_nothing()
    {
        var (left, right) = ProcessPipe.Create<byte[]>();
        var item = new byte[200_000]; // inline, about a fifth of the buffer
        var sent = 0;
        Task pending;
        while (true)
        {
            var t = right.SendAsync(item);
            if (!t.IsCompleted)
            {
                pending = t.AsTask();
                break;
            }
            await t;
            sent++;
            Assert.True(sent < 100, "the pipe's buffer never filled");
        }
        right.Close();
        await AssertFailsDisposed(pending, "PipeEnd");
        var received = 0;
        while (true)
        {
            try
            {
                Assert.True(left.TryReceive(out _, Wait.Long), "a receive found neither an item nor the end of the stream");
                received++;
            }
            catch (EndOfStreamException)
            {
                break;
            }
        }
        Assert.Equal(sent, received);
        left.Close();
    }

    // ------------------------------------------------------------------ ProcessPool

    [Fact]
    public void Every_member_of_a_disposed_ProcessPool_throws_ObjectDisposedException_and_its_unfinished_tasks_fail_with_it()
    {
        var pool = new ProcessPool(1);
        var running = pool.ApplyAsync(() => Pool.PoolTargets.SleepFor(60_000));
        var queued = pool.MapAsync(new[] { 1, 2, 3 }, x => Pool.PoolTargets.Square(x));
        pool.Dispose();
        var e1 = Assert.IsType<ObjectDisposedException>(Pool.Bounded.Outcome(running));
        Assert.Contains("ProcessPool", e1.Message);
        var e2 = Assert.IsType<ObjectDisposedException>(Pool.Bounded.Outcome(queued));
        Assert.Contains("ProcessPool", e2.Message);
        const string name = "ProcessPool";
        AssertDisposed(() => _ = pool.Processes, name);
        AssertDisposed(() => _ = pool.WorkerPids, name);
        AssertDisposed(() => pool.Apply(() => Pool.PoolTargets.Square(2)), name);
        AssertDisposed(() => pool.ApplyAsync(() => Pool.PoolTargets.Square(2)), name);
        AssertDisposed(() => pool.ApplyAsync(() => Pool.PoolTargets.Touch("x")), name);
        AssertDisposed(() => pool.Map(new[] { 1 }, x => Pool.PoolTargets.Square(x)), name);
        AssertDisposed(() => pool.MapAsync(new[] { 1 }, x => Pool.PoolTargets.Square(x)), name);
        AssertDisposed(() => pool.Imap(new[] { 1 }, x => Pool.PoolTargets.Square(x)), name);
        AssertDisposed(() => pool.ImapUnordered(new[] { 1 }, x => Pool.PoolTargets.Square(x)), name);
        AssertDisposed(() => pool.Close(), name);
        AssertDisposed(() => pool.Terminate(), name);
        AssertDisposed(() => pool.Join(), name);
        pool.Dispose();
        Assert.True(pool.DisposeAsync().IsCompletedSuccessfully);
    }

    // ------------------------------------------------------------------ all kinds

    [Fact]
    public void Disposing_twice_does_nothing()
    {
        foreach (var make in Makers())
        {
            var d = make();
            d.Dispose();
            d.Dispose();
        }
    }

    [Fact]
    public void Undisposed_primitives_collected_by_the_GC_release_their_files()
    {
        var handles = MakeAndDrop();
        Assert.True(Multiproc.Tests.Wait.Until(() =>
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            return handles.All(h => FilesOf(h).Length == 0);
        }, TimeSpan.FromSeconds(30)), "files left: " + string.Join(", ", handles.SelectMany(FilesOf)));
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static string[] MakeAndDrop()
    {
        var handles = Makers().Select(make => make()).OfType<ISharedObject>().Select(o => o.Handle).ToArray();
        Assert.All(handles, h => Assert.NotEmpty(FilesOf(h)));
        return handles;
    }

    /// <summary>One of each kind of primitive, used once.</summary>
    private static IEnumerable<Func<IDisposable>> Makers() =>
    [
        () => { var e = new ProcessEvent(); e.Set(); return e; },
        () => { var s = new ProcessSemaphore(1); s.Acquire(); return s; },
        () => { var r = new ProcessRLock(); r.Acquire(); r.Release(); return r; },
        () => { var b = new ProcessBarrier(1); b.Wait(); return b; },
        () => { var c = new ProcessCondition(); using (c.Hold()) c.NotifyAll(); return c; },
        () => { var v = new SharedValue<long>(1); v.Add(2); return v; },
        () => { var a = new SharedArray<int>(4); a[1] = 2; return a; },
    ];

    [Fact]
    public void Attaching_a_handle_whose_segment_is_gone_says_so_for_every_kind()
    {
        var attachers = new Dictionary<string, Func<string, IDisposable>>
        {
            ["event"] = ProcessEvent.Attach,
            ["semaphore"] = ProcessSemaphore.Attach,
            ["rlock"] = ProcessRLock.Attach,
            ["barrier"] = ProcessBarrier.Attach,
            ["condition"] = ProcessCondition.Attach,
            ["value"] = SharedValue<long>.Attach,
            ["array"] = SharedArray<int>.Attach,
        };
        var made = Makers().Select(make => make()).ToArray();
        var handles = made.Select(Handle).ToArray();
        foreach (var d in made) d.Dispose();
        Assert.Equal(attachers.Count, handles.Length);
        foreach (var ((kind, attach), h) in attachers.Zip(handles))
        {
            var e = Assert.Throws<ObjectDisposedException>(() => attach(h));
            Assert.Contains("is gone", e.Message);
            Assert.Contains(SharedSegment.NamesIn(h).First(n => e.Message.Contains(n)), e.Message);
            Assert.True(FilesOf(h).Length == 0, kind);
        }
    }
}
