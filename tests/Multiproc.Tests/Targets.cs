namespace Multiproc.Tests;

/// <summary>Methods the tests run in child processes (called there by reflection).</summary>
public static class Targets
{
    public static int StaticCounter;

    public static void Noop() { }

    public static void Generic<T>() { }

    public static void Sleep(int ms) => Thread.Sleep(ms);

    /// <summary>
    /// Uses what starts .NET's own signal handling in a process (the console, a child process, a
    /// signal registration for another signal), writes <paramref name="readyPath"/>, then sleeps.
    /// </summary>
    public static void SleepAfterSignalHandlingStarted(string readyPath, int ms)
    {
        Console.WriteLine("ready");
        using var sigint = System.Runtime.InteropServices.PosixSignalRegistration.Create(
            System.Runtime.InteropServices.PosixSignal.SIGINT, _ => { });
        using (var p = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("true") { UseShellExecute = false }))
            p?.WaitForExit(10_000);
        File.WriteAllText(readyPath, "ready");
        Thread.Sleep(ms);
    }

    public static void WriteText(string path, string text) => File.WriteAllText(path, text);

    public static void Throw(string message) => throw new InvalidOperationException(message);

    public static void Exit(int code) => Environment.Exit(code);

    public static void ReportCurrent(string path)
    {
        var c = ChildProcess.Current;
        File.WriteAllText(path, c is null ? "null" : $"{c.Name}|{c.Pid}|{c.Daemon}|{Environment.ProcessId}");
    }

    public static void WriteStaticCounter(int value, string path)
    {
        StaticCounter = value;
        File.WriteAllText(path, StaticCounter.ToString());
    }

    public static async Task WriteLaterAsync(string path, string text)
    {
        await Task.Delay(100);
        await Task.Yield();
        File.WriteAllText(path, text);
    }

    public static void StartGrandchild(string path)
    {
        try
        {
            var p = new ChildProcess(() => Noop());
            p.Start();
            p.Join(TimeSpan.FromSeconds(30));
            File.WriteAllText(path, "started:" + p.ExitCode);
        }
        catch (InvalidOperationException e)
        {
            File.WriteAllText(path, "refused:" + e.Message);
        }
    }

    public static void ReportRecord(Order order, string path) =>
        File.WriteAllText(path, $"{order.Id}|{order.Item}|{string.Join(",", order.Tags)}|{order.Price}");

    public static void TakeStream(Stream s) { }

    public static void TakeAction(Action a) { }

    public static void TakeTask(Task t) { }

    public static void TakeNoSetters(NoSetters n) { }

    public static void TakeObject(object o) { }

    /// <summary>Four processes run this: 200 locked read-modify-writes of a number in a file.</summary>
    public static void IncrementFile(ProcessLock lk, string path, int times)
    {
        for (var i = 0; i < times; i++)
        {
            using (lk.Hold())
            {
                var n = int.Parse(File.ReadAllText(path));
                File.WriteAllText(path, (n + 1).ToString());
            }
        }
    }

    public static void HoldLockFor(ProcessLock lk, string readyPath, int ms)
    {
        lk.Acquire();
        File.WriteAllText(readyPath, $"held by {Environment.ProcessId}");
        Thread.Sleep(ms);
        lk.Release();
    }

    public static void HoldLockForever(ProcessLock lk, string readyPath)
    {
        lk.Acquire();
        File.WriteAllText(readyPath, "held");
        Thread.Sleep(Timeout.Infinite);
    }
}

public sealed record Order(int Id, string Item, List<string> Tags, decimal Price);

/// <summary>Get-only state with no matching constructor: does not survive a JSON round trip.</summary>
public sealed class NoSetters
{
    private readonly int _value;
    public NoSetters(int value, bool _) => _value = value;
    public int Value => _value;
}
