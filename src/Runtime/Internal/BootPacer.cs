using Multiproc.Platform;

namespace Multiproc.Internal;

/// <summary>
/// Paces cold starts (a start storm): a <see cref="ChildProcess.Start"/> that finds no spare and would spawn its child
/// while as many cold children are still booting as the limit allows (by default <see cref="Environment.ProcessorCount"/>)
/// first waits, at most <see cref="MaxWait"/>, for one of them to report booted. So a burst of starts boots its runtimes a
/// core's worth at a time, and the children that have booted (and the parent) keep a real share of the cores instead of a
/// fair share among dozens of booting runtimes. See docs/design/spare-pool.md, "Cold starts: pacing a start storm".
/// </summary>
/// <remarks>
/// <para>A cold child counts as booting from its spawn until it reports booted on <see cref="ProcessSpawner.BootedFd"/>
/// (the same one-byte report a spare makes), dies (the pipe's end-of-file), or has been booting for <see cref="Lease"/>:
/// a child stopped or stuck before its report frees its slot then, so it never holds a start back for longer than that,
/// and no start ever waits longer than <see cref="MaxWait"/>. No thread watches the reports: the next cold start looks
/// at them (poll(2) with timeout 0) and, if every slot is still held, sleeps in poll(2) on them until one reports or
/// its bound passes; so the parent's descriptors for up to the limit's reports stay open until the next cold start.</para>
/// <para><c>MULTIPROC_BOOT_PACING</c> sets the limit: unset (or not a non-negative integer) → the cores;
/// <c>0</c> → off (every cold start spawns at once, as before); <c>n</c> → n cold boots at a time (at most 256).</para>
/// </remarks>
internal static class BootPacer
{
    /// <summary>The longest one start waits for a boot slot before it spawns anyway.</summary>
    public static readonly TimeSpan MaxWait = TimeSpan.FromMilliseconds(100);

    /// <summary>How long a cold child that has not reported booted holds its slot at most (1 s; tests may set it).</summary>
    internal static TimeSpan Lease { get; set; } = TimeSpan.FromSeconds(1);

    private static readonly object Gate = new();
    private static readonly List<Slot> Booting = new();
    private static int? _limitOverride;
    private static int _waits;
    private static int _timedOut;

    /// <summary>The limit read from <c>MULTIPROC_BOOT_PACING</c> once, at first use.</summary>
    private static readonly int ConfiguredLimit = ReadLimit(Environment.GetEnvironmentVariable("MULTIPROC_BOOT_PACING"), Environment.ProcessorCount);

    /// <summary>Cold boots allowed at once; 0: pacing off.</summary>
    public static int Limit => _limitOverride ?? ConfiguredLimit;

    /// <summary><c>MULTIPROC_BOOT_PACING</c>'s value → the limit: unset or not a non-negative integer → <paramref name="cores"/>.</summary>
    internal static int ReadLimit(string? value, int cores) =>
        int.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n)
            ? Math.Min(n, 256)
            : Math.Max(1, cores);

    /// <summary>Sets the limit for this process (tests); null goes back to <c>MULTIPROC_BOOT_PACING</c>.</summary>
    internal static void OverrideLimit(int? limit)
    {
        lock (Gate) _limitOverride = limit;
    }

    /// <summary>Starts that waited for a boot slot (tests).</summary>
    internal static int Waits => Volatile.Read(ref _waits);

    /// <summary>Starts whose wait ended at <see cref="MaxWait"/> without a free slot (tests).</summary>
    internal static int TimedOut => Volatile.Read(ref _timedOut);

    /// <summary>Cold children counted as booting now (tests).</summary>
    internal static int BootingCount
    {
        get { lock (Gate) { Sweep(Environment.TickCount64, 0); return Booting.Count; } }
    }

    /// <summary>
    /// Before a cold spawn: waits (at most <see cref="MaxWait"/>) until fewer cold children are booting than the limit,
    /// and takes a slot for the child about to be spawned (null with pacing off). Give the slot to <see cref="Track"/>
    /// once the child is spawned, or to <see cref="Release"/> if the spawn failed. The waiting thread itself sleeps in
    /// poll(2) on the booting children's report pipes, so a report wakes it directly.
    /// </summary>
    public static Slot? Enter()
    {
        if (Limit == 0) return null;
        var now = Environment.TickCount64;
        var deadline = now + (long)MaxWait.TotalMilliseconds;
        var locked = false;
        try
        {
            // Another thread's start may be waiting under the gate: this one waits for it within its own bound.
            Monitor.TryEnter(Gate, MaxWait, ref locked);
            if (!locked)
            {
                Interlocked.Increment(ref _timedOut);
                return null;
            }
            now = Environment.TickCount64;
            Sweep(now, 0);
            if (Booting.Count >= Limit && Limit > 0)
            {
                Interlocked.Increment(ref _waits);
                while (Booting.Count >= Limit && Limit > 0)
                {
                    var left = deadline - now;
                    if (left <= 0)
                    {
                        Interlocked.Increment(ref _timedOut);
                        break;
                    }
                    Sweep(now, (int)left);
                    now = Environment.TickCount64;
                }
            }
            var slot = new Slot(now);
            Booting.Add(slot);
            return slot;
        }
        finally
        {
            if (locked) Monitor.Exit(Gate);
        }
    }

    /// <summary>
    /// The child of <paramref name="slot"/> is spawned: its boot report (or end-of-file) frees the slot. Takes over
    /// <paramref name="child"/>'s <see cref="SpawnedChild.BootedFd"/>.
    /// </summary>
    public static void Track(Slot slot, SpawnedChild child)
    {
        var fd = Interlocked.Exchange(ref child.BootedFd, -1);
        if (fd < 0) Release(slot);
        else TrackFd(slot, fd);
    }

    /// <summary>The slot is freed once <paramref name="fd"/> polls readable (a report, or end-of-file); owns and closes <paramref name="fd"/>.</summary>
    internal static void TrackFd(Slot slot, int fd)
    {
        lock (Gate)
        {
            if (!slot.Held)
            {
                // Expired already (a spawn that took longer than the lease): nothing to watch.
                LinuxNative.close(fd);
                return;
            }
            slot.Fd = fd;
        }
    }

    /// <summary>Frees <paramref name="slot"/> (once) and closes its descriptor.</summary>
    public static void Release(Slot slot)
    {
        lock (Gate)
        {
            if (!slot.Held) return;
            Free(slot);
            Booting.Remove(slot);
        }
    }

    /// <summary>
    /// Polls the report pipes of the booting children for up to <paramref name="timeoutMs"/> (0: a look) and frees the
    /// slots that reported (or whose child died), and those held longer than <see cref="Lease"/> (children stopped or
    /// stuck before their report). Under the gate.
    /// </summary>
    private static unsafe void Sweep(long now, int timeoutMs)
    {
        var lease = (long)Lease.TotalMilliseconds;
        for (var i = Booting.Count - 1; i >= 0; i--)
        {
            if (now - Booting[i].Since < lease) continue;
            Free(Booting[i]);
            Booting.RemoveAt(i);
        }
        var n = Booting.Count;
        if (n == 0) return;
        // Never past the oldest slot's lease.
        if (timeoutMs > 0)
        {
            var oldest = now;
            foreach (var s in Booting) oldest = Math.Min(oldest, s.Since);
            timeoutMs = (int)Math.Max(1, Math.Min(timeoutMs, oldest + lease - now));
        }
        var fds = n <= 32 ? stackalloc LinuxNative.PollFd[n] : new LinuxNative.PollFd[n];
        for (var i = 0; i < n; i++) fds[i] = new LinuxNative.PollFd { Fd = Booting[i].Fd, Events = LinuxNative.POLLIN };
        int r;
        fixed (LinuxNative.PollFd* p = fds)
            r = LinuxNative.poll(p, (ulong)n, timeoutMs); // a slot not tracked yet (-1) is skipped by poll
        if (r <= 0) return; // timed out, or interrupted: the caller looks again
        for (var i = n - 1; i >= 0; i--)
        {
            if (fds[i].Revents == 0) continue;
            Free(Booting[i]);
            Booting.RemoveAt(i);
        }
    }

    /// <summary>Marks <paramref name="s"/> free and closes its descriptor. Under the gate.</summary>
    private static void Free(Slot s)
    {
        s.Held = false;
        var fd = s.Fd;
        s.Fd = -1;
        if (fd >= 0) LinuxNative.close(fd);
    }

    /// <summary>One cold child counted as booting.</summary>
    internal sealed class Slot(long since)
    {
        public readonly long Since = since;
        public bool Held = true;
        public int Fd = -1;
    }
}
