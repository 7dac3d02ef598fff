using System.Text.Json;
using System.Text.Json.Serialization;

namespace Multiproc.Internal;

/// <summary>What the parent sends a child through its control pipe: one length-prefixed binary frame.</summary>
internal sealed class StartMessage
{
    public int Version { get; set; } = 1;
    public string Name { get; set; } = "";
    public bool Daemon { get; set; }
    public string WorkingDirectory { get; set; } = "";
    /// <summary>The target's assembly (its simple name, loaded from the app's own dependency set) and method token.</summary>
    public string Assembly { get; set; } = "";
    public int MethodToken { get; set; }
    /// <summary>The instance for an instance-method target, as JSON of the declaring type; null for static targets.</summary>
    public string? Instance { get; set; }
    /// <summary>Each argument, tagged: raw text (strings, primitives, handles) or JSON of its parameter's declared type.</summary>
    public string?[] Arguments { get; set; } = [];
}

/// <summary>Serialization settings shared by arguments and queue items.</summary>
/// <remarks>Kept apart from <see cref="Wire"/> so that a child that needs no JSON never initializes System.Text.Json.</remarks>
internal static class WireJson
{
    /// <summary>
    /// Options for user data: public properties and fields, Multiproc primitives as handles, no
    /// polymorphic type metadata (nothing on the wire names a type).
    /// </summary>
    public static readonly JsonSerializerOptions Options = CreateOptions();

    private static JsonSerializerOptions CreateOptions()
    {
        var o = new JsonSerializerOptions
        {
            IncludeFields = true,
            NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
            UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip,
            MaxDepth = 256,
        };
        o.Converters.Add(new SharedObjectConverterFactory());
        o.MakeReadOnly(populateMissingResolver: true);
        return o;
    }

}

/// <summary>The control-pipe framing between parent and child.</summary>
internal static class Wire
{
    /// <summary>
    /// The start message as a length-prefixed binary frame (BinaryWriter strings and ints). The child
    /// decodes it without System.Text.Json, whose first use would add its start-up cost to every child.
    /// </summary>
    public static byte[] Frame(StartMessage message)
    {
        using var body = new MemoryStream();
        using (var w = new BinaryWriter(body, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            w.Write(0); // length, patched below
            w.Write(message.Version);
            w.Write(message.Name);
            w.Write(message.Daemon);
            w.Write(message.WorkingDirectory);
            w.Write(message.Assembly);
            w.Write(message.MethodToken);
            WriteNullable(w, message.Instance);
            w.Write(message.Arguments.Length);
            foreach (var a in message.Arguments) WriteNullable(w, a);
        }
        var frame = body.ToArray();
        BitConverter.TryWriteBytes(frame, frame.Length - 4);
        return frame;
    }

    public static StartMessage? ReadFrame(int fd)
    {
        Span<byte> len = stackalloc byte[4];
        if (!Platform.LinuxNative.ReadExactly(fd, len)) return null;
        var n = BitConverter.ToInt32(len);
        if (n <= 0 || n > 1 << 30) throw new InvalidDataException($"Bad control message length {n}.");
        var body = new byte[n];
        if (!Platform.LinuxNative.ReadExactly(fd, body)) throw new EndOfStreamException("The control pipe closed in the middle of a message.");
        return Decode(body);
    }

    /// <summary>Decodes the body of a frame (what follows its length).</summary>
    public static StartMessage Decode(ReadOnlySpan<byte> body)
    {
        // Decoded by hand over the bytes (the BinaryWriter format: little-endian ints, 7-bit-length-prefixed
        // UTF-8 strings): a BinaryReader would cost a fresh child milliseconds of start-up for a few fields.
        var r = new FrameReader(body);
        var m = new StartMessage { Version = r.ReadInt32() };
        if (m.Version != 1) throw new InvalidDataException($"Unknown control message version {m.Version}.");
        m.Name = r.ReadString();
        m.Daemon = r.ReadBoolean();
        m.WorkingDirectory = r.ReadString();
        m.Assembly = r.ReadString();
        m.MethodToken = r.ReadInt32();
        m.Instance = r.ReadBoolean() ? r.ReadString() : null;
        var count = r.ReadInt32();
        if (count < 0 || count > 4096) throw new InvalidDataException($"Bad argument count {count}.");
        m.Arguments = new string?[count];
        for (var i = 0; i < count; i++) m.Arguments[i] = r.ReadBoolean() ? r.ReadString() : null;
        return m;
    }

    /// <summary>Reads what <see cref="BinaryWriter"/> wrote, from a byte array.</summary>
    private ref struct FrameReader(ReadOnlySpan<byte> data)
    {
        private readonly ReadOnlySpan<byte> _data = data;
        private int _pos;

        private ReadOnlySpan<byte> Take(int n)
        {
            if (n < 0 || n > _data.Length - _pos) throw new InvalidDataException("The control message is truncated.");
            var s = _data.Slice(_pos, n);
            _pos += n;
            return s;
        }

        // Little-endian by hand: BinaryPrimitives would load the System.Memory facade in every child.
        public int ReadInt32()
        {
            var b = Take(4);
            return b[0] | b[1] << 8 | b[2] << 16 | b[3] << 24;
        }

        public bool ReadBoolean() => Take(1)[0] != 0;

        public string ReadString()
        {
            var length = 0;
            for (var shift = 0; ; shift += 7)
            {
                if (shift > 28) throw new InvalidDataException("Bad string length in the control message.");
                var b = Take(1)[0];
                length |= (b & 0x7f) << shift;
                if (b < 0x80) break;
            }
            return Decode(Take(length));
        }

        /// <summary>
        /// ASCII (names, paths, integers, handles) widened by hand: the first UTF-8 decoding in a process
        /// costs milliseconds of type loading, which a child whose target never decodes text need not pay.
        /// </summary>
        private static string Decode(ReadOnlySpan<byte> bytes)
        {
            foreach (var b in bytes)
                if (b >= 0x80) return System.Text.Encoding.UTF8.GetString(bytes);
            Span<char> chars = bytes.Length <= 512 ? stackalloc char[bytes.Length] : new char[bytes.Length];
            for (var i = 0; i < bytes.Length; i++) chars[i] = (char)bytes[i];
            return new string(chars);
        }
    }

    private static void WriteNullable(BinaryWriter w, string? s)
    {
        w.Write(s is not null);
        if (s is not null) w.Write(s);
    }

}
