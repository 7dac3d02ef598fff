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

    private const string DedicatedThreads = "DedicatedThreads";
    private static readonly object FlagLock = new();

    /// <summary>
    /// Connects with StackExchange.Redis's <c>DedicatedThreads</c> feature flag on: the connection is read and
    /// written by two threads of its own, which wait without spinning, instead of by .NET thread-pool workers,
    /// which spin after every wake-up (on a busy 2-core machine that spinning was most of a client's CPU per
    /// item). The flag is process-wide and read when a connection is made, so it is set for this connect only and
    /// then put back as it was: connections the application makes itself are left alone, and a reconnection of
    /// this one (made later, by the multiplexer) uses the thread pool again, which only costs speed.
    /// </summary>
    private static ConnectionMultiplexer ConnectWithDedicatedThreads(ConfigurationOptions options)
    {
        lock (FlagLock)
        {
            var before = ConnectionMultiplexer.GetFeatureFlag(DedicatedThreads);
            ConnectionMultiplexer.SetFeatureFlag(DedicatedThreads, true);
            try
            {
                return ConnectionMultiplexer.Connect(options);
            }
            finally
            {
                ConnectionMultiplexer.SetFeatureFlag(DedicatedThreads, before);
            }
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
