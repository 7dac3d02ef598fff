using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Multiproc.Internal;

/// <summary>A Multiproc primitive that lives in shared memory and travels to other processes as a handle.</summary>
internal interface ISharedObject
{
    /// <summary>What another process of the run needs to attach (segment names; no type names).</summary>
    string Handle { get; }
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
            return (T)SharedObjects.Attach(typeof(T), handle);
        }

        public override void Write(Utf8JsonWriter writer, T value, JsonSerializerOptions options) => writer.WriteStringValue(value.Handle);
    }
}

/// <summary>Attaches to a primitive by handle through the type's non-public static <c>Attach(string)</c>.</summary>
internal static class SharedObjects
{
    private static readonly Dictionary<Type, MethodInfo> AttachMethods = new();

    public static object Attach(Type type, string handle)
    {
        if (type == typeof(ProcessLock)) return ProcessLock.Attach(handle); // the common case, without reflection
        MethodInfo? m;
        lock (AttachMethods)
        {
            if (!AttachMethods.TryGetValue(type, out m))
            {
                m = type.GetMethod("Attach", BindingFlags.Static | BindingFlags.NonPublic | BindingFlags.Public, [typeof(string)])
                    ?? throw new NotSupportedException($"{type} cannot be sent to another process.");
                AttachMethods[type] = m;
            }
        }
        return m.Invoke(null, [handle])!;
    }
}
