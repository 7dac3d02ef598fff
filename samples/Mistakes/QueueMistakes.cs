using Multiproc;

public static class QueueMistakes
{
    // MP0005: IsEmpty is stale at once; another consumer can empty the queue before Get().
    public static void CheckThenGet(ProcessQueue<string> q)
    {
        if (!q.IsEmpty)
        {
            var item = q.Get();
            Console.WriteLine(item);
        }
    }

    // MP0006: an empty item is skipped without TaskDone(): the producer's Join() hangs.
    public static void ConsumeWithoutTaskDone(JoinableQueue<string> q)
    {
        while (true)
        {
            var item = q.Get();
            if (item.Length == 0) continue;
            Process(item);
            q.TaskDone();
        }
    }

    private static void Process(string item) => Console.WriteLine(item);

    // MP0011: an endless consumer run by a non-daemon child: the program never ends.
    public static void EndlessConsumer(ProcessQueue<string> q)
    {
        while (true)
        {
            Console.WriteLine(q.Get());
        }
    }

    public static void StartConsumer(ProcessQueue<string> q)
    {
        var c = new ChildProcess(() => EndlessConsumer(q));
        c.Start();
        c.Join();
    }

    // MP0019 (a suggestion): Process can throw between Get() and TaskDone(); TaskDone() is then skipped and Join() hangs.
    public static void ConsumeTaskDoneNotInFinally(JoinableQueue<string> q)
    {
        while (true)
        {
            var item = q.Get();
            Process(item);
            q.TaskDone();
        }
    }
}
