namespace Multiproc.Tests.Primitives;

/// <summary>Methods the primitive tests run in child processes.</summary>
public static class PrimitiveTargets
{
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(30);

    // ---------------------------------------------------------------- events

    /// <summary>Announces itself in <paramref name="readyPath"/>, waits up to <paramref name="timeoutMs"/> for the event, writes the result.</summary>
    public static void WaitForEvent(ProcessEvent e, int timeoutMs, string readyPath, string resultPath)
    {
        File.WriteAllText(readyPath, "ready");
        var set = e.Wait(TimeSpan.FromMilliseconds(timeoutMs));
        File.WriteAllText(resultPath, set ? "set" : "timeout");
    }

    public static async Task WaitForEventAsync(ProcessEvent e, string readyPath, string resultPath)
    {
        File.WriteAllText(readyPath, "ready");
        var set = await e.WaitAsync(Long);
        File.WriteAllText(resultPath, set ? "set" : "timeout");
    }

    public static void SetEventAfter(ProcessEvent e, int ms)
    {
        Thread.Sleep(ms);
        e.Set();
    }

    /// <summary>Python's <c>_pong</c>: n times wait for ping, clear it, set pong.</summary>
    public static void Pong(ProcessEvent ping, ProcessEvent pong, int n)
    {
        for (var i = 0; i < n; i++)
        {
            if (!ping.Wait(Long)) throw new TimeoutException("no ping");
            ping.Clear();
            pong.Set();
        }
    }

    // ---------------------------------------------------------------- semaphores

    /// <summary>Acquires and releases <paramref name="times"/> times, counting how many are inside at once.</summary>
    public static void SemaphoreWorker(ProcessSemaphore s, SharedValue<int> inside, SharedValue<int> overLimit, int limit, int times)
    {
        for (var i = 0; i < times; i++)
        {
            if (!s.TryAcquire(Long)) throw new TimeoutException("semaphore");
            if (inside.Add(1) > limit) overLimit.Add(1);
            inside.Add(-1);
            s.Release();
        }
    }

    public static void ReleaseSemaphore(ProcessSemaphore s, string resultPath)
    {
        try
        {
            s.Release();
            File.WriteAllText(resultPath, "released");
        }
        catch (SemaphoreFullException e)
        {
            File.WriteAllText(resultPath, "full:" + e.Message);
        }
    }

    public static void HoldSemaphoreFor(ProcessSemaphore s, string readyPath, int ms)
    {
        using (s.Hold())
        {
            File.WriteAllText(readyPath, "held");
            Thread.Sleep(ms);
        }
    }

    // ---------------------------------------------------------------- re-entrant locks

    public static void ReleaseRLock(ProcessRLock r, string resultPath)
    {
        try
        {
            r.Release();
            File.WriteAllText(resultPath, "released");
        }
        catch (InvalidOperationException e)
        {
            File.WriteAllText(resultPath, "refused:" + e.Message);
        }
    }

    public static void TryRLock(ProcessRLock r, int timeoutMs, string resultPath)
    {
        var got = r.TryAcquire(TimeSpan.FromMilliseconds(timeoutMs));
        File.WriteAllText(resultPath, got ? "acquired" : "busy");
        if (got) r.Release();
    }

    public static void HoldRLockForever(ProcessRLock r, string readyPath)
    {
        r.Acquire();
        r.Acquire();
        File.WriteAllText(readyPath, "held");
        Thread.Sleep(Timeout.Infinite);
    }

    // ---------------------------------------------------------------- conditions

    /// <summary>Registers as waiting (under the lock), waits, then counts itself woken and writes how Wait returned.</summary>
    public static void ConditionWaiter(ProcessCondition c, SharedValue<int> waiting, SharedValue<int> woken, string resultPath)
    {
        c.Acquire();
        waiting.Add(1);
        var notified = c.Wait(Long);
        woken.Add(1);
        c.Release();
        File.WriteAllText(resultPath, notified ? "notified" : "timeout");
    }

    /// <summary>Sets the flag and notifies every waiter, under the condition's lock.</summary>
    public static void SetFlagAndNotifyAll(ProcessCondition c, SharedValue<int> flag, int delayMs)
    {
        Thread.Sleep(delayMs);
        using (c.Hold())
        {
            flag.Value = 1;
            c.NotifyAll();
        }
    }

    /// <summary>Takes the condition's lock (waiting for it), notifies, announces itself and keeps the lock until killed.</summary>
    public static void NotifyAndHoldForever(ProcessCondition c, string readyPath)
    {
        c.Acquire();
        c.Notify();
        File.WriteAllText(readyPath, "held");
        Thread.Sleep(Timeout.Infinite);
    }

    // ---------------------------------------------------------------- barriers

    public static void BarrierParty(ProcessBarrier b, string resultPath)
    {
        try
        {
            var index = b.Wait(Long);
            File.WriteAllText(resultPath, "index:" + index);
        }
        catch (BrokenBarrierException)
        {
            File.WriteAllText(resultPath, "broken");
        }
    }

    /// <summary>Waits at the barrier with no timeout (the test kills it there).</summary>
    public static void BarrierPartyForever(ProcessBarrier b) => b.Wait();

    // ---------------------------------------------------------------- shared values and arrays

    public static void AddMany(SharedValue<long> v, int times)
    {
        for (var i = 0; i < times; i++) v.Add(1);
    }

    public static void AddUnderLock(SharedValue<int> v, int times)
    {
        for (var i = 0; i < times; i++)
        {
            using (v.Lock.Hold()) v.Value += 1;
        }
    }

    public static void WriteBig(SharedValue<Big> v, long x) => v.Value = new Big(x, x + 1, x + 2);

    public static void FillSquares(SharedArray<long> a)
    {
        for (var i = 0; i < a.Length; i++) a[i] = (long)i * i;
    }

    public static void AddToEveryElementUnderLock(SharedArray<int> a, int times)
    {
        for (var t = 0; t < times; t++)
        {
            using (a.Lock.Hold())
            {
                for (var i = 0; i < a.Length; i++) a[i] += 1;
            }
        }
    }

    // ---------------------------------------------------------------- in-process synchronizers (refused)

    public static void TakeSemaphoreSlim(SemaphoreSlim s) { }

    public static void TakeResetEvent(ManualResetEventSlim e) { }

    public static void TakeThreadBarrier(Barrier b) { }

    // ---------------------------------------------------------------- grandchildren

    /// <summary>Passes every primitive on to a grandchild, which uses them all; writes the grandchild's exit code.</summary>
    public static void PassAllToGrandchild(ProcessEvent e, ProcessSemaphore s, ProcessRLock r, ProcessCondition c, ProcessBarrier b,
        SharedValue<long> v, SharedArray<int> a, string resultPath)
    {
        var g = new ChildProcess(() => UseAll(e, s, r, c, b, v, a));
        g.Start();
        var ended = g.Join(TimeSpan.FromSeconds(60));
        if (!ended) g.Kill();
        File.WriteAllText(resultPath, ended ? "exit:" + g.ExitCode : "hung");
    }

    public static void UseAll(ProcessEvent e, ProcessSemaphore s, ProcessRLock r, ProcessCondition c, ProcessBarrier b,
        SharedValue<long> v, SharedArray<int> a)
    {
        v.Add(5);
        a[1] = 7;
        r.Acquire();
        r.Acquire();
        r.Release();
        r.Release();
        s.Release();
        using (c.Hold()) c.NotifyAll();
        e.Set();
        if (b.Wait(Long) < 0) throw new InvalidOperationException("bad index");
    }
}

/// <summary>A value larger than 8 bytes (read and written under the value's internal guard).</summary>
public readonly record struct Big(long A, long B, long C);
