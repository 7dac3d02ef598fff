using Multiproc;

public static class ProcessMistakes
{
    public static void Work() => Thread.Sleep(100);

    // MP0003: started and never joined.
    public static void NeverJoined()
    {
        var p = new ChildProcess(() => Work());
        p.Start();
    }

    // MP0003: the tutorial's 50 buyers, started in a loop and never joined.
    public static void StartedInALoop()
    {
        for (var i = 0; i < 50; i++)
        {
            var p = new ChildProcess(() => Work());
            p.Start();
        }
    }

    // MP0004: Daemon set after Start() throws at run time.
    public static void DaemonAfterStart()
    {
        var p = new ChildProcess(() => Work());
        p.Start();
        p.Daemon = true;
        p.Join();
    }

    // MP0010: Terminate() without Join(): a zombie until reaped.
    public static void TerminatedNotJoined()
    {
        var p = new ChildProcess(() => Work());
        p.Start();
        p.Terminate();
    }

    // MP0012: Start() twice; Join() before Start().
    public static void StartTwice()
    {
        var p = new ChildProcess(() => Work());
        p.Start();
        p.Start();
        p.Join();
    }

    public static void JoinBeforeStart()
    {
        var p = new ChildProcess(() => Work());
        p.Join();
        p.Start();
        p.Join();
    }
}
