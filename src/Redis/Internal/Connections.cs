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
        return ConnectionMultiplexer.Connect(options);
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
