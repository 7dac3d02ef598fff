// Child targets are public static methods of the test classes (the child process calls them by reflection).
#pragma warning disable xUnit1013, CA1416

using System.Runtime.CompilerServices;
using Multiproc.Internal;
using Multiproc.Tests.Queues;

namespace Multiproc.Tests.Pipes;

/// <summary>A pipe's segment lives as long as some process holds one of its ends (issue 12, item 1).</summary>
public class PipeLifetimeTests
{
    private static readonly TimeSpan W = TimeSpan.FromSeconds(30);

    /// <summary>The pipe's segment name: its end handle without the <c>:L</c>/<c>:R</c>.</summary>
    private static string SegmentOf<T>(PipeEnd<T> end) => ((ISharedObject)end).Handle[..^2];

    /// <summary>The pipe's files (its segment and large items) in this run's directory.</summary>
    private static string[] FilesOf(string segment) => Directory.GetFiles(RunDirectory.Current, segment + "*");

    // ------------------------------------------------------------------ child targets

    public static void SendNumbersAndReport(PipeEnd<int> end, int n, ProcessQueue<string> results)
    {
        for (var i = 0; i < n; i++) end.Send(i);
        end.Close();
        results.Put("sent");
    }

    public static void ReceiveUntilEndOfStream(PipeEnd<int> end, ProcessQueue<string> results)
    {
        var sum = 0L;
        var count = 0;
        try
        {
            while (true)
            {
                if (!end.TryReceive(out var i, W)) throw new TimeoutException("nothing came in 30 s");
                sum += i;
                count++;
            }
        }
        catch (EndOfStreamException)
        {
            results.Put($"{count} items, sum {sum}, then end of stream");
        }
    }

    public record Holder(string Name, PipeEnd<int> End);

    public static void SendThroughTheHolder(Holder h, int n)
    {
        for (var i = 0; i < n; i++) h.End.Send(i);
    }

    public static void SayAttachedAndHang(PipeEnd<string> end)
    {
        end.Send("attached");
        Thread.Sleep(Timeout.Infinite);
    }

    public static void SayAttachedAndHangBytes(PipeEnd<byte[]> end)
    {
        end.Send("attached"u8.ToArray());
        Thread.Sleep(Timeout.Infinite);
    }

    // ------------------------------------------------------------------ in one process

    [Fact]
    public void Closing_both_ends_removes_the_segment_and_one_end_keeps_it()
    {
        var (left, right) = ProcessPipe.Create<string>();
        var segment = SegmentOf(left);
        left.Send(new string('x', SharedPipe.InlineLimit + 1)); // an item in a file of its own
        right.Send("small");
        Assert.True(FilesOf(segment).Length >= 2);
        Assert.Equal(SharedPipe.InlineLimit + 1, right.Receive().Length);
        right.Close();
        Assert.NotEmpty(FilesOf(segment)); // the left end still holds it
        Assert.Equal("small", left.Receive());
        Assert.Throws<EndOfStreamException>(() => left.Receive());
        left.Close();
        Assert.Empty(FilesOf(segment));
        Assert.Throws<ObjectDisposedException>(() => left.Receive());
        Assert.Throws<ObjectDisposedException>(() => right.Send("x"));
        left.Close(); // twice is fine
    }

    [Fact]
    public void Attaching_an_end_whose_pipe_is_gone_says_so()
    {
        var (left, right) = ProcessPipe.Create<int>();
        var handle = ((ISharedObject)right).Handle;
        left.Close();
        right.Close();
        var e = Assert.Throws<ObjectDisposedException>(() => PipeEnd<int>.Attach(handle));
        Assert.Contains("gone", e.Message);
    }

    [Fact]
    public async Task A_receive_waiting_when_both_ends_close_ends_and_the_segment_goes()
    {
        var (left, right) = ProcessPipe.Create<int>();
        var segment = SegmentOf(left);
        var pending = left.ReceiveAsync().AsTask();
        var blocked = Task.Run(() => Assert.Throws<ObjectDisposedException>(() => right.TryReceive(out _, W)));
        Thread.Sleep(200); // most likely both are waiting now; the test holds either way
        right.Close(); // first: the blocked receive on it must not see the end of stream of the left end
        left.Close();
        // The pending receive may see its sender (the right end) gone before the left end closes: either ends it.
        var e = await Assert.ThrowsAnyAsync<Exception>(() => pending.WaitAsync(W));
        Assert.True(e is ObjectDisposedException or EndOfStreamException, e.ToString());
        await blocked.WaitAsync(W);
        Assert.True(Wait.Until(() => FilesOf(segment).Length == 0, W));
    }

    [Fact]
    public async Task Async_waits_ended_by_closing_both_ends_leave_the_waiter_counts_as_they_found_them()
    {
        var (left, right) = ProcessPipe.Create<byte[]>();
        // A share of the segment of its own: the counts stay readable after this process let the pipe go.
        using var share = SharedSegment.Open(SegmentOf(left));
        // The child holds the right end: closing it here ends no wait of the left end (no end of stream, no broken pipe).
        var p = new ChildProcess(() => SayAttachedAndHangBytes(right));
        try
        {
            p.Start();
            right.Close();
            Assert.True(left.TryReceive(out var hello, W));
            Assert.Equal("attached"u8.ToArray(), hello);
            var receive = left.ReceiveAsync().AsTask(); // waits for an item in ring 0
            var item = new byte[64 * 1024];
            ValueTask send;
            do send = left.SendAsync(item); while (send.IsCompletedSuccessfully); // fills ring 1 (nobody reads it), then waits for room
            var sending = send.AsTask();
            // Counted while they wait (a wait re-arms after each 100 ms slice: a count may be 0 for an instant).
            Assert.True(Wait.Until(() => SharedPipe.WaitersIn(share, 0) == (1, 0) && SharedPipe.WaitersIn(share, 1) == (0, 1), W),
                $"counts {SharedPipe.WaitersIn(share, 0)} {SharedPipe.WaitersIn(share, 1)}");
            left.Close(); // ends both waits and lets the pipe go here at once: the waits finish after it is gone
            await Assert.ThrowsAsync<ObjectDisposedException>(() => receive.WaitAsync(W));
            await Assert.ThrowsAsync<ObjectDisposedException>(() => sending.WaitAsync(W));
            // A count left behind would make the child's sends wake a waiter that no longer exists, for as long as it runs.
            Assert.Equal((0, 0), SharedPipe.WaitersIn(share, 0));
            Assert.Equal((0, 0), SharedPipe.WaitersIn(share, 1));
            Bounded.KillAndReap(p);
        }
        finally
        {
            Wait.Cleanup(p);
        }
    }

    [Fact]
    public void An_unclosed_pipe_collected_by_the_GC_releases_its_segment()
    {
        var segments = MakeAndDrop();
        Assert.True(Wait.Until(() =>
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            return segments.All(s => FilesOf(s).Length == 0);
        }, W), "files left: " + string.Join(", ", segments.SelectMany(FilesOf)));
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static string[] MakeAndDrop()
    {
        var (a, b) = ProcessPipe.Create<string>();
        a.Send("left in the pipe");
        var (c, d) = ProcessPipe.Create<int>(duplex: false);
        d.Send(1);
        c.Close(); // one end closed, the other dropped
        var segments = new[] { SegmentOf(a), SegmentOf(d) };
        Assert.All(segments, s => Assert.NotEmpty(FilesOf(s)));
        return segments;
    }

    [Fact]
    public void Churning_100000_pipes_leaves_only_the_live_ones()
    {
        // A root process of its own, in a private shm root, so that the run directory holds only its files. The
        // root is on tmpfs, as a run's is by default: on a disk file system each pipe costs several times more.
        var root = Directory.CreateDirectory(Path.Combine("/dev/shm", "multiproc-pipe-churn-" + Guid.NewGuid().ToString("N")), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        const int Count = 100_000;
        (int, string, string) run;
        try
        {
            // About 0.4 ms of CPU per pipe (creating, mapping, unmapping and removing a file): two and a half
            // minutes on a 2-core machine with a load average of 40.
            run = TestApp.Run(root.FullName, TimeSpan.FromMinutes(10), "pipe-churn", Count.ToString());
        }
        finally
        {
            root.Delete(recursive: true);
        }
        var (code, stdout, stderr) = run;
        Assert.True(code == 0, stderr);
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith($"pipe-churn {Count} files=1 mapped=1 ", lines[0]);
        Assert.StartsWith("pipe-", lines[1]);
    }

    // ------------------------------------------------------------------ with children

    [Fact]
    public void Ends_sent_to_two_children_work_after_the_parent_closed_both_right_after_Start()
    {
        using var results = new ProcessQueue<string>();
        var (left, right) = ProcessPipe.Create<int>(duplex: false);
        var segment = SegmentOf(left);
        var receiver = new ChildProcess(() => ReceiveUntilEndOfStream(left, results));
        var sender = new ChildProcess(() => SendNumbersAndReport(right, 1000, results));
        try
        {
            receiver.Start();
            left.Close();
            sender.Start();
            right.Close(); // the parent holds nothing now; the children's handles keep the pipe
            Assert.NotEmpty(FilesOf(segment));
            var got = new[] { results.Get(W), results.Get(W) };
            Assert.Contains("sent", got);
            Assert.Contains("1000 items, sum 499500, then end of stream", got);
            Bounded.Joined(receiver);
            Bounded.Joined(sender);
            Assert.Empty(FilesOf(segment));
        }
        finally
        {
            Wait.Cleanup(receiver, sender);
        }
    }

    [Fact]
    public void An_end_inside_an_argument_record_stays_open_in_the_parent_until_it_closes_it()
    {
        var (left, right) = ProcessPipe.Create<int>(duplex: false);
        var p = new ChildProcess(() => SendThroughTheHolder(new Holder("h", right), 3));
        try
        {
            p.Start(); // the round-trip check of the record attaches the end too: that must not close the parent's
            Assert.False(right.IsClosed);
            right.Close();
            for (var i = 0; i < 3; i++)
            {
                Assert.True(left.TryReceive(out var got, W));
                Assert.Equal(i, got);
            }
            Bounded.Joined(p);
            Assert.True(left.Poll(W));
            Assert.Throws<EndOfStreamException>(() => left.Receive());
        }
        finally
        {
            Wait.Cleanup(p);
            left.Close();
        }
    }

    [Fact]
    public void A_child_holding_an_end_and_SIGKILLed_releases_the_segment_once_reaped()
    {
        var (left, right) = ProcessPipe.Create<string>();
        var segment = SegmentOf(left);
        var p = new ChildProcess(() => SayAttachedAndHang(right));
        try
        {
            p.Start();
            right.Close();
            Assert.True(left.TryReceive(out var hello, W));
            Assert.Equal("attached", hello);
            left.Close();
            Assert.NotEmpty(FilesOf(segment)); // the child still holds its end
            Bounded.KillAndReap(p);
            Assert.Empty(FilesOf(segment));
        }
        finally
        {
            Wait.Cleanup(p);
        }
    }
}
