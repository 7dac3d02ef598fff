// Child targets are public static methods of the test classes (the child process calls them by reflection).
#pragma warning disable xUnit1013, CA1416

namespace Multiproc.Tests.Queues;

/// <summary>GetAsync, PutAsync and JoinAsync wait through the process's futex waiter, not a thread each.</summary>
public class AsyncQueueTests
{
    private static readonly TimeSpan W = TimeSpan.FromSeconds(60);

    // ------------------------------------------------------------------ child targets

    public static int ThreadsOfThisProcess() => Directory.GetDirectories("/proc/self/task").Length;

    /// <summary>
    /// Starts <paramref name="perQueue"/> GetAsync on each queue, reports "threads=N" while they are pending, then
    /// checks that queue i delivered exactly i*perQueue .. i*perQueue+perQueue-1 and reports "ok" or what went wrong.
    /// </summary>
    public static async Task AwaitManyGets(ProcessQueue<int>[] queues, int perQueue, ProcessQueue<string> report)
    {
        var tasks = new List<Task<int>>[queues.Length];
        for (var i = 0; i < queues.Length; i++)
        {
            tasks[i] = new List<Task<int>>(perQueue);
            for (var k = 0; k < perQueue; k++) tasks[i].Add(queues[i].GetAsync().AsTask());
        }
        var pending = tasks.Sum(l => l.Count(t => !t.IsCompleted));
        report.Put($"threads={ThreadsOfThisProcess()} pending={pending}");
        try
        {
            await Task.WhenAll(tasks.SelectMany(l => l)).WaitAsync(TimeSpan.FromSeconds(120));
        }
        catch (TimeoutException)
        {
            report.Put($"timeout: {tasks.Sum(l => l.Count(t => !t.IsCompleted))} gets still pending");
            return;
        }
        for (var i = 0; i < queues.Length; i++)
        {
            var got = tasks[i].Select(t => t.Result).Order().ToArray();
            var expected = Enumerable.Range(i * perQueue, perQueue).ToArray();
            if (!got.SequenceEqual(expected))
            {
                report.Put($"queue {i} delivered [{string.Join(",", got.Take(10))}...] instead of {i * perQueue}..{i * perQueue + perQueue - 1}");
                return;
            }
        }
        report.Put($"ok threads-after={ThreadsOfThisProcess()}");
    }

    public static void PutRanges(ProcessQueue<int>[] queues, int from, int to, int perQueue)
    {
        for (var i = from; i < to; i++)
            for (var k = 0; k < perQueue; k++) queues[i].Put(i * perQueue + k);
    }

    public static void PutMany(ProcessQueue<int> q, int from, int count)
    {
        for (var i = from; i < from + count; i++) q.Put(i);
    }

    public static void GetOne(ProcessQueue<int> q, ProcessQueue<int> result) => result.Put(q.Get(TimeSpan.FromSeconds(60)));

    public static void TakeAndMarkDone(JoinableQueue<int> q, int n)
    {
        for (var i = 0; i < n; i++)
        {
            q.Get(TimeSpan.FromSeconds(60));
            q.TaskDone();
        }
    }

    // ------------------------------------------------------------------ tests

    [Fact]
    public void Ten_thousand_pending_GetAsync_on_100_queues_hold_few_threads_and_get_every_item_once()
    {
        const int Queues = 100, PerQueue = 100;
        var queues = Enumerable.Range(0, Queues).Select(_ => new ProcessQueue<int>()).ToArray();
        using var report = new ProcessQueue<string>();
        var getter = new ChildProcess(() => AwaitManyGets(queues, PerQueue, report), "getter");
        var putter = new ChildProcess(() => PutRanges(queues, Queues / 2, Queues, PerQueue), "putter");
        try
        {
            getter.Start();
            var first = report.Get(W);
            Assert.StartsWith("threads=", first);
            var threads = int.Parse(first.Split(' ')[0]["threads=".Length..]);
            Assert.Equal($"pending={Queues * PerQueue}", first.Split(' ')[1]);
            Assert.True(threads < 50, $"{threads} threads with {Queues * PerQueue} pending GetAsync");

            putter.Start(); // half the items from another process, half from this one
            PutRanges(queues, 0, Queues / 2, PerQueue);
            var verdict = report.Get(TimeSpan.FromSeconds(150));
            Assert.StartsWith("ok", verdict);
            Bounded.Joined(putter);
            Bounded.Joined(getter);
            Assert.All(queues, q => Assert.Equal(0, q.Count));
            Console.WriteLine($"10,000 pending GetAsync: {threads} threads in the getter process; {verdict}");
        }
        finally
        {
            Wait.Cleanup(getter, putter);
            foreach (var q in queues) q.Dispose();
        }
    }

    [Fact]
    public async Task A_thousand_GetAsync_on_one_queue_are_served_in_call_order()
    {
        const int Getters = 1000;
        using var q = new ProcessQueue<int>();
        var gets = Enumerable.Range(0, Getters).Select(_ => q.GetAsync().AsTask()).ToArray();
        var putter = new ChildProcess(() => PutMany(q, 0, Getters));
        try
        {
            putter.Start();
            var values = await Task.WhenAll(gets).WaitAsync(W);
            Bounded.Joined(putter);
            Assert.Equal(Enumerable.Range(0, Getters), values); // getter k got item k: one pump, FIFO
            Assert.Equal(0, q.Count);
        }
        finally { Wait.Cleanup(putter); }
    }

    [Fact]
    public async Task Without_futex_waitv_the_fallback_waiter_delivers_too()
    {
        var saved = Platform.FutexWaiter.Shared;
        var fallback = new Platform.KernelWaiter(forceFallback: true);
        Platform.FutexWaiter.Shared = fallback;
        var queues = Enumerable.Range(0, 10).Select(_ => new ProcessQueue<int>(maxSize: 5)).ToArray();
        var putter = new ChildProcess(() => PutRanges(queues, 0, 10, 20));
        try
        {
            var gets = queues.SelectMany(q => Enumerable.Range(0, 20).Select(_ => q.GetAsync().AsTask())).ToArray();
            // The pumps start on the thread pool: wait (bounded) until each queue's one sleeper is in.
            Assert.True(Wait.Until(() => fallback.WordCount == 10, W), $"{fallback.WordCount} words awaited");
            Assert.Equal(10, fallback.ThreadCount); // one thread per distinct word
            putter.Start(); // maxSize 5: the child's puts wait for the async getters to make room
            var values = await Task.WhenAll(gets).WaitAsync(W);
            Bounded.Joined(putter);
            Assert.Equal(Enumerable.Range(0, 200), values.Order());
            var full = new ProcessQueue<int>(maxSize: 1);
            full.Put(0);
            var put = full.PutAsync(1).AsTask();
            Assert.Equal(0, await full.GetAsync().AsTask().WaitAsync(W));
            await put.WaitAsync(W);
            Assert.Equal(1, full.Get(W));
            full.Dispose();
        }
        finally
        {
            Platform.FutexWaiter.Shared = saved;
            Wait.Cleanup(putter);
            foreach (var q in queues) q.Dispose();
        }
    }

    [Fact]
    public async Task A_cancelled_GetAsync_takes_no_item_and_the_item_stays_for_the_next_getter()
    {
        using var q = new ProcessQueue<int>();
        using var cts = new CancellationTokenSource();
        var cancelled = q.GetAsync(cts.Token).AsTask();
        Assert.False(cancelled.IsCompleted);
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled.WaitAsync(W));
        q.Put(7);
        Assert.Equal(1, q.Count);
        Assert.Equal(7, await q.GetAsync().AsTask().WaitAsync(W));
    }

    [Fact]
    public async Task Cancelled_and_live_GetAsync_mixed_lose_and_duplicate_nothing()
    {
        const int Getters = 200, Items = 100;
        using var q = new ProcessQueue<int>();
        var sources = Enumerable.Range(0, Getters).Select(_ => new CancellationTokenSource()).ToArray();
        var gets = sources.Select(s => q.GetAsync(s.Token).AsTask()).ToArray();
        for (var i = 0; i < Getters; i += 2) sources[i].Cancel(); // half cancelled before any item exists
        var putter = new ChildProcess(() => PutMany(q, 0, Items));
        try
        {
            putter.Start();
            Bounded.Joined(putter);
            var live = gets.Where((_, i) => i % 2 == 1).ToArray();
            var values = await Task.WhenAll(live).WaitAsync(W);
            Assert.Equal(Enumerable.Range(0, Items), values.Order());
            for (var i = 0; i < Getters; i += 2)
            {
                var t = gets[i];
                await Assert.ThrowsAnyAsync<OperationCanceledException>(() => t.WaitAsync(W));
            }
            Assert.Equal(0, q.Count);
        }
        finally
        {
            Wait.Cleanup(putter);
            foreach (var s in sources) s.Dispose();
        }
    }

    [Fact]
    public async Task GetAsync_racing_cancellation_returns_an_item_or_leaves_it()
    {
        // Cancel while items arrive: each item is either returned by a get or still in the queue, once.
        const int Items = 300;
        using var q = new ProcessQueue<int>();
        var sources = Enumerable.Range(0, Items).Select(_ => new CancellationTokenSource()).ToArray();
        var gets = sources.Select(s => q.GetAsync(s.Token).AsTask()).ToArray();
        var putter = new ChildProcess(() => PutMany(q, 0, Items));
        try
        {
            putter.Start();
            foreach (var s in sources.Where((_, i) => i % 3 == 0)) s.Cancel();
            Bounded.Joined(putter);
            await Task.WhenAny(Task.WhenAll(gets), Task.Delay(W)); // the cancelled ones fault; wait for all to end
            var taken = new List<int>();
            for (var i = 0; i < Items; i++)
            {
                var t = gets[i];
                if (i % 3 != 0) taken.Add(await t.WaitAsync(W));
                else if (t.IsCompletedSuccessfully) taken.Add(t.Result); // took its item before the cancellation
                else Assert.True(t.IsCanceled);
            }
            while (q.TryGet(out var left)) taken.Add(left);
            Assert.Equal(Enumerable.Range(0, Items), taken.Order());
        }
        finally
        {
            Wait.Cleanup(putter);
            foreach (var s in sources) s.Dispose();
        }
    }

    [Fact]
    public async Task PutAsync_on_a_full_bounded_queue_completes_when_a_child_makes_room()
    {
        using var q = new ProcessQueue<int>(maxSize: 2);
        using var result = new ProcessQueue<int>();
        q.Put(1);
        q.Put(2);
        var put = q.PutAsync(3).AsTask();
        Assert.False(put.IsCompleted);
        var getter = new ChildProcess(() => GetOne(q, result));
        try
        {
            getter.Start();
            await put.WaitAsync(W);
            Bounded.Joined(getter);
            Assert.Equal(1, result.Get(W));
            Assert.Equal(2, q.Get(W));
            Assert.Equal(3, q.Get(W));
        }
        finally { Wait.Cleanup(getter); }
    }

    [Fact]
    public async Task A_cancelled_PutAsync_puts_nothing()
    {
        using var q = new ProcessQueue<string>(maxSize: 1);
        q.Put("a");
        using var cts = new CancellationTokenSource();
        var put = q.PutAsync("b", cts.Token).AsTask();
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => put.WaitAsync(W));
        Assert.Equal("a", q.Get(W));
        Assert.False(q.TryGet(out _));
    }

    [Fact]
    public async Task Many_PutAsync_on_a_full_queue_all_land_as_room_appears()
    {
        using var q = new ProcessQueue<int>(maxSize: 3);
        for (var i = 0; i < 3; i++) q.Put(i);
        var puts = Enumerable.Range(3, 50).Select(i => q.PutAsync(i).AsTask()).ToArray();
        var got = new List<int>();
        for (var i = 0; i < 53; i++) got.Add(await q.GetAsync().AsTask().WaitAsync(W));
        await Task.WhenAll(puts).WaitAsync(W);
        Assert.Equal(Enumerable.Range(0, 53), got.Order());
    }

    [Fact]
    public async Task Disposing_a_queue_ends_its_pending_GetAsync_with_ObjectDisposedException()
    {
        var q = new ProcessQueue<int>();
        var get = q.GetAsync().AsTask();
        q.Dispose();
        await Assert.ThrowsAsync<ObjectDisposedException>(() => get.WaitAsync(W));
    }

    [Fact]
    public async Task JoinableQueue_JoinAsync_completes_when_a_child_marked_every_item_done()
    {
        using var q = new JoinableQueue<int>();
        await q.JoinAsync().WaitAsync(W); // nothing put: done at once
        q.Put(1);
        q.Put(2);
        var join = q.JoinAsync();
        Assert.False(join.IsCompleted);
        using (var cts = new CancellationTokenSource())
        {
            var cancelled = q.JoinAsync(cts.Token);
            cts.Cancel();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled.WaitAsync(W));
        }
        var worker = new ChildProcess(() => TakeAndMarkDone(q, 2));
        try
        {
            worker.Start();
            await join.WaitAsync(W);
            Bounded.Joined(worker);
        }
        finally { Wait.Cleanup(worker); }
    }
}
