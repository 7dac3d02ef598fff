using System.Text.Json;
using System.Text.Json.Serialization;

namespace Multiproc.Internal;

/// <summary>What the parent sends a child through its control pipe: one length-prefixed JSON message.</summary>
internal sealed class StartMessage
{
    public int Version { get; set; } = 1;
    public string Name { get; set; } = "";
    public bool Daemon { get; set; }
    public string WorkingDirectory { get; set; } = "";
    /// <summary>The target's assembly (loaded by name from the app's own dependency set) and method token.</summary>
    public string Assembly { get; set; } = "";
    public int MethodToken { get; set; }
    /// <summary>The instance for an instance-method target, as JSON of the declaring type; null for static targets.</summary>
    public string? Instance { get; set; }
    /// <summary>Each argument as JSON of its parameter's declared type.</summary>
    public string?[] Arguments { get; set; } = [];
}

/// <summary>Serialization settings shared by arguments and queue items.</summary>
internal static class Wire
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

    private static readonly JsonSerializerOptions MessageOptions = new();

    public static byte[] Frame(StartMessage message)
    {
        var json = JsonSerializer.SerializeToUtf8Bytes(message, MessageOptions);
        var framed = new byte[4 + json.Length];
        BitConverter.TryWriteBytes(framed, json.Length);
        json.CopyTo(framed, 4);
        return framed;
    }

    public static StartMessage? ReadFrame(int fd)
    {
        Span<byte> len = stackalloc byte[4];
        if (!Platform.LinuxNative.ReadExactly(fd, len)) return null;
        var n = BitConverter.ToInt32(len);
        if (n <= 0 || n > 1 << 30) throw new InvalidDataException($"Bad control message length {n}.");
        var body = new byte[n];
        if (!Platform.LinuxNative.ReadExactly(fd, body)) throw new EndOfStreamException("The control pipe closed in the middle of a message.");
        return JsonSerializer.Deserialize<StartMessage>(body, MessageOptions);
    }
}
