using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Multiproc.Internal.Pool;

/// <summary>A run of items of one call, sent to one worker as one task record.</summary>
/// <remarks>
/// The record is either encoded at once (<paramref name="record"/>: items that go through a codec that can fail, so that
/// a bad item fails the call before anything ran) or, for raw items, written when the chunk is sent, straight from the
/// call's own copy of the items (<paramref name="write"/>): no per-chunk array, one copy less.
/// </remarks>
internal sealed class PoolChunk(PoolCall call, int index, int start, int count, byte[]? record, Func<ArrayBufferWriter<byte>, PoolChunk, bool>? write, long id)
{
    public PoolCall Call { get; } = call;
    public int Index { get; } = index;
    public int Start { get; } = start;
    public int Count { get; } = count;
    public long Id { get; } = id;

    /// <summary>The task record: the one encoded at once, or written into <paramref name="scratch"/> now; false when the items are gone (a borrowed list shrank).</summary>
    public bool TryRecord(ArrayBufferWriter<byte> scratch, out ReadOnlySpan<byte> result)
    {
        if (record is not null)
        {
            result = record;
            return true;
        }
        scratch.ResetWrittenCount();
        var ok = write!(scratch, this);
        result = scratch.WrittenSpan;
        return ok;
    }
}

/// <summary>One call of the pool (a map, an apply, an imap): its chunks report here as they finish.</summary>
internal abstract class PoolCall
{
    private static long _nextCallId;
    private static long _nextChunkId;

    public long Id { get; } = Interlocked.Increment(ref _nextCallId);

    /// <summary>Set when nobody waits for the results any more: chunks not yet sent are dropped.</summary>
    public volatile bool Abandoned;

    /// <summary>A chunk's results arrived: <paramref name="payload"/> holds <paramref name="count"/> encoded results.</summary>
    public abstract void OnResult(PoolChunk chunk, ReadOnlySpan<byte> payload, int count);

    /// <summary>A chunk failed (it threw, its worker died, the pool was terminated).</summary>
    public abstract void OnFailure(PoolChunk chunk, Exception error);

    /// <summary>Cuts <paramref name="source"/> into task records of at most <paramref name="chunkSize"/> items.</summary>
    /// <param name="spec">The function's spec.</param>
    /// <param name="source">The items (raw items are read from it when their chunk is sent).</param>
    /// <param name="chunkSize">Items per chunk.</param>
    /// <exception cref="ArgumentException">An item cannot be sent; nothing was submitted.</exception>
    public List<PoolChunk> BuildChunks<T>(byte[] spec, PoolItems<T> source, int chunkSize)
    {
        var length = source.Count;
        var chunks = new List<PoolChunk>((length + chunkSize - 1) / chunkSize);
        if (ItemCodec<T>.IsRaw)
        {
            // Raw items cannot fail to encode: the record is written when the chunk is sent, straight from the source.
            Func<ArrayBufferWriter<byte>, PoolChunk, bool> write = (w, c) =>
            {
                if (!source.TryGet(c.Start, c.Count, out var run)) return false;
                WriteHeader(w, c.Id, spec, c.Count);
                ItemRun<T>.Write(w, run);
                return true;
            };
            for (var start = 0; start < length; start += chunkSize)
                chunks.Add(new PoolChunk(this, chunks.Count, start, Math.Min(chunkSize, length - start), null, write, Interlocked.Increment(ref _nextChunkId)));
            return chunks;
        }
        var items = source.All;
        var w = new ArrayBufferWriter<byte>(256);
        for (var start = 0; start < items.Length; start += chunkSize)
        {
            var count = Math.Min(chunkSize, items.Length - start);
            var id = Interlocked.Increment(ref _nextChunkId);
            w.ResetWrittenCount();
            WriteHeader(w, id, spec, count);
            try
            {
                ItemRun<T>.Write(w, items.AsSpan(start, count));
            }
            catch (ArgumentException e)
            {
                throw new ArgumentException($"Item {start}..{start + count - 1} cannot be sent to a worker process ({e.Message}); no task was submitted.", "items", e);
            }
            chunks.Add(new PoolChunk(this, chunks.Count, start, count, w.WrittenSpan.ToArray(), null, id));
        }
        return chunks;
    }

    /// <summary>The one task record of an applied call (no item).</summary>
    public PoolChunk BuildSingle(byte[] spec)
    {
        var w = new ArrayBufferWriter<byte>(spec.Length + 32);
        var id = Interlocked.Increment(ref _nextChunkId);
        WriteHeader(w, id, spec, 1);
        return new PoolChunk(this, 0, 0, 1, w.WrittenSpan.ToArray(), null, id);
    }

    private void WriteHeader(ArrayBufferWriter<byte> w, long chunkId, byte[] spec, int count)
    {
        PoolRecords.WriteInt(w, PoolRecords.Chunk);
        PoolRecords.WriteLong(w, chunkId);
        PoolRecords.WriteLong(w, Id);
        PoolRecords.WriteInt(w, spec.Length);
        PoolRecords.WriteBytes(w, spec);
        PoolRecords.WriteInt(w, count);
    }
}

/// <summary>A call whose results are collected into one list (Map, Apply): it completes when every chunk has.</summary>
internal sealed class CollectCall<TResult> : PoolCall
{
    private readonly TaskCompletionSource<List<TResult>> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly int _items;
    private List<TResult>? _results;
    private int _remaining;
    private Exception? _firstError;
    private int _firstErrorIndex = int.MaxValue;
    private CancellationTokenRegistration _registration;

    public CollectCall(int items, int chunks)
    {
        _items = items;
        _remaining = chunks;
    }

    /// <summary>
    /// Allocates the result list, done by the caller once the chunks are sent, while the workers run the first ones; a large
    /// list of raw results then has its pages touched here (<see cref="Touch"/>), not by the reader as the results come.
    /// </summary>
    public List<TResult> PrepareResults()
    {
        if (Volatile.Read(ref _results) is { } done) return done;
        var list = new List<TResult>(_items);
        CollectionsMarshal.SetCount(list, _items);
        var mine = Interlocked.CompareExchange(ref _results, list, null) ?? list;
        if (ReferenceEquals(mine, list) && ItemCodec<TResult>.IsRaw) Touch(CollectionsMarshal.AsSpan(list));
        return mine;
    }

    /// <summary>
    /// Writes each page of a fresh result array once, so that its page faults (costly on a VM: see bench/README.md) are
    /// taken on this otherwise idle thread. The reader may be storing results meanwhile: each touch is a compare-exchange
    /// of 0 with 0, which leaves any value in place.
    /// </summary>
    private static unsafe void Touch(Span<TResult> results)
    {
        var bytes = (long)results.Length * Unsafe.SizeOf<TResult>();
        if (bytes < 1 << 16) return;
        fixed (byte* start = &Unsafe.As<TResult, byte>(ref MemoryMarshal.GetReference(results)))
        {
            var first = ((nint)start + 4095) & ~(nint)4095;
            for (var p = (byte*)first; p + sizeof(int) <= start + bytes; p += 4096)
                Interlocked.CompareExchange(ref *(int*)p, 0, 0);
        }
    }

    public Task<List<TResult>> Task => _done.Task;

    /// <summary>Cancels the call when <paramref name="token"/> is: the task completes as cancelled at once.</summary>
    public void CancelWith(CancellationToken token)
    {
        if (!token.CanBeCanceled) return;
        _registration = token.Register(static s =>
        {
            var (self, t) = ((CollectCall<TResult>, CancellationToken))s!;
            self.Abandoned = true;
            self._done.TrySetCanceled(t);
        }, (this, token));
    }

    public override void OnResult(PoolChunk chunk, ReadOnlySpan<byte> payload, int count)
    {
        if (count != chunk.Count) throw new InvalidDataException($"A worker returned {count} results for {chunk.Count} items.");
        if (_items > 0) ItemRun<TResult>.Read(payload, CollectionsMarshal.AsSpan(PrepareResults()).Slice(chunk.Start, count)); // none for a void call
        Finish();
    }

    public override void OnFailure(PoolChunk chunk, Exception error)
    {
        lock (this)
        {
            if (chunk.Index < _firstErrorIndex)
            {
                _firstErrorIndex = chunk.Index;
                _firstError = error;
            }
        }
        Finish();
    }

    private void Finish()
    {
        if (Interlocked.Decrement(ref _remaining) != 0) return;
        _registration.Dispose();
        Exception? error;
        lock (this) error = _firstError;
        if (error is not null) _done.TrySetException(error);
        else _done.TrySetResult(PrepareResults());
    }
}

/// <summary>A call whose results are read as they come (Imap in order, ImapUnordered as they finish).</summary>
internal sealed class StreamCall<TResult>(int chunks, bool ordered) : PoolCall
{
    private readonly object?[] _slots = new object?[chunks];
    private readonly Queue<int> _finished = new();
    private int _enumerated;

    public override void OnResult(PoolChunk chunk, ReadOnlySpan<byte> payload, int count)
    {
        if (count != chunk.Count) throw new InvalidDataException($"A worker returned {count} results for {chunk.Count} items.");
        var results = new TResult[count];
        ItemRun<TResult>.Read(payload, results);
        Store(chunk.Index, results);
    }

    public override void OnFailure(PoolChunk chunk, Exception error) => Store(chunk.Index, error);

    private void Store(int index, object value)
    {
        lock (this)
        {
            if (_slots[index] is not null) return;
            _slots[index] = value;
            _finished.Enqueue(index);
            Monitor.PulseAll(this);
        }
    }

    /// <summary>The results: in item order, or in the order their chunks finished. One enumeration only.</summary>
    public IEnumerable<TResult> Results()
    {
        if (Interlocked.Exchange(ref _enumerated, 1) != 0)
            throw new InvalidOperationException("The results of Imap/ImapUnordered can be enumerated once; call it again (or collect them in a list).");
        try
        {
            for (var k = 0; k < _slots.Length; k++)
            {
                object value;
                lock (this)
                {
                    int index;
                    if (ordered)
                    {
                        while (_slots[k] is null) Monitor.Wait(this);
                        index = k;
                    }
                    else
                    {
                        while (_finished.Count == 0) Monitor.Wait(this);
                        index = _finished.Dequeue();
                    }
                    value = _slots[index]!;
                    _slots[index] = Consumed;
                }
                if (value is Exception e) throw e;
                foreach (var r in (TResult[])value) yield return r;
            }
        }
        finally
        {
            Abandoned = true;
        }
    }

    private static readonly object Consumed = new();
}

/// <summary>
/// The items of one call: the caller's own array or list, read in place while the caller waits (<c>Map</c>, raw items),
/// or a copy of the call's own.
/// </summary>
internal sealed class PoolItems<T>
{
    private readonly T[]? _array;
    private readonly List<T>? _list;

    private PoolItems(T[]? array, List<T>? list, int count)
    {
        _array = array;
        _list = list;
        Count = count;
    }

    /// <summary>The items of <paramref name="items"/>: borrowed when <paramref name="borrow"/> and they are raw items in an array or list, else copied.</summary>
    public static PoolItems<T> Of(IEnumerable<T> items, bool borrow)
    {
        if (borrow && ItemCodec<T>.IsRaw)
        {
            if (items is T[] array) return new PoolItems<T>(array, null, array.Length);
            if (items is List<T> list) return new PoolItems<T>(null, list, list.Count);
        }
        var copy = items.ToArray();
        return new PoolItems<T>(copy, null, copy.Length);
    }

    public int Count { get; }

    /// <summary>Every item (an array of the call's own unless borrowed).</summary>
    public T[] All => _array ?? _list!.ToArray();

    /// <summary>Items <paramref name="start"/> to <paramref name="start"/> + <paramref name="count"/>; false when a borrowed list no longer holds them.</summary>
    public bool TryGet(int start, int count, out ReadOnlySpan<T> run)
    {
        var all = _array is not null ? _array : CollectionsMarshal.AsSpan(_list);
        if (all.Length < Count || (uint)start > (uint)all.Length || (uint)count > (uint)(all.Length - start))
        {
            run = default;
            return false;
        }
        run = all.Slice(start, count);
        return true;
    }
}
