namespace Multiproc.Tests.Queues;

/// <summary>Bounded waits for queue tests: a bug fails a test instead of hanging the run.</summary>
internal static class Bounded
{
    public static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    public static void Run(ChildProcess p)
    {
        p.Start();
    }

    public static void Joined(ChildProcess p, int expectedExit = 0)
    {
        Assert.True(p.Join(Wait), $"{p.Name} did not end within {Wait.TotalSeconds} s");
        Assert.Equal(expectedExit, p.ExitCode);
    }

    public static void KillAndReap(ChildProcess p)
    {
        p.Kill();
        Assert.True(p.Join(Wait), $"{p.Name} did not end after SIGKILL");
        Assert.Equal(-9, p.ExitCode);
    }
}
