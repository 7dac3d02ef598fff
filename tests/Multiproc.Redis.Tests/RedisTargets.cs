namespace Multiproc.Redis.Tests;

/// <summary>Methods the tests run in child processes. Arguments are plain values: each child connects on its own.</summary>
public static class RedisTargets
{
    /// <summary>Puts <paramref name="count"/> items: the first ten one by one, the rest in batches of 100 (one round trip each).</summary>
    public static void Produce(string connection, string name, int producer, int count)
    {
        using var q = new RedisQueue<int>(connection, name);
        for (var i = 0; i < 10; i++) q.Put(producer * 100_000 + i);
        for (var i = 10; i < count; i += 100) q.PutMany(Enumerable.Range(i, Math.Min(100, count - i)).Select(k => producer * 100_000 + k));
    }

    /// <summary>Gets items until a negative one (the sentinel) and writes what it got, one per line.</summary>
    public static void Consume(string connection, string name, int readBatchSize, string outPath)
    {
        var got = new List<int>();
        using (var q = new RedisQueue<int>(connection, name, options: new RedisQueueOptions { ReadBatchSize = readBatchSize }))
        {
            while (true)
            {
                var item = q.Get(TimeSpan.FromSeconds(60));
                if (item < 0) break;
                got.Add(item);
            }
        }
        File.WriteAllLines(outPath, got.Select(i => i.ToString()));
    }

    /// <summary>Takes one item, says which in <paramref name="readyPath"/>, and hangs without TaskDone (to be killed).</summary>
    public static void TakeAndHang(string connection, string name, bool joinable, int readBatchSize, int visibilityMs, string readyPath)
    {
        var options = new RedisQueueOptions { ReadBatchSize = readBatchSize, VisibilityTimeout = TimeSpan.FromMilliseconds(visibilityMs) };
        var q = joinable ? new RedisJoinableQueue<int>(connection, name, options: options) : new RedisQueue<int>(connection, name, options: options);
        var item = q.Get(TimeSpan.FromSeconds(30));
        // The plain queue's acknowledgement of the item has reached the server.
        if (!q.FlushAcknowledgements(TimeSpan.FromSeconds(30))) throw new TimeoutException("acknowledgement not sent");
        File.WriteAllText(readyPath, item.ToString());
        Thread.Sleep(TimeSpan.FromMinutes(5));
        GC.KeepAlive(q);
    }

    /// <summary>Takes <paramref name="count"/> items and marks each done late, recording each before its TaskDone.</summary>
    public static void SlowTaskDone(string connection, string name, int count, int delayMs, string logPath)
    {
        using var q = new RedisJoinableQueue<int>(connection, name);
        for (var i = 0; i < count; i++)
        {
            var item = q.Get(TimeSpan.FromSeconds(30));
            Thread.Sleep(delayMs);
            File.AppendAllText(logPath, item + Environment.NewLine);
            q.TaskDone();
        }
    }

    /// <summary>Takes the lock, writes its fencing token to <paramref name="readyPath"/>, and hangs holding it (to be killed).</summary>
    public static void HoldLockAndHang(string connection, string name, int leaseMs, string readyPath)
    {
        var lk = new RedisLock(connection, name, new RedisLockOptions { LeaseTime = TimeSpan.FromMilliseconds(leaseMs) });
        lk.Acquire();
        File.WriteAllText(readyPath, lk.FencingToken.ToString());
        Thread.Sleep(TimeSpan.FromMinutes(5));
        GC.KeepAlive(lk);
    }
}
