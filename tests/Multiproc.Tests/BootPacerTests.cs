// Child targets are public static methods of the test classes (the child process calls them by reflection).
#pragma warning disable xUnit1013, CA1416

using Multiproc.Internal;
using Multiproc.Platform;

namespace Multiproc.Tests;

/// <summary>
/// Cold starts paced in a start storm (BootPacer, docs/design/spare-pool.md "Cold starts: pacing a start storm"): a burst
/// still runs every child; a child that never reports booted holds a start back for a bounded time only; the
/// MULTIPROC_BOOT_PACING knob sets the limit and 0 turns pacing off.
/// </summary>
public class BootPacerTests
{
    private static readonly TimeSpan W = TimeSpan.FromSeconds(60);

    [Theory]
    [InlineData(null, 2, 2)]
    [InlineData(null, 1, 1)]
    [InlineData("0", 2, 0)]
    [InlineData("1", 2, 1)]
    [InlineData("3", 2, 3)]
    [InlineData("-2", 2, 2)]
    [InlineData("many", 4, 4)]
    [InlineData(" 1", 2, 2)]
    [InlineData("100000", 2, 256)]
    public void MULTIPROC_BOOT_PACING_sets_the_limit(string? value, int cores, int expected) =>
        Assert.Equal(expected, BootPacer.ReadLimit(value, cores));

    /// <summary>More children than the pool holds, started at once with one cold boot at a time: every one runs its target and exits 0.</summary>
    [Fact]
    public void A_burst_of_children_all_run_and_exit_0_with_pacing_on()
    {
        using var dir = new TempDir();
        var path = Path.Combine(dir.Path, "count.txt");
        File.WriteAllText(path, "0");
        using var lk = new ProcessLock();
        var n = SparePool.Size + 8; // at least 8 cold starts, whatever the pool holds
        var kids = Enumerable.Range(0, n).Select(i => new ChildProcess(() => Targets.IncrementFile(lk, path, 1), $"burst-{i}")).ToArray();
        var waitsBefore = BootPacer.Waits;
        using var pacing = new Pacing(1);
        try
        {
            foreach (var c in kids) c.Start();
            Assert.All(kids, c => Assert.NotNull(c.Pid));
            foreach (var c in kids) Wait.Joined(c);
            Assert.All(kids, c => Assert.Equal(0, c.ExitCode));
            Assert.Equal(n, int.Parse(File.ReadAllText(path)));
            // Back-to-back cold starts with one boot slot: at least one start waited for a boot report.
            Assert.True(BootPacer.Waits > waitsBefore, "no start waited for a boot slot");
            // Every cold child's report (or exit) freed its slot.
            Assert.True(Wait.Until(() => BootPacer.BootingCount == 0, W), $"{BootPacer.BootingCount} slots still held");
        }
        finally
        {
            Wait.Cleanup(kids);
        }
    }

    /// <summary>
    /// A cold child stopped (SIGSTOP) before its boot report holds the only slot, and its lease is long: the next cold
    /// start's wait ends at the bound (it does not wedge), and the child still runs once continued.
    /// </summary>
    [Fact]
    public void A_child_stopped_before_its_boot_report_does_not_wedge_the_next_cold_start()
    {
        using var pacing = new Pacing(1, TimeSpan.FromMinutes(10));
        SpawnedChild? stuck = null;
        try
        {
            // What SparePool.Take does for a cold start, then the child is stopped before its runtime is up.
            var slot = BootPacer.Enter()!;
            stuck = ProcessSpawner.Spawn(RunDirectory.Current);
            LinuxNative.kill(stuck.Pid, 19 /* SIGSTOP */);
            BootPacer.Track(slot, stuck);
            Assert.True(BootPacer.BootingCount >= 1 && slot.Held, "the stopped child's slot is not held");

            var timedOutBefore = BootPacer.TimedOut;
            var next = Task.Run(BootPacer.Enter);
            Assert.True(next.Wait(W), "a cold start waited past its bound for a slot held by a stopped child");
            Assert.True(BootPacer.TimedOut > timedOutBefore);
            BootPacer.Release(next.Result!);

            // Continued, it reports booted, and its slot is free again.
            LinuxNative.kill(stuck.Pid, 18 /* SIGCONT */);
            Assert.True(Wait.Until(() => BootPacer.BootingCount >= 0 /* reading the count sweeps the reports */ && !slot.Held, W), "the continued child's slot is still held");
        }
        finally
        {
            if (stuck is not null) End(stuck);
        }
    }

    /// <summary>A slot whose child never reports (a pipe nobody writes) is freed once its lease has passed.</summary>
    [Fact]
    public void A_slot_that_never_reports_is_freed_after_its_lease()
    {
        using var pacing = new Pacing(1, TimeSpan.FromMilliseconds(200));
        var (read, write) = Pipe();
        try
        {
            BootPacer.TrackFd(BootPacer.Enter()!, read);
            Assert.True(Wait.Until(() => BootPacer.BootingCount == 0, W), "the slot outlived its lease");
            var timedOutBefore = BootPacer.TimedOut;
            var slot = BootPacer.Enter()!; // the expired slot is no load: no wait
            Assert.Equal(timedOutBefore, BootPacer.TimedOut);
            BootPacer.Release(slot);
        }
        finally
        {
            LinuxNative.close(write);
        }
    }

    /// <summary>MULTIPROC_BOOT_PACING=0: every slot is taken by children that never report, and a cold start still does not wait.</summary>
    [Fact]
    public void With_pacing_off_a_cold_start_never_waits()
    {
        using var pacing = new Pacing(1, TimeSpan.FromMinutes(10));
        var (read, write) = Pipe();
        var slot = BootPacer.Enter()!;
        try
        {
            BootPacer.TrackFd(slot, read);
            BootPacer.OverrideLimit(0);
            var waitsBefore = BootPacer.Waits;
            Assert.Null(BootPacer.Enter());
            Assert.Equal(waitsBefore, BootPacer.Waits);
        }
        finally
        {
            BootPacer.Release(slot);
            LinuxNative.close(write);
        }
    }

    /// <summary>The pacer's limit (and lease) for one test; disposing restores the defaults.</summary>
    private sealed class Pacing : IDisposable
    {
        private readonly TimeSpan _lease = BootPacer.Lease;

        public Pacing(int limit, TimeSpan? lease = null)
        {
            BootPacer.OverrideLimit(limit);
            if (lease is { } l) BootPacer.Lease = l;
        }

        public void Dispose()
        {
            BootPacer.Lease = _lease;
            BootPacer.OverrideLimit(null);
        }
    }

    private static unsafe (int Read, int Write) Pipe()
    {
        int* fds = stackalloc int[2];
        Assert.Equal(0, LinuxNative.pipe2(fds, LinuxNative.O_CLOEXEC));
        return (fds[0], fds[1]);
    }

    private static unsafe void End(SpawnedChild c)
    {
        LinuxNative.kill(c.Pid, 9 /* SIGKILL */);
        int status;
        LinuxNative.waitpid(c.Pid, &status, 0);
        LinuxNative.close(c.ControlFd);
        LinuxNative.close(c.Pidfd);
    }
}
