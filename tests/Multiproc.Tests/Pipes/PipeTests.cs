// Child targets are public static methods of the test classes (the child process calls them by reflection).
#pragma warning disable xUnit1013, CA1416

namespace Multiproc.Tests.Pipes;

public record Message(int Id, string Text);

public class PipeTests
{
    private static readonly TimeSpan W = TimeSpan.FromSeconds(30);

    // ------------------------------------------------------------------ child targets

    public static void Echo(PipeEnd<Message?> end, int n)
    {
        for (var i = 0; i < n; i++)
        {
            if (!end.TryReceive(out var m, W)) throw new TimeoutException("echo");
            end.Send(m is null ? null : m with { Text = m.Text + "!" });
        }
    }

    public static void EchoBytes(PipeEnd<byte[]> end)
    {
        if (!end.TryReceive(out var b, W)) throw new TimeoutException("echo bytes");
        end.Send(b);
    }

    public static void SendThenCloseAndWait(PipeEnd<int> end, int n, ProcessQueue<int> done)
    {
        for (var i = 0; i < n; i++) end.Send(i);
        end.Close();
        done.Get(W); // alive, but done with the end
    }

    public static void SendThenHang(PipeEnd<string> end)
    {
        end.Send("ready");
        Thread.Sleep(W);
    }

    public static void SendNumbers(PipeEnd<int> end, int n)
    {
        for (var i = 0; i < n; i++) end.Send(i);
    }

    public static void SendOwned(PipeEnd<string> end, int n, ProcessQueue<int> go)
    {
        end.Send("A-0");
        go.Get(W);
        for (var i = 1; i < n; i++) end.Send($"A-{i}");
        go.Get(W); // alive (and owning the end) until the parent has checked
    }

    public static void TrySendOnSharedEnd(PipeEnd<string> end, ProcessQueue<string> results)
    {
        try
        {
            end.Send("B-0");
            results.Put("sent");
        }
        catch (InvalidOperationException e)
        {
            results.Put(e.Message);
        }
        try
        {
            end.TryReceive(out _);
            results.Put("received");
        }
        catch (InvalidOperationException e)
        {
            results.Put(e.Message);
        }
    }

    public static void SendOne(PipeEnd<string> end, string text) => end.Send(text);

    public static void WaitThenSend(PipeEnd<int> end, ProcessQueue<int> go, int a, int b)
    {
        go.Get(W);
        end.Send(a);
        end.Send(b);
    }

    public static void SendTwoAndStay(PipeEnd<int> end, ProcessQueue<int> go, int a, int b)
    {
        end.Send(a);
        end.Send(b);
        go.Get(W);
    }

    /// <summary>Sends checkable items (every tenth one large enough to travel through a file) until killed.</summary>
    public static void SendForever(PipeEnd<byte[]> end)
    {
        for (var i = 0; ; i++) end.Send(Checkable(i, i % 10 == 9 ? 300_000 : 1_000 + i % 500));
    }

    private static byte[] Checkable(int seq, int size)
    {
        var b = new byte[size];
        BitConverter.TryWriteBytes(b, seq);
        for (var k = 4; k < size; k++) b[k] = (byte)(seq * 31 + k);
        return b;
    }

    public static void HandToGrandchild(PipeEnd<string> end)
    {
        var g = new ChildProcess(() => SendOne(end, $"grandchild of {Environment.ProcessId}"));
        g.Start();
        end.Close(); // right after Start(): the grandchild's hold began inside Start()
        if (!g.Join(W)) throw new TimeoutException("grandchild");
    }

    public static void SendAfter(PipeEnd<int> end, int delayMs, int value)
    {
        Thread.Sleep(delayMs);
        end.Send(value);
    }

    // ------------------------------------------------------------------ helpers

    /// <summary>Receive with a bound: Poll first, so that a bug fails the test instead of hanging it.</summary>
    private static T Next<T>(PipeEnd<T> end)
    {
        Assert.True(end.Poll(W), "nothing arrived within the bound");
        return end.Receive();
    }

    private static void AssertEof<T>(PipeEnd<T> end)
    {
        Assert.True(end.Poll(W), "no end of stream within the bound");
        Assert.Throws<EndOfStreamException>(() => end.Receive());
        Assert.Throws<EndOfStreamException>(() => end.TryReceive(out _));
    }

    // ------------------------------------------------------------------ tests

    [Fact]
    public void Ping_pong_with_a_child()
    {
        var (left, right) = ProcessPipe.Create<Message?>();
        const int n = 500;
        var p = new ChildProcess(() => Echo(right, n + 1));
        try
        {
            p.Start();
            right.Close();
            for (var i = 0; i < n; i++)
            {
                left.Send(new Message(i, "m" + i));
                Assert.Equal(new Message(i, "m" + i + "!"), Next(left));
            }
            left.Send(null); // null is an item
            Assert.Null(Next(left));
            Wait.Joined(p);
            Assert.Equal(0, p.ExitCode);
            AssertEof(left); // the child ended: its end is closed everywhere
        }
        finally
        {
            Wait.Cleanup(p);
            left.Close();
        }
    }

    [Fact]
    public void Receive_after_the_peer_closed_everywhere_drains_then_throws_end_of_stream()
    {
        var (left, right) = ProcessPipe.Create<int>();
        using var done = new ProcessQueue<int>();
        var p = new ChildProcess(() => SendThenCloseAndWait(right, 3, done));
        try
        {
            p.Start();
            right.Close(); // as in Python: the parent closes its copy of the child's end (the child still holds it)
            for (var i = 0; i < 3; i++) Assert.Equal(i, Next(left));
            AssertEof(left);
            Assert.True(p.IsAlive); // closed, not ended
            done.Put(0);
            Wait.Joined(p);
            Assert.Equal(0, p.ExitCode);
        }
        finally
        {
            Wait.Cleanup(p);
            left.Close();
        }
    }

    [Fact]
    public void End_of_stream_and_broken_pipe_within_one_process()
    {
        var (left, right) = ProcessPipe.Create<string?>();
        right.Send("a");
        right.Send(null);
        right.Close();
        Assert.Equal("a", left.Receive());
        Assert.Null(left.Receive());
        Assert.Throws<EndOfStreamException>(() => left.Receive());
        var e = Assert.Throws<IOException>(() => left.Send("x"));
        Assert.Contains("closed", e.Message);
        Assert.Throws<ObjectDisposedException>(() => right.Send("x"));
        left.Close();
        left.Close(); // twice is fine
        Assert.True(left.IsClosed);
    }

    [Fact]
    public void A_peer_holder_killed_counts_as_closed()
    {
        var (left, right) = ProcessPipe.Create<string>();
        var p = new ChildProcess(() => SendThenHang(right));
        try
        {
            p.Start();
            right.Close();
            Assert.Equal("ready", Next(left));
            Assert.False(left.Poll(TimeSpan.FromMilliseconds(300))); // the child holds its end: no EOF yet
            p.Kill();
            Assert.True(p.Join(W));
            AssertEof(left);
            Assert.Throws<IOException>(() => left.Send("to no one"));
        }
        finally
        {
            Wait.Cleanup(p);
            left.Close();
        }
    }

    [Fact]
    public void A_sender_killed_mid_stream_leaves_only_whole_items_then_end_of_stream()
    {
        var (left, right) = ProcessPipe.Create<byte[]>(duplex: false);
        var p = new ChildProcess(() => SendForever(right));
        try
        {
            p.Start();
            right.Close();
            var expected = 0;
            void Check(byte[] b)
            {
                var seq = BitConverter.ToInt32(b);
                Assert.Equal(expected, seq);
                Assert.Equal(seq % 10 == 9 ? 300_000 : 1_000 + seq % 500, b.Length);
                for (var k = 4; k < b.Length; k++)
                    if (b[k] != (byte)(seq * 31 + k)) Assert.Fail($"item {seq} is torn at byte {k}");
                expected++;
            }
            for (var i = 0; i < 200; i++) Check(Next(left));
            p.Kill(); // somewhere in the middle of a send, most likely
            Assert.True(p.Join(W));
            Assert.True(left.Poll(W));
            while (true)
            {
                try
                {
                    Check(left.Receive());
                }
                catch (EndOfStreamException)
                {
                    break;
                }
            }
            // Items the sender had completed before the kill may or may not be there (a loaded machine can deschedule it
            // right after item 199): what matters is that each one is whole and in order, and that the end comes.
            Assert.True(expected >= 200);
        }
        finally
        {
            Wait.Cleanup(p);
            left.Close();
        }
    }

    [Fact]
    public void An_end_travels_on_to_a_grandchild()
    {
        var (left, right) = ProcessPipe.Create<string>();
        var p = new ChildProcess(() => HandToGrandchild(right));
        try
        {
            p.Start();
            right.Close();
            Assert.Equal($"grandchild of {p.Pid}", Next(left));
            Wait.Joined(p);
            AssertEof(left);
        }
        finally
        {
            Wait.Cleanup(p);
            left.Close();
        }
    }

    public sealed class WithCallback
    {
        public Func<int> Callback { get; set; } = () => 1;
    }

    [Fact]
    public void An_item_that_cannot_travel_is_refused_at_Send_and_nothing_is_sent()
    {
        var (left, right) = ProcessPipe.Create<WithCallback>();
        try
        {
            var e = Assert.Throws<ArgumentException>(() => right.Send(new WithCallback()));
            Assert.Contains(nameof(WithCallback), e.Message);
            Assert.Equal("item", e.ParamName);
            right.Send(null!); // the pipe still works
            Assert.True(left.TryReceive(out var got));
            Assert.Null(got);
            Assert.False(left.Poll());
        }
        finally
        {
            left.Close();
            right.Close();
        }
    }

    [Fact]
    public void One_way_pipe_enforces_its_directions()
    {
        var (left, right) = ProcessPipe.Create<int>(duplex: false);
        try
        {
            Assert.False(left.CanSend);
            Assert.True(left.CanReceive);
            Assert.True(right.CanSend);
            Assert.False(right.CanReceive);
            var e1 = Assert.Throws<InvalidOperationException>(() => left.Send(1));
            Assert.Contains("only receives", e1.Message);
            var e2 = Assert.Throws<InvalidOperationException>(() => right.Receive());
            Assert.Contains("only sends", e2.Message);
            Assert.Throws<InvalidOperationException>(() => right.TryReceive(out _));
            Assert.Throws<InvalidOperationException>(() => right.Poll());
            Assert.Throws<InvalidOperationException>(() => { _ = right.ReceiveAsync(); });
            Assert.Throws<InvalidOperationException>(() => { _ = left.SendAsync(1); });

            var p = new ChildProcess(() => SendNumbers(right, 1000));
            try
            {
                p.Start();
                right.Close();
                for (var i = 0; i < 1000; i++) Assert.Equal(i, Next(left));
                Wait.Joined(p);
                AssertEof(left);
            }
            finally
            {
                Wait.Cleanup(p);
            }
        }
        finally
        {
            left.Close();
            right.Close();
        }
    }

    [Fact]
    public void A_16_MiB_item_goes_through_both_ways()
    {
        var (left, right) = ProcessPipe.Create<byte[]>();
        var item = new byte[16 << 20];
        new Random(13).NextBytes(item);
        var p = new ChildProcess(() => EchoBytes(right));
        try
        {
            p.Start();
            right.Close();
            left.Send(item);
            var back = Next(left);
            Assert.True(item.AsSpan().SequenceEqual(back), "the item came back changed");
            Wait.Joined(p);
        }
        finally
        {
            Wait.Cleanup(p);
            left.Close();
        }
    }

    [Fact]
    public void A_second_process_on_one_end_gets_a_clear_error_and_nothing_is_torn()
    {
        var (left, right) = ProcessPipe.Create<string>();
        using var go = new ProcessQueue<int>();
        using var results = new ProcessQueue<string>();
        const int n = 2000;
        var a = new ChildProcess(() => SendOwned(right, n, go));
        var b = new ChildProcess(() => TrySendOnSharedEnd(right, results));
        ChildProcess? c = null;
        try
        {
            a.Start();
            Assert.Equal("A-0", Next(left)); // A has sent: A owns Right
            b.Start();
            go.Put(1);
            var sendError = results.Get(W);
            var receiveError = results.Get(W);
            Assert.Contains($"in use by process {a.Pid}", sendError);
            Assert.Contains("ProcessQueue", sendError);
            Assert.Contains($"in use by process {a.Pid}", receiveError);
            for (var i = 1; i < n; i++) Assert.Equal($"A-{i}", Next(left)); // all of A's items, whole and in order
            go.Put(2);
            Wait.Joined(a);
            Wait.Joined(b);
            Assert.False(left.Poll(TimeSpan.FromMilliseconds(200))); // B sent nothing

            // A ended without closing: its claim went with it, and another process may use the end.
            c = new ChildProcess(() => SendOne(right, "C"));
            c.Start();
            Assert.Equal("C", Next(left));
            Wait.Joined(c);
        }
        finally
        {
            Wait.Cleanup(a, b, c);
            left.Close();
            right.Close();
        }
    }

    [Fact]
    public void The_parent_using_an_end_it_passed_to_a_working_child_is_refused()
    {
        var (left, right) = ProcessPipe.Create<int>();
        using var go = new ProcessQueue<int>();
        var p = new ChildProcess(() => SendTwoAndStay(right, go, 1, 2));
        try
        {
            p.Start();
            Assert.Equal(1, Next(left)); // the child owns Right now
            var e = Assert.Throws<InvalidOperationException>(() => right.Send(3));
            Assert.Contains($"process {p.Pid}", e.Message);
            Assert.Equal(2, Next(left));
            go.Put(0);
            Wait.Joined(p);
            right.Send(3); // the child ended: the parent may use the end again
            Assert.Equal(3, Next(left));
        }
        finally
        {
            Wait.Cleanup(p);
            left.Close();
            right.Close();
        }
    }

    [Fact]
    public void Poll_and_TryReceive_time_out_and_then_see_an_item()
    {
        var (left, right) = ProcessPipe.Create<int>();
        try
        {
            Assert.False(left.Poll());
            Assert.False(left.Poll(TimeSpan.FromMilliseconds(100)));
            Assert.False(left.TryReceive(out var none));
            Assert.Equal(0, none);
            Assert.False(left.TryReceive(out _, TimeSpan.FromMilliseconds(100)));
            Assert.Throws<ArgumentOutOfRangeException>(() => left.Poll(TimeSpan.FromSeconds(-2)));

            var p = new ChildProcess(() => SendAfter(right, 300, 42));
            try
            {
                p.Start();
                Assert.True(left.Poll(W));
                Assert.True(left.Poll()); // polling takes nothing
                Assert.True(left.TryReceive(out var got, W));
                Assert.Equal(42, got);
                Assert.False(left.TryReceive(out _, TimeSpan.FromMilliseconds(50)));
                Wait.Joined(p);
            }
            finally
            {
                Wait.Cleanup(p);
            }
        }
        finally
        {
            left.Close();
            right.Close();
        }
    }

    [Fact]
    public async Task A_cancelled_ReceiveAsync_takes_nothing()
    {
        var (left, right) = ProcessPipe.Create<int>();
        using var go = new ProcessQueue<int>();
        var p = new ChildProcess(() => WaitThenSend(right, go, 7, 8));
        try
        {
            p.Start();
            right.Close();
            using (var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(200)))
                await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await left.ReceiveAsync(cts.Token));
            go.Put(0);
            Assert.Equal(7, await left.ReceiveAsync().AsTask().WaitAsync(W));
            Assert.Equal(8, await left.ReceiveAsync().AsTask().WaitAsync(W));
            Wait.Joined(p);
            await Assert.ThrowsAsync<EndOfStreamException>(async () => await left.ReceiveAsync().AsTask().WaitAsync(W));
        }
        finally
        {
            Wait.Cleanup(p);
            left.Close();
        }
    }

    [Fact]
    public async Task SendAsync_waits_for_room_and_a_cancelled_one_sends_nothing()
    {
        var (left, right) = ProcessPipe.Create<byte[]>();
        try
        {
            var chunk = new byte[100_000];
            var sent = 0;
            ValueTask pending;
            while ((pending = right.SendAsync(chunk)).IsCompleted)
            {
                await pending;
                sent++;
                Assert.True(sent < 100, "the buffer never filled");
            }
            // The last SendAsync is pending: it completes once the receiver makes room.
            using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
            await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await right.SendAsync(chunk, cts.Token));
            Assert.Equal(chunk.Length, Next(left).Length);
            await pending.AsTask().WaitAsync(W);
            for (var i = 1; i < sent + 1; i++) Assert.Equal(chunk.Length, Next(left).Length);
            Assert.False(left.Poll(TimeSpan.FromMilliseconds(100))); // the cancelled one sent nothing
        }
        finally
        {
            left.Close();
            right.Close();
        }
    }
}
