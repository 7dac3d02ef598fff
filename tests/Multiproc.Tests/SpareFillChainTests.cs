using Multiproc.Internal;

namespace Multiproc.Tests;

/// <summary>
/// The spare pool's fill chain (each booted report starts the next boot) does not end early when a boot fails: a spare
/// that dies before its report leaves the pool, and a live one takes its place after a back-off
/// (docs/design/spare-pool.md, "A boot that fails").
/// </summary>
public class SpareFillChainTests
{
    private static readonly TimeSpan W = TimeSpan.FromSeconds(60);

    [Fact]
    public void A_spare_that_dies_while_booting_leaves_the_pool_and_a_live_one_takes_its_place()
    {
        if (SparePool.Size == 0) return; // MULTIPROC_PRESTART=0: no pool to test
        var warm = new ChildProcess(() => Targets.Noop());
        warm.Start();
        Wait.Joined(warm);
        Assert.True(Wait.Until(() => SparePool.Alive >= SparePool.Size && SparePool.Booting == 0, W),
            $"the pool did not fill: {SparePool.Alive} alive of {SparePool.Count}, {SparePool.Booting} booting");

        var started = SparePool.Started;
        // A runtime whose startup hook cannot be loaded ends before Main: the spare the next top-up boots dies before its report.
        Environment.SetEnvironmentVariable("DOTNET_STARTUP_HOOKS", "/nonexistent/Multiproc.NoSuchHook.dll");
        try
        {
            var p = new ChildProcess(() => Targets.Noop());
            p.Start(); // takes a spare; its reap tops the pool up
            Wait.Joined(p);
            Assert.True(Wait.Until(() => SparePool.Started > started && SparePool.Booting == 0, W), "no spare was started after the take");
        }
        finally
        {
            Environment.SetEnvironmentVariable("DOTNET_STARTUP_HOOKS", null);
        }
        // Before: the dead spare kept its place until a start discarded it, and the pool stayed a live spare short.
        Assert.True(Wait.Until(() => SparePool.Alive == SparePool.Size && SparePool.Count == SparePool.Size && SparePool.Booting == 0, W),
            $"the pool holds {SparePool.Count} spares, {SparePool.Alive} alive, {SparePool.Booting} booting, {SparePool.BootFailures} failed boots");
        // The pool still serves starts.
        var after = new ChildProcess(() => Targets.Noop());
        after.Start();
        Wait.Joined(after);
        Assert.Equal(0, after.ExitCode);
    }
}
