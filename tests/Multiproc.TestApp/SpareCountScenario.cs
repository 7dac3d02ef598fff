using System.Globalization;
using Multiproc;

/// <summary>
/// "spare-count": how many pre-started children a root process keeps once it is idle, seen from outside the runtime
/// (its child processes in /proc), so that a test can run it under a given MULTIPROC_PRESTART or core count.
/// </summary>
public static class SpareCountScenario
{
    /// <summary>
    /// Starts and joins one child (the first Start fills the spare pool), then counts this process's children until
    /// there are <paramref name="expected"/> and the count has not changed for 3 s with every child asleep in a pipe read
    /// (a booted spare waiting for its target; where the kernel hides wchan, 6 s unchanged), and prints
    /// "spares=N cores=C", then "pids=" and the spares' pids (which must end once this process has exited). After
    /// 120 s without that (too few spares, or too many), it prints the last count followed by "unsettled".
    /// </summary>
    public static int Run(int expected)
    {
        var p = new ChildProcess(() => Scenarios.Sleep(0));
        p.Start();
        if (!p.Join(TimeSpan.FromSeconds(120))) return 20;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(120);
        var last = -1;
        var since = DateTime.UtcNow;
        while (DateTime.UtcNow < deadline)
        {
            var (n, reading, hidden, pids) = Children();
            if (n != last)
            {
                last = n;
                since = DateTime.UtcNow;
            }
            else if (n == expected && DateTime.UtcNow - since >= TimeSpan.FromSeconds(hidden ? 6 : 3) && (hidden || reading == n))
            {
                Console.WriteLine($"spares={n} cores={Environment.ProcessorCount}");
                Console.WriteLine("pids=" + string.Join(',', pids));
                return 0;
            }
            Thread.Sleep(50);
        }
        Console.WriteLine($"spares={last} cores={Environment.ProcessorCount} unsettled");
        return 21;
    }

    /// <summary>
    /// Processes whose parent is this one (field 4 of /proc/PID/stat, after the command name in parentheses), how many
    /// of them sleep in a pipe read (/proc/PID/wchan), whether the kernel hides wchan ("0"), and their pids.
    /// </summary>
    private static (int Count, int Reading, bool Hidden, List<int> Pids) Children()
    {
        var self = Environment.ProcessId;
        int n = 0, reading = 0;
        var pids = new List<int>();
        var hidden = false;
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            var name = Path.GetFileName(dir);
            if (name.Length == 0 || !char.IsAsciiDigit(name[0])) continue;
            try
            {
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                if (fields.Length < 2 || int.Parse(fields[1], CultureInfo.InvariantCulture) != self) continue;
                n++;
                pids.Add(int.Parse(name, CultureInfo.InvariantCulture));
                var wchan = File.ReadAllText(Path.Combine(dir, "wchan"));
                if (wchan == "0") hidden = true;
                else if (fields[0] == "S" && wchan.EndsWith("pipe_read", StringComparison.Ordinal)) reading++;
            }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
        }
        return (n, reading, hidden, pids);
    }
}
