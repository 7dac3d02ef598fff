using Multiproc.Platform;

namespace Multiproc.Internal;

/// <summary>
/// Children started ahead of need (CPython's forkserver idea): each has loaded the runtime and is
/// blocked reading its control pipe, so <see cref="ChildProcess.Start"/> only writes the target.
/// Every child is still a fresh process that runs one target. The pool size comes from the
/// <c>MULTIPROC_PRESTART</c> environment variable (default 2; 0 turns it off).
/// </summary>
/// <remarks>
/// <para>A spare costs a core for tens of milliseconds while its runtime boots, and that core is taken from whatever
/// runs at the time. So spares boot on idle cores only: a spare is started only while the children of this process
/// that are running (started and not yet exited), the spares still booting and the parent itself are fewer than
/// <see cref="Environment.ProcessorCount"/>. The parent counts as idle when it is about to wait for a child
/// (<see cref="ChildProcess.Join()"/> of a child still running, <see cref="ChildProcess.JoinAsync"/>): that is when
/// start-join-repeat tops the pool up, while the child it waits for runs. A spare that has booted (its main thread
/// sleeps reading the control pipe, seen in <c>/proc/PID/wchan</c>) takes no core and no longer counts; where the
/// kernel does not say, a spare counts as booting for its first <see cref="BootLimit"/>.</para>
/// <para>A start that found the pool empty (the first start, or a burst) also tops the pool up at once without counting
/// the parent: more starts are likely to follow. So does a reap while other children still run (the parent is likely
/// in a join loop: at the end of a producer-consumer pair the spare boots on the core the producer left while the
/// consumer drains). Other top-ups count the parent as busy, so they use a core only if one is left beside the parent
/// and its running children: a reap that leaves no child running, and a start that took a spare (a moment later,
/// <see cref="AfterStartDelay"/>); and while a spare boots and the pool is below target, it looks again every
/// <see cref="RecheckDelay"/>. So on two cores the end of a pair boots one spare, not two beside the parent's own work
/// and the next child it starts: the second runtime booting there is what halved a queue benchmark that followed
/// another one in the same program.</para>
/// </remarks>
internal static class SparePool
{
    /// <summary>A pre-started child, and whether it was seen waiting for its target.</summary>
    private sealed class Spare(SpawnedChild child)
    {
        public readonly SpawnedChild Child = child;
        public readonly long SpawnedAt = Environment.TickCount64;
        public bool Up;
    }

    private static readonly List<Spare> Spares = [];
    private static readonly int Target = ReadTarget();
    private static readonly TimeSpan AfterStartDelay = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan RecheckDelay = TimeSpan.FromMilliseconds(50);
    private const int BootLimit = 2000;
    private const int RecheckFor = 20_000;
    private static readonly object RefillGate = new();
    private static Timer? _refillTimer;
    private static bool _timerParentWaits;
    private static int _released;
    private static int _started;
    private static int _taken;
    private static int _takenUp;
    private static int _starting;

    private static int ReadTarget() =>
        int.TryParse(Environment.GetEnvironmentVariable("MULTIPROC_PRESTART"), out var n) && n >= 0 ? Math.Min(n, 64) : 2;

    /// <summary>A pre-started child that is still alive (<paramref name="spawned"/> false), or a new one.</summary>
    public static SpawnedChild Take(out bool spawned)
    {
        spawned = false;
        while (TryDequeue() is { } spare)
        {
            if (IsRunning(spare.Child))
            {
                Interlocked.Increment(ref _taken);
                if (IsUp(spare)) Interlocked.Increment(ref _takenUp);
                return spare.Child;
            }
            Discard(spare.Child);
        }
        spawned = true;
        return ProcessSpawner.Spawn(RunDirectory.Current);
    }

    /// <summary>A start is taking a child (counted as running until <see cref="Children.Add"/> counts it).</summary>
    public static void BeginStart() => Interlocked.Increment(ref _starting);

    /// <summary>The start has ended, the child counted by <see cref="Children"/> (or the start failed).</summary>
    public static void EndStart() => Interlocked.Decrement(ref _starting);

    /// <summary>
    /// The parent is about to wait for a child that is still running (<see cref="ChildProcess.Join()"/>,
    /// <see cref="ChildProcess.JoinAsync"/>): its own core is free, a good time to pre-start.
    /// </summary>
    public static void BeforeWait() => Refill(parentWaits: true);

    /// <summary>
    /// After a start: tops the pool up at once after a start that found it empty (the first start, or a burst: more
    /// starts are coming, so the parent's core is not counted), else a moment later with the parent counted busy.
    /// </summary>
    public static void AfterStart(bool foundEmpty)
    {
        if (Target == 0) return;
        if (foundEmpty) Refill(parentWaits: true);
        else Schedule(AfterStartDelay);
    }

    /// <summary>
    /// A child was reaped: tops the pool up on the thread pool if that freed a core. While other children still run
    /// the parent is counted as waiting (it is likely in a join loop, as at the end of a producer-consumer pair);
    /// once none runs, it goes on with its own work and keeps a core.
    /// </summary>
    public static void AfterChildEnded()
    {
        if (Target != 0 && WantsSpare(parentWaits: true)) Schedule(TimeSpan.Zero, parentWaits: true);
    }

    /// <summary>Spares started (tests).</summary>
    internal static int Started => Volatile.Read(ref _started);

    /// <summary>Spares waiting in the pool (tests).</summary>
    internal static int Count
    {
        get { lock (Spares) return Spares.Count; }
    }

    /// <summary>Spares handed to a start (tests).</summary>
    internal static int Taken => Volatile.Read(ref _taken);

    /// <summary>Spares handed to a start that had finished booting (tests).</summary>
    internal static int TakenUp => Volatile.Read(ref _takenUp);

    /// <summary>The pool size, from <c>MULTIPROC_PRESTART</c> (tests).</summary>
    internal static int Size => Target;

    /// <summary>Spares still booting (tests).</summary>
    internal static int Booting
    {
        get
        {
            lock (Spares) return CountBooting();
        }
    }

    private static Spare? TryDequeue()
    {
        lock (Spares)
        {
            if (Spares.Count == 0) return null;
            var s = Spares[0];
            Spares.RemoveAt(0);
            return s;
        }
    }

    private static int CountBooting()
    {
        var n = 0;
        foreach (var s in Spares)
            if (!IsUp(s)) n++;
        return n;
    }

    /// <summary>
    /// Below target, and a core is idle: running children, booting spares and (unless it is about to wait for a child)
    /// the parent are fewer than the cores.
    /// </summary>
    private static bool WantsSpare(bool parentWaits)
    {
        // The child the parent was about to wait for may have ended meanwhile: then the parent goes on running.
        if (parentWaits && Children.FewerRunningThan(1)) parentWaits = false;
        int limit;
        lock (Spares)
        {
            if (Spares.Count >= Target) return false;
            // On one core a busy parent still leaves room for one spare, as it always did.
            limit = Math.Max(1, Environment.ProcessorCount - (parentWaits ? 0 : 1)) - CountBooting() - Volatile.Read(ref _starting);
        }
        return limit > 0 && Children.FewerRunningThan(limit);
    }

    private static void Schedule(TimeSpan delay, bool parentWaits = false)
    {
        lock (RefillGate)
        {
            if (Volatile.Read(ref _released) != 0) return;
            _timerParentWaits = parentWaits;
            _refillTimer ??= new Timer(static _ => Refill(Volatile.Read(ref _timerParentWaits)), null, Timeout.Infinite, Timeout.Infinite);
            _refillTimer.Change(delay, Timeout.InfiniteTimeSpan);
        }
    }

    /// <summary>Starts children until <see cref="Target"/> wait in the pool, on idle cores only (see the remarks).</summary>
    private static void Refill(bool parentWaits)
    {
        if (Target == 0) return;
        if (WantsSpare(parentWaits))
        {
            lock (RefillGate)
            {
                if (Volatile.Read(ref _released) != 0) return;
                while (WantsSpare(parentWaits))
                {
                    SpawnedChild child;
                    try { child = ProcessSpawner.Spawn(RunDirectory.Current); }
                    catch (IOException) { return; }
                    lock (Spares) Spares.Add(new Spare(child));
                    Interlocked.Increment(ref _started);
                }
            }
        }
        // Below target because spares are booting: look again once they may be up (not for ever, if one never is).
        var again = false;
        lock (Spares)
        {
            if (Spares.Count < Target)
                foreach (var sp in Spares)
                    if (!IsUp(sp) && Environment.TickCount64 - sp.SpawnedAt < RecheckFor) again = true;
        }
        if (again) Schedule(RecheckDelay);
    }

    /// <summary>Closes the spares' control pipes: each reads end-of-file and exits.</summary>
    public static void Release()
    {
        lock (RefillGate)
        {
            Volatile.Write(ref _released, 1);
            _refillTimer?.Dispose();
        }
        while (TryDequeue() is { } spare) Discard(spare.Child);
    }

    /// <summary>
    /// Whether the spare has booted: its main thread sleeps in a pipe read (<c>pipe_read</c>, <c>anon_pipe_read</c>
    /// in /proc/PID/wchan), which is where it waits for its target. Once seen, it stays up. Where the kernel does not
    /// say (no such file, or <c>0</c>), a spare counts as up after <see cref="BootLimit"/>.
    /// </summary>
    private static unsafe bool IsUp(Spare s)
    {
        if (s.Up) return true;
        var fd = LinuxNative.open("/proc/" + s.Child.Pid.ToString(System.Globalization.CultureInfo.InvariantCulture) + "/wchan",
            LinuxNative.O_RDONLY | LinuxNative.O_CLOEXEC, 0);
        var n = 0;
        byte* buf = stackalloc byte[64];
        if (fd >= 0)
        {
            n = (int)Math.Max(0, LinuxNative.read(fd, buf, 64));
            LinuxNative.close(fd);
        }
        var wchan = new ReadOnlySpan<byte>(buf, n);
        if (wchan.IndexOf("pipe_read"u8) >= 0) return s.Up = true;
        var told = n > 0 && !wchan.SequenceEqual("0"u8);
        return !told && Environment.TickCount64 - s.SpawnedAt > BootLimit && (s.Up = true);
    }

    private static unsafe bool IsRunning(SpawnedChild c)
    {
        var pfd = new LinuxNative.PollFd { Fd = c.Pidfd, Events = LinuxNative.POLLIN };
        return LinuxNative.poll(&pfd, 1, 0) == 0;
    }

    private static unsafe void Discard(SpawnedChild c)
    {
        LinuxNative.close(c.ControlFd);
        int status;
        LinuxNative.waitpid(c.Pid, &status, LinuxNative.WNOHANG);
        LinuxNative.close(c.Pidfd);
    }
}
