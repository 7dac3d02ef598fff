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

    /// <summary>
    /// Whether fewer than <paramref name="limit"/> children are on a CPU or waiting for one (state R in
    /// /proc/PID/stat): children asleep (waiting for a lock, an item, a child of their own) leave their core idle.
    /// </summary>
    public static unsafe bool FewerRunnableThan(int limit)
    {
        if (Running < limit) return true;
        if (limit <= 0 || _active is not { } active) return false;
        var runnable = 0;
        var buf = stackalloc byte[128];
        foreach (var c in active.Keys)
        {
            if (c.Pid is not { } pid) continue;
            var fd = LinuxNative.open("/proc/" + pid.ToString(System.Globalization.CultureInfo.InvariantCulture) + "/stat", LinuxNative.O_RDONLY | LinuxNative.O_CLOEXEC);
            if (fd < 0) continue;
            var n = LinuxNative.read(fd, buf, 128);
            LinuxNative.close(fd);
            // "pid (comm) S ...": the state follows the last ')'.
            var state = (byte)'S';
            for (var i = (int)n - 1; i > 0; i--)
                if (buf[i] == (byte)')') { if (i + 2 < n) state = buf[i + 2]; break; }
            if (state == (byte)'R' && ++runnable >= limit) return false;
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
        // Ended children whose reap was put off: reaped now, not left to an init that may not reap.
        ZombieReaper.ReapAllNow();
        RunDirectory.RemoveIfRoot();
    }
}

/// <summary>
/// Children started ahead of need (CPython's forkserver idea): each has loaded the runtime and is
/// blocked reading its control pipe, so <see cref="ChildProcess.Start"/> only writes the target.
/// Every child is still a fresh process that runs one target. The pool size comes from the
/// <c>MULTIPROC_PRESTART</c> environment variable (default 3; 0 turns it off).
/// </summary>
/// <remarks>
/// <para>A spare reports when its runtime is up (one byte on a second pipe, <see cref="ProcessSpawner.BootedFd"/>,
/// watched by <see cref="ExitWatcher"/>). A booted spare sleeps in a read and costs no core, so it is no load: a
/// spare starts only while the children of this process that are running (started and not yet exited) plus the
/// spares still booting plus this process itself are fewer than <see cref="Environment.ProcessorCount"/>, and each
/// booted report lets the next one start. This process counts as one busy core except while one of its threads
/// waits for a child in <see cref="ChildProcess.Join()"/> (and when it calls <see cref="ChildProcess.Join()"/> or
/// <see cref="ChildProcess.JoinAsync"/> to wait): a parent that has started a child is most likely working with it
/// (a pipe or event ping-pong, a producer), and a runtime booting beside the pair would take a core from one of
/// the two. On a single core it does not count (there is no core to keep for it). So a parent and one busy child,
/// or two busy children, on two cores get no spare booting beside them, and the pool fills up to its size on idle
/// cores, one core at a time, even while booted spares wait.</para>
/// <para>When more children run than there are cores, most of them wait for each other (a lock, an item): then,
/// when the parent is about to wait (<see cref="ChildProcess.Join()"/>, <see cref="ChildProcess.JoinAsync"/>) or a
/// spare reports booted, only the children on a CPU or waiting for one (state R in /proc/PID/stat) count.</para>
/// <para>When a child is reaped (<see cref="ChildProcess.Join()"/>, <see cref="ChildProcess.IsAlive"/>, the exit
/// watcher of <see cref="ChildProcess.JoinAsync"/>), the pool is topped up at once only if it holds no booted spare,
/// else a moment later; when the parent is about to wait, with as many children as cores or fewer, only if it holds
/// none. The booted one serves the next start, and a runtime booting at that moment would take a core from whatever
/// the program does next (a pair that has just started). With more children than cores (a burst) a wait tops up
/// whatever the pool holds, under the count of children in state R: a burst's tail leaves cores idle, and the next
/// phase of the program may start more children than one booted spare serves. A thread blocked in
/// <see cref="ChildProcess.Join()"/> looks again after 50 ms, then twice as long each time (at most 800 ms), while the
/// pool is short: children that fall asleep or end unreaped free cores with no reap or booted report to notice it.
/// A pool's workers are excepted: the pool tops it up a moment after it has ended.</para>
/// <para>A <see cref="ChildProcess.Start"/> that found a spare does not top the pool up: starting a runtime takes a
/// core for tens of milliseconds, which the parent and the child it just started need first; the next wait or reap
/// does it. A start that found the pool empty (a burst) tops it up at once, under the same count; if a top-up is
/// spawning a spare at that moment, the start waits for it and takes that spare rather than boot a runtime beside it.</para>
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
    private static int _booting;
    private static int _parentWaits;
    /// <summary>1 while a top-up holds <see cref="RefillGate"/> to spawn: a start that finds the pool empty waits for its spare.</summary>
    private static int _refilling;
    /// <summary>Boots that failed in a row (a spare that died before its report, a spawn that failed); a report resets it.</summary>
    private static int _bootFailures;
    /// <summary>After a failed boot no spare starts before this <see cref="Environment.TickCount64"/> (a back-off).</summary>
    private static long _quietUntil;
    private static readonly TimeSpan MaxBackOff = TimeSpan.FromSeconds(30);

    /// <summary>The core this process keeps for itself while none of its threads waits for a child (none on one core).</summary>
    private static readonly int ParentCore = Environment.ProcessorCount > 1 ? 1 : 0;

    private static int ReadTarget() =>
        int.TryParse(Environment.GetEnvironmentVariable("MULTIPROC_PRESTART"), out var n) && n >= 0 ? Math.Min(n, 64) : 3;

    /// <summary>A pre-started child that is still alive (<paramref name="spawned"/> false), or a new one.</summary>
    public static SpawnedChild Take(out bool spawned)
    {
        spawned = false;
        while (true)
        {
            if (Spares.TryDequeue(out var spare))
            {
                StopWatchingBoot(spare);
                if (IsRunning(spare))
                {
                    Interlocked.Increment(ref _taken);
                    return spare;
                }
                Discard(spare);
                continue;
            }
            // The pool is empty, but a top-up may be spawning a spare right now (a reap's, on the thread pool): wait
            // for it (a spawn takes a millisecond or two) and take that spare rather than boot a second runtime beside it.
            if (Volatile.Read(ref _refilling) == 0) break;
            lock (RefillGate) { }
            if (Spares.IsEmpty) break;
        }
        spawned = true;
        // A cold start: paced while as many cold children are still booting as the cores (BootPacer; bounded wait).
        var slot = BootPacer.Enter();
        SpawnedChild child;
        try
        {
            child = ProcessSpawner.Spawn(RunDirectory.Current);
        }
        catch
        {
            if (slot is not null) BootPacer.Release(slot);
            throw;
        }
        if (slot is not null) BootPacer.Track(slot, child);
        else CloseBootedFd(child);
        return child;
    }

    /// <summary>
    /// After a start: tops the pool up at once after a start that found it empty; a start that took a spare leaves
    /// it to the next wait or reap (a runtime booting now would take a core from the child just started or the parent).
    /// </summary>
    public static void AfterStart(bool foundEmpty)
    {
        if (Target == 0 || !foundEmpty) return;
        Refill();
    }

    /// <summary>A process pool has ended (its workers' reaps did not top the pool up): top it up a moment later, under the same count.</summary>
    public static void AfterPoolEnded()
    {
        if (Target == 0) return;
        ScheduleRefill(RefillDelay);
    }

    /// <summary>
    /// A thread of this process begins (<paramref name="begins"/> true) or ends a blocking wait for a child: while
    /// one waits, this process leaves its core to the pool.
    /// </summary>
    public static void ParentWaits(bool begins)
    {
        if (begins) Interlocked.Increment(ref _parentWaits);
        else Interlocked.Decrement(ref _parentWaits);
    }

    /// <summary>
    /// A child was reaped: tops the pool up on the thread pool if that freed a core, at once if no booted spare
    /// waits, else a moment later (the booted one serves the next start).
    /// </summary>
    public static void AfterChildEnded()
    {
        if (Target == 0 || !WantsSpare(countRunnable: false, parentWaits: false)) return;
        ScheduleRefill(HasBootedSpare() ? RefillDelay : TimeSpan.Zero);
    }

    /// <summary>
    /// The parent is about to wait for a child (or has waited for one a while, <see cref="WhileWaiting"/>): the core it
    /// leaves may boot a spare. With as many children as cores or fewer (a pair) only if no booted spare waits (it
    /// serves the next start, and a pair's last wait is short: a boot started now would land in what comes next); with
    /// more (a burst), whenever the children in state R leave a core idle, booted spares or not: the idle cores of a
    /// burst's tail fill the pool for whatever the program starts next.
    /// </summary>
    public static void BeforeWait()
    {
        if (Target == 0 || Spares.Count >= Target) return;
        if (Children.Running <= Environment.ProcessorCount && HasBootedSpare()) return;
        Refill(countRunnable: true, parentWaits: true);
    }

    /// <summary>The first look at the pool from a <see cref="ChildProcess.Join()"/> that is still waiting (milliseconds); each next one waits twice as long.</summary>
    internal const int WaitCheckFirstMs = 50;

    /// <summary>The longest a waiting <see cref="ChildProcess.Join()"/> goes without a look at the pool (milliseconds).</summary>
    internal const int WaitCheckMaxMs = 800;

    /// <summary>Whether a thread waiting for a child should look at the pool again now and then: it is below its size.</summary>
    public static bool BelowSize => Target > 0 && Spares.Count < Target && Volatile.Read(ref _released) == 0;

    /// <summary>
    /// A thread has been waiting for a child for a while (<see cref="WaitCheckFirstMs"/>, then twice as long each time):
    /// cores may have gone idle since it began (children fell asleep on a lock or an item, or ended unreaped), with no
    /// reap or booted report to notice. The same top-up as <see cref="BeforeWait"/>.
    /// </summary>
    public static void WhileWaiting() => BeforeWait();

    private static void ScheduleRefill(TimeSpan delay)
    {
        lock (RefillGate)
        {
            if (Volatile.Read(ref _released) != 0) return;
            _refillTimer ??= new Timer(static _ => Refill(), null, Timeout.Infinite, Timeout.Infinite);
            _refillTimer.Change(delay, Timeout.InfiniteTimeSpan);
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

    /// <summary>Spares in the pool that have not reported booted yet (tests).</summary>
    internal static int Booting => Volatile.Read(ref _booting);

    /// <summary>Threads of this process blocked in a wait for a child (tests).</summary>
    internal static int ParentWaiting => Volatile.Read(ref _parentWaits);

    /// <summary>Spares in the pool whose process is still running (tests).</summary>
    internal static int Alive => Spares.Count(IsRunning);

    /// <summary>Runs <paramref name="body"/> as if it were a top-up spawning a spare: under the refill lock, flagged (tests).</summary>
    internal static void AsTopUp(Action body)
    {
        lock (RefillGate)
        {
            Volatile.Write(ref _refilling, 1);
            try
            {
                body();
            }
            finally
            {
                Volatile.Write(ref _refilling, 0);
            }
        }
    }

    /// <summary>Boots that failed since the last one that reported (tests).</summary>
    internal static int BootFailures => Volatile.Read(ref _bootFailures);

    private static bool HasBootedSpare()
    {
        foreach (var s in Spares)
            if (Volatile.Read(ref s.BootSeen) != 0) return true;
        return false;
    }

    /// <summary>
    /// Below target, and a core is idle: running children plus booting spares plus this process (unless
    /// <paramref name="parentWaits"/> or a thread waits for a child) are fewer than the cores. With
    /// <paramref name="countRunnable"/> and more children than cores, only the children in state R count.
    /// </summary>
    private static bool WantsSpare(bool countRunnable, bool parentWaits)
    {
        if (Spares.Count >= Target) return false;
        if (Environment.TickCount64 < Volatile.Read(ref _quietUntil)) return false; // backing off after a failed boot
        var free = Environment.ProcessorCount - Volatile.Read(ref _booting);
        if (!parentWaits && Volatile.Read(ref _parentWaits) == 0) free -= ParentCore;
        return countRunnable && Children.Running > Environment.ProcessorCount
            ? Children.FewerRunnableThan(free)
            : Children.FewerRunningThan(free);
    }

    /// <summary>Starts children until <see cref="Target"/> wait in the pool, on idle cores only (see the remarks).</summary>
    public static void Refill() => Refill(countRunnable: false, parentWaits: false);

    private static void Refill(bool countRunnable, bool parentWaits)
    {
        if (Target == 0 || !WantsSpare(countRunnable, parentWaits)) return;
        lock (RefillGate)
        {
            if (Volatile.Read(ref _released) != 0) return;
            Volatile.Write(ref _refilling, 1);
            try
            {
                RefillLocked(countRunnable, parentWaits);
            }
            finally
            {
                Volatile.Write(ref _refilling, 0);
            }
        }
    }

    /// <summary>Refill's loop, under <see cref="RefillGate"/>.</summary>
    private static void RefillLocked(bool countRunnable, bool parentWaits)
    {
        while (WantsSpare(countRunnable, parentWaits))
        {
            SpawnedChild spare;
            try { spare = ProcessSpawner.Spawn(RunDirectory.Current); }
            catch (IOException)
            {
                BackOff(); // the chain would end here: it starts again after the back-off
                return;
            }
            Interlocked.Increment(ref _booting);
            Interlocked.Increment(ref _started);
            // Watched before a start can take it: a take closes the pipe, and a watch made after that would
            // watch a closed number, perhaps reused meanwhile by another pipe or a pidfd awaited by JoinAsync.
            // A report that comes before the enqueue waits for this lock in its Refill or DropDead.
            ExitWatcher.Watch(spare.BootedFd, () => OnBooted(spare));
            Spares.Enqueue(spare);
        }
    }

    /// <summary>
    /// The spare wrote its byte (or died): it is no load any more, and the next one may boot. A spare that died before
    /// its report (end-of-file and no byte: its runtime could not start, or it was killed) leaves the pool at once, so
    /// that it does not hold a place of the pool's size until a start discards it, and the next boot waits a back-off.
    /// </summary>
    private static unsafe void OnBooted(SpawnedChild spare)
    {
        if (!SeeBooted(spare)) return; // taken meanwhile: the start owns its report pipe
        // The pipe is this call's now (a take finds -1 and leaves it); the watcher no longer watches it.
        var fd = Interlocked.Exchange(ref spare.BootedFd, -1);
        if (fd >= 0)
        {
            byte b;
            nint n;
            do n = LinuxNative.read(fd, &b, 1);
            while (n < 0 && LinuxNative.Errno == LinuxNative.EINTR);
            LinuxNative.close(fd);
            if (n == 0)
            {
                DropDead(spare);
                BackOff();
                return;
            }
        }
        Volatile.Write(ref _bootFailures, 0);
        Refill(countRunnable: true, parentWaits: false);
    }

    /// <summary>
    /// A boot failed: no spare starts for a while (200 ms, doubling with each failure in a row, at most
    /// <see cref="MaxBackOff"/>), then the pool is topped up again. An environment in which no runtime can start thus
    /// costs a boot now and then, not a core.
    /// </summary>
    private static void BackOff()
    {
        var failures = Interlocked.Increment(ref _bootFailures);
        var delay = TimeSpan.FromTicks(Math.Min(MaxBackOff.Ticks, RefillDelay.Ticks << Math.Min(failures - 1, 16)));
        Volatile.Write(ref _quietUntil, Environment.TickCount64 + (long)delay.TotalMilliseconds);
        ScheduleRefill(delay + TimeSpan.FromMilliseconds(1));
    }

    /// <summary>Takes a spare that died out of the pool (the others stay, in their order) and releases it.</summary>
    private static void DropDead(SpawnedChild dead)
    {
        var found = false;
        lock (RefillGate)
        {
            if (Volatile.Read(ref _released) != 0) return; // Release discards every spare
            var keep = new List<SpawnedChild>(Spares.Count);
            while (Spares.TryDequeue(out var s))
            {
                if (ReferenceEquals(s, dead)) found = true;
                else keep.Add(s);
            }
            foreach (var s in keep) Spares.Enqueue(s);
        }
        // Else a start took it meanwhile, and discards it as it finds it dead. The reap may wait for the dying child to
        // end (up to 1 s): not on the exit watcher's thread, which this runs on and which every JoinAsync waits behind.
        if (found) ThreadPool.UnsafeQueueUserWorkItem(static d => Discard(d, reapWaitMs: 1000), dead, preferLocal: false);
    }

    /// <summary>Marks the spare booted once; true the first time.</summary>
    private static bool SeeBooted(SpawnedChild spare)
    {
        if (Interlocked.Exchange(ref spare.BootSeen, 1) != 0) return false;
        Interlocked.Decrement(ref _booting);
        return true;
    }

    private static void StopWatchingBoot(SpawnedChild spare)
    {
        SeeBooted(spare);
        CloseBootedFd(spare);
    }

    private static void CloseBootedFd(SpawnedChild c)
    {
        var fd = Interlocked.Exchange(ref c.BootedFd, -1);
        if (fd < 0) return;
        ExitWatcher.Unwatch(fd);
        LinuxNative.close(fd);
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

    /// <param name="c">The spare.</param>
    /// <param name="reapWaitMs">How long to wait for it to end before the reap (one seen dying may not have ended yet: without it, it would stay a zombie).</param>
    private static unsafe void Discard(SpawnedChild c, int reapWaitMs = 0)
    {
        StopWatchingBoot(c);
        LinuxNative.close(c.ControlFd);
        if (reapWaitMs > 0)
        {
            var pfd = new LinuxNative.PollFd { Fd = c.Pidfd, Events = LinuxNative.POLLIN };
            LinuxNative.poll(&pfd, 1, reapWaitMs);
        }
        int status;
        LinuxNative.waitpid(c.Pid, &status, LinuxNative.WNOHANG);
        LinuxNative.close(c.Pidfd);
    }
}
