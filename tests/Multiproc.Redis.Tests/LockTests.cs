namespace Multiproc.Redis.Tests;

[Collection(SharedServer.Name)]
public sealed class LockTests(RedisServer server)
{
    [Fact]
    public void AHolderKilledLosesTheLockWhenItsLeaseEndsAndTheNextAcquirerIsToldItWasAbandoned()
    {
        var name = Wait.UniqueName("lock-abandoned");
        var conn = server.ConnectionString;
        using var dir = new TempDir();
        using var lk = new RedisLock(conn, name, new RedisLockOptions { LeaseTime = TimeSpan.FromSeconds(1) });
        var ready = dir.File("ready");
        var holder = new ChildProcess(() => RedisTargets.HoldLockAndHang(conn, name, 2000, ready));
        try
        {
            holder.Start();
            Assert.True(Wait.Until(() => File.Exists(ready) && File.ReadAllText(ready).Length > 0, Wait.Long), "the child took the lock");
            var childToken = long.Parse(File.ReadAllText(ready));
            Assert.False(lk.TryAcquire(TimeSpan.Zero), "the live holder has the lock");
            holder.Kill();
            Wait.Joined(holder);

            var e = Assert.Throws<AbandonedLockException>(() => lk.TryAcquire(TimeSpan.FromSeconds(30)));
            Assert.Equal(holder.Pid, e.DeadOwnerPid);
            Assert.True(lk.IsHeld);
            Assert.True(lk.FencingToken > childToken);
            lk.Release();
            using (var scope = lk.Hold())
                Assert.False(scope.Abandoned, "a released lock is not abandoned");
        }
        finally
        {
            Wait.Cleanup([holder]);
        }
    }

    [Fact]
    public void TwoObjectsExcludeEachOtherAndTokensGrow()
    {
        var name = Wait.UniqueName("lock");
        using var a = new RedisLock(server.ConnectionString, name);
        using var b = new RedisLock(server.ConnectionString, name);
        a.Acquire();
        var first = a.FencingToken;
        Assert.False(b.TryAcquire(TimeSpan.FromMilliseconds(100)));
        Assert.Equal(0, b.FencingToken);
        a.Release();
        Assert.True(b.TryAcquire(TimeSpan.FromSeconds(10)));
        Assert.True(b.FencingToken > first);
        b.Release();
        Assert.Throws<InvalidOperationException>(() => b.Release());
        using (var scope = a.Hold())
        {
            Assert.False(scope.Abandoned);
            Assert.Equal(a.FencingToken, scope.FencingToken);
        }
        Assert.False(a.IsHeld);
    }

    [Fact]
    public async Task AcquireAsyncWaitsAndCancels()
    {
        var name = Wait.UniqueName("lock-async");
        using var a = new RedisLock(server.ConnectionString, name);
        using var b = new RedisLock(server.ConnectionString, name);
        a.Acquire();
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => b.AcquireAsync(cts.Token));
        var waiting = b.AcquireAsync();
        a.Release();
        await waiting.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(b.IsHeld);
        b.Release();
    }

    [Fact]
    public void BadArgumentsAreNamed()
    {
        Assert.Equal("name", Assert.Throws<ArgumentException>(() => new RedisLock(server.ConnectionString, "a{b}")).ParamName);
        Assert.Equal("connectionString", Assert.Throws<ArgumentException>(() => new RedisLock("", "x")).ParamName);
        using var lk = new RedisLock(server.ConnectionString, Wait.UniqueName("lock"));
        Assert.Equal("timeout", Assert.Throws<ArgumentOutOfRangeException>(() => lk.TryAcquire(TimeSpan.FromSeconds(-2))).ParamName);
        Assert.Throws<ArgumentOutOfRangeException>(() => new RedisLockOptions { LeaseTime = TimeSpan.FromMilliseconds(10) });
    }
}
