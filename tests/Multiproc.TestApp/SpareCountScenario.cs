using System.Globalization;
using Multiproc;

/// <summary>
/// "spare-count": how many pre-started children a root process keeps once it is idle, seen from outside the runtime
/// (its child processes in /proc), so that a test can run it under a given MULTIPROC_PRESTART or core count.
/// </summary>
public static class SpareCountScenario
{
    /// <summary>
    /// Starts and joins one child (the first Start fills the spare pool), then counts this process's children until the
    /// count has not changed for 3 s with every child asleep in a pipe read (a booted spare waiting for its target;
    /// where the kernel hides wchan, 6 s unchanged), at most 180 s, and prints "spares=N cores=C".
    /// </summary>
    public static int Run()
    {
        var p = new ChildProcess(() => Scenarios.Sleep(0));
        p.Start();
        if (!p.Join(TimeSpan.FromSeconds(120))) return 20;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(180);
        var last = -1;
        var since = DateTime.UtcNow;
        while (DateTime.UtcNow < deadline)
        {
            var (n, reading, hidden) = Children();
            if (n != last)
            {
                last = n;
                since = DateTime.UtcNow;
            }
            else if (DateTime.UtcNow - since >= TimeSpan.FromSeconds(hidden ? 6 : 3) && (hidden || reading == n))
            {
                Console.WriteLine($"spares={n} cores={Environment.ProcessorCount}");
                return 0;
            }
            Thread.Sleep(50);
        }
        Console.WriteLine($"spares={last} cores={Environment.ProcessorCount} unsettled");
        return 21;
    }

    /// <summary>
    /// Processes whose parent is this one (field 4 of /proc/PID/stat, after the command name in parentheses), how many
    /// of them sleep in a pipe read (/proc/PID/wchan), and whether the kernel hides wchan ("0").
    /// </summary>
    private static (int Count, int Reading, bool Hidden) Children()
    {
        var self = Environment.ProcessId;
        int n = 0, reading = 0;
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
                var wchan = File.ReadAllText(Path.Combine(dir, "wchan"));
                if (wchan == "0") hidden = true;
                else if (fields[0] == "S" && wchan.EndsWith("pipe_read", StringComparison.Ordinal)) reading++;
            }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
        }
        return (n, reading, hidden);
    }
}
