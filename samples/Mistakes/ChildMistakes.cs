using Multiproc;

public static class ChildMistakes
{
    public static int Total;

    public static void LockAndCount(object gate, int n)
    {
        lock (gate) { Console.WriteLine(n); }
    }

    // MP0007: an object used with `lock` is sent to a child: each child gets its own copy.
    public static void SendsInProcessLock()
    {
        var gate = new object();
        var p = new ChildProcess(() => LockAndCount(gate, 1));
        p.Start();
        p.Join();
    }

    public static void Read(Stream s) { }

    // MP0008: a stream cannot reach a child process.
    public static void SendsStream()
    {
        var p = new ChildProcess(() => Read(new MemoryStream()));
        p.Start();
        p.Join();
    }

    public static void AddToTotal(int n) => Total += n;

    // MP0009: the child writes a static the parent reads after Join(): the parent never sees it.
    public static void ReadsChildStatic()
    {
        var p = new ChildProcess(() => AddToTotal(5));
        p.Start();
        p.Join();
        Console.WriteLine(Total);
    }

    public static void StartsHelper()
    {
        var inner = new ChildProcess(() => ProcessMistakes.Work());
        inner.Start();
        inner.Join();
    }

    // MP0013: a daemon whose target starts children of its own.
    public static void DaemonWithChildren()
    {
        var d = new ChildProcess(() => StartsHelper()) { Daemon = true };
        d.Start();
        d.Join();
    }
}
