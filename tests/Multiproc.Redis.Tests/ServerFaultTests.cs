using System.Diagnostics;

namespace Multiproc.Redis.Tests;

/// <summary>Tests that kill their own server (not the shared one).</summary>
public sealed class ServerFaultTests
{
    [Fact]
    public void AServerKilledAndRestartedMidStreamLosesNothingAcknowledged()
    {
        using var server = new RedisServer();
        var options = new RedisQueueOptions { ConnectionLossTimeout = TimeSpan.FromSeconds(30) };
        using var q = new RedisQueue<int>(server.ConnectionString, "restart", options: options);
        for (var i = 1; i <= 300; i++) q.Put(i);
        var got = Enumerable.Range(0, 100).Select(_ => q.Get(TimeSpan.FromSeconds(10))).ToList();
        Assert.True(q.FlushAcknowledgements(TimeSpan.FromSeconds(30)), "the acknowledgements of those 100 reached the server");

        server.Kill(); // SIGKILL: only what the append-only file has survives
        var putDuringOutage = Task.Run(() => q.Put(301));
        Thread.Sleep(500);
        Assert.False(putDuringOutage.IsCompleted, "a put waits for the server while it is down");
        server.Start();
        Assert.True(putDuringOutage.Wait(TimeSpan.FromSeconds(45)), "the put went through once the server was back");

        while (q.TryGet(out var item, TimeSpan.FromSeconds(2))) got.Add(item);
        Assert.Equal(Enumerable.Range(1, 301), got.Order());
    }

    [Fact]
    public void AServerStoppedUnderABlockedGetFailsItWithAClearErrorWithinTheTimeouts()
    {
        using var server = new RedisServer();
        var options = new RedisQueueOptions { ConnectionLossTimeout = TimeSpan.FromSeconds(3) };
        using var q = new RedisQueue<int>(server.ShortTimeouts, "stopped", options: options);
        Assert.Equal(0, q.Count);
        var sw = Stopwatch.StartNew();
        var blocked = Task.Run(() => q.Get());
        Thread.Sleep(300);
        Assert.False(blocked.IsCompleted);
        server.Kill();
        Assert.True(((IAsyncResult)blocked).AsyncWaitHandle.WaitOne(TimeSpan.FromSeconds(45)), "Get did not hang");
        var e = Assert.IsType<RedisUnavailableException>(blocked.Exception?.InnerException);
        Assert.Contains("could not be reached", e.Message);
        Assert.Contains("'stopped'", e.Message);
        Assert.NotNull(e.InnerException);
    }
}
