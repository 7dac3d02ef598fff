/// <summary>
/// Counts this process's threads (<c>/proc/self/task</c>) and, from a thread of its own started at construction, keeps
/// the highest count seen every 2 ms until disposed. The sampler's own thread is counted.
/// </summary>
internal sealed class ThreadSampler : IDisposable
{
    private readonly Thread _thread;
    private volatile bool _sampling = true;
    private int _peak;

    public ThreadSampler()
    {
        Before = Count();
        _peak = Before;
        _thread = new Thread(() =>
        {
            while (_sampling)
            {
                var n = Count();
                if (n > Volatile.Read(ref _peak)) Volatile.Write(ref _peak, n);
                Thread.Sleep(2);
            }
        }) { IsBackground = true, Name = "thread sampler" };
        _thread.Start();
    }

    /// <summary>The thread count when sampling began (before the sampler's thread started).</summary>
    public int Before { get; }

    /// <summary>The highest count seen so far.</summary>
    public int Peak => Volatile.Read(ref _peak);

    /// <summary>The process's thread count now.</summary>
    public static int Count() => Directory.GetDirectories("/proc/self/task").Length;

    /// <summary>Stops sampling and waits for the sampler's thread to end.</summary>
    public void Dispose()
    {
        if (!_sampling) return;
        _sampling = false;
        _thread.Join();
    }
}
