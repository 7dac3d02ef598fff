using System.Runtime.InteropServices;
using Multiproc.Platform;

namespace Multiproc.Tests;

/// <summary>The kernel waiter behind every async wait: with futex_waitv, and its fallback through the test hook.</summary>
public sealed class FutexWaiterTests : IDisposable
{
    private static readonly TimeSpan W = TimeSpan.FromSeconds(30);
    private readonly nint _words = Alloc();

    private static unsafe nint Alloc() => (nint)NativeMemory.AllocZeroed(4096 * sizeof(int));

    private unsafe int* Word(int i) => (int*)_words + i;

    private unsafe Task<bool> WaitOn(KernelWaiter k, int i, int expected, TimeSpan? timeout, CancellationToken ct) => k.WaitAsync(Word(i), expected, timeout, ct);

    private unsafe void Set(int i, int value) => Volatile.Write(ref *Word(i), value);

    public unsafe void Dispose()
    {
        // Every test ends with no pending wait on these words (asserted), so the waiter no longer reads them.
        NativeMemory.Free((void*)_words);
    }

    public static TheoryData<bool> Modes => new() { false, true };

    private static KernelWaiter Make(bool fallback)
    {
        var k = new KernelWaiter(forceFallback: fallback) { IdleExit = TimeSpan.FromMilliseconds(200) };
        Assert.Equal(!fallback, k.UsesWaitv); // this kernel (6.x) has futex_waitv
        return k;
    }

    private unsafe void Bump(int i)
    {
        Interlocked.Increment(ref *Word(i));
        Futex.Wake(Word(i), int.MaxValue);
    }

    [Fact]
    public void The_process_waiter_uses_futex_waitv_here()
    {
        Assert.True(FutexWaiter.Shared.UsesWaitv);
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public async Task A_wake_completes_the_wait_with_true_off_the_waiter_thread(bool fallback)
    {
        var k = Make(fallback);
        var t = WaitOn(k, 0, 0, null, default);
        Assert.False(t.IsCompleted);
        Bump(0);
        Assert.True(await t.WaitAsync(W));
        string? continuationThread = null;
        var t2 = WaitOn(k, 0, 1, null, default);
        var after = t2.ContinueWith(_ => continuationThread = Thread.CurrentThread.Name, TaskContinuationOptions.ExecuteSynchronously);
        Bump(0);
        await after.WaitAsync(W);
        Assert.NotEqual("Multiproc futex waiter", continuationThread);
        Assert.Equal(0, k.WordCount);
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public async Task A_word_that_no_longer_holds_the_value_completes_at_once(bool fallback)
    {
        var k = Make(fallback);
        Set(1, 5);
        Assert.True(await WaitOn(k, 1, 4, null, default).WaitAsync(W));
        Assert.False(await WaitOn(k, 1, 5, TimeSpan.Zero, default).WaitAsync(W));
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public async Task Timeouts_end_each_wait_at_its_own_deadline(bool fallback)
    {
        var k = Make(fallback);
        var forever = WaitOn(k, 2, 0, null, default);
        var longer = WaitOn(k, 2, 0, TimeSpan.FromMinutes(5), default);
        var shortOnes = Enumerable.Range(0, 20).Select(i => WaitOn(k, 2, 0, TimeSpan.FromMilliseconds(10 + 5 * i), default)).ToArray();
        var results = await Task.WhenAll(shortOnes).WaitAsync(W);
        Assert.All(results, Assert.False);
        Assert.False(forever.IsCompleted);
        Assert.False(longer.IsCompleted);
        Assert.Equal(1, k.WordCount);
        Bump(2);
        Assert.True(await forever.WaitAsync(W));
        Assert.True(await longer.WaitAsync(W));
        Assert.Equal(0, k.WordCount);
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public async Task Cancellation_removes_the_wait_and_cancels_its_task(bool fallback)
    {
        var k = Make(fallback);
        using var cts = new CancellationTokenSource();
        var cancelled = WaitOn(k, 3, 0, null, cts.Token);
        var other = WaitOn(k, 3, 0, null, default);
        Assert.Equal(1, k.WordCount);
        cts.Cancel();
        var e = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled.WaitAsync(W));
        Assert.Equal(cts.Token, e.CancellationToken);
        Assert.False(other.IsCompleted);
        Assert.Equal(1, k.WordCount);
        Bump(3);
        Assert.True(await other.WaitAsync(W));
        Assert.Equal(0, k.WordCount);
        Assert.True(WaitOn(k, 3, 0, null, new CancellationToken(true)).IsCanceled);
    }

    [Fact]
    public async Task Waits_on_one_word_coalesce_and_127_words_share_a_thread()
    {
        var k = Make(fallback: false);
        var same = Enumerable.Range(0, 1000).Select(_ => WaitOn(k, 4, 0, null, default)).ToArray();
        Assert.Equal(1, k.WordCount);
        Assert.Equal(1, k.ThreadCount);
        var distinct = Enumerable.Range(100, 300).Select(i => WaitOn(k, i, 0, null, default)).ToArray();
        Assert.Equal(301, k.WordCount);
        Assert.Equal(3, k.ThreadCount); // ceil(301 / 127)
        Bump(4);
        Assert.All(await Task.WhenAll(same).WaitAsync(W), Assert.True);
        for (var i = 100; i < 400; i++) Bump(i);
        Assert.All(await Task.WhenAll(distinct).WaitAsync(W), Assert.True);
        Assert.Equal(0, k.WordCount);
        Assert.True(Wait.Until(() => k.ThreadCount == 0, W), "idle waiter threads exit");
    }

    [Fact]
    public async Task The_fallback_takes_one_thread_per_distinct_word_not_per_wait()
    {
        var k = Make(fallback: true);
        var tasks = Enumerable.Range(0, 5).SelectMany(i => Enumerable.Range(0, 50).Select(_ => WaitOn(k, 10 + i, 0, null, default))).ToArray();
        Assert.Equal(5, k.WordCount);
        Assert.Equal(5, k.ThreadCount);
        for (var i = 0; i < 5; i++) Bump(10 + i);
        Assert.All(await Task.WhenAll(tasks).WaitAsync(W), Assert.True);
        Assert.True(Wait.Until(() => k.ThreadCount == 0, W), "idle fallback threads exit");
    }

    [Fact]
    public async Task A_wait_expecting_a_newer_value_is_armed_with_it()
    {
        // The entry was armed with 0; the word moved to 1 with no wake reaching the waiter; a new wait expects 1.
        var k = Make(fallback: false);
        var first = WaitOn(k, 20, 0, null, default);
        Set(20, 1);
        var second = WaitOn(k, 20, 1, null, default);
        Assert.True(await first.WaitAsync(W)); // the re-arm sees 1 != 0
        Assert.False(second.IsCompleted);
        Bump(20);
        Assert.True(await second.WaitAsync(W));
    }

    [Fact]
    public unsafe void Bad_arguments_are_refused()
    {
        Assert.Throws<ArgumentNullException>(() => FutexWaiter.WaitAsync(null, 0, null, default).Wait());
        var word = Word(0);
        Assert.Throws<ArgumentOutOfRangeException>(() => FutexWaiter.WaitAsync(word, 0, TimeSpan.FromSeconds(-2), default).Wait());
    }
}
