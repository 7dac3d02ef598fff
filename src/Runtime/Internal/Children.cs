using System.Collections.Concurrent;
using Multiproc.Platform;

namespace Multiproc.Internal;

/// <summary>
/// The children this process started, and what happens to them when it exits normally (CPython's
/// <c>util._exit_function</c>): daemon children are terminated, then every child is joined. After
/// that, unused pre-started children are released and, in the root process, the run directory is removed.
/// </summary>
internal static class Children
{
    // Created by the first Add: a child that starts no children of its own does not pay for it on its way out.
    private static ConcurrentDictionary<ChildProcess, byte>? _active;
    private static int _hooked;

    private static ConcurrentDictionary<ChildProcess, byte> Active =>
        Volatile.Read(ref _active) ?? Interlocked.CompareExchange(ref _active, new(), null) ?? _active!;
    private static int _exited;
    private static int _running;

    /// <summary>Children started and not yet reaped: what the spare pool leaves the cores to.</summary>
    public static int Running => Volatile.Read(ref _running);

    public static void Add(ChildProcess child)
    {
        if (Active.TryAdd(child, 0)) Interlocked.Increment(ref _running);
        EnsureExitHook();
    }

    /// <summary>
    /// Whether fewer than <paramref name="limit"/> children are still running. The count of unreaped children
    /// answers at once; when it says no, the children are polled, since one may have exited without being reaped yet.
    /// </summary>
    public static unsafe bool FewerRunningThan(int limit)
    {
        if (Running < limit) return true;
        if (limit <= 0 || _active is not { } active) return false;
        var alive = 0;
        foreach (var c in active.Keys)
        {
            var pfd = new LinuxNative.PollFd { Fd = c.PollFd, Events = LinuxNative.POLLIN };
            if (pfd.Fd < 0 || LinuxNative.poll(&pfd, 1, 0) != 0) continue; // ended (readable), or no longer a child to count
            if (++alive >= limit) return false;
        }
        return true;
    }

    /// <summary>A child was reaped: one core more for the spare pool, which is topped up if <paramref name="topUpSpares"/>.</summary>
    public static void Remove(ChildProcess child, bool topUpSpares)
    {
        if (_active?.TryRemove(child, out _) != true) return;
        Interlocked.Decrement(ref _running);
        if (topUpSpares) SparePool.AfterChildEnded();
    }

    public static void EnsureExitHook()
    {
        if (Interlocked.Exchange(ref _hooked, 1) == 0)
            AppDomain.CurrentDomain.ProcessExit += (_, _) => OnExit();
    }

    /// <summary>Runs once, at normal exit (of the parent, or of a child after its target).</summary>
    public static void OnExit()
    {
        if (Interlocked.Exchange(ref _exited, 1) != 0) return;
        if (Volatile.Read(ref _hooked) == 0)
        {
            // This process never started a child: nothing to join and no pool to release.
            RunDirectory.RemoveIfRoot();
            return;
        }
        JoinAllAtExit();
    }

    /// <summary>
    /// OnExit's work in a process that started children. A method of its own: a child that started none
    /// returns before it, and so never loads what this code needs (System.Linq, the spare pool's types).
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static void JoinAllAtExit()
    {
        // Spares first: joining the children below must not pre-start new ones.
        SparePool.Release();
        var snapshot = Active.Keys.ToArray();
        foreach (var c in snapshot)
            if (c.Daemon && c.IsAlive) c.Terminate();
        foreach (var c in snapshot)
            c.Join();
        RunDirectory.RemoveIfRoot();
    }
}

/// <summary>
/// Children started ahead of need (CPython's forkserver idea): each has loaded the runtime and is
/// blocked reading its control pipe, so <see cref="ChildProcess.Start"/> only writes the target.
/// Every child is still a fresh process that runs one target. The pool size comes from the
/// <c>MULTIPROC_PRESTART</c> environment variable (default 2; 0 turns it off).
/// </summary>
/// <remarks>
/// <para>When a <see cref="ChildProcess.Start"/> found a spare, the pool is topped up a moment later (or as
/// soon as the parent waits in <see cref="ChildProcess.Join()"/>), not at once: starting a runtime takes
/// a core for tens of milliseconds, which the parent and the child it just started need first. A start
/// that found the pool empty (a burst) tops it up at once.</para>
/// <para>Spares use idle cores only: a spare is started only while the children of this process that are
/// running (started and not yet exited) plus the spares in the pool are fewer than
/// <see cref="Environment.ProcessorCount"/>. A spare in the pool counts as booting until it is taken (the
/// parent is not told when a spare has finished booting). So two busy children on two cores get no spare
/// booting beside them, while start-join-repeat keeps its spares. When a child is reaped
/// (<see cref="ChildProcess.Join()"/>, <see cref="ChildProcess.IsAlive"/>, the exit watcher of
/// <see cref="ChildProcess.JoinAsync"/>), the pool is topped up on the thread pool if a core came free
/// (a pool's workers excepted: the pool tops it up a moment after it has ended).</para>
/// </remarks>
internal static class SparePool
{
    private static readonly ConcurrentQueue<SpawnedChild> Spares = new();
    private static readonly int Target = ReadTarget();
    private static readonly TimeSpan RefillDelay = TimeSpan.FromMilliseconds(200);
    private static readonly object RefillGate = new();
    private static Timer? _refillTimer;
    private static int _released;
    private static int _started;
    private static int _taken;

    private static int ReadTarget() =>
        int.TryParse(Environment.GetEnvironmentVariable("MULTIPROC_PRESTART"), out var n) && n >= 0 ? Math.Min(n, 64) : 2;

    /// <summary>A pre-started child that is still alive (<paramref name="spawned"/> false), or a new one.</summary>
    public static SpawnedChild Take(out bool spawned)
    {
        spawned = false;
        while (Spares.TryDequeue(out var spare))
        {
            if (IsRunning(spare))
            {
                Interlocked.Increment(ref _taken);
                return spare;
            }
            Discard(spare);
        }
        spawned = true;
        return ProcessSpawner.Spawn(RunDirectory.Current);
    }

    /// <summary>After a start: tops the pool up at once after a start that found it empty, else a moment later.</summary>
    public static void AfterStart(bool foundEmpty)
    {
        if (Target == 0) return;
        if (foundEmpty)
        {
            Refill();
            return;
        }
        lock (RefillGate)
        {
            if (Volatile.Read(ref _released) != 0) return;
            _refillTimer ??= new Timer(static _ => Refill(), null, Timeout.Infinite, Timeout.Infinite);
            _refillTimer.Change(RefillDelay, Timeout.InfiniteTimeSpan);
        }
    }

    /// <summary>A child was reaped: tops the pool up on the thread pool if that freed a core for a spare.</summary>
    public static void AfterChildEnded()
    {
        if (!WantsSpare()) return;
        lock (RefillGate)
        {
            if (Volatile.Read(ref _released) != 0) return;
            _refillTimer ??= new Timer(static _ => Refill(), null, Timeout.Infinite, Timeout.Infinite);
            _refillTimer.Change(TimeSpan.Zero, Timeout.InfiniteTimeSpan);
        }
    }

    /// <summary>Spares started (tests).</summary>
    internal static int Started => Volatile.Read(ref _started);

    /// <summary>Spares waiting in the pool (tests).</summary>
    internal static int Count => Spares.Count;

    /// <summary>Spares handed to a start (tests).</summary>
    internal static int Taken => Volatile.Read(ref _taken);

    /// <summary>The pool size, from <c>MULTIPROC_PRESTART</c> (tests).</summary>
    internal static int Size => Target;

    /// <summary>Below target, and a core is idle: running children plus spares are fewer than the cores.</summary>
    private static bool WantsSpare()
    {
        var spares = Spares.Count;
        return spares < Target && Children.FewerRunningThan(Environment.ProcessorCount - spares);
    }

    /// <summary>Starts children until <see cref="Target"/> wait in the pool, on idle cores only (see the remarks).</summary>
    public static void Refill()
    {
        if (Target == 0 || !WantsSpare()) return;
        lock (RefillGate)
        {
            if (Volatile.Read(ref _released) != 0) return;
            while (WantsSpare())
            {
                SpawnedChild spare;
                try { spare = ProcessSpawner.Spawn(RunDirectory.Current); }
                catch (IOException) { return; }
                Spares.Enqueue(spare);
                Interlocked.Increment(ref _started);
            }
        }
    }

    /// <summary>Closes the spares' control pipes: each reads end-of-file and exits.</summary>
    public static void Release()
    {
        lock (RefillGate)
        {
            Volatile.Write(ref _released, 1);
            _refillTimer?.Dispose();
        }
        while (Spares.TryDequeue(out var spare)) Discard(spare);
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
