#pragma warning disable CA1416

using Multiproc.Platform;

namespace Multiproc.Tests;

/// <summary>
/// A joined child's exit status is read with waitid(WNOWAIT) and the child is reaped later by ZombieReaper
/// (a reap right at the exit can spin in the kernel while the child's threads drop their /proc entries).
/// </summary>
public class ZombieReaperTests
{
    private static char? State(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[stat.LastIndexOf(')') + 2];
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or IOException)
        {
            return null; // reaped
        }
    }

    private static bool Reaped(int pid) => !Directory.Exists("/proc/" + pid);

    [Fact]
    public void A_joined_child_keeps_its_exit_code_and_stays_a_zombie_until_it_is_reaped()
    {
        var delay = ZombieReaper.DelayMs;
        ZombieReaper.DelayMs = 600_000; // no reap by the thread during this test
        var p = new ChildProcess(() => Targets.Exit(7));
        try
        {
            p.Start();
            Wait.Joined(p);
            var pid = p.Pid!.Value;
            Assert.Equal(7, p.ExitCode);
            Assert.False(p.IsAlive);
            // Joined, but not reaped yet: a zombie, which the liveness check of a lock's holder reads as ended.
            Assert.Equal('Z', State(pid));
            Assert.False(ProcessLiveness.IsAlive(pid));
            Assert.True(ZombieReaper.Pending >= 1);
            // Joining again reads nothing more from the kernel.
            Assert.True(p.Join(TimeSpan.Zero));
            Assert.Equal(7, p.ExitCode);

            ZombieReaper.ReapAllNow();
            Assert.True(Reaped(pid), $"child {pid} is still there after ReapAllNow: {State(pid)}");
            Assert.Equal(0, ZombieReaper.Pending);
        }
        finally
        {
            ZombieReaper.DelayMs = delay;
            Wait.Cleanup(p);
            ZombieReaper.ReapAllNow();
        }
    }

    [Fact]
    public void The_reaper_thread_reaps_joined_children_within_a_bound()
    {
        var ps = Enumerable.Range(0, 3).Select(_ => new ChildProcess(() => Targets.Noop())).ToArray();
        try
        {
            var pids = new List<int>();
            foreach (var p in ps)
            {
                p.Start();
                Wait.Joined(p);
                Assert.Equal(0, p.ExitCode);
                pids.Add(p.Pid!.Value);
            }
            Assert.All(pids, pid => Assert.True(Wait.Until(() => Reaped(pid), Wait.Long), $"child {pid} not reaped: {State(pid)}"));
            Assert.True(Wait.Until(() => ZombieReaper.Pending == 0, Wait.Long));
        }
        finally
        {
            Wait.Cleanup(ps);
        }
    }

    [Theory]
    [InlineData(1, 0, 0)]     // CLD_EXITED, exit(0)
    [InlineData(1, 3, 3)]     // CLD_EXITED, exit(3)
    [InlineData(1, 255, 255)] // CLD_EXITED, exit(255)
    [InlineData(2, 9, -9)]    // CLD_KILLED by SIGKILL
    [InlineData(2, 15, -15)]  // CLD_KILLED by SIGTERM
    [InlineData(3, 11, -11)]  // CLD_DUMPED by SIGSEGV
    public void Exit_codes_come_from_waitid_code_and_status(int siCode, int siStatus, int expected) =>
        Assert.Equal(expected, ChildProcess.ExitCodeOf(siCode, siStatus));
}
