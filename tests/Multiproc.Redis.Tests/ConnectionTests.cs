using StackExchange.Redis;

namespace Multiproc.Redis.Tests;

/// <summary>
/// A queue made from a connection string reads and writes its connection on StackExchange.Redis's dedicated
/// threads (its DedicatedThreads feature flag, set for that connect only), and leaves the process-wide flag as
/// it found it, so connections the application makes itself keep the thread pool.
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

    /// <summary>Threads of this process named as StackExchange.Redis names its dedicated reader ("SE.Redis Sync Reader", cut to 15 characters by Linux).</summary>
    private static int SyncReaders() =>
        Directory.GetDirectories("/proc/self/task").Count(t => File.ReadAllText(Path.Combine(t, "comm")).Trim() == "SE.Redis Sync R");
}
