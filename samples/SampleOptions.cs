namespace Multiproc.Samples;

/// <summary>Command-line options every sample understands: <c>--fast</c> shortens its sleeps.</summary>
public static class SampleOptions
{
    public static bool Fast(string[] args) => args.Contains("--fast") || Environment.GetEnvironmentVariable("MULTIPROC_SAMPLES_FAST") == "1";

    /// <summary>Scales a tutorial delay: full length normally, a fiftieth with --fast.</summary>
    public static int Delay(int ms, bool fast) => fast ? Math.Max(1, ms / 50) : ms;

    public static string? Value(string[] args, string name)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }
}
