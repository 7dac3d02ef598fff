using Multiproc;

public static class SharedMistakes
{
    // MP0016: a read-modify-write of a shared value in code a child runs, no lock held (fix: counter.Add(1)).
    public static void CountUnlocked(SharedValue<int> counter)
    {
        for (var i = 0; i < 1000; i++)
            counter.Value += 1;
    }

    public static void StartCounters()
    {
        using var counter = new SharedValue<int>();
        var p = new ChildProcess(() => CountUnlocked(counter));
        p.Start();
        p.Join();
    }

    public static void Talk(PipeEnd<string> end) => end.Send("hello");

    // MP0017: one pipe end given to two processes.
    public static void OneEndTwoChildren()
    {
        var (left, right) = ProcessPipe.Create<string>();
        var a = new ChildProcess(() => Talk(right));
        var b = new ChildProcess(() => Talk(right));
        a.Start();
        b.Start();
        Console.WriteLine(left.Receive());
        a.Join();
        b.Join();
    }

    // MP0018: Wait() under an if, not a loop: a stolen wake-up proceeds with no dish (fix: WaitFor).
    public static void EatOne(ProcessCondition cond, SharedValue<int> dishes)
    {
        using (cond.Hold())
        {
            if (dishes.Value == 0) cond.Wait();
            dishes.Value--;
        }
    }

    // MP0002: a ProcessSemaphore slot taken and not given back on the early return.
    public static void SlotKept(ProcessSemaphore slots, bool ok)
    {
        slots.Acquire();
        if (!ok) return;
        Console.WriteLine("using a slot");
        slots.Release();
    }
}
