using Multiproc;

public static class LockMistakes
{
    // MP0002: acquired and never released.
    public static void NeverReleased(ProcessLock mutex)
    {
        mutex.Acquire();
        Console.WriteLine("inside");
    }

    // MP0002: the early return skips the release (and so would an exception).
    public static void EarlyReturnSkipsRelease(ProcessLock mutex, bool ok)
    {
        mutex.Acquire();
        if (!ok) return;
        Console.WriteLine("inside");
        mutex.Release();
    }

    // MP0002: Monitor.Enter without Exit in a finally.
    private static readonly object Gate = new();

    public static void MonitorWithoutFinally()
    {
        Monitor.Enter(Gate);
        Console.WriteLine("inside");
        Monitor.Exit(Gate);
    }
}
