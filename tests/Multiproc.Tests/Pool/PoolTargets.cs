namespace Multiproc.Tests.Pool;

/// <summary>A value that travels as JSON (it holds a reference).</summary>
public sealed record Shape(string Name, int[] Sides);

/// <summary>Pool functions the tests run in worker processes.</summary>
public static class PoolTargets
{
    public static int Square(int x) => x * x;

    public static long Add(int x, long y) => x + y;

    public static int Pid(int x) => Environment.ProcessId;

    public static int ThrowOn(int x, int bad) =>
        x == bad ? throw new InvalidOperationException($"bad item {x}") : x;

    public static int ExitOn(int x, int bad)
    {
        if (x == bad) Environment.Exit(3);
        return x * 2;
    }

    public static int Sleep(int x, int ms)
    {
        Thread.Sleep(ms);
        return x;
    }

    public static int SleepFor(int ms)
    {
        Thread.Sleep(ms);
        return ms;
    }

    /// <summary>Writes the worker's pid to <paramref name="path"/>, then sleeps (to be killed there).</summary>
    public static int ReportAndSleep(string path, int ms)
    {
        File.WriteAllText(path + ".tmp", Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        File.Move(path + ".tmp", path);
        Thread.Sleep(ms);
        return 0;
    }

    public static byte[] Reverse(byte[] data)
    {
        var copy = (byte[])data.Clone();
        Array.Reverse(copy);
        return copy;
    }

    public static Shape Grow(Shape s) => new(s.Name + "+", [.. s.Sides, s.Sides.Length]);

    public static string Hello(string name) => "hello " + name;

    public static void Touch(string path) => File.WriteAllText(path, "touched");

    public static int Generic<T>(int x) => x;
}
