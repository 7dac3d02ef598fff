namespace Multiproc.Redis.Internal;

/// <summary>The Lua scripts behind <see cref="RedisLock"/>; each runs atomically on the server.</summary>
internal static class LockScripts
{
    // KEYS: lock, fence, held marker. ARGV: owner id, lease ms.
    // The lock key expires with the lease; the held marker has no expiry and is deleted only by Release, so a
    // marker found at acquisition means the previous holder never released: it died (or lost its lease).
    // Returns nil when the lock is taken, else { fencing token, previous holder's owner id or '' }.
    public const string Acquire = """
        if not redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return nil end
        local token = redis.call('INCR', KEYS[2])
        local previous = redis.call('GET', KEYS[3])
        redis.call('SET', KEYS[3], ARGV[1])
        return { token, previous or '' }
        """;

    // KEYS: lock. ARGV: owner id, lease ms. 1 when the lease was extended, 0 when it was lost.
    public const string Renew = """
        if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
        redis.call('PEXPIRE', KEYS[1], ARGV[2])
        return 1
        """;

    // KEYS: lock, held marker. ARGV: owner id. 1 when released, 0 when the lease had been lost.
    public const string Release = """
        if redis.call('GET', KEYS[2]) == ARGV[1] then redis.call('DEL', KEYS[2]) end
        if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
        redis.call('DEL', KEYS[1])
        return 1
        """;
}
