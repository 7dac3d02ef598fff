// Child targets are public static methods of the test classes (the child process calls them by reflection).
#pragma warning disable xUnit1013, CA1416

using System.Diagnostics;
using Multiproc.Internal;

namespace Multiproc.Tests.Queues;

public record Order(int Id, string Name, List<string> Tags, Dictionary<string, double>? Prices);

public struct Point3
{
    public int X;
    public long Y;
    public double Z;
}

public sealed class Holder
{
    public Func<int> Callback { get; set; } = () => 1;
}

public class ProcessQueueTests
{
    private static readonly TimeSpan W = Bounded.Wait;

    // ------------------------------------------------------------------ child targets

    public static void PutStrings(ProcessQueue<string?> q, string[] items)
    {
        foreach (var s in items) q.Put(s);
    }

    public static void EchoOrders(ProcessQueue<Order?> input, ProcessQueue<Order?> output, int n)
    {
        for (var i = 0; i < n; i++) output.Put(input.Get(W));
    }

    public static void EchoLists(ProcessQueue<List<int>?> input, ProcessQueue<List<int>?> output, int n)
    {
        for (var i = 0; i < n; i++) output.Put(input.Get(W));
    }

    public static void EchoRaw(ProcessQueue<byte[]?> bytesIn, ProcessQueue<byte[]?> bytesOut, ProcessQueue<int> intsIn, ProcessQueue<int> intsOut, ProcessQueue<Point3> pointsIn, ProcessQueue<Point3> pointsOut)
    {
        for (var i = 0; i < 3; i++) bytesOut.Put(bytesIn.Get(W));
        for (var i = 0; i < 3; i++) intsOut.Put(intsIn.Get(W));
        pointsOut.Put(pointsIn.Get(W));
    }

    public static void PutBig(ProcessQueue<byte[]> q, int size, int seed)
    {
        q.Put(Pattern(size, seed));
    }

    public static void Produce(ProcessQueue<string?> q, int producer, int count)
    {
        for (var k = 0; k < count; k++) q.Put($"p{producer}-{k}");
    }

    public static void Consume(ProcessQueue<string?> q, ProcessQueue<List<string>> results)
    {
        var got = new List<string>();
        while (q.Get(W) is { } s) got.Add(s);
        results.Put(got);
    }

    public static void StartGrandchild(ProcessQueue<string> q)
    {
        var p = new ChildProcess(() => GrandchildPut(q, Environment.ProcessId));
        p.Start();
        if (!p.Join(W)) throw new TimeoutException("grandchild");
    }

    public static void GrandchildPut(ProcessQueue<string> q, int parentPid) => q.Put($"grandchild of {parentPid}");

    public static void SlowPutter(ProcessQueue<int> q, int count)
    {
        for (var i = 0; i < count; i++)
        {
            q.Put(i);
            if (i % 8 == 0) Thread.Sleep(1);
        }
    }

    internal static byte[] Pattern(int size, int seed)
    {
        var b = GC.AllocateUninitializedArray<byte>(size);
        var x = (uint)seed * 2654435761u + 1;
        for (var i = 0; i < size; i += 4)
        {
            x ^= x << 13; x ^= x >> 17; x ^= x << 5;
            BitConverter.TryWriteBytes(b.AsSpan(i, Math.Min(4, size - i)), x);
            if (size - i < 4) b[i] = (byte)x;
        }
        return b;
    }

    // ------------------------------------------------------------------ tests

    [Fact]
    public void Fifo_items_put_by_parent_then_child_come_out_in_that_order()
    {
        using var q = new ProcessQueue<string?>();
        q.Put("parent-1");
        q.Put("parent-2");
        var child = new ChildProcess(() => PutStrings(q, new[] { "child-1", "child-2", "child-3" }));
        child.Start();
        Bounded.Joined(child);
        q.Put("parent-3");
        var got = Enumerable.Range(0, 6).Select(_ => q.Get(W)).ToArray();
        Assert.Equal(new[] { "parent-1", "parent-2", "child-1", "child-2", "child-3", "parent-3" }, got);
        Assert.True(q.IsEmpty);
    }

    [Fact]
    public void MaxSize_bounds_items_and_full_empty_timeouts_nowait_and_try_forms_behave()
    {
        using var q = new ProcessQueue<int>(maxSize: 3);
        Assert.Equal(3, q.MaxSize);
        Assert.True(q.IsEmpty);
        Assert.False(q.IsFull);
        for (var i = 1; i <= 3; i++)
        {
            q.Put(i);
            Assert.Equal(i, q.Count);
        }
        Assert.True(q.IsFull);
        Assert.Throws<QueueFullException>(() => q.PutNowait(4));
        Assert.False(q.TryPut(4));
        var sw = Stopwatch.StartNew();
        Assert.Throws<QueueFullException>(() => q.Put(4, TimeSpan.FromMilliseconds(200)));
        Assert.InRange(sw.ElapsedMilliseconds, 150, 5000);
        sw.Restart();
        Assert.False(q.TryPut(4, TimeSpan.FromMilliseconds(100)));
        Assert.InRange(sw.ElapsedMilliseconds, 70, 5000);
        Assert.Equal(3, q.Count);

        Assert.Equal(1, q.Get());
        Assert.False(q.IsFull);
        q.PutNowait(4);
        Assert.Equal(2, q.GetNowait());
        Assert.True(q.TryGet(out var three));
        Assert.Equal(3, three);
        Assert.Equal(4, q.Get(W));
        Assert.True(q.IsEmpty);
        Assert.Equal(0, q.Count);

        Assert.Throws<QueueEmptyException>(() => q.GetNowait());
        Assert.False(q.TryGet(out _));
        sw.Restart();
        Assert.Throws<QueueEmptyException>(() => q.Get(TimeSpan.FromMilliseconds(200)));
        Assert.InRange(sw.ElapsedMilliseconds, 150, 5000);
        sw.Restart();
        Assert.False(q.TryGet(out _, TimeSpan.FromMilliseconds(100)));
        Assert.InRange(sw.ElapsedMilliseconds, 70, 5000);
        Assert.Throws<ArgumentOutOfRangeException>(() => q.Get(TimeSpan.FromSeconds(-2)));
    }

    [Fact]
    public void A_blocked_put_resumes_when_a_child_makes_room()
    {
        using var q = new ProcessQueue<string?>(maxSize: 1);
        using var done = new ProcessQueue<string?>();
        q.Put("first");
        var consumer = new ChildProcess(() => EchoStrings(q, done, 2));
        consumer.Start();
        q.Put("second", W); // blocks until the child takes "first"
        Assert.Equal("first", done.Get(W));
        Assert.Equal("second", done.Get(W));
        Bounded.Joined(consumer);
    }

    public static void EchoStrings(ProcessQueue<string?> input, ProcessQueue<string?> output, int n)
    {
        Thread.Sleep(200);
        for (var i = 0; i < n; i++) output.Put(input.Get(W));
    }

    [Fact]
    public void Count_is_exact_after_put_in_the_same_process()
    {
        using var q = new ProcessQueue<string?>();
        for (var i = 1; i <= 100; i++)
        {
            q.Put("item " + i);
            Assert.Equal(i, q.Count);
            Assert.False(q.IsEmpty);
            Assert.False(q.IsFull);
        }
        for (var i = 99; i >= 0; i--)
        {
            q.Get(W);
            Assert.Equal(i, q.Count);
        }
    }

    [Fact]
    public void Records_collections_strings_and_null_round_trip_through_a_child()
    {
        using var ordersIn = new ProcessQueue<Order?>();
        using var ordersOut = new ProcessQueue<Order?>();
        using var listsIn = new ProcessQueue<List<int>?>();
        using var listsOut = new ProcessQueue<List<int>?>();
        using var strings = new ProcessQueue<string?>();
        var orders = new Order?[]
        {
            new(1, "bun", ["hot", "steamed"], new() { ["price"] = 1.5 }),
            null,
            new(2, "soy milk — 豆浆 🥛", [], null),
        };
        foreach (var o in orders) ordersIn.Put(o);
        listsIn.Put([1, 2, 3]);
        listsIn.Put(null);
        listsIn.Put([]);
        var c1 = new ChildProcess(() => EchoOrders(ordersIn, ordersOut, 3));
        var c2 = new ChildProcess(() => EchoLists(listsIn, listsOut, 3));
        var c3 = new ChildProcess(() => PutStrings(strings, new[] { "", "x", null!, "ünïcødé ✓" }));
        c1.Start(); c2.Start(); c3.Start();
        Bounded.Joined(c1); Bounded.Joined(c2); Bounded.Joined(c3);

        for (var i = 0; i < 3; i++)
        {
            var got = ordersOut.Get(W);
            if (orders[i] is null) { Assert.Null(got); continue; }
            Assert.NotNull(got);
            Assert.Equal(orders[i]!.Id, got!.Id);
            Assert.Equal(orders[i]!.Name, got.Name);
            Assert.Equal(orders[i]!.Tags, got.Tags);
            Assert.Equal(orders[i]!.Prices, got.Prices);
        }
        Assert.Equal([1, 2, 3], listsOut.Get(W));
        Assert.Null(listsOut.Get(W));
        Assert.Empty(listsOut.Get(W)!);
        Assert.Equal("", strings.Get(W));
        Assert.Equal("x", strings.Get(W));
        Assert.Null(strings.Get(W));
        Assert.Equal("ünïcødé ✓", strings.Get(W));
    }

    [Fact]
    public void Bytes_ints_and_unmanaged_structs_round_trip_through_a_child()
    {
        using var bIn = new ProcessQueue<byte[]?>();
        using var bOut = new ProcessQueue<byte[]?>();
        using var iIn = new ProcessQueue<int>();
        using var iOut = new ProcessQueue<int>();
        using var pIn = new ProcessQueue<Point3>();
        using var pOut = new ProcessQueue<Point3>();
        bIn.Put([1, 2, 255]);
        bIn.Put([]);
        bIn.Put(null);
        iIn.Put(0); iIn.Put(int.MinValue); iIn.Put(42);
        pIn.Put(new Point3 { X = -7, Y = long.MaxValue, Z = Math.PI });
        var c = new ChildProcess(() => EchoRaw(bIn, bOut, iIn, iOut, pIn, pOut));
        c.Start();
        Bounded.Joined(c);
        Assert.Equal(new byte[] { 1, 2, 255 }, bOut.Get(W));
        Assert.Empty(bOut.Get(W)!);
        Assert.Null(bOut.Get(W));
        Assert.Equal(0, iOut.Get(W));
        Assert.Equal(int.MinValue, iOut.Get(W));
        Assert.Equal(42, iOut.Get(W));
        var p = pOut.Get(W);
        Assert.Equal(-7, p.X);
        Assert.Equal(long.MaxValue, p.Y);
        Assert.Equal(Math.PI, p.Z);
    }

    [Fact]
    public void A_64_MiB_item_goes_through_and_its_file_is_removed()
    {
        using var q = new ProcessQueue<byte[]>();
        const int size = 64 << 20;
        var c = new ChildProcess(() => PutBig(q, size, 7));
        c.Start();
        var got = q.Get(W);
        Bounded.Joined(c);
        Assert.Equal(size, got.Length);
        Assert.True(got.AsSpan().SequenceEqual(Pattern(size, 7)));
        var handle = ((ISharedObject)q).Handle;
        Assert.Empty(Directory.GetFiles(RunDirectory.Current, handle + "-i*"));

        // A large string takes the same path.
        using var s = new ProcessQueue<string>();
        var big = new string('é', 3 << 20);
        s.Put(big);
        Assert.Equal(big, s.Get(W));
    }

    [Fact]
    public void The_ring_grows_when_items_outpace_consumers_and_old_rings_are_removed()
    {
        using var q = new ProcessQueue<string>();
        const int n = 300_000; // ~12 MB of records: more than the first 256 KiB ring
        for (var i = 0; i < n; i++) q.Put("item-" + i.ToString("D26"));
        Assert.Equal(n, q.Count);
        var handle = ((ISharedObject)q).Handle;
        Assert.True(Directory.GetFiles(RunDirectory.Current, handle + "-r*").Length >= 2);
        for (var i = 0; i < n; i++) Assert.Equal("item-" + i.ToString("D26"), q.Get(W));
        Assert.True(q.IsEmpty);
        Assert.False(q.TryGet(out _));
        Assert.Single(Directory.GetFiles(RunDirectory.Current, handle + "-r*"));
    }

    [Fact]
    public void An_unserializable_item_throws_naming_its_type_and_nothing_is_enqueued()
    {
        using var q = new ProcessQueue<Holder>();
        var e = Assert.Throws<ArgumentException>(() => q.Put(new Holder()));
        Assert.Contains("Holder", e.Message);
        Assert.Equal(0, q.Count);
        Assert.False(q.TryGet(out _));

        using var objects = new ProcessQueue<object>();
        var e2 = Assert.Throws<ArgumentException>(() => objects.Put(new Action(() => { })));
        Assert.Contains("Action", e2.Message);
        Assert.Throws<ArgumentException>(() => objects.PutNowait(new MemoryStream()));
        Assert.True(objects.IsEmpty);

        using var pointers = new ProcessQueue<IntPtr>();
        Assert.Contains("IntPtr", Assert.Throws<ArgumentException>(() => pointers.Put(IntPtr.Zero)).Message);
        Assert.Equal(0, pointers.Count);

        // The queue is still fine afterwards.
        objects.Put("ok");
        Assert.Equal("ok", objects.Get(W)?.ToString());
    }

    [Fact]
    public void Four_producers_and_three_consumers_deliver_every_item_exactly_once()
    {
        using var q = new ProcessQueue<string?>();
        using var results = new ProcessQueue<List<string>>();
        const int perProducer = 2000;
        var consumers = Enumerable.Range(0, 3).Select(_ => new ChildProcess(() => Consume(q, results))).ToList();
        var producers = Enumerable.Range(0, 4).Select(p => new ChildProcess(() => Produce(q, p, perProducer))).ToList();
        consumers.ForEach(c => c.Start());
        producers.ForEach(p => p.Start());
        producers.ForEach(p => Bounded.Joined(p));
        for (var i = 0; i < 3; i++) q.Put(null);
        var all = new List<string>();
        for (var i = 0; i < 3; i++) all.AddRange(results.Get(W));
        consumers.ForEach(c => Bounded.Joined(c));

        Assert.Equal(4 * perProducer, all.Count);
        var expected = Enumerable.Range(0, 4).SelectMany(p => Enumerable.Range(0, perProducer).Select(k => $"p{p}-{k}")).ToHashSet();
        Assert.True(expected.SetEquals(all));
        Assert.Equal(all.Count, all.Distinct().Count());
        Assert.True(q.IsEmpty);
    }

    [Fact]
    public async Task Cancelled_GetAsync_loses_no_item()
    {
        using var q = new ProcessQueue<int>();
        using (var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(100)))
        {
            var sw = Stopwatch.StartNew();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await q.GetAsync(cts.Token));
            Assert.InRange(sw.ElapsedMilliseconds, 50, 5000);
        }

        const int n = 400;
        var child = new ChildProcess(() => SlowPutter(q, n));
        child.Start();
        var got = new List<int>();
        var rnd = new Random(1);
        var deadline = Stopwatch.StartNew();
        var cancelled = 0;
        while (got.Count < n && deadline.Elapsed < W)
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromMicroseconds(rnd.Next(0, 3000)));
            try
            {
                got.Add(await q.GetAsync(cts.Token));
            }
            catch (OperationCanceledException)
            {
                cancelled++;
            }
        }
        Bounded.Joined(child);
        Assert.Equal(Enumerable.Range(0, n), got);
        Assert.True(cancelled > 0, "no GetAsync was cancelled: the test did not test anything");
        Assert.True(q.IsEmpty);

        // An uncancelled GetAsync completes when an item comes.
        var pending = q.GetAsync();
        q.Put(99);
        Assert.Equal(99, await pending.AsTask().WaitAsync(W));
    }

    [Fact]
    public async Task Cancelled_PutAsync_enqueues_nothing()
    {
        using var q = new ProcessQueue<string?>(maxSize: 1);
        await q.PutAsync("a");
        using (var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(100)))
            await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await q.PutAsync("cancelled", cts.Token));
        Assert.Equal(1, q.Count);
        var put = q.PutAsync("b").AsTask();
        Assert.False(put.IsCompleted);
        Assert.Equal("a", q.Get(W));
        await put.WaitAsync(W);
        Assert.Equal("b", q.Get(W));
        Assert.False(q.TryGet(out _));
    }

    [Fact]
    public void A_queue_travels_from_child_to_grandchild()
    {
        using var q = new ProcessQueue<string>();
        var child = new ChildProcess(() => StartGrandchild(q));
        child.Start();
        var msg = q.Get(W);
        Bounded.Joined(child);
        Assert.Equal($"grandchild of {child.Pid}", msg);
    }

    [Fact]
    public void Segments_are_private_files_in_the_run_directory()
    {
        using var q = new ProcessQueue<string>();
        var handle = ((ISharedObject)q).Handle;
        var files = Directory.GetFiles(RunDirectory.Current, handle + "*");
        Assert.Equal(2, files.Length); // header and first ring
        foreach (var f in files)
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(f));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(RunDirectory.Current));
        Assert.Matches("^queue-[0-9a-f]{32}$", handle);
    }
}
