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
