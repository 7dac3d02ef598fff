using System.Runtime.CompilerServices;
using System.Diagnostics;
using System.Text;
using Multiproc.Platform;

namespace Multiproc.Internal;

/// <summary>Turns the bytes of one item back into a value. <paramref name="owner"/> is a whole array holding exactly <paramref name="data"/>, when there is one.</summary>
internal delegate T ItemDecoder<out T>(ReadOnlySpan<byte> data, byte[]? owner, int flags);

/// <summary>
/// The shared-memory machinery behind <see cref="ProcessQueue{T}"/>: a multi-producer, multi-consumer
/// FIFO of byte records in memory-mapped files of the run directory.
/// </summary>
/// <remarks>
/// <para><b>Layout.</b> A header segment (the queue's handle) holds two owner-pid locks (put side, get
/// side), the monotonic counters <c>puts</c>, <c>gets</c> and <c>done</c>, the futex words consumers and
/// producers sleep on with their waiter counts, two one-entry journals, and the generations of the read
/// ring and the write ring. Each ring is its own segment (<c>&lt;handle&gt;-r&lt;gen&gt;</c>): monotonic byte
/// positions <c>head</c>/<c>tail</c>, a power-of-two capacity, and <c>next</c>, the generation that
/// follows it. A record is <c>[int length][int flags][payload]</c>, padded to 8 bytes, wrapping around.</para>
/// <para><b>Growth and large items.</b> When a record does not fit, the writer creates a ring twice as
/// large and links it (<c>next</c>); readers drain the old ring, move on and delete it. A payload larger
/// than <see cref="InlineLimit"/> is written to its own 0600 file beforehand and the record carries its name.</para>
/// <para><b>Crash safety.</b> Producers copy a record past <c>tail</c> (invisible), then write the new
/// <c>tail</c>/<c>puts</c> to the journal, mark it valid, apply it and clear it; consumers do the same with
/// <c>head</c>/<c>gets</c> after copying the record out. Whoever takes a lock (a dead owner's included)
/// first redoes a valid journal, so a process killed anywhere leaves either the whole operation or none.</para>
/// <para><b>Waiting.</b> A consumer that finds the queue empty spins briefly, then counts itself in
/// <c>getWaiters</c>, arms the <c>itemSignal</c> futex word (its low bit) and sleeps on it. A producer wakes only
/// when it finds the word armed, and disarms it as it wakes every sleeper: a put makes a system call only when a
/// consumer went to sleep since the last wake, not at every put while the woken consumer is still getting up.
/// Producers blocked on <c>maxSize</c> do the same with <c>spaceSignal</c>/<c>putWaiters</c>. Consumers keep
/// the ring's tail as last read and read the producers' cache line again only once they have taken the records
/// it stood for.</para>
/// </remarks>
internal sealed unsafe class SharedRing : IDisposable
{
    public const int FlagNull = 1;
    public const int FlagOverflow = 2;

    private const long Magic = 0x31_51_50_4D_51_50_4D_21; // "!MPQMPQ1"
    private const int HeaderSize = 4096;
    private const int RingHeaderSize = 4096;
    // 256 KiB, sparse until written. Small on purpose: a ring that wraps touches the same few pages again, where a large
    // one makes a stream of items touch fresh pages all the way (a first touch costs 6-13 µs a page on the VMs measured,
    // in the writer and again in each reader: bench/README.md). It doubles as soon as it is full up to EagerGrowBelow.
    private const long InitialCapacity = 1 << 18;
    /// <summary>The largest ring a writer grows to unless the creator set a smaller cap (<see cref="Create"/>).</summary>
    internal const long MaxCapacity = 1L << 30;
    private const long EagerGrowBelow = 1 << 22; // 4 MiB
    private const long BigItemCapacity = 1L << 26; // 64 MiB
    /// <summary>Payloads above this go through a file of their own.</summary>
    public const int InlineLimit = (1 << 20) + 4096;
    private static readonly TimeSpan GrowAfter = TimeSpan.FromMilliseconds(10);
    private static readonly long SpinTicks = Stopwatch.Frequency / 20_000; // 50 µs

    // Header offsets: each hot word in its own 128-byte block. Producers and consumers write different words
    // at every operation; x64 prefetchers move cache lines in aligned pairs, so two words 64 bytes apart would
    // still bounce between the two sides' cores.
    private const int OffPutLock = 0, OffGetLock = 128, OffPuts = 256, OffGets = 384;
    private const int OffItemSignal = 512, OffGetWaiters = 640, OffSpaceSignal = 768, OffPutWaiters = 896;
    private const int OffDone = 1024, OffJoinWaiters = 1152, OffWriteGen = 1280, OffReadGen = 1408;
    private const int OffPutJournal = 1536, OffGetJournal = 1664, OffConfig = 1792;
    /// <summary>
    /// The low bit of a signal word (<c>itemSignal</c>, <c>spaceSignal</c>): set by a sleeper before it sleeps, cleared by the
    /// waker that wakes it. The other bits count wake-ups, so that a sleeper that armed before a wake does not sleep through it.
    /// </summary>
    private const int Armed = 1;
    // Journal: int valid @0, long gen @8, long pos @16, long total @24.
    // Ring offsets.
    private const int RHead = 0, RTail = 128, RNext = 256, RCapacity = 384;

    private readonly SharedSegment _header;
    private readonly byte* _h;
    private readonly string _name;
    private readonly int _maxSize;
    /// <summary>The ring grows no larger (kept in the header, so that every process writing it obeys the same cap).</summary>
    private readonly long _maxCapacity;
    private int _disposed;
    private CancellationTokenSource? _disposing;
    // Async waits' registrations (BeginAsync*/EndAsync*) touch the words only inside these sections; Dispose closes
    // them before it uncounts the waits still pending (_asyncWaits) and unmaps.
    private readonly DisposeGate _asyncSections = new();
    private readonly CountedWaits _asyncWaits; // slots: GetSlot, PutSlot, JoinSlot
    private const int GetSlot = 0, PutSlot = 1, JoinSlot = 2;

    // Mapped rings, used only while holding the corresponding lock.
    private SharedSegment? _writeSeg;
    private long _writeGen;
    private SharedSegment? _readSeg;
    private long _readGen;
    // The head of write ring _headGen as last read (under the put lock); see TryPutRecord.
    private long _head;
    private long _headGen;
    // The gets a put that found the ring full waits for before it tries again; see Enqueue.
    private long _roomBatch = 1;
    // The tail of read ring _tailGen as last read (under the get lock); see TryTakeRecord.
    private long _tail;
    private long _tailGen;
    // A number of items known to have been put (it only grows); see TaskDone.
    private long _knownItems;

    /// <summary>
    /// Tests only: called at the points where a killed process must leave the queue consistent
    /// ("put-copied", "put-journaled", "put-published", "get-copied", "get-journaled"), holding the lock; a test's child
    /// blocks there and is killed.
    /// </summary>
    internal static Action<string>? CrashPoint;

    private SharedRing(SharedSegment header)
    {
        _header = header;
        _h = header.Pointer;
        _name = header.Name;
        _maxSize = *(int*)(_h + OffConfig + 8);
        var cap = *(long*)(_h + OffConfig + 16);
        _maxCapacity = cap is > 0 and <= MaxCapacity ? cap : MaxCapacity;
        _asyncWaits = new CountedWaits((nint)(_h + OffGetWaiters), (nint)(_h + OffPutWaiters), (nint)(_h + OffJoinWaiters));
    }

    public string Handle => _name;
    public bool IsDisposed => Volatile.Read(ref _disposed) != 0;
    public int MaxSize => _maxSize;
    public bool Joinable => *(int*)(_h + OffConfig + 12) != 0;

    /// <param name="maxSize">Most items held at once; 0 for no limit.</param>
    /// <param name="joinable">Whether items are counted done (<see cref="TaskDone"/>, <see cref="Join"/>).</param>
    /// <param name="initialCapacity">The first ring's size (a power of two); a smaller ring wraps sooner, so a steady stream reuses pages already mapped.</param>
    /// <param name="maxCapacity">
    /// The size the ring grows to at most, <see cref="MaxCapacity"/> by default (a record larger than the ring still grows it).
    /// A full ring that may not grow is full like a queue at its <paramref name="maxSize"/>: a put waits for gets, and one
    /// with a timeout returns false when it runs out.
    /// </param>
    public static SharedRing Create(int maxSize, bool joinable, long initialCapacity = InitialCapacity, long maxCapacity = MaxCapacity)
    {
        if (initialCapacity < 4096 || (initialCapacity & (initialCapacity - 1)) != 0 || initialCapacity > MaxCapacity)
            throw new ArgumentOutOfRangeException(nameof(initialCapacity), initialCapacity, "The ring capacity must be a power of two from 4 KiB to 1 GiB.");
        if (maxCapacity < initialCapacity || maxCapacity > MaxCapacity)
            throw new ArgumentOutOfRangeException(nameof(maxCapacity), maxCapacity, "The ring's largest size must lie between its first size and 1 GiB.");
        var header = SharedSegment.Create(Kind, HeaderSize);
        var ring = SharedSegment.CreateExact(RingName(header.Name, 1), RingHeaderSize + initialCapacity);
        Initialize(header, ring, maxSize, joinable, initialCapacity, maxCapacity);
        var r = new SharedRing(header) { _writeSeg = ring, _writeGen = 1 };
        return r;
    }

    /// <summary>
    /// A ring in this process's own memory (<see cref="SharedSegment.CreatePrivate"/>): no file in the run directory,
    /// nothing another process can attach. It runs the same put, get and done code as a shared ring while it holds
    /// small items (a large item would still go to a file: never put one). <see cref="ChildMain"/>'s head start.
    /// </summary>
    internal static SharedRing CreatePrivate(bool joinable)
    {
        var header = SharedSegment.CreatePrivate("private", HeaderSize);
        SharedSegment ring;
        try
        {
            ring = SharedSegment.CreatePrivate("private-r1", RingHeaderSize + PrivateCapacity);
        }
        catch
        {
            header.Dispose();
            throw;
        }
        Initialize(header, ring, 0, joinable, PrivateCapacity, PrivateCapacity);
        // Both ends hold the one ring from the start: nothing opens a part by name.
        return new SharedRing(header) { _writeSeg = ring, _writeGen = 1, _readSeg = ring, _readGen = 1 };
    }

    private const long PrivateCapacity = 4096;

    private static void Initialize(SharedSegment header, SharedSegment ring, int maxSize, bool joinable, long capacity, long maxCapacity)
    {
        var h = header.Pointer;
        *(int*)(h + OffConfig + 8) = Math.Max(0, maxSize);
        *(int*)(h + OffConfig + 12) = joinable ? 1 : 0;
        *(long*)(h + OffConfig + 16) = maxCapacity;
        *(long*)(ring.Pointer + RCapacity) = capacity;
        *(long*)(h + OffWriteGen) = 1;
        *(long*)(h + OffReadGen) = 1;
        Volatile.Write(ref *(long*)(h + OffConfig), Magic);
    }

    public static SharedRing Attach(string handle)
    {
        var header = SharedSegment.Open(handle);
        if (header.Length < HeaderSize || Volatile.Read(ref *(long*)(header.Pointer + OffConfig)) != Magic)
        {
            header.Dispose();
            throw new InvalidOperationException($"'{handle}' is not a Multiproc queue.");
        }
        return new SharedRing(header);
    }

    /// <summary>The kind of a queue's header segment (its handle is <c>queue-random</c>).</summary>
    public const string Kind = "queue";

    /// <summary>
    /// The last user of a queue let its header go: removes its ring generations (from the read ring along the
    /// <c>next</c> links, and one a writer may have created and not linked before it died) and the files of the
    /// large items still in them. No other process has the queue attached.
    /// </summary>
    internal static void RemoveParts(string name, IntPtr pointer, long length)
    {
        var h = (byte*)pointer;
        if (length < HeaderSize || Volatile.Read(ref *(long*)(h + OffConfig)) != Magic) return;
        var dir = RunDirectory.Current;
        var gen = Math.Max(1, *(long*)(h + OffReadGen));
        var last = Math.Max(gen, *(long*)(h + OffWriteGen));
        var journal = h + OffPutJournal;
        for (var rings = 0; gen > 0 && rings < 64; rings++)
        {
            SharedSegment seg;
            try
            {
                seg = SharedSegment.OpenPart(RingName(name, gen));
            }
            catch (ObjectDisposedException)
            {
                break;
            }
            long next;
            try
            {
                var r = seg.Pointer;
                next = Volatile.Read(ref *(long*)(r + RNext));
                var cap = *(long*)(r + RCapacity);
                var head = *(long*)(r + RHead);
                var tail = *(long*)(r + RTail);
                // A producer that died with its put journaled but not applied: its record is there all the same.
                if (*(int*)journal != 0 && *(long*)(journal + 8) == gen) tail = Math.Max(tail, *(long*)(journal + 16));
                if (cap > 0 && (cap & (cap - 1)) == 0 && cap <= seg.Length - RingHeaderSize && tail - head >= 0 && tail - head <= cap)
                    RemoveItemFiles(name, dir, r + RingHeaderSize, cap, head, tail);
            }
            finally
            {
                seg.Dispose();
            }
            LinuxNative.unlink(Path.Combine(dir, RingName(name, gen)));
            last = Math.Max(last, gen);
            if (next <= gen) break;
            gen = next;
        }
        LinuxNative.unlink(Path.Combine(dir, RingName(name, last + 1)));
    }

    /// <summary>Removes the files of the large items recorded between <paramref name="head"/> and <paramref name="tail"/>.</summary>
    private static void RemoveItemFiles(string name, string dir, byte* data, long cap, long head, long tail)
    {
        var mask = cap - 1;
        for (var pos = head; pos < tail;)
        {
            var at = pos & mask;
            var length = *(int*)(data + at);
            var flags = *(int*)(data + at + 4);
            if (length < 0 || length > cap - 8) return;
            if ((flags & FlagOverflow) != 0 && length <= 256)
            {
                var file = Encoding.ASCII.GetString(CopyOut(data, cap, (at + 8) & mask, length));
                if (file.StartsWith(name + "-i", StringComparison.Ordinal) && file.All(c => char.IsAsciiLetterOrDigit(c) || c == '-'))
                    LinuxNative.unlink(Path.Combine(dir, file));
            }
            pos += Align8(8 + (long)length);
        }
    }

    // Digits.Format, not ToString(InvariantCulture): a consumer's first Get names its read ring here, and must not load ICU for it.
    private static string RingName(string queue, long gen) => queue + "-r" + Digits.Format(gen);

    private ref int Word(int offset) => ref *(int*)(_h + offset);
    private ref long Long(int offset) => ref *(long*)(_h + offset);

    /// <summary>Items in the queue right now (a snapshot).</summary>
    public int Count
    {
        get
        {
            var gets = Volatile.Read(ref Long(OffGets));
            var puts = Volatile.Read(ref Long(OffPuts));
            var n = puts - gets;
            return n <= 0 ? 0 : n >= int.MaxValue ? int.MaxValue : (int)n;
        }
    }

    // ---------------------------------------------------------------- put

    /// <summary>
    /// Appends one record. Waits while the queue holds <c>maxSize</c> items, up to <paramref name="timeout"/>
    /// (null: forever). Returns false on timeout; throws <see cref="OperationCanceledException"/> on cancellation
    /// (nothing enqueued in both cases).
    /// </summary>
    [MethodImpl(Jit.HotPath)]
    public bool Enqueue(ReadOnlySpan<byte> payload, int flags, TimeSpan? timeout, CancellationToken ct)
    {
        string? overflowPath = null;
        byte[]? nameBytes = null;
        if (payload.Length > InlineLimit)
        {
            var fileName = _name + "-i" + RunDirectory.RandomToken();
            overflowPath = Path.Combine(RunDirectory.Current, fileName);
            using (var fs = new FileStream(overflowPath, new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
                PreallocationSize = payload.Length,
            }))
            {
                fs.Write(payload);
            }
            nameBytes = Encoding.ASCII.GetBytes(fileName);
            flags |= FlagOverflow;
        }

        var committed = false;
        CancellationTokenRegistration reg = default;
        try
        {
            var record = nameBytes is null ? payload : nameBytes;
            long start = 0;
            var allowGrow = false;
            while (true)
            {
                ct.ThrowIfCancellationRequested();
                var outcome = TryPutRecord(record, flags, allowGrow, out var observedGets);
                if (outcome == PutOutcome.Done)
                {
                    committed = true;
                    // The lock release was a full fence: a consumer that armed the word before our tail was visible is
                    // seen here. Only the first put after a consumer armed makes a system call.
                    if ((Volatile.Read(ref Word(OffItemSignal)) & Armed) != 0) WakeArmed(OffItemSignal);
                    return true;
                }

                var ringFull = outcome == PutOutcome.RingFull;
                if (ringFull && timeout == TimeSpan.Zero)
                {
                    allowGrow = true; // a put that must not wait grows the ring at once
                    continue;
                }
                if (timeout == TimeSpan.Zero && !ringFull) return false;
                if (start == 0)
                {
                    start = Stopwatch.GetTimestamp();
                    if (ct.CanBeCanceled) reg = ct.Register(static s => ((SharedRing)s!).Signal(OffSpaceSignal), this);
                }
                TimeSpan? left = null;
                if (timeout is { } t)
                {
                    left = t - Stopwatch.GetElapsedTime(start);
                    if (left <= TimeSpan.Zero && !ringFull) return false;
                }
                if (ringFull)
                {
                    // The ring is full but the queue is not: wait a little for the consumers to make room (back
                    // pressure, like a pipe), and grow the ring when they make no progress. An unbounded queue
                    // therefore never blocks a put for long, with or without consumers.
                    // Wait for a batch of gets, not one: a producer that put one record per get would share the ring's
                    // lines with the consumer at every item. Any progress at all counts once the spin is over.
                    var spinUntil = Stopwatch.GetTimestamp() + SpinTicks;
                    while (Volatile.Read(ref Long(OffGets)) - observedGets < _roomBatch && Stopwatch.GetTimestamp() < spinUntil) Thread.SpinWait(20);
                    if (Volatile.Read(ref Long(OffGets)) != observedGets) continue;
                    left = GrowAfter;
                }
                Interlocked.Increment(ref Word(OffPutWaiters));
                try
                {
                    var s = Arm(OffSpaceSignal);
                    if (Volatile.Read(ref Long(OffGets)) != observedGets || ct.IsCancellationRequested) continue;
                    if (!Futex.Wait((int*)(_h + OffSpaceSignal), s, left) && ringFull)
                        allowGrow = Volatile.Read(ref Long(OffGets)) == observedGets;
                }
                finally
                {
                    Interlocked.Decrement(ref Word(OffPutWaiters));
                }
            }
        }
        finally
        {
            reg.Dispose();
            if (!committed && overflowPath is not null) TryDelete(overflowPath);
        }
    }

    private enum PutOutcome { Done, QueueFull, RingFull }

    [MethodImpl(Jit.HotPath)]
    private PutOutcome TryPutRecord(ReadOnlySpan<byte> record, int flags, bool allowGrow, out long observedGets)
    {
        // observedGets: the consumers' progress as of the check that failed (QueueFull, RingFull), read
        // before that check so that a wait on it cannot miss the get that made room. A put that succeeds
        // reads nothing the consumers write: the head of the ring is re-read only when the cached one says full.
        observedGets = 0;
        var lockWord = (int*)(_h + OffPutLock);
        OwnerLock.Acquire(lockWord);
        try
        {
            RedoJournal(OffPutJournal);
            var puts = Long(OffPuts);
            if (_maxSize > 0)
            {
                observedGets = Volatile.Read(ref Long(OffGets));
                if (puts - observedGets >= _maxSize) return PutOutcome.QueueFull;
            }

            var need = Align8(8 + (long)record.Length);
            var ring = WriteRing();
            var r = ring.Pointer;
            var cap = *(long*)(r + RCapacity);
            var tail = *(long*)(r + RTail);
            // Positions only grow, so a head read earlier can only understate the free space.
            if (_headGen != _writeGen) { _headGen = _writeGen; _head = 0; }
            var head = _head;
            if (cap - (tail - head) < need)
            {
                if (_maxSize == 0) observedGets = Volatile.Read(ref Long(OffGets));
                head = _head = Volatile.Read(ref *(long*)(r + RHead));
            }
            if (cap - (tail - head) < need)
            {
                // Grow when the record could never fit, when records are so large that the ring holds too few of
                // them to keep producer and consumers from waking each other per item, or when the consumers
                // made no room for a while.
                var tooFewRecords = need > cap / 16 && cap < BigItemCapacity;
                // A ring below EagerGrowBelow grows as soon as it is full: it stays small while the consumers keep up
                // (few pages touched), and consumers that fall behind get the room of the large ring at once.
                // A ring at its largest size is full like a bounded queue: only gets make room, and a put's timeout
                // counts (a put that must not wait returns false rather than spin on a growth that cannot come).
                var canGrow = cap < _maxCapacity;
                if (need <= cap && (!canGrow || (!tooFewRecords && cap >= EagerGrowBelow && !allowGrow)))
                {
                    _roomBatch = Math.Clamp(cap / need / 8, 1, 64);
                    return canGrow ? PutOutcome.RingFull : PutOutcome.QueueFull;
                }
                var newCap = cap * 2;
                while (newCap < need || (need > newCap / 16 && newCap < BigItemCapacity)) newCap *= 2;
                ring = Grow(ring, newCap);
                r = ring.Pointer;
                cap = newCap;
                tail = 0;
            }

            // Copy the record past tail: invisible until the journal is applied.
            var data = r + RingHeaderSize;
            var mask = cap - 1;
            var at = tail & mask;
            *(int*)(data + at) = record.Length;
            *(int*)(data + at + 4) = flags;
            CopyIn(data, cap, (at + 8) & mask, record);
            CrashPoint?.Invoke("put-copied");

            // Commit.
            var j = _h + OffPutJournal;
            *(long*)(j + 8) = _writeGen;
            *(long*)(j + 16) = tail + need;
            *(long*)(j + 24) = puts + 1;
            Volatile.Write(ref *(int*)j, 1);
            CrashPoint?.Invoke("put-journaled");
            Volatile.Write(ref *(long*)(r + RTail), tail + need);
            CrashPoint?.Invoke("put-published"); // visible to consumers, not yet counted in puts
            Volatile.Write(ref Long(OffPuts), puts + 1);
            Volatile.Write(ref *(int*)j, 0);
            return PutOutcome.Done;
        }
        finally
        {
            OwnerLock.Release(lockWord);
        }
    }

    /// <summary>The ring being written (under the put lock), following links made by writers that died before updating the header.</summary>
    private SharedSegment WriteRing()
    {
        var gen = Volatile.Read(ref Long(OffWriteGen));
        if (gen < _writeGen) gen = _writeGen;
        var failures = 0;
        while (true)
        {
            if (_writeSeg is null || _writeGen != gen)
            {
                SharedSegment seg;
                try
                {
                    seg = SharedSegment.OpenPart(RingName(_name, gen));
                }
                catch (InvalidOperationException) when (failures++ < 3)
                {
                    // Readers moved past it and deleted it: they fixed the header first.
                    gen = Math.Max(gen + 1, Math.Max(Volatile.Read(ref Long(OffWriteGen)), Volatile.Read(ref Long(OffReadGen))));
                    continue;
                }
                _writeSeg?.Dispose();
                _writeSeg = seg;
                _writeGen = gen;
            }
            var next = Volatile.Read(ref *(long*)(_writeSeg.Pointer + RNext));
            if (next == 0) break;
            gen = next;
        }
        if (Volatile.Read(ref Long(OffWriteGen)) < gen) Volatile.Write(ref Long(OffWriteGen), gen);
        return _writeSeg;
    }

    private SharedSegment Grow(SharedSegment current, long capacity)
    {
        var gen = _writeGen + 1;
        var seg = SharedSegment.CreateExact(RingName(_name, gen), RingHeaderSize + capacity);
        *(long*)(seg.Pointer + RCapacity) = capacity;
        Volatile.Write(ref *(long*)(current.Pointer + RNext), gen); // the link is the commit point
        Volatile.Write(ref Long(OffWriteGen), gen);
        current.Dispose();
        _writeSeg = seg;
        _writeGen = gen;
        return seg;
    }

    // ---------------------------------------------------------------- get

    /// <summary>
    /// Removes the oldest record and decodes it, waiting up to <paramref name="timeout"/> (null: forever) while
    /// the queue is empty. Returns false on timeout; throws <see cref="OperationCanceledException"/> when
    /// cancelled before an item was taken (an item once taken is always returned).
    /// </summary>
    [MethodImpl(Jit.HotPath)]
    public bool Dequeue<T>(ItemDecoder<T> decode, TimeSpan? timeout, CancellationToken ct, out T item)
    {
        long start = 0;
        var spun = false;
        CancellationTokenRegistration reg = default;
        try
        {
            while (true)
            {
                ct.ThrowIfCancellationRequested();
                if (TryTakeRecord(decode, out item, out var observedPuts)) return true;

                if (timeout == TimeSpan.Zero) return false;
                if (start == 0)
                {
                    start = Stopwatch.GetTimestamp();
                    if (ct.CanBeCanceled) reg = ct.Register(static s => ((SharedRing)s!).Signal(OffItemSignal), this);
                }
                TimeSpan? left = null;
                if (timeout is { } t)
                {
                    left = t - Stopwatch.GetElapsedTime(start);
                    if (left <= TimeSpan.Zero) return false;
                }
                if (!spun)
                {
                    // A short bounded spin: in a steady stream the next item is a fraction of a microsecond away.
                    spun = true;
                    var spinUntil = Stopwatch.GetTimestamp() + SpinTicks;
                    while (Volatile.Read(ref Long(OffPuts)) == observedPuts && Stopwatch.GetTimestamp() < spinUntil && !ct.IsCancellationRequested)
                        Thread.SpinWait(8);
                    if (Volatile.Read(ref Long(OffPuts)) != observedPuts) continue;
                }
                Interlocked.Increment(ref Word(OffGetWaiters));
                try
                {
                    var s = Arm(OffItemSignal);
                    if (Volatile.Read(ref Long(OffPuts)) != observedPuts || ct.IsCancellationRequested) continue;
                    Futex.Wait((int*)(_h + OffItemSignal), s, left);
                }
                finally
                {
                    Interlocked.Decrement(ref Word(OffGetWaiters));
                }
                // No spin again after a wake: every sleeper is woken per put, and those that find nothing sleep again at once.
            }
        }
        finally
        {
            reg.Dispose();
        }
    }

    /// <summary>
    /// Completes when the queue may hold an item (callers try to take one and wait again when they find none),
    /// without holding a thread: the wait goes through <see cref="FutexWaiter.WaitAsync"/>. The one who waits
    /// counts as a sleeping consumer meanwhile, so producers wake it as they wake <see cref="Dequeue{T}"/>; the count is
    /// kept through <see cref="CountedWaits"/> (<see cref="BeginAsyncWait"/>), as for the queues' async gets, so that a
    /// wait pending when the ring is disposed is uncounted then, and the wait ends (<see cref="ObjectDisposedException"/>)
    /// before the words are unmapped.
    /// </summary>
    public Task WaitForItemAsync(CancellationToken ct)
    {
        // The ring is empty while puts == gets; a put after this read changes puts, which BeginAsyncWait checks last.
        // Read inside a section: a disposed ring's words are unmapped.
        if (!_asyncSections.TryEnter()) return Task.FromException(DisposedWhileWaiting());
        long gets;
        try
        {
            gets = GetsCount;
        }
        finally
        {
            _asyncSections.Exit();
        }
        CancellationTokenSource? linked = null;
        var token = Disposing;
        if (ct.CanBeCanceled)
        {
            linked = CancellationTokenSource.CreateLinkedTokenSource(ct, token);
            token = linked.Token;
        }
        Task<bool>? wait;
        try
        {
            wait = BeginAsyncWait(forItem: true, gets, token);
        }
        catch
        {
            linked?.Dispose();
            throw;
        }
        if (wait is null)
        {
            linked?.Dispose();
            return IsDisposed ? Task.FromException(DisposedWhileWaiting()) : Task.CompletedTask;
        }
        return wait.ContinueWith(static (t, s) =>
        {
            var (self, linked, ct) = ((SharedRing, CancellationTokenSource?, CancellationToken))s!;
            self.EndAsyncWait(forItem: true);
            linked?.Dispose();
            ct.ThrowIfCancellationRequested();
            if (self.IsDisposed) throw DisposedWhileWaiting();
            t.GetAwaiter().GetResult();
        }, (this, linked, ct), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    private static ObjectDisposedException DisposedWhileWaiting() =>
        new("ProcessQueue", "The queue was disposed while an async operation waited on it.");

    [MethodImpl(Jit.HotPath)]
    private bool TryTakeRecord<T>(ItemDecoder<T> decode, out T item, out long observedPuts)
    {
        // On failure observedPuts is the puts count the empty ring stood for (every record seen was taken); a
        // put after that check changes puts, which the waiter re-checks before sleeping. A successful take
        // reads the producers' counter only when another consumer sleeps and may need waking.
        observedPuts = 0;
        var lockWord = (int*)(_h + OffGetLock);
        Exception? failure = null;
        string? overflowPath = null;
        item = default!;
        OwnerLock.Acquire(lockWord);
        try
        {
            RedoJournal(OffGetJournal);
            SharedSegment ring;
            byte* r;
            long head, tail;
            while (true)
            {
                ring = ReadRing();
                r = ring.Pointer;
                head = *(long*)(r + RHead);
                // Positions only grow, so a tail read earlier that is still ahead of head stands for published records:
                // the producers' line is read again only once the records known are taken.
                if (_tailGen == _readGen && head - _tail < 0)
                {
                    tail = _tail;
                    break;
                }
                var next = Volatile.Read(ref *(long*)(r + RNext)); // before tail: a linked ring gets no more records
                tail = Volatile.Read(ref *(long*)(r + RTail));
                if (head != tail)
                {
                    _tail = tail;
                    _tailGen = _readGen;
                    break;
                }
                if (next == 0)
                {
                    // Not above gets (a put published after the tail read must count as a change), and not above
                    // puts either: a producer that died between publishing its record and counting it leaves puts
                    // behind gets until its journal is redone, and a waiter must sleep, not spin, meanwhile.
                    observedPuts = Math.Min(Long(OffGets), Volatile.Read(ref Long(OffPuts)));
                    return false;
                }
                MoveToNextRing(next);
            }

            var cap = *(long*)(r + RCapacity);
            var mask = cap - 1;
            var data = r + RingHeaderSize;
            var at = head & mask;
            var length = *(int*)(data + at);
            var flags = *(int*)(data + at + 4);
            var need = Align8(8 + (long)length);
            var payloadAt = (at + 8) & mask;
            try
            {
                if ((flags & FlagOverflow) != 0)
                {
                    var name = Encoding.ASCII.GetString(CopyOut(data, cap, payloadAt, length));
                    if (!name.StartsWith(_name + "-i", StringComparison.Ordinal) || name.Any(c => !(char.IsAsciiLetterOrDigit(c) || c == '-')))
                        throw new InvalidDataException("A queue record names a file that is not one of its items.");
                    overflowPath = Path.Combine(RunDirectory.Current, name);
                    var bytes = File.ReadAllBytes(overflowPath);
                    item = decode(bytes, bytes, flags & ~FlagOverflow);
                }
                else if (payloadAt + length <= cap)
                {
                    item = decode(new ReadOnlySpan<byte>(data + payloadAt, length), null, flags);
                }
                else
                {
                    var bytes = CopyOut(data, cap, payloadAt, length);
                    item = decode(bytes, bytes, flags);
                }
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // The record is consumed all the same: a record this process cannot read must not wedge the queue.
                failure = e;
            }

            CrashPoint?.Invoke("get-copied");

            // Commit.
            var gets = Long(OffGets);
            var j = _h + OffGetJournal;
            *(long*)(j + 8) = _readGen;
            *(long*)(j + 16) = head + need;
            *(long*)(j + 24) = gets + 1;
            Volatile.Write(ref *(int*)j, 1);
            CrashPoint?.Invoke("get-journaled");
            Volatile.Write(ref *(long*)(r + RHead), head + need);
            Volatile.Write(ref Long(OffGets), gets + 1);
            Volatile.Write(ref *(int*)j, 0);
        }
        finally
        {
            OwnerLock.Release(lockWord);
        }

        if (overflowPath is not null) TryDelete(overflowPath);
        // The lock release was a full fence: a producer that armed the word before our get was visible is seen here.
        if ((Volatile.Read(ref Word(OffSpaceSignal)) & Armed) != 0) WakeArmed(OffSpaceSignal);
        if (failure is not null) throw new InvalidDataException($"A queue item could not be read as {typeof(T).Name}: {failure.Message}", failure);
        return true;
    }

    private SharedSegment ReadRing()
    {
        var gen = Volatile.Read(ref Long(OffReadGen));
        if (_readSeg is null || _readGen != gen)
        {
            var seg = SharedSegment.OpenPart(RingName(_name, gen));
            _readSeg?.Dispose();
            _readSeg = seg;
            _readGen = gen;
        }
        return _readSeg;
    }

    private void MoveToNextRing(long next)
    {
        var old = _readGen;
        // Writers that died before updating the header would still look for the old ring.
        Interlocked.CompareExchange(ref Long(OffWriteGen), next, old);
        Volatile.Write(ref Long(OffReadGen), next);
        _readSeg?.Dispose();
        _readSeg = null;
        _readGen = 0;
        TryDelete(Path.Combine(RunDirectory.Current, RingName(_name, old)));
    }

    // ---------------------------------------------------------------- joinable

    /// <summary>Counts one item done; throws when more items were done than put.</summary>
    [MethodImpl(Jit.HotPath)]
    public void TaskDone()
    {
        ref var done = ref Long(OffDone);
        while (true)
        {
            var d = Volatile.Read(ref done);
            if (d >= _knownItems)
            {
                // Items put: puts, or gets when higher. A producer publishes a record before it counts it in puts
                // (and one that died in between is counted when its journal is redone), so the item a consumer
                // just took may not be in puts yet. Either count only grows, so a count known here stays true.
                _knownItems = Math.Max(Volatile.Read(ref Long(OffPuts)), Volatile.Read(ref Long(OffGets)));
                if (d >= _knownItems) throw new InvalidOperationException("TaskDone() called too many times");
            }
            if (Interlocked.CompareExchange(ref done, d + 1, d) != d) continue;
            if (Volatile.Read(ref Word(OffJoinWaiters)) > 0 && d + 1 >= Volatile.Read(ref Long(OffPuts)))
                Futex.Wake((int*)(_h + OffDone), int.MaxValue);
            return;
        }
    }

    /// <summary>Waits until every item put has been counted done; false after <paramref name="timeout"/> (null: forever).</summary>
    public bool Join(TimeSpan? timeout)
    {
        long start = Stopwatch.GetTimestamp();
        while (true)
        {
            if (Volatile.Read(ref Long(OffDone)) >= Volatile.Read(ref Long(OffPuts))) return true;
            TimeSpan? left = null;
            if (timeout is { } t)
            {
                left = t - Stopwatch.GetElapsedTime(start);
                if (left <= TimeSpan.Zero) return false;
            }
            Interlocked.Increment(ref Word(OffJoinWaiters));
            try
            {
                var d = Volatile.Read(ref Long(OffDone));
                if (d >= Volatile.Read(ref Long(OffPuts))) return true;
                Futex.Wait((int*)(_h + OffDone), (int)d, left);
            }
            finally
            {
                Interlocked.Decrement(ref Word(OffJoinWaiters));
            }
        }
    }

    // ---------------------------------------------------------------- async waiting (the loops are in SharedRingAsync)

    /// <summary>Cancelled when this ring is disposed, so that pending async waits stop reading its words first.</summary>
    internal CancellationToken Disposing
    {
        get
        {
            var cts = DisposeGate.InstallOnce(ref _disposing, out var installed);
            if (installed && Volatile.Read(ref _disposed) != 0) cts.Cancel();
            return cts.Token;
        }
    }

    /// <summary>One attempt to take a record, without waiting; on failure <paramref name="observedPuts"/> is what a wait must see change.</summary>
    internal bool TryTake<T>(ItemDecoder<T> decode, out T item, out long observedPuts) => TryTakeRecord(decode, out item, out observedPuts);

    /// <summary>The consumers' progress counter (a put waiting for room waits for it to change).</summary>
    internal long GetsCount => Volatile.Read(ref Long(OffGets));

    /// <summary>Items put so far; read after a put that took the put lock, it counts every put a dead writer journaled.</summary>
    internal long PutsCount => Volatile.Read(ref Long(OffPuts));

    /// <summary>
    /// Registers as a sleeper exactly as a synchronous waiter does (<c>getWaiters</c>/<c>itemSignal</c> when
    /// <paramref name="forItem"/>, <c>putWaiters</c>/<c>spaceSignal</c> otherwise) and starts the wait; null, not
    /// registered, when the other side made progress since <paramref name="observed"/> or the ring was disposed (the
    /// caller's loop checks <see cref="IsDisposed"/>). Every non-null result must be followed by
    /// <see cref="EndAsyncWait"/> once it completed.
    /// </summary>
    internal Task<bool>? BeginAsyncWait(bool forItem, long observed, CancellationToken ct)
    {
        if (!_asyncSections.TryEnter()) return null;
        var slot = forItem ? GetSlot : PutSlot;
        try
        {
            _asyncWaits.Begin(slot);
            var s = Arm(forItem ? OffItemSignal : OffSpaceSignal);
            if (Volatile.Read(ref Long(forItem ? OffPuts : OffGets)) != observed)
            {
                _asyncWaits.End(slot);
                return null;
            }
            return StartAsyncWait(slot, (int*)(_h + (forItem ? OffItemSignal : OffSpaceSignal)), s, ct);
        }
        finally
        {
            _asyncSections.Exit();
        }
    }

    /// <summary>Ends a wait begun by <see cref="BeginAsyncWait"/> (nothing once the ring is disposed: Dispose uncounted it).</summary>
    internal void EndAsyncWait(bool forItem) => EndCountedWait(forItem ? GetSlot : PutSlot);

    /// <summary>
    /// Like <see cref="BeginAsyncWait"/> for <see cref="Join"/>: null when every item is done already, or when the
    /// ring was disposed (the caller tells them apart by <see cref="IsDisposed"/>).
    /// </summary>
    internal Task<bool>? BeginAsyncJoinWait(CancellationToken ct)
    {
        if (!_asyncSections.TryEnter()) return null;
        try
        {
            _asyncWaits.Begin(JoinSlot);
            var d = Volatile.Read(ref Long(OffDone));
            if (d >= Volatile.Read(ref Long(OffPuts)))
            {
                _asyncWaits.End(JoinSlot);
                return null;
            }
            return StartAsyncWait(JoinSlot, (int*)(_h + OffDone), (int)d, ct);
        }
        finally
        {
            _asyncSections.Exit();
        }
    }

    /// <summary>Ends a wait begun by <see cref="BeginAsyncJoinWait"/> (nothing once the ring is disposed: Dispose uncounted it).</summary>
    internal void EndAsyncJoinWait() => EndCountedWait(JoinSlot);

    private Task<bool> StartAsyncWait(int slot, int* word, int expected, CancellationToken ct)
    {
        try
        {
            return FutexWaiter.WaitAsync(word, expected, null, ct);
        }
        catch
        {
            _asyncWaits.End(slot);
            throw;
        }
    }

    /// <summary>For tests: the counts of sleeping getters, putters and joiners in a ring's header mapped on its own.</summary>
    internal static (int Get, int Put, int Join) WaitersIn(SharedSegment header) =>
        (Volatile.Read(ref *(int*)(header.Pointer + OffGetWaiters)), Volatile.Read(ref *(int*)(header.Pointer + OffPutWaiters)),
         Volatile.Read(ref *(int*)(header.Pointer + OffJoinWaiters)));

    private void EndCountedWait(int slot)
    {
        if (!_asyncSections.TryEnter()) return;
        try
        {
            _asyncWaits.End(slot);
        }
        finally
        {
            _asyncSections.Exit();
        }
    }

    // ---------------------------------------------------------------- helpers

    private void RedoJournal(int offset)
    {
        var j = _h + offset;
        if (Volatile.Read(ref *(int*)j) == 0) return;
        // The previous holder died between marking its step valid and finishing it: finish it (idempotent).
        var gen = *(long*)(j + 8);
        var pos = *(long*)(j + 16);
        var total = *(long*)(j + 24);
        var isPut = offset == OffPutJournal;
        var cached = isPut ? (_writeGen == gen ? _writeSeg : null) : (_readGen == gen ? _readSeg : null);
        var seg = cached ?? SharedSegment.OpenPart(RingName(_name, gen));
        try
        {
            Volatile.Write(ref *(long*)(seg.Pointer + (isPut ? RTail : RHead)), pos);
            Volatile.Write(ref Long(isPut ? OffPuts : OffGets), total);
            Volatile.Write(ref *(int*)j, 0);
        }
        finally
        {
            if (cached is null) seg.Dispose();
        }
    }

    /// <summary>
    /// A sleeper's step before it re-checks its condition and sleeps: sets the <see cref="Armed"/> bit of a signal word (a
    /// full fence) and returns the value to sleep on. The other side, after its change (itself followed by a full fence),
    /// wakes only when it sees the bit: either it sees it, or the sleeper's re-check sees the change.
    /// </summary>
    private int Arm(int offset)
    {
        ref var word = ref Word(offset);
        while (true)
        {
            var s = Volatile.Read(ref word);
            if ((s & Armed) != 0) return s;
            if (Interlocked.CompareExchange(ref word, s | Armed, s) == s) return s | Armed;
        }
    }

    /// <summary>
    /// Wakes every sleeper on an armed signal word and disarms it (a new even value): later changes make no system call
    /// until a sleeper arms the word again. Every sleeper is woken, not one, so that none is left asleep behind a woken
    /// one that dies or keeps its item: those that find nothing arm again and sleep.
    /// </summary>
    private void WakeArmed(int offset)
    {
        ref var word = ref Word(offset);
        var s = Volatile.Read(ref word);
        if ((s & Armed) == 0) return;
        if (Interlocked.CompareExchange(ref word, s + 1, s) != s) return; // another waker disarmed it and wakes them
        Futex.Wake((int*)(_h + offset), int.MaxValue);
    }

    /// <summary>Wakes every sleeper on a signal word whether it is armed or not (cancellation, disposal).</summary>
    private void Signal(int offset)
    {
        ref var word = ref Word(offset);
        while (true)
        {
            var s = Volatile.Read(ref word);
            if (Interlocked.CompareExchange(ref word, (s | Armed) + 1, s) == s) break;
        }
        Futex.Wake((int*)(_h + offset), int.MaxValue);
    }

    private static long Align8(long n) => (n + 7) & ~7L;

    [MethodImpl(Jit.HotPath)]
    private static void CopyIn(byte* data, long cap, long at, ReadOnlySpan<byte> src)
    {
        var first = (int)Math.Min(src.Length, cap - at);
        src[..first].CopyTo(new Span<byte>(data + at, first));
        if (first < src.Length) src[first..].CopyTo(new Span<byte>(data, src.Length - first));
    }

    [MethodImpl(Jit.HotPath)]
    private static byte[] CopyOut(byte* data, long cap, long at, int length)
    {
        var bytes = GC.AllocateUninitializedArray<byte>(length);
        var first = (int)Math.Min(length, cap - at);
        new ReadOnlySpan<byte>(data + at, first).CopyTo(bytes);
        if (first < length) new ReadOnlySpan<byte>(data, length - first).CopyTo(bytes.AsSpan(first));
        return bytes;
    }

    private static void TryDelete(string path)
    {
        try { File.Delete(path); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        // Pending async waits leave the futex waiter (synchronously) before the words are unmapped.
        Volatile.Read(ref _disposing)?.Cancel();
        // No registration is in progress once the sections are closed: the async waits still counted will finish
        // after the unmapping without uncounting themselves, so uncount them now (else other processes would keep
        // counting sleepers that do not exist).
        _asyncSections.Close();
        _asyncWaits.UncountAll();
        _writeSeg?.Dispose();
        _readSeg?.Dispose();
        _header.Dispose();
    }
}
