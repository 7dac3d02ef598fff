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

    // KEYS: stream, unfinished. ARGV: group, joinable (0/1), id...
    // Acknowledges the entries in one XACK (a joinable queue counts those it acknowledged first as done), then
    // deletes every acknowledged entry, keeping the stream to the entries not yet taken plus those pending:
    // everything before the oldest pending entry (with none pending: up to the newest id here) has been
    // acknowledged, and goes in one XTRIM MINID (whole stream nodes at a time); an entry acknowledged out of
    // order, after an older one still pending, is deleted on its own (XDEL). Per item this costs the server
    // a fraction of an XDEL, which has to find the entry inside its node.
    public const string Ack = """
        local s, g = KEYS[1], ARGV[1]
        local done = redis.call('XACK', s, g, unpack(ARGV, 3))
        if ARGV[2] == '1' and done > 0 then redis.call('DECRBY', KEYS[2], done) end
        local function parse(id)
          local ms, seq = string.match(id, '^(%d+)-(%d+)$')
          return tonumber(ms), tonumber(seq)
        end
        local fms, fseq
        local oldest = redis.call('XPENDING', s, g, '-', '+', 1)
        if #oldest > 0 then
          fms, fseq = parse(oldest[1][1])
        else
          fms, fseq = 0, -1
          for i = 3, #ARGV do
            local ms, seq = parse(ARGV[i])
            if ms and (ms > fms or (ms == fms and seq > fseq)) then fms, fseq = ms, seq end
          end
          fseq = fseq + 1
        end
        if fms > 0 or fseq > 0 then
          redis.call('XTRIM', s, 'MINID', string.format('%d-%d', fms, fseq))
        end
        for i = 3, #ARGV do
          local ms, seq = parse(ARGV[i])
          if ms and (ms > fms or (ms == fms and seq > fseq)) then redis.call('XDEL', s, ARGV[i]) end
        end
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
