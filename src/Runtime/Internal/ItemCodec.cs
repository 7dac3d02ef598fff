using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Multiproc.Internal;

/// <summary>
/// How items of <typeparamref name="T"/> become queue records: <c>byte[]</c> as is, <c>string</c> as UTF-8 (short
/// ASCII strings narrowed and widened by <see cref="ShortAscii"/>),
/// types without references (int, double, enums, unmanaged structs) as their raw bytes, everything
/// else as JSON with <see cref="WireJson.Options"/> (no type names; Multiproc primitives as handles).
/// A null item is a flag with no payload.
/// </summary>
internal static class ItemCodec<T>
{
    private enum Kind { Bytes, String, Raw, Json }

    private static readonly Kind Mode =
        typeof(T) == typeof(byte[]) ? Kind.Bytes
        : typeof(T) == typeof(string) ? Kind.String
        : !RuntimeHelpers.IsReferenceOrContainsReferences<T>() ? Kind.Raw
        : Kind.Json;

    /// <summary>
    /// Why <typeparamref name="T"/> cannot be sent, or null; in a class of its own so that a process that only reads
    /// items (a pool worker) does not load the types the check names (sockets, pipes, processes).
    /// </summary>
    private static class Declared
    {
        public static readonly string? Unsendable = TargetCall.Unsendable(typeof(T));
    }
    private static JsonTypeInfo<T>? _typeInfo;

    [ThreadStatic] private static byte[]? _scratch;
    [ThreadStatic] private static ArrayBufferWriter<byte>? _jsonBuffer;
    [ThreadStatic] private static Utf8JsonWriter? _jsonWriter;

    private static JsonTypeInfo<T> TypeInfo => _typeInfo ??= (JsonTypeInfo<T>)WireJson.Options.GetTypeInfo(typeof(T));

    public static readonly ItemDecoder<T> Decoder = Decode;

    /// <summary>True when items are their raw bytes of a fixed size (no references): a run of items is one block copy.</summary>
    public static bool IsRaw => Mode == Kind.Raw;

    /// <summary>Decodes one item (what <see cref="Encode"/> wrote, with its flags).</summary>
    public static T DecodeItem(ReadOnlySpan<byte> data, int flags) => Decode(data, null, flags);

    /// <summary>Encodes <paramref name="item"/>; the span is valid until the next call on this thread.</summary>
    /// <exception cref="ArgumentException">The item cannot be sent to another process; the message names its type.</exception>
    [MethodImpl(Jit.HotPath)]
    public static ReadOnlySpan<byte> Encode(T item, out int flags)
    {
        flags = 0;
        if (Declared.Unsendable is { } why) throw Unsendable(typeof(T), why, null);
        if (Mode == Kind.Raw)
        {
            var size = Unsafe.SizeOf<T>();
            var buf = Scratch(size);
            Unsafe.WriteUnaligned(ref buf[0], item);
            return buf.AsSpan(0, size);
        }
        if (item is null)
        {
            flags = SharedRing.FlagNull;
            return default;
        }
        switch (Mode)
        {
            case Kind.Bytes:
                return (byte[])(object)item;
            case Kind.String:
            {
                var s = (string)(object)item;
                if (s.Length <= ShortAscii.MaxLength)
                {
                    var small = Scratch(s.Length);
                    if (ShortAscii.TryNarrow(s, small)) return small.AsSpan(0, s.Length);
                }
                var buf = Scratch(Encoding.UTF8.GetMaxByteCount(s.Length) is var max && max <= 4096 ? max : Encoding.UTF8.GetByteCount(s));
                var n = Encoding.UTF8.GetBytes(s, buf);
                return buf.AsSpan(0, n);
            }
            default:
                return EncodeJson(item);
        }
    }

    private static ReadOnlySpan<byte> EncodeJson(T item)
    {
        var actual = item!.GetType();
        if (actual != typeof(T) && TargetCall.Unsendable(actual) is { } why) throw Unsendable(actual, why, null);
        var buffer = _jsonBuffer ??= new ArrayBufferWriter<byte>(256);
        if (buffer.Capacity > 1 << 20) buffer = _jsonBuffer = new ArrayBufferWriter<byte>(256);
        buffer.ResetWrittenCount();
        var writer = _jsonWriter;
        if (writer is null) writer = _jsonWriter = new Utf8JsonWriter(buffer, new JsonWriterOptions { SkipValidation = true, MaxDepth = WireJson.Options.MaxDepth });
        else writer.Reset(buffer);
        try
        {
            JsonSerializer.Serialize(writer, item, TypeInfo);
            writer.Flush();
        }
        catch (Exception e) when (e is NotSupportedException or JsonException or InvalidOperationException or ArgumentException)
        {
            _jsonWriter = null;
            throw Unsendable(actual, $"cannot be serialized with System.Text.Json ({e.Message})", e);
        }
        return buffer.WrittenSpan;
    }

    private static ArgumentException Unsendable(Type t, string why, Exception? inner) =>
        new($"Cannot send an item of type {t.Name} to another process (queue or pipe): {t.Name} {why}. Nothing was sent.", "item", inner);

    private static byte[] Scratch(int size)
    {
        var buf = _scratch;
        if (buf is not null && buf.Length >= size) return buf;
        buf = new byte[Math.Max(size, 256)];
        if (size <= 1 << 16) _scratch = buf;
        return buf;
    }

    [MethodImpl(Jit.HotPath)]
    private static T Decode(ReadOnlySpan<byte> data, byte[]? owner, int flags)
    {
        if ((flags & SharedRing.FlagNull) != 0) return default!;
        switch (Mode)
        {
            case Kind.Raw:
                if (data.Length != Unsafe.SizeOf<T>())
                    throw new InvalidDataException($"The item has {data.Length} bytes; {typeof(T).Name} has {Unsafe.SizeOf<T>()}.");
                return Unsafe.ReadUnaligned<T>(ref MemoryMarshal.GetReference(data));
            case Kind.Bytes:
                return (T)(object)(owner ?? data.ToArray());
            case Kind.String:
                return (T)(object)(ShortAscii.TryWiden(data) ?? Encoding.UTF8.GetString(data));
            default:
                return JsonSerializer.Deserialize(data, TypeInfo)!;
        }
    }
}
