using System.Diagnostics;

namespace Multiproc.Redis.Tests;

public static class Wait
{
    public static readonly TimeSpan Long = TimeSpan.FromSeconds(60);

    /// <summary>Joins with a bound so that a bug fails the test instead of hanging the run.</summary>
    public static void Joined(ChildProcess p, TimeSpan? timeout = null)
    {
        if (!p.Join(timeout ?? Long))
        {
            p.Kill();
            p.Join(TimeSpan.FromSeconds(10));
            Assert.Fail($"{p.Name} did not end within {timeout ?? Long}");
        }
    }

    /// <summary>Polls <paramref name="condition"/> until true or the timeout.</summary>
    public static bool Until(Func<bool> condition, TimeSpan timeout)
    {
        var sw = Stopwatch.StartNew();
        while (sw.Elapsed < timeout)
        {
            if (condition()) return true;
            Thread.Sleep(10);
        }
        return condition();
    }

    /// <summary>Kills children a failing test left running.</summary>
    public static void Cleanup(IEnumerable<ChildProcess?> children)
    {
        foreach (var c in children)
        {
            if (c is null || c.Pid is null) continue;
            if (c.IsAlive) c.Kill();
            c.Join(TimeSpan.FromSeconds(10));
        }
    }

    public static string UniqueName(string prefix) => $"{prefix}-{Guid.NewGuid():N}";
}

/// <summary>A private temporary directory, removed after the test.</summary>
public sealed class TempDir : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("multiproc-redis-test-").FullName;

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { }
    }
}
