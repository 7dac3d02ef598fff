using Multiproc;

public static class FileMistakes
{
    // MP0001: the ticket file is read, changed and written back with no ProcessLock held around both.
    public static void BuyUnlocked(ProcessLock mutex, string path)
    {
        var count = int.Parse(File.ReadAllText(path));
        if (count > 0)
            File.WriteAllText(path, (count - 1).ToString());
    }

    // MP0001 (its lock-statement message): a C# lock only excludes threads of one process.
    private static readonly object Gate = new();

    public static void BuyUnderCSharpLock(string path)
    {
        lock (Gate)
        {
            var count = int.Parse(File.ReadAllText(path));
            File.WriteAllText(path, (count - 1).ToString());
        }
    }

    public static void StartBuyers(ProcessLock mutex, string path)
    {
        var a = new ChildProcess(() => BuyUnlocked(mutex, path));
        var b = new ChildProcess(() => BuyUnderCSharpLock(path));
        a.Start();
        b.Start();
        a.Join();
        b.Join();
    }
}
