using System.Globalization;
using System.Text.RegularExpressions;

namespace Multiproc.Tests.Pool;

/// <summary>Many live pools in one process hold no thread each, and still report a worker killed in a task.</summary>
public class ManyPoolsTests
{
    [Fact]
    public void Fifty_live_pools_hold_few_threads_and_still_report_killed_workers()
    {
        using var root = new TempDir();
        using var dir = new TempDir();
        var (code, stdout, stderr) = TestApp.Run(root.Path, TimeSpan.FromMinutes(10), "pool-many", "50", dir.Path);
        Console.WriteLine(stdout);
        Assert.True(code == 0, $"exit {code}: {stdout} {stderr}");
        Assert.Contains("killed=5 reported=5", stdout);
        Assert.Contains("mapped", stdout);
        Assert.Contains("disposed", stdout);
        var m = Regex.Match(stdout, @"threads before=(\d+) live=(\d+) peak=(\d+) pools=50");
        Assert.True(m.Success, stdout);
        var before = int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
        var live = int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture);
        var peak = int.Parse(m.Groups[3].Value, CultureInfo.InvariantCulture);
        // A thread per pool would add 50. What may come in: the sampling thread, the exit watcher, the futex waiter and
        // thread-pool threads that run the reports and the readers' wake-ups.
        Assert.True(live - before <= 12, stdout);
        Assert.True(peak - before <= 16, stdout);
    }
}
