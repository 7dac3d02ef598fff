namespace Multiproc.Platform;

/// <summary>
/// Reaps ended children (releases their zombies) <see cref="DelayMs"/> after their exit status was read, on one
/// thread of its own, instead of on the thread that joined them.
/// </summary>
/// <remarks>
/// <para>The reap (<c>waitpid</c> without <c>WNOWAIT</c>) is where the kernel drops a child's <c>/proc/PID</c>
/// dentries (<c>release_task</c> → <c>proc_flush_pid</c> → <c>d_invalidate</c>). A .NET child's runtime names its
/// finalizer and tiered-compilation threads through <c>/proc/self/task/TID/comm</c>, and when the process ends those
/// threads drop their own <c>task/TID</c> dentries after the parent has already been told that the process ended
/// (its pidfd polls readable). A reap in that window walks <c>/proc/PID</c> in a loop until they are done: on this
/// 2-core VM under load 6–12 the bench's parent spent 0.5–0.9 s of CPU in its 21 reaps of <c>process_start_join</c>
/// (single reaps of 1–270 ms, about half of the timed region), and none with the reap 50 ms after the exit
/// (bench/README.md, "Per-child CPU, twelfth session"). CPython's spawn children have one thread and do not hit it.</para>
/// <para>So <see cref="ChildProcess"/> reads the exit status with <c>waitid(WEXITED | WNOWAIT)</c>, which leaves the
/// zombie in place, and hands the pid to <see cref="Later"/>. Until the reap the pid stays a zombie: it cannot be
/// reused, <c>kill(pid, 0)</c> still answers, and <see cref="ProcessLiveness.IsAlive"/> reads its state as ended.
/// The thread starts with the first pid and exits after <see cref="IdleExitMs"/> without one; a process that exits
/// normally reaps what is left at once (<see cref="ReapAllNow"/>), so that nothing is left for a reaping-less init.</para>
/// </remarks>
internal static unsafe class ZombieReaper
{
    /// <summary>How long after its exit status was read a child is reaped (tests change it).</summary>
    internal static int DelayMs = 100;

    private const int IdleExitMs = 5000;
    private static readonly object Gate = new();
    private static readonly List<(int Pid, long Due)> Waiting = new();
    private static bool _running;

    /// <summary>Children whose exit status was read and which are not reaped yet (tests).</summary>
    internal static int Pending
    {
        get { lock (Gate) return Waiting.Count; }
    }

    /// <summary>Reaps <paramref name="pid"/> (an ended child whose status was read with <c>WNOWAIT</c>) <see cref="DelayMs"/> from now.</summary>
    public static void Later(int pid)
    {
        lock (Gate)
        {
            Waiting.Add((pid, Environment.TickCount64 + DelayMs));
            if (!_running)
            {
                _running = true;
                new Thread(Run) { IsBackground = true, Name = "Multiproc reaper" }.UnsafeStart();
            }
            else if (Waiting.Count == 1)
            {
                Monitor.Pulse(Gate); // the thread is in its idle wait
            }
        }
    }

    /// <summary>Reaps every pending child now (at this process's normal exit).</summary>
    public static void ReapAllNow()
    {
        int[] pids;
        lock (Gate)
        {
            if (Waiting.Count == 0) return;
            pids = new int[Waiting.Count];
            for (var i = 0; i < pids.Length; i++) pids[i] = Waiting[i].Pid;
            Waiting.Clear();
        }
        foreach (var pid in pids) Reap(pid);
    }

    private static void Run()
    {
        var due = new List<int>();
        while (true)
        {
            lock (Gate)
            {
                if (Waiting.Count == 0)
                {
                    Monitor.Wait(Gate, IdleExitMs);
                    if (Waiting.Count == 0)
                    {
                        _running = false;
                        return;
                    }
                    continue;
                }
                var now = Environment.TickCount64;
                var next = long.MaxValue;
                due.Clear();
                foreach (var (pid, at) in Waiting)
                {
                    if (at <= now) due.Add(pid);
                    else next = Math.Min(next, at);
                }
                if (due.Count == 0)
                {
                    Monitor.Wait(Gate, (int)Math.Min(int.MaxValue, next - now));
                    continue;
                }
                Waiting.RemoveAll(w => w.Due <= now);
            }
            // Outside the lock: a reap may still take a while, and Later must not wait for it.
            foreach (var pid in due) Reap(pid);
        }
    }

    private static void Reap(int pid)
    {
        int status;
        int rc;
        // The child has ended (its status was read), so this does not block. ECHILD: someone else reaped it.
        do rc = LinuxNative.waitpid(pid, &status, LinuxNative.WNOHANG);
        while (rc < 0 && LinuxNative.Errno == LinuxNative.EINTR);
    }
}
