namespace Multiproc.Platform;

/// <summary>
/// Watches the pidfds of children awaited asynchronously, and the pipes on which pre-started spares report that they
/// have booted, with one thread per process for all of them.
/// </summary>
/// <remarks>
/// The thread sleeps in poll(2) on every watched pidfd (readable once the child has ended) plus the read end of
/// a control pipe; <see cref="Watch"/> and <see cref="Unwatch"/> write a byte to the pipe so that it rebuilds
/// its set. A pidfd that polls readable (or invalid) is dropped from the set and its callback is queued to the
/// thread pool: nothing else runs on the watcher thread. The thread starts on the first watch and exits after
/// a while without any.
/// </remarks>
internal static unsafe class ExitWatcher
{
    private static readonly object Gate = new();
    private static readonly Dictionary<int, Action> Watched = new();
    private static readonly TimeSpan IdleExit = TimeSpan.FromSeconds(10);
    private static int _wakeRead = -1, _wakeWrite = -1;
    private static bool _running;

    /// <summary>Calls <paramref name="onEnded"/> (on the thread pool) once <paramref name="pidfd"/> polls readable. One callback per pidfd: a second watch replaces the first.</summary>
    public static void Watch(int pidfd, Action onEnded)
    {
        lock (Gate)
        {
            if (_wakeRead < 0)
            {
                int* fds = stackalloc int[2];
                if (LinuxNative.pipe2(fds, LinuxNative.O_CLOEXEC | O_NONBLOCK) != 0) throw LinuxNative.Error("pipe2");
                _wakeRead = fds[0];
                _wakeWrite = fds[1];
            }
            Watched[pidfd] = onEnded;
            if (!_running)
            {
                _running = true;
                new Thread(Run) { IsBackground = true, Name = "Multiproc exit watcher" }.UnsafeStart();
                return;
            }
        }
        Kick();
    }

    /// <summary>Stops watching <paramref name="pidfd"/> (before it is closed, so that the number is not watched once reused).</summary>
    public static void Unwatch(int pidfd)
    {
        lock (Gate)
        {
            if (!Watched.Remove(pidfd)) return;
        }
        Kick();
    }

    /// <summary>Pidfds watched now (tests).</summary>
    internal static int Count
    {
        get { lock (Gate) return Watched.Count; }
    }

    private const int O_NONBLOCK = 0x800;

    private static void Kick()
    {
        byte b = 1;
        LinuxNative.write(_wakeWrite, &b, 1); // a full pipe (EAGAIN) already holds a wake-up
    }

    private static void Run()
    {
        var fds = new LinuxNative.PollFd[16];
        var idleSince = 0L;
        var buf = stackalloc byte[64];
        while (true)
        {
            int n;
            lock (Gate)
            {
                if (Watched.Count == 0)
                {
                    if (idleSince == 0) idleSince = Environment.TickCount64;
                    else if (Environment.TickCount64 - idleSince >= (long)IdleExit.TotalMilliseconds)
                    {
                        _running = false;
                        return;
                    }
                }
                else
                {
                    idleSince = 0;
                }
                n = Watched.Count + 1;
                if (fds.Length < n) fds = new LinuxNative.PollFd[Math.Max(n, fds.Length * 2)];
                fds[0] = new LinuxNative.PollFd { Fd = _wakeRead, Events = LinuxNative.POLLIN };
                var i = 1;
                foreach (var fd in Watched.Keys) fds[i++] = new LinuxNative.PollFd { Fd = fd, Events = LinuxNative.POLLIN };
            }

            int r;
            fixed (LinuxNative.PollFd* p = fds)
                r = LinuxNative.poll(p, (ulong)n, n == 1 ? (int)IdleExit.TotalMilliseconds : -1);
            if (r < 0)
            {
                if (LinuxNative.Errno != LinuxNative.EINTR) Thread.Sleep(1);
                continue;
            }
            if (fds[0].Revents != 0)
                while (LinuxNative.read(_wakeRead, buf, 64) > 0) { }
            List<Action>? ended = null;
            lock (Gate)
            {
                for (var i = 1; i < n; i++)
                {
                    if (fds[i].Revents == 0) continue;
                    // A pidfd unwatched (and perhaps closed and its number reused) during the poll is not in the set any more.
                    if (Watched.Remove(fds[i].Fd, out var onEnded)) (ended ??= new()).Add(onEnded);
                }
            }
            if (ended is null) continue;
            foreach (var a in ended) ThreadPool.UnsafeQueueUserWorkItem(static a => a(), a, preferLocal: false);
        }
    }
}
