namespace Multiproc.Redis.Internal;

/// <summary>
/// The Lua scripts behind the queues. Each runs atomically on the server, so a put and its counter, or an
/// acknowledgement and the delete of its entry, are one step even across a crash (and one entry in the
/// append-only file). StackExchange.Redis sends them by SHA once the server knows them.
/// </summary>
internal static class QueueScripts
{
    // KEYS: stream, unfinished. ARGV: group, maxSize (0: unbounded), joinable (0/1), payload...
    // Returns 1 when the items were added, 0 when the queue had no room for all of them.
    public const string Put = """
        local s, g = KEYS[1], ARGV[1]
        local max, n = tonumber(ARGV[2]), #ARGV - 3
        if redis.call('EXISTS', s) == 0 then redis.call('XGROUP', 'CREATE', s, g, '0', 'MKSTREAM') end
        if max > 0 then
          local taken = redis.call('XPENDING', s, g)[1]
          if redis.call('XLEN', s) - taken + n > max then return 0 end
        end
        for i = 4, #ARGV do redis.call('XADD', s, '*', 'd', ARGV[i]) end
        if ARGV[3] == '1' then redis.call('INCRBY', KEYS[2], n) end
        return 1
        """;

    // KEYS: stream. ARGV: group, consumer, count, claim min-idle ms (-1: no claim), claim cursor.
    // Returns { next claim cursor, entries } where entries are { id, { 'd', payload } }.
    // Items pending longer than the visibility timeout (their consumer died) come first, then new ones.
    public const string Take = """
        local s, g, me, n = KEYS[1], ARGV[1], ARGV[2], ARGV[3]
        if redis.call('EXISTS', s) == 0 then redis.call('XGROUP', 'CREATE', s, g, '0', 'MKSTREAM') end
        local cursor = ARGV[5]
        if tonumber(ARGV[4]) >= 0 then
          local c = redis.call('XAUTOCLAIM', s, g, me, ARGV[4], cursor, 'COUNT', n)
          cursor = c[1]
          if #c[2] > 0 then return { cursor, c[2] } end
        end
        local r = redis.call('XREADGROUP', 'GROUP', g, me, 'COUNT', n, 'STREAMS', s, '>')
        if r then return { cursor, r[1][2] } end
        return { cursor, {} }
        """;

    // KEYS: stream, unfinished. ARGV: group, joinable (0/1), id...
    // Acknowledges and deletes each entry still pending; a joinable queue counts them as done.
    public const string Ack = """
        local s, g, done = KEYS[1], ARGV[1], 0
        for i = 3, #ARGV do
          if redis.call('XACK', s, g, ARGV[i]) == 1 then
            redis.call('XDEL', s, ARGV[i])
            done = done + 1
          end
        end
        if ARGV[2] == '1' and done > 0 then redis.call('DECRBY', KEYS[2], done) end
        return done
        """;

    // KEYS: stream. ARGV: group, then id, payload pairs.
    // Gives back entries read ahead and never handed out: each still pending is acknowledged, deleted and
    // added again at the end of the stream (so other consumers get it now, not after the visibility timeout).
    public const string GiveBack = """
        local s, g = KEYS[1], ARGV[1]
        for i = 2, #ARGV, 2 do
          if redis.call('XACK', s, g, ARGV[i]) == 1 then
            redis.call('XDEL', s, ARGV[i])
            redis.call('XADD', s, '*', 'd', ARGV[i + 1])
          end
        end
        return 0
        """;

    // KEYS: stream. ARGV: group. Items in the queue not yet taken: entries minus those pending.
    public const string Count = """
        if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
        local ok, p = pcall(redis.call, 'XPENDING', KEYS[1], ARGV[1])
        local taken = 0
        if ok then taken = p[1] end
        return redis.call('XLEN', KEYS[1]) - taken
        """;
}
