namespace Multiproc.Tests.Pool;

public static class Bounded
{
    /// <summary>Runs a blocking pool call with a bound, so that a bug fails the test instead of hanging the run.</summary>
    public static T Run<T>(Func<T> call, TimeSpan? timeout = null)
    {
        var t = Task.Run(call);
        Task.WhenAny(t, Task.Delay(timeout ?? Wait.Long)).Wait();
        Assert.True(t.IsCompleted, $"the pool call did not finish within {timeout ?? Wait.Long}");
        return t.GetAwaiter().GetResult();
    }

    public static void Run(Action call, TimeSpan? timeout = null) => Run(() => { call(); return 0; }, timeout);

    /// <summary>Waits for a task with a bound and returns how it ended (its exception, or null).</summary>
    public static Exception? Outcome(Task task, TimeSpan? timeout = null)
    {
        try
        {
            Assert.True(task.Wait(timeout ?? Wait.Long), $"the task did not finish within {timeout ?? Wait.Long}");
            return null;
        }
        catch (AggregateException e) when (e.InnerExceptions.Count == 1)
        {
            return e.InnerException;
        }
    }

    /// <summary>What a task-returning call threw before it returned its task (argument and state checks), or null.</summary>
    public static Exception? ThrownAtCall(Func<Task> call)
    {
        try
        {
            call();
            return null;
        }
        catch (Exception e)
        {
            return e;
        }
    }

    /// <summary>Disposes a pool with a bound.</summary>
    public static void Dispose(ProcessPool pool) => Run(pool.Dispose);

    /// <summary>Whether the process is gone (reaped), waiting for it up to <see cref="Wait.Long"/>: a joined child is reaped a little after its exit (ZombieReaper).</summary>
    public static bool ProcessGone(int pid) => Wait.Until(() => !Directory.Exists("/proc/" + pid), Wait.Long);
}
