using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Multiproc.Internal;

/// <summary>A Multiproc primitive that lives in shared memory and travels to other processes as a handle.</summary>
internal interface ISharedObject
{
    /// <summary>What another process of the run needs to attach (segment names; no type names).</summary>
    /// <exception cref="ObjectDisposedException">The primitive was disposed.</exception>
    string Handle { get; }

    /// <summary>
    /// The segments a handle in flight keeps alive (see <see cref="SharedSegment"/>): by default every segment
    /// name in <see cref="Handle"/>, which is right for any primitive whose handle names its segments.
    /// </summary>
    IEnumerable<string> SegmentNames => SharedSegment.NamesIn(Handle);
}

/// <summary>
/// The primitives serialized on this thread while a target's arguments are built (<see cref="ChildProcess.Start"/>):
/// the parent holds their segments for the child. Primitives the round-trip check attaches are let go at the end.
/// </summary>
internal sealed class SendScope : IDisposable
{
    [ThreadStatic] private static SendScope? _current;
    private readonly SendScope? _outer;
    private readonly List<IDisposable> _checkAttached = new();

    private SendScope()
    {
        _outer = _current;
        _current = this;
    }

    public static SendScope? Current => _current;

    /// <summary>Primitives written as handles so far.</summary>
    public List<ISharedObject> Sent { get; } = new();

    /// <summary>True while a serialized argument is read back to check that it round-trips.</summary>
    public bool Checking { get; set; }

    public static SendScope Begin() => new();

    /// <summary>A primitive attached by the round-trip check; disposed with the scope.</summary>
    public void AttachedByCheck(object o)
    {
        if (o is IDisposable d) _checkAttached.Add(d);
    }

    /// <summary>Takes a share in every segment of the primitives sent (each once).</summary>
    public List<SegmentHold> TakeHolds()
    {
        if (Sent.Count == 0) return [];
        var holds = new List<SegmentHold>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        try
        {
            foreach (var s in Sent)
                foreach (var n in s.SegmentNames)
                    if (names.Add(n)) holds.Add(SegmentHold.Take(n));
        }
        catch
        {
            foreach (var h in holds) h.Dispose();
            throw;
        }
        return holds;
    }

    public void Dispose()
    {
        _current = _outer;
        foreach (var d in _checkAttached) d.Dispose();
        _checkAttached.Clear();
    }
}

/// <summary>
/// Sends Multiproc primitives (locks, queues) as their handle: a JSON string. The receiving side
/// knows the type from the target method's parameter, never from the wire, and calls the type's
/// non-public static <c>Attach(string handle)</c>.
/// </summary>
internal sealed class SharedObjectConverterFactory : JsonConverterFactory
{
    public override bool CanConvert(Type typeToConvert) => typeof(ISharedObject).IsAssignableFrom(typeToConvert);

    public override JsonConverter CreateConverter(Type typeToConvert, JsonSerializerOptions options) =>
        (JsonConverter)Activator.CreateInstance(typeof(Converter<>).MakeGenericType(typeToConvert))!;

    private sealed class Converter<T> : JsonConverter<T> where T : class, ISharedObject
    {
        public override T Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            if (reader.TokenType == JsonTokenType.Null) return null!;
            var handle = reader.GetString() ?? throw new JsonException($"Expected a handle for {typeof(T).Name}.");
            var o = (T)SharedObjects.Attach(typeof(T), handle);
            if (SendScope.Current is { Checking: true } scope) scope.AttachedByCheck(o);
            return o;
        }

        public override void Write(Utf8JsonWriter writer, T value, JsonSerializerOptions options)
        {
            writer.WriteStringValue(value.Handle);
            if (SendScope.Current is { Checking: false } scope) scope.Sent.Add(value);
        }
    }
}

/// <summary>Attaches to a primitive by handle through the type's non-public static <c>Attach(string)</c>.</summary>
internal static class SharedObjects
{
    private static readonly Dictionary<Type, MethodInfo> AttachMethods = new();

    public static object Attach(Type type, string handle)
    {
        if (type == typeof(ProcessLock)) return ProcessLock.Attach(handle); // the common case, without reflection
        var m = AttachMethod(type);
        return m.Invoke(null, BindingFlags.DoNotWrapExceptions, null, [handle], null)!; // a gone segment's ObjectDisposedException as is
    }

    /// <summary>The static <c>Attach(string)</c> of <paramref name="type"/>, looked up once per type and process.</summary>
    public static MethodInfo AttachMethod(Type type)
    {
        lock (AttachMethods)
        {
            if (!AttachMethods.TryGetValue(type, out var m))
            {
                m = type.GetMethod("Attach", BindingFlags.Static | BindingFlags.NonPublic | BindingFlags.Public, [typeof(string)])
                    ?? throw new NotSupportedException($"{type} cannot be sent to another process.");
                AttachMethods[type] = m;
            }
            return m;
        }
    }
}
