using StackExchange.Redis;

namespace Multiproc.Redis.Internal;

internal static class Connections
{
    /// <summary>
    /// Connects from a StackExchange.Redis configuration string ("host:port,option=value…"). Unless the string
    /// says otherwise, a server that is down at start does not fail the constructor (<c>abortConnect=false</c>):
    /// calls retry and fail with <see cref="RedisUnavailableException"/> as they do after a connection loss.
    /// </summary>
    public static ConnectionMultiplexer Connect(string connectionString, string paramName)
    {
        if (string.IsNullOrWhiteSpace(connectionString))
            throw new ArgumentException("The Redis connection string must not be empty (e.g. \"localhost:6379\").", paramName);
        ConfigurationOptions options;
        try
        {
            options = ConfigurationOptions.Parse(connectionString);
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"The Redis connection string \"{connectionString}\" is not valid: {e.Message}", paramName, e);
        }
        if (!connectionString.Contains("abortConnect", StringComparison.OrdinalIgnoreCase)) options.AbortOnConnectFail = false;
        return ConnectWithDedicatedThreads(options);
    }

    /// <summary>
    /// Connects with threads of the connection's own: StackExchange.Redis reads and writes it from an
    /// <c>SE.Redis Sync Reader</c> and an <c>SE.Redis Sync Writer</c> thread, which wait without spinning, instead of from
    /// .NET thread-pool workers, which spin after every wake-up (on a busy 2-core machine that spinning was most of a
    /// client's CPU per item). See <see cref="RequestDedicatedThreads"/>.
    /// </summary>
    private static ConnectionMultiplexer ConnectWithDedicatedThreads(ConfigurationOptions options)
    {
        RequestDedicatedThreads(options);
        return ConnectionMultiplexer.Connect(options);
    }

    /// <summary>
    /// Asks for a connection's own reader and writer threads in <paramref name="options"/> alone; false when this
    /// version of StackExchange.Redis offers no such setting (the connection then uses the thread pool, which costs
    /// speed only).
    /// </summary>
    /// <remarks>
    /// StackExchange.Redis 3.x has two ways to it. The public one is the <c>DedicatedThreads</c> feature flag
    /// (<see cref="ConnectionMultiplexer.SetFeatureFlag"/>): it is static, read by every connection of the process as it
    /// is made, so setting it for our connect, even under a lock and put back at once, also gave it to any connection
    /// the application made at the same moment (and a reconnection of ours, made later, did without). The other is the
    /// setting the flag stands in for: <c>ConfigurationOptions.WriteMode</c> (internal; the flag turns its
    /// <c>Default</c> into <c>Sync</c>, and the reader follows the writer's mode), kept with the configuration, so it
    /// holds for this connection and its reconnections and for nothing else. It is set through reflection, checked
    /// here: a version without it (or with another shape) leaves the options as they are, and the process-wide flag
    /// is never touched.
    /// </remarks>
    internal static bool RequestDedicatedThreads(ConfigurationOptions options)
    {
        if (SyncWriteMode is not { } mode) return false;
        try
        {
            var current = mode.Property.GetValue(options);
            if (!Equals(current, mode.Default)) return Equals(current, mode.Sync); // set by someone else: left as it is
            mode.Property.SetValue(options, mode.Sync);
            return true;
        }
        catch (Exception e) when (e is System.Reflection.TargetInvocationException or ArgumentException or MemberAccessException)
        {
            return false;
        }
    }

    private static readonly (System.Reflection.PropertyInfo Property, object Default, object Sync)? SyncWriteMode = FindSyncWriteMode();

    private static (System.Reflection.PropertyInfo, object, object)? FindSyncWriteMode()
    {
        try
        {
            var property = typeof(ConfigurationOptions).GetProperty("WriteMode", System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.NonPublic);
            if (property is null || !property.CanRead || !property.CanWrite || !property.PropertyType.IsEnum) return null;
            var type = property.PropertyType;
            if (!Enum.IsDefined(type, "Default") || !Enum.IsDefined(type, "Sync")) return null;
            return (property, Enum.Parse(type, "Default"), Enum.Parse(type, "Sync"));
        }
        catch (Exception e) when (e is System.Reflection.AmbiguousMatchException or MemberAccessException or ArgumentException)
        {
            return null;
        }
    }

    /// <summary>Checks a queue or lock name: it becomes the hash tag of the keys, so no braces.</summary>
    public static string CheckName(string name, string paramName)
    {
        if (string.IsNullOrWhiteSpace(name))
            throw new ArgumentException("The name must not be empty: every process that shares the object passes the same name.", paramName);
        if (name.Contains('{') || name.Contains('}'))
            throw new ArgumentException($"The name \"{name}\" must not contain '{{' or '}}' (it is used as the Redis hash tag of its keys).", paramName);
        return name;
    }

    /// <summary>This process's identity as seen by others: machine, pid and a random part unique to the object.</summary>
    public static string NewOwnerId() => $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid():N}";
}
