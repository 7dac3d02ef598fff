using Multiproc;

public static class LockMistakes
{
    // MP0002: acquired and never released.
    public static void NeverReleased(ProcessLock mutex)
    {
        mutex.Acquire();
        Console.WriteLine("inside");
    }

    // MP0002: released only on one path; an exception in between also skips it.
    public static void ReleasedOnOneBranch(ProcessLock mutex, bool ok)
    {
        mutex.Acquire();
        if (ok)
        {
            Console.WriteLine("inside");
            mutex.Release();
        }
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
