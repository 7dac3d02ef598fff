using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Text;
using Multiproc.Platform;

namespace Multiproc.Internal;

/// <summary>
/// The shared memory behind <see cref="PipeEnd{T}"/>: one segment holding, for each of the two ends, the
/// processes that hold it and the one that uses it, and one single-producer single-consumer ring per direction.
/// </summary>
/// <remarks>
/// <para><b>Directions.</b> Direction <c>d</c> carries items into end <c>d</c> (0 = Left, 1 = Right): end
/// <c>e</c> receives from ring <c>e</c> and sends into ring <c>1 - e</c>. A one-way pipe has ring 0 only.</para>
/// <para><b>Rings.</b> Monotonic byte positions <c>tail</c> (written by the sending process only) and
/// <c>head</c> (by the receiving process only); a record is <c>[int length][int flags][payload]</c> padded to
/// 8 bytes and never split: a record that does not fit before the end of the ring is preceded by a skip mark
/// (length -1). A payload above <see cref="InlineLimit"/> is written to a 0600 file of its own first and the
/// record carries the file's name. Since each ring has one sending and one receiving process (see
/// <see cref="Claim"/>), publishing is one store of <c>tail</c> or <c>head</c>: a process killed anywhere
/// leaves a record either wholly there or not at all, and never a torn one.</para>
/// <para><b>Holders.</b> Each end has 64 slots of <c>pid | transit bit</c>. Creating a pipe registers the
/// creator for both ends; attaching (a child decoding its argument) registers the attaching process;
/// <see cref="Close"/> clears the process's slots. An end is "closed everywhere" when no slot names a live
/// process; a dead pid counts as closed, so a SIGKILLed holder needs no cooperation.</para>
/// <para><b>Lifetime in this process.</b> A pipe's mapping is counted by what this process holds of it: each
/// open <see cref="EndState"/> and each end in transit to a child (<see cref="AddRef"/>). When the count falls
/// to zero (both ends closed here, by <see cref="Close"/> or by the finalizer of an end the GC collected
/// unclosed), the pipe leaves <see cref="Mapped"/> and is retired: the segment is disposed (this process's
/// share given up; the last share anywhere removes the file) as soon as no operation is in progress on it
/// (<see cref="TryEnter"/>/<see cref="Exit"/>), by whichever of the closer and the last operation comes last. A
/// synchronous receive another thread is blocked in when both ends are closed keeps the mapping until it returns.</para>
/// <para><b>Waiting.</b> A receiver that finds its ring empty spins briefly, then counts itself in
/// <c>recvWaiters</c> and sleeps on the <c>dataSignal</c> futex word; a sender bumps and wakes it only when
/// that count is non-zero. Closing an end bumps and wakes both words its peer could sleep on. Each end's user
/// writes the CPU it runs on into the end's <c>cpu</c> word as it begins a wait or wakes the other side; a waiter
/// that finds the other side's word naming its own CPU skips the spin (the other side is queued behind it or asleep,
/// so a spin would only hold the CPU it needs: both processes on one core, or a neighbour holding the other one). Sleeps are cut
/// into slices after which the sleeper checks the liveness of the peer's holders (at most ten times a second).</para>
/// </remarks>
internal sealed unsafe class SharedPipe
{
    public const int FlagNull = 1;   // as ItemCodec writes it
    public const int FlagFile = 2;

    private const long Magic = 0x31_45_50_49_50_50_4D_21; // "!MPPIPE1"
    private const int SlotCount = 64;
    private const long TransitBit = 1L << 32;
    private const int HeaderSize = 8192;
    private const long Capacity = 1 << 20;                 // per direction; sparse until written
    /// <summary>Payloads above this go through a file of their own.</summary>
    public const int InlineLimit = (int)(Capacity / 4);
    private static readonly long SpinTicks = Stopwatch.Frequency / 20_000; // 50 µs
    private static readonly TimeSpan Slice = TimeSpan.FromMilliseconds(100);
    private static readonly long ScanTicks = Stopwatch.Frequency / 10;   // 100 ms

    // Header: magic @0, duplex @8. End e at 512 + 1024 e: owner pid @0, gone @128, slots @256 (64 longs).
    private const int OffDuplex = 8;
    private const int EndBase = 512, EndSize = 1024, EOwner = 0, EGone = 128, ESlots = 256;
    // The CPU (+1; 0: not known) the process using end e ran on when it last began a wait or woke the other side.
    private const int ECpu = 768;
    // Direction d at 4096 + 1024 d: each word in its own 128-byte block.
    private const int DirBase = 4096, DirSize = 1024;
    private const int DTail = 0, DHead = 128, DDataSignal = 256, DRecvWaiters = 384, DSpaceSignal = 512, DSendWaiters = 640;
    // Set by a waiter about to sleep, cleared by the one waker that signals: a stream to a sleeping peer costs one wake, not one per item.
    private const int DRecvArmed = 768, DSendArmed = 896;

    private static readonly int Me = Environment.ProcessId;
    private static readonly Dictionary<string, SharedPipe> Mapped = new();

    private readonly SharedSegment _segment;
    private readonly byte* _h;
    private readonly long _mask = Capacity - 1;
    private readonly object[] _sendGates = [new(), new()];
    private readonly object[] _recvGates = [new(), new()];
    private readonly long[] _nextScan = new long[2];
    // The other side's position as last read, per direction (under the gates). Positions only grow, so a stale
    // value only understates the room or the records there are: it is re-read only when it says full or empty,
    // and a steady stream does not pull the other side's cache line across at every item.
    private readonly long[] _cachedHead = new long[2];
    private readonly long[] _cachedTail = new long[2];
    // Adaptive spinning, per direction and side (0: receive, 1: send): a spin that caught the peer's step doubles the
    // next spin (up to SpinTicks), one that did not halves it (down to MinSpinTicks). On an idle machine the peer
    // answers within microseconds and both sides spin; on an oversubscribed one the peer is often not running, and
    // spinning would only burn the time slice it needs. Alone, that rule made the minimum a trap: once both sides
    // sleep (a hiccup at start-up is enough), a 1 µs spin never catches a peer that has to be woken first, so neither
    // spin ever grew again and every message cost two futex sleeps and wakes. So every ProbeEvery-th wait of a side
    // whose spin is short spins the longest time instead; one that catches the peer restores the longest spin.
    private readonly long[] _spin = [SpinTicks, SpinTicks, SpinTicks, SpinTicks];
    private readonly int[] _spins = new int[4];
    private readonly int[] _cpu = new int[2]; // what this process last wrote in ECpu, per end
    private const int ProbeEvery = 32;
    private static readonly long MinSpinTicks = Math.Max(1, Stopwatch.Frequency / 1_000_000); // 1 µs
    // Weak: an end nobody references any more is finalized (and closed), see EndState's finalizer.
    private readonly WeakReference<EndState>?[] _ends = new WeakReference<EndState>?[2];
    private int _refs;     // open ends and ends in transit in this process (under the Mapped lock)
    private int _use;      // operations in progress | RetiredBit
    private int _released; // 1 once the segment was disposed
    // Async waits of this process counted in the waiter words, slot dir * 2 (+ 1 for senders): between ArmedWait and
    // EndWait a wait is outside any operation, so the pipe may be let go meanwhile (see Release).
    private readonly CountedWaits _asyncWaits;
    private const int RetiredBit = 1 << 30;

    /// <summary>What this process knows about one end it holds.</summary>
    public sealed class EndState
    {
        public EndState(SharedPipe pipe, int end) { Pipe = pipe; End = end; }
        public SharedPipe Pipe { get; }
        public int End { get; }
        public volatile bool Claimed;
        // Its sections are not used (the pipe counts operations itself, see TryEnter): only its disposed state and token.
        private readonly DisposeGate _closing = new();

        /// <summary>Whether this process closed the end.</summary>
        public bool Closed => _closing.IsDisposed;

        /// <summary>Cancelled when this process closes the end: async waits on it link it into their token.</summary>
        public CancellationToken Closing => _closing.Disposing;

        /// <summary>Marks the end closed and ends the async waits pending on it; true for the first call only.</summary>
        public bool MarkClosed() => _closing.Close();

        /// <summary>An end the GC collected unclosed: this process holds it no more (as <see cref="PipeEnd{T}.Close"/>).</summary>
        ~EndState()
        {
            if (!Closed) Pipe.Close(this);
        }
    }

    private SharedPipe(SharedSegment segment)
    {
        _segment = segment;
        // The pipe disposes its segment itself (see Release): the segment's own finalizer could otherwise unmap
        // it before the finalizer of an end that still has to clear its holder slots.
        GC.SuppressFinalize(segment);
        _h = segment.Pointer;
        Duplex = *(int*)(_h + OffDuplex) != 0;
        _asyncWaits = new CountedWaits(
            (nint)DirWordPtr(0, DRecvWaiters), (nint)DirWordPtr(0, DSendWaiters),
            (nint)DirWordPtr(1, DRecvWaiters), (nint)DirWordPtr(1, DSendWaiters));
    }

    public string Name => _segment.Name;
    public bool Duplex { get; }

    /// <summary>Creates a pipe; this process holds both ends.</summary>
    public static (EndState Left, EndState Right) Create(bool duplex)
    {
        var seg = SharedSegment.Create("pipe", HeaderSize + (duplex ? 2 : 1) * Capacity);
        *(int*)(seg.Pointer + OffDuplex) = duplex ? 1 : 0;
        Volatile.Write(ref *(long*)seg.Pointer, Magic);
        var pipe = new SharedPipe(seg);
        var ends = (pipe.Open(0), pipe.Open(1));
        lock (Mapped) Mapped[seg.Name] = pipe;
        return ends;
    }

    /// <summary>
    /// Attaches to an end by handle (<c>segment:L</c> or <c>segment:R</c>); this process becomes one of its holders.
    /// <paramref name="heldAlready"/>: this process held the end open already, and that same state is returned.
    /// </summary>
    public static EndState Attach(string handle, out bool heldAlready)
    {
        heldAlready = false;
        var colon = handle.LastIndexOf(':');
        if (colon <= 0 || colon != handle.Length - 2 || (handle[^1] != 'L' && handle[^1] != 'R'))
            throw new ArgumentException($"'{handle}' is not a pipe end handle.", nameof(handle));
        var name = handle[..colon];
        var end = handle[^1] == 'L' ? 0 : 1;
        lock (Mapped)
        {
            if (!Mapped.TryGetValue(name, out var pipe))
            {
                var seg = SharedSegment.Open(name);
                if (seg.Length < HeaderSize || Volatile.Read(ref *(long*)seg.Pointer) != Magic)
                {
                    seg.Dispose();
                    throw new InvalidOperationException($"'{name}' is not a Multiproc pipe.");
                }
                pipe = new SharedPipe(seg);
                Mapped[name] = pipe;
            }
            if (pipe._ends[end] is { } weak && weak.TryGetTarget(out var open) && !open.Closed)
            {
                heldAlready = true;
                return open;
            }
            try
            {
                return pipe.Open(end);
            }
            catch when (pipe._refs == 0)
            {
                // Mapped for this attach only (all 64 holder slots taken): let it go again.
                Mapped.Remove(name);
                pipe.Retire();
                throw;
            }
        }
    }

    /// <summary>A new open end of this process (under the Mapped lock, or before the pipe is published).</summary>
    private EndState Open(int end)
    {
        var state = new EndState(this, end);
        if (!HasSlot(end, Me)) Register(end, Me);
        _ends[end] = new WeakReference<EndState>(state);
        _refs++;
        return state;
    }

    // ---------------------------------------------------------------- lifetime in this process

    /// <summary>An end of this pipe is in transit to a child (see <see cref="PipeTransit"/>): the mapping stays until <see cref="Unref"/>.</summary>
    public void AddRef()
    {
        lock (Mapped) _refs++;
    }

    /// <summary>Drops a count taken by <see cref="Open"/> or <see cref="AddRef"/>; the last one retires the pipe.</summary>
    public void Unref()
    {
        lock (Mapped)
        {
            if (--_refs > 0) return;
            if (Mapped.TryGetValue(Name, out var p) && ReferenceEquals(p, this)) Mapped.Remove(Name);
        }
        Retire();
    }

    /// <summary>No new operation enters; the last one in progress (or this call) disposes the segment.</summary>
    private void Retire()
    {
        if (Interlocked.Or(ref _use, RetiredBit) == 0) Release();
    }

    /// <summary>Begins an operation that touches the mapping; false (nothing entered) once the pipe is retired.</summary>
    public bool TryEnter()
    {
        if ((Interlocked.Increment(ref _use) & RetiredBit) == 0) return true;
        Exit();
        return false;
    }

    /// <summary>Ends an operation begun by <see cref="TryEnter"/>; the last one out of a retired pipe disposes its segment.</summary>
    public void Exit()
    {
        if (Interlocked.Decrement(ref _use) == RetiredBit) Release();
    }

    private void Release()
    {
        if (Interlocked.Exchange(ref _released, 1) != 0) return;
        // Async waits still counted in the segment's words: each was cancelled by the close that retired the pipe, and
        // ends after this, when it may no longer touch the mapping (AwaitWait skips EndWait). Uncount them here, or
        // the peer would count a waiter that does not exist (a futile wake at its sends) for as long as it runs.
        _asyncWaits.UncountAll();
        _segment.Dispose();
    }

    public static string HandleOf(EndState s) => s.Pipe.Name + (s.End == 0 ? ":L" : ":R");

    // ---------------------------------------------------------------- words

    private ref int EndWord(int end, int off) => ref *(int*)(_h + EndBase + end * EndSize + off);
    private long* Slots(int end) => (long*)(_h + EndBase + end * EndSize + ESlots);
    private ref long DirLong(int dir, int off) => ref *(long*)(_h + DirBase + dir * DirSize + off);
    private ref int DirWord(int dir, int off) => ref *(int*)(_h + DirBase + dir * DirSize + off);
    private int* DirWordPtr(int dir, int off) => (int*)(_h + DirBase + dir * DirSize + off);
    private byte* Data(int dir) => _h + HeaderSize + dir * Capacity;

    // ---------------------------------------------------------------- holders

    private bool HasSlot(int end, long value)
    {
        var s = Slots(end);
        for (var i = 0; i < SlotCount; i++)
            if (Volatile.Read(ref s[i]) == value) return true;
        return false;
    }

    /// <summary>Adds a slot naming <paramref name="pid"/> (with the transit bit when <paramref name="transit"/>); returns its index.</summary>
    public int Register(int end, int pid, bool transit = false)
    {
        var value = (uint)pid | (transit ? TransitBit : 0);
        var s = Slots(end);
        for (var round = 0; round < 2; round++)
        {
            for (var i = 0; i < SlotCount; i++)
            {
                var old = Volatile.Read(ref s[i]);
                if (old == 0 || (round == 1 && !ProcessLiveness.IsAlive((int)(old & 0xFFFFFFFF))))
                {
                    if (Interlocked.CompareExchange(ref s[i], value, old) == old) return i;
                }
            }
        }
        throw new InvalidOperationException($"More than {SlotCount} live processes hold this pipe end; a pipe connects two processes (use a ProcessQueue for many).");
    }

    /// <summary>Turns a transit slot made by this process into a holding slot of <paramref name="pid"/> (the child it was sent to).</summary>
    public void HandOver(int end, int slot, int pid) =>
        Interlocked.CompareExchange(ref Slots(end)[slot], pid, (uint)Me | TransitBit);

    /// <summary>Drops a transit slot of this process (the child it was meant for never started).</summary>
    public void DropTransit(int end, int slot) =>
        Interlocked.CompareExchange(ref Slots(end)[slot], 0, (uint)Me | TransitBit);

    /// <summary>Whether some live process other than those already found dead holds <paramref name="end"/>; clears slots of dead processes.</summary>
    private bool HasLiveHolder(int end)
    {
        var s = Slots(end);
        for (var i = 0; i < SlotCount; i++)
        {
            var v = Volatile.Read(ref s[i]);
            if (v == 0) continue;
            var pid = (int)(v & 0xFFFFFFFF);
            if (pid == Me || ProcessLiveness.IsAlive(pid)) return true;
            Interlocked.CompareExchange(ref s[i], 0, v);
        }
        return false;
    }

    private bool IsGone(int end) => Volatile.Read(ref EndWord(end, EGone)) != 0;

    /// <summary>Checks (from the flag, and by the liveness of its holders at most every 100 ms) whether <paramref name="end"/> is closed everywhere.</summary>
    private bool CheckGone(int end)
    {
        if (IsGone(end)) return true;
        var now = Stopwatch.GetTimestamp();
        if (now < Volatile.Read(ref _nextScan[end])) return false;
        Volatile.Write(ref _nextScan[end], now + ScanTicks);
        if (HasLiveHolder(end)) return false;
        MarkGone(end);
        return true;
    }

    private void MarkGone(int end)
    {
        Volatile.Write(ref EndWord(end, EGone), 1);
        WakePeersOf(end);
    }

    /// <summary>Wakes whoever may wait on what <paramref name="end"/> does: the receiver of what it sends, the sender into it.</summary>
    private void WakePeersOf(int end)
    {
        var sendsInto = 1 - end;
        if (Duplex || sendsInto == 0) Signal(sendsInto, DDataSignal);
        if (Duplex || end == 0) Signal(end, DSpaceSignal);
    }

    private void Signal(int dir, int off)
    {
        Interlocked.Increment(ref DirWord(dir, off));
        Futex.Wake(DirWordPtr(dir, off), int.MaxValue);
    }

    /// <summary>
    /// This process is done with the end: its slots go, its use ends, and the peer learns when no holder is left.
    /// The last end this process held lets the segment go (see the remarks).
    /// </summary>
    public void Close(EndState state)
    {
        var end = state.End;
        lock (Mapped)
        {
            if (!state.MarkClosed()) return;
            if (_ends[end] is { } weak && (!weak.TryGetTarget(out var s0) || ReferenceEquals(s0, state))) _ends[end] = null;
            // Under the lock: an Attach of the same end here (which registers unless a slot names this process) is not undone.
            var s = Slots(end);
            for (var i = 0; i < SlotCount; i++)
                if (Volatile.Read(ref s[i]) == Me) Interlocked.CompareExchange(ref s[i], 0, Me);
        }
        GC.SuppressFinalize(state);
        Interlocked.CompareExchange(ref EndWord(end, EOwner), 0, Me);
        Interlocked.MemoryBarrier();
        if (!HasLiveHolder(end)) Volatile.Write(ref EndWord(end, EGone), 1);
        WakePeersOf(end);
        Unref();
    }

    // ---------------------------------------------------------------- ownership

    /// <summary>
    /// Makes this process the one that uses <paramref name="state"/>'s end: the first process to send or receive
    /// on an end owns it until it closes the end or ends. Another live process using it is told so.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public void Claim(EndState state)
    {
        ObjectDisposedException.ThrowIf(state.Closed, typeof(PipeEnd<>));
        ref var owner = ref EndWord(state.End, EOwner);
        while (true)
        {
            var o = Interlocked.CompareExchange(ref owner, Me, 0);
            if (o == 0 || o == Me) break;
            if (ProcessLiveness.IsAlive(o) && HasSlot(state.End, o))
                throw new InvalidOperationException(
                    $"This pipe end ({(state.End == 0 ? "Left" : "Right")}) is in use by process {o}: a pipe end belongs to the first process that sends or receives on it, until that process closes it or ends. " +
                    "Give each process its own end (ProcessPipe.Create makes two), or use a ProcessQueue when several processes send or receive.");
            if (Interlocked.CompareExchange(ref owner, Me, o) == o) break; // its owner died or closed it: take it over
        }
        state.Claimed = true;
    }

    // ---------------------------------------------------------------- send

    /// <summary>Writes a payload larger than <see cref="InlineLimit"/> to a file of its own; returns the record to send instead.</summary>
    public byte[] Spill(ReadOnlySpan<byte> payload, out string path)
    {
        var fileName = Name + "-f" + RunDirectory.RandomToken();
        path = Path.Combine(RunDirectory.Current, fileName);
        using (var fs = new FileStream(path, new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
            PreallocationSize = payload.Length,
        }))
        {
            fs.Write(payload);
        }
        return Encoding.ASCII.GetBytes(fileName);
    }

    /// <summary>Appends one record to ring <paramref name="dir"/> if it fits now.</summary>
    [MethodImpl(Jit.HotPath)]
    public bool TrySend(int dir, ReadOnlySpan<byte> record, int flags)
    {
        var need = Align8(8 + (long)record.Length);
        lock (_sendGates[dir])
        {
            ref var tailRef = ref DirLong(dir, DTail);
            var tail = Volatile.Read(ref tailRef);
            var at = tail & _mask;
            var toEnd = Capacity - at;
            var total = toEnd < need ? toEnd + need : need;
            if (Capacity - (tail - _cachedHead[dir]) < total)
            {
                _cachedHead[dir] = Volatile.Read(ref DirLong(dir, DHead));
                if (Capacity - (tail - _cachedHead[dir]) < total) return false;
            }
            var data = Data(dir);
            if (toEnd < need)
            {
                *(int*)(data + at) = -1; // skip to the start of the ring
                tail += toEnd;
                at = 0;
            }
            *(int*)(data + at) = record.Length;
            *(int*)(data + at + 4) = flags;
            record.CopyTo(new Span<byte>(data + at + 8, record.Length));
            Interlocked.Exchange(ref tailRef, tail + need); // publish; a full fence before reading recvWaiters
        }
        if (Volatile.Read(ref DirWord(dir, DRecvWaiters)) > 0 && Interlocked.Exchange(ref DirWord(dir, DRecvArmed), 0) != 0)
        {
            PublishCpu(1 - dir);
            Signal(dir, DDataSignal);
        }
        return true;
    }

    /// <summary>Appends one record if it fits now; throws when the receiving end is closed everywhere.</summary>
    public bool TrySendNow(int dir, ReadOnlySpan<byte> record, int flags)
    {
        if (IsGone(dir)) throw BrokenPipe(dir);
        return TrySend(dir, record, flags);
    }

    /// <summary>Sends one record, waiting as long as needed for room.</summary>
    /// <exception cref="IOException">The receiving end is closed everywhere (Python's BrokenPipeError).</exception>
    public void Send(int dir, ReadOnlySpan<byte> record, int flags)
    {
        var spun = false;
        while (true)
        {
            if (IsGone(dir)) throw BrokenPipe(dir);
            if (TrySend(dir, record, flags)) return;
            if (!spun)
            {
                spun = true;
                if (SharesCpuWithPeer(1 - dir)) continue; // spinning would only hold the CPU the receiver needs
                var head = Volatile.Read(ref DirLong(dir, DHead));
                var budget = SpinBudget(dir * 2 + 1);
                var until = Stopwatch.GetTimestamp() + budget;
                while (Volatile.Read(ref DirLong(dir, DHead)) == head && Stopwatch.GetTimestamp() < until) Thread.SpinWait(8);
                Adapt(dir * 2 + 1, budget, Volatile.Read(ref DirLong(dir, DHead)) != head);
                continue;
            }
            if (CheckGone(dir)) throw BrokenPipe(dir);
            Arm(dir, DSendWaiters, DSendArmed);
            try
            {
                var s = Volatile.Read(ref DirWord(dir, DSpaceSignal));
                if (HasRoom(dir, record.Length)) continue;
                Futex.Wait(DirWordPtr(dir, DSpaceSignal), s, Slice);
            }
            finally
            {
                Interlocked.Decrement(ref DirWord(dir, DSendWaiters));
            }
            spun = false;
        }
    }

    /// <summary>
    /// For an async send that found no room: registers as a waiter and returns the wait for room (through
    /// <see cref="FutexWaiter"/>), or null when there is room already. After a non-null task, call <see cref="EndWait"/>.
    /// </summary>
    public Task<bool>? SpaceWait(int dir, int length, CancellationToken ct)
    {
        if (CheckGone(dir)) throw BrokenPipe(dir);
        return ArmedWait(dir, space: true, length, ct);
    }

    /// <summary>
    /// Counts the caller as a waiter for room in (<paramref name="space"/>) or for an item of ring
    /// <paramref name="dir"/>, reads the word it would sleep on, and checks once more: returns the wait on that word,
    /// or null (no longer counted) when there is room, an item, or the end it waits for is gone by now.
    /// </summary>
    private Task<bool>? ArmedWait(int dir, bool space, int length, CancellationToken ct)
    {
        var (waiters, armed, signal) = space ? (DSendWaiters, DSendArmed, DSpaceSignal) : (DRecvWaiters, DRecvArmed, DDataSignal);
        Arm(dir, waiters, armed);
        var s = Volatile.Read(ref DirWord(dir, signal));
        if (space ? HasRoom(dir, length) || IsGone(dir) : HasData(dir) || IsGone(1 - dir))
        {
            Interlocked.Decrement(ref DirWord(dir, waiters));
            return null;
        }
        _asyncWaits.Adopt(dir * 2 + (space ? 1 : 0));
        try
        {
            return FutexWaiter.WaitAsync(DirWordPtr(dir, signal), s, Slice, ct);
        }
        catch
        {
            EndWait(dir, space);
            throw;
        }
    }

    /// <summary>
    /// Ends a wait <see cref="SpaceWait"/> (<paramref name="space"/>) or <see cref="ReadWait"/> started, inside an
    /// operation (<see cref="TryEnter"/>); a wait that ends after the pipe was let go here was uncounted by <see cref="Release"/>.
    /// </summary>
    public void EndWait(int dir, bool space)
        => _asyncWaits.End(dir * 2 + (space ? 1 : 0));

    /// <summary>For tests: the counts of receivers and senders waiting on ring <paramref name="dir"/> of a pipe's segment mapped on its own.</summary>
    internal static (int Receivers, int Senders) WaitersIn(SharedSegment segment, int dir)
    {
        var d = segment.Pointer + DirBase + dir * DirSize;
        return (Volatile.Read(ref *(int*)(d + DRecvWaiters)), Volatile.Read(ref *(int*)(d + DSendWaiters)));
    }

    private bool HasRoom(int dir, int length)
    {
        var need = Align8(8 + (long)length);
        var tail = Volatile.Read(ref DirLong(dir, DTail));
        var toEnd = Capacity - (tail & _mask);
        var total = toEnd < need ? toEnd + need : need;
        return Capacity - (tail - Volatile.Read(ref DirLong(dir, DHead))) >= total;
    }

    private static IOException BrokenPipe(int dir) =>
        new($"Broken pipe: the receiving end ({(dir == 0 ? "Left" : "Right")}) is closed in every process that held it; nothing was sent.");

    // ---------------------------------------------------------------- receive

    /// <summary>Whether ring <paramref name="dir"/> holds a record.</summary>
    public bool HasData(int dir) => Volatile.Read(ref DirLong(dir, DTail)) != Volatile.Read(ref DirLong(dir, DHead));

    /// <summary>Takes and decodes the oldest record of ring <paramref name="dir"/> if there is one.</summary>
    [MethodImpl(Jit.HotPath)]
    public bool TryTake<T>(int dir, ItemDecoder<T> decode, out T item)
    {
        item = default!;
        string? file = null;
        Exception? failure = null;
        lock (_recvGates[dir])
        {
            ref var headRef = ref DirLong(dir, DHead);
            var head = Volatile.Read(ref headRef);
            var tail = _cachedTail[dir];
            var data = Data(dir);
            while (true)
            {
                if (head >= tail)
                {
                    tail = _cachedTail[dir] = Volatile.Read(ref DirLong(dir, DTail));
                    if (head == tail)
                    {
                        if (head != Volatile.Read(ref headRef)) Volatile.Write(ref headRef, head); // skipped marks only
                        return false;
                    }
                }
                var at = head & _mask;
                var length = *(int*)(data + at);
                if (length == -1)
                {
                    head += Capacity - at;
                    continue;
                }
                var flags = *(int*)(data + at + 4);
                if ((uint)length > InlineLimit)
                {
                    failure = new InvalidDataException($"A pipe record claims {length} bytes.");
                    Volatile.Write(ref headRef, tail); // nothing after it can be trusted
                    break;
                }
                var payload = new ReadOnlySpan<byte>(data + at + 8, length);
                try
                {
                    if ((flags & FlagFile) != 0)
                    {
                        var name = Encoding.ASCII.GetString(payload);
                        if (!name.StartsWith(Name + "-f", StringComparison.Ordinal) || name.Any(c => !(char.IsAsciiLetterOrDigit(c) || c == '-')))
                            throw new InvalidDataException("A pipe record names a file that is not one of its items.");
                        file = Path.Combine(RunDirectory.Current, name);
                        var bytes = File.ReadAllBytes(file);
                        item = decode(bytes, bytes, flags & FlagNull);
                    }
                    else
                    {
                        item = decode(payload, null, flags & FlagNull);
                    }
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    failure = e; // consumed all the same: a record this process cannot read must not wedge the pipe
                }
                Interlocked.Exchange(ref headRef, head + Align8(8 + (long)length)); // a full fence before reading sendWaiters
                break;
            }
        }
        if (Volatile.Read(ref DirWord(dir, DSendWaiters)) > 0 && Interlocked.Exchange(ref DirWord(dir, DSendArmed), 0) != 0)
        {
            PublishCpu(dir);
            Signal(dir, DSpaceSignal);
        }
        if (file is not null)
        {
            try { File.Delete(file); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
        if (failure is not null) throw new InvalidDataException($"A pipe item could not be read as {typeof(T).Name}: {failure.Message}", failure);
        return true;
    }

    /// <summary>
    /// Waits until ring <paramref name="dir"/> has a record or its sending end is closed everywhere, at most until
    /// <paramref name="deadline"/> (a <see cref="Stopwatch"/> timestamp; 0: forever). Returns false on timeout.
    /// </summary>
    public bool WaitReadable(int dir, long deadline)
    {
        var sender = 1 - dir;
        if (!SharesCpuWithPeer(dir))
        {
            var budget = SpinBudget(dir * 2);
            var until = Stopwatch.GetTimestamp() + budget;
            if (deadline != 0 && until > deadline) until = deadline;
            var spun = false;
            while (!HasData(dir) && Stopwatch.GetTimestamp() < until)
            {
                spun = true;
                Thread.SpinWait(8);
            }
            if (spun) Adapt(dir * 2, budget, HasData(dir));
        }
        while (true)
        {
            if (HasData(dir) || CheckGone(sender)) return true;
            var slice = Slice;
            if (deadline != 0)
            {
                var left = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), deadline);
                if (left <= TimeSpan.Zero) return false;
                if (left < slice) slice = left;
            }
            Arm(dir, DRecvWaiters, DRecvArmed);
            try
            {
                var s = Volatile.Read(ref DirWord(dir, DDataSignal));
                if (HasData(dir) || IsGone(sender)) return true;
                Futex.Wait(DirWordPtr(dir, DDataSignal), s, slice);
            }
            finally
            {
                Interlocked.Decrement(ref DirWord(dir, DRecvWaiters));
            }
        }
    }

    /// <summary>
    /// For an async receive that found nothing: registers as a waiter and returns the wait for an item (through
    /// <see cref="FutexWaiter"/>), or null when an item is there or the sending end is closed everywhere. After a
    /// non-null task, call <see cref="EndWait"/>.
    /// </summary>
    public Task<bool>? ReadWait(int dir, CancellationToken ct) =>
        HasData(dir) || CheckGone(1 - dir) ? null : ArmedWait(dir, space: false, 0, ct);

    /// <summary>Whether the end that sends into ring <paramref name="dir"/> is known to be closed everywhere (for good).</summary>
    public bool SenderClosed(int dir) => IsGone(1 - dir);

    private void Arm(int dir, int waiters, int armed)
    {
        Interlocked.Increment(ref DirWord(dir, waiters));
        Interlocked.Exchange(ref DirWord(dir, armed), 1);
    }

    /// <summary>Writes the CPU this thread runs on into end <paramref name="end"/>'s word (when it changed); returns it (+1, 0: not known).</summary>
    private int PublishCpu(int end)
    {
        var cpu = LinuxNative.sched_getcpu() + 1;
        if (cpu != _cpu[end])
        {
            _cpu[end] = cpu;
            Volatile.Write(ref EndWord(end, ECpu), cpu);
        }
        return cpu;
    }

    /// <summary>
    /// Whether the process using the other end than <paramref name="end"/> last waited or woke this side on the CPU
    /// this thread runs on now (this publishes this thread's CPU for <paramref name="end"/>). Then it cannot be
    /// running at the same time: it is queued behind this thread or asleep, and a spin only holds the CPU it needs.
    /// </summary>
    private bool SharesCpuWithPeer(int end)
    {
        var cpu = PublishCpu(end);
        return cpu != 0 && Volatile.Read(ref EndWord(1 - end, ECpu)) == cpu;
    }

    /// <summary>How long side <paramref name="i"/> spins this time: its adaptive spin, or the longest spin every <see cref="ProbeEvery"/>th time while it is shorter.</summary>
    private long SpinBudget(int i)
    {
        var t = _spin[i];
        return t < SpinTicks && ++_spins[i] % ProbeEvery == 0 ? SpinTicks : t;
    }

    /// <summary>A spin of <paramref name="budget"/> that caught the peer's step doubles the next spin; one that did not halves it (see <see cref="_spin"/>).</summary>
    private void Adapt(int i, long budget, bool caught) =>
        _spin[i] = caught ? Math.Min(SpinTicks, budget * 2) : Math.Max(MinSpinTicks, _spin[i] / 2);

    private static long Align8(long n) => (n + 7) & ~7L;
}
