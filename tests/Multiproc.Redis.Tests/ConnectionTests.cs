using StackExchange.Redis;

namespace Multiproc.Redis.Tests;

/// <summary>
/// A queue made from a connection string reads and writes its connection on StackExchange.Redis's dedicated
/// threads, asked for in that connection's own configuration, and never sets the process-wide DedicatedThreads
/// feature flag, so connections the application makes itself, even at the same moment, keep the thread pool.
/// </summary>
[Collection(SharedServer.Name)]
public sealed class ConnectionTests(RedisServer server)
{
    [Fact]
    public void OwnConnectionUsesDedicatedThreadsAndLeavesTheFlagAlone()
    {
        Assert.False(ConnectionMultiplexer.GetFeatureFlag("DedicatedThreads"));
        var before = SyncReaders();
        using (var q = new RedisQueue<int>(server.ConnectionString, Wait.UniqueName("threads")))
        {
            Assert.False(ConnectionMultiplexer.GetFeatureFlag("DedicatedThreads"));
            q.Put(7);
            Assert.Equal(7, q.Get());
            Assert.True(SyncReaders() > before, "the queue's own connection is read by a thread of StackExchange.Redis, not the thread pool");
        }
        using var mine = ConnectionMultiplexer.Connect(server.ConnectionString);
        Assert.False(ConnectionMultiplexer.GetFeatureFlag("DedicatedThreads"));
    }

    [Fact]
    public void TheProcessWideFlagIsNeverOnWhileQueuesConnect()
    {
        // Another thread of the application reads the flag all the while, as a connect of its own would.
        using var stop = new CancellationTokenSource();
        var seenOn = 0;
        var reads = 0L;
        var watcher = new Thread(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                if (ConnectionMultiplexer.GetFeatureFlag("DedicatedThreads")) Interlocked.Exchange(ref seenOn, 1);
                Interlocked.Increment(ref reads);
            }
        }) { IsBackground = true };
        watcher.Start();
        try
        {
            for (var i = 0; i < 3; i++)
            {
                using var q = new RedisQueue<int>(server.ConnectionString, Wait.UniqueName("flag"));
                q.Put(i);
                Assert.Equal(i, q.Get());
            }
        }
        finally
        {
            stop.Cancel();
            Assert.True(watcher.Join(TimeSpan.FromSeconds(30)));
        }
        Assert.True(Interlocked.Read(ref reads) > 0);
        Assert.Equal(0, seenOn);
    }

    [Fact]
    public void TheConnectionsOwnConfigurationAsksForTheThreads()
    {
        var options = ConfigurationOptions.Parse(server.ConnectionString);
        Assert.True(Multiproc.Redis.Internal.Connections.RequestDedicatedThreads(options), "this StackExchange.Redis has no per-connection writer mode");
        var before = SyncReaders();
        using (var own = ConnectionMultiplexer.Connect(options))
        {
            own.GetDatabase().Ping();
            Assert.True(SyncReaders() > before, "the connection asked for its own threads has none");
            // The application's connection, made while ours is open, keeps the thread pool.
            var withOurs = SyncReaders();
            using var app = ConnectionMultiplexer.Connect(server.ConnectionString);
            app.GetDatabase().Ping();
            Assert.True(SyncReaders() <= withOurs, "the application's connection got a reader thread of its own");
        }
        Assert.False(ConnectionMultiplexer.GetFeatureFlag("DedicatedThreads"));
    }

    /// <summary>Threads of this process named as StackExchange.Redis names its dedicated reader ("SE.Redis Sync Reader", cut to 15 characters by Linux).</summary>
    private static int SyncReaders() =>
        Directory.GetDirectories("/proc/self/task").Count(t => File.ReadAllText(Path.Combine(t, "comm")).Trim() == "SE.Redis Sync R");
}
