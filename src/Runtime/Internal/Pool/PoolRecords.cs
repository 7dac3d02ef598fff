using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;

namespace Multiproc.Internal.Pool;

/// <summary>
/// The records a pool exchanges through its shared-memory rings.
/// </summary>
/// <remarks>
/// <para>Task (parent to one worker's ring): <c>[int kind=Chunk][long chunkId][long callId][int specLength][spec][int count][items]</c>,
/// or <c>[int kind=Exit]</c>.</para>
/// <para>Result (workers and the parent to the pool's result ring): <c>[int kind][int slot][int generation][long chunkId]</c>, then
/// for <see cref="Ok"/> <c>[int count][results]</c>, for <see cref="Error"/> three strings (type name, message, stack trace).</para>
/// <para>Items and results: for types without references (<see cref="ItemCodec{T}.IsRaw"/>) their bytes back to back; otherwise
/// each as <c>[int length][int flags][bytes]</c> of <see cref="ItemCodec{T}"/>.</para>
/// </remarks>
internal static class PoolRecords
{
    public const int Chunk = 1, Exit = 2;
    public const int Ok = 1, Error = 2, Died = 3, Stop = 4, Nudge = 5;
    public const int ResultHeader = 20;

    public static readonly ItemDecoder<byte[]> CopyDecoder = static (data, owner, _) => owner ?? data.ToArray();

    public static void WriteInt(IBufferWriter<byte> w, int v)
    {
        BinaryPrimitives.WriteInt32LittleEndian(w.GetSpan(4), v);
        w.Advance(4);
    }

    public static void WriteLong(IBufferWriter<byte> w, long v)
    {
        BinaryPrimitives.WriteInt64LittleEndian(w.GetSpan(8), v);
        w.Advance(8);
    }

    public static void WriteBytes(IBufferWriter<byte> w, ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(w.GetSpan(bytes.Length));
        w.Advance(bytes.Length);
    }

    public static void WriteString(IBufferWriter<byte> w, string s)
    {
        var n = Encoding.UTF8.GetByteCount(s);
        WriteInt(w, n);
        Encoding.UTF8.GetBytes(s, w.GetSpan(n));
        w.Advance(n);
    }

    public static int ReadInt(ReadOnlySpan<byte> s, ref int at)
    {
        var v = BinaryPrimitives.ReadInt32LittleEndian(s[at..]);
        at += 4;
        return v;
    }

    public static long ReadLong(ReadOnlySpan<byte> s, ref int at)
    {
        var v = BinaryPrimitives.ReadInt64LittleEndian(s[at..]);
        at += 8;
        return v;
    }

    public static string ReadString(ReadOnlySpan<byte> s, ref int at)
    {
        var n = ReadInt(s, ref at);
        if (n < 0 || n > s.Length - at) throw new InvalidDataException("Bad string in a pool record.");
        var v = Encoding.UTF8.GetString(s.Slice(at, n));
        at += n;
        return v;
    }

    /// <summary>A result header (<see cref="ResultHeader"/> bytes).</summary>
    public static void WriteResultHeader(IBufferWriter<byte> w, int kind, int slot, int generation, long chunkId)
    {
        WriteInt(w, kind);
        WriteInt(w, slot);
        WriteInt(w, generation);
        WriteLong(w, chunkId);
    }

    /// <summary>A record made by the parent itself (a worker's death, the reader's stop).</summary>
    public static byte[] Control(int kind, int slot, int generation)
    {
        var w = new ArrayBufferWriter<byte>(ResultHeader);
        WriteResultHeader(w, kind, slot, generation, -1);
        return w.WrittenSpan.ToArray();
    }
}

/// <summary>
/// A reusable copy of one ring record at a time (<see cref="Decoder"/> copies it out of the ring, <see cref="Span"/>
/// reads it): no array per record, where a chunk's record is often past the large-object threshold.
/// </summary>
internal sealed class RecordBuffer
{
    private const int Keep = 1 << 22;
    private byte[] _buffer = new byte[4096];

    public RecordBuffer() => Decoder = Copy;

    /// <summary>Copies a record in and returns its length. Valid until the next record.</summary>
    public ItemDecoder<int> Decoder { get; }

    private int Copy(ReadOnlySpan<byte> data, byte[]? owner, int flags)
    {
        if (_buffer.Length < data.Length) _buffer = new byte[Math.Max(data.Length, Math.Min(2L * _buffer.Length, Array.MaxLength))];
        data.CopyTo(_buffer);
        return data.Length;
    }

    /// <summary>The record last copied in.</summary>
    public ReadOnlySpan<byte> Span(int length) => _buffer.AsSpan(0, length);

    /// <summary>Lets a buffer that grew past a few MiB go, once its record is handled.</summary>
    public void Trim()
    {
        if (_buffer.Length > Keep) _buffer = new byte[4096];
    }
}

/// <summary>Writes and reads runs of items of <typeparamref name="T"/> (see <see cref="PoolRecords"/>).</summary>
internal static class ItemRun<T>
{
    /// <summary>Appends <paramref name="items"/>.</summary>
    /// <exception cref="ArgumentException">An item cannot be serialized; the message names its type.</exception>
    public static void Write(IBufferWriter<byte> w, ReadOnlySpan<T> items)
    {
        if (ItemCodec<T>.IsRaw)
        {
            PoolRecords.WriteBytes(w, MemoryMarshal.CreateReadOnlySpan(ref Unsafe.As<T, byte>(ref MemoryMarshal.GetReference(items)), items.Length * Unsafe.SizeOf<T>()));
            return;
        }
        foreach (var item in items) WriteOne(w, item);
    }

    /// <summary>Appends one item.</summary>
    public static void WriteOne(IBufferWriter<byte> w, T item)
    {
        var bytes = ItemCodec<T>.Encode(item, out var flags);
        if (ItemCodec<T>.IsRaw)
        {
            PoolRecords.WriteBytes(w, bytes);
            return;
        }
        PoolRecords.WriteInt(w, bytes.Length);
        PoolRecords.WriteInt(w, flags);
        PoolRecords.WriteBytes(w, bytes);
    }

    /// <summary>Reads <paramref name="into"/>.Length items from <paramref name="data"/>.</summary>
    public static void Read(ReadOnlySpan<byte> data, Span<T> into)
    {
        if (ItemCodec<T>.IsRaw)
        {
            var bytes = MemoryMarshal.CreateSpan(ref Unsafe.As<T, byte>(ref MemoryMarshal.GetReference(into)), into.Length * Unsafe.SizeOf<T>());
            if (data.Length != bytes.Length) throw new InvalidDataException($"A pool record holds {data.Length} bytes for {into.Length} items of {typeof(T).Name}.");
            data.CopyTo(bytes);
            return;
        }
        var at = 0;
        for (var i = 0; i < into.Length; i++)
        {
            var length = PoolRecords.ReadInt(data, ref at);
            var flags = PoolRecords.ReadInt(data, ref at);
            if (length < 0 || length > data.Length - at) throw new InvalidDataException("Bad item length in a pool record.");
            into[i] = ItemCodec<T>.DecodeItem(data.Slice(at, length), flags);
            at += length;
        }
    }
}
