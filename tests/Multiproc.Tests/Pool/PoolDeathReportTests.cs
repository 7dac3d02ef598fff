using Multiproc.Internal.Pool;

namespace Multiproc.Tests.Pool;

/// <summary>
/// A result that holds up the pool's reader while it is read in the test process (its setter waits on <see cref="Gate"/>);
/// in a worker, where <see cref="Gate"/> is null, it is a plain value.
/// </summary>
public sealed class HeldResult
{
    public static ManualResetEventSlim? Gate;
    public static ManualResetEventSlim? Entered;
    private int _value;

    public int Value
    {
        get => _value;
        set
        {
            if (Gate is { } gate)
            {
                Entered?.Set();
                gate.Wait(TimeSpan.FromSeconds(90));
            }
            _value = value;
        }
    }

    public static HeldResult Make(int value) => new() { Value = value };
}

/// <summary>
/// A pool whose result ring cannot grow (full means full) and whose reader is held inside the first result it reads
/// (<see cref="HeldResult"/>), with one worker's task sleeping until it is SIGKILLed; disposing it lets the reader go,
/// puts the ring's size back and disposes the pool.
/// </summary>
internal sealed class HeldReaderPool : IDisposable
{
    private readonly TempDir _dir = new();
    private readonly ManualResetEventSlim _gate = new();
    private readonly ManualResetEventSlim _entered = new();
    private readonly long _cap = PoolEngine.ResultRingMaxCapacity;

    public ProcessPool Pool { get; }

    /// <summary>The result the reader is held in.</summary>
    public Task<HeldResult> Held { get; }

    public HeldReaderPool(int workers)
    {
        PoolEngine.ResultRingMaxCapacity = PoolEngine.RingCapacity;
        HeldResult.Gate = _gate;
        HeldResult.Entered = _entered;
        try
        {
            Pool = new ProcessPool(workers);
            Held = Pool.ApplyAsync(() => HeldResult.Make(5));
            Assert.True(_entered.Wait(Wait.Long), "the reader did not start reading the held result");
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>Starts a task that sleeps in a worker; returns it with the worker's pid.</summary>
    public (Task<int> Task, int Pid) StartSleeper()
    {
        var path = _dir.File("pid");
        var task = Pool.ApplyAsync(() => PoolTargets.ReportAndSleep(path, 600_000));
        Assert.True(Wait.Until(() => File.Exists(path), Wait.Long), "the task did not start");
        return (task, int.Parse(File.ReadAllText(path), System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>Lets the held reader go on.</summary>
    public void Release() => _gate.Set();

    public void Dispose()
    {
        _gate.Set();
        HeldResult.Gate = null;
        HeldResult.Entered = null;
        PoolEngine.ResultRingMaxCapacity = _cap;
        if (Pool is not null) Bounded.Dispose(Pool);
        _gate.Dispose();
        _entered.Dispose();
        _dir.Dispose();
    }
}

/// <summary>A worker's death reported while the result ring is full and its reader reads nothing.</summary>
public class PoolDeathReportTests
{
    [Fact]
    public void A_death_on_a_full_ring_with_a_held_reader_is_kept_for_the_reader_and_fails_the_task_behind_the_workers_results()
    {
        using var h = new HeldReaderPool(1);
        var pool = h.Pool;
        var before = pool.ApplyAsync(() => PoolTargets.Square(7)); // a result of the worker's, put before it dies
        var (dying, pid) = h.StartSleeper();

        Assert.True(pool.Engine.FillResultRing() > 0);
        System.Diagnostics.Process.GetProcessById(pid).Kill(); // SIGKILL
        Assert.True(Bounded.ProcessGone(pid) || Wait.Until(() => Bounded.ProcessGone(pid), Wait.Long));
        // The report does not wait for the reader: the death is kept for it (before: its put waited on the full ring).
        Assert.True(Wait.Until(() => pool.Engine.ReportState() == (0, 1), Wait.Long),
            $"the death report is still waiting on the full ring: {pool.Engine.ReportState()}");
        Assert.False(dying.IsCompleted);

        h.Release();
        Assert.Null(Bounded.Outcome(h.Held));
        Assert.Equal(5, h.Held.Result.Value);
        Assert.Null(Bounded.Outcome(before));
        Assert.Equal(49, before.Result);
        var died = Assert.IsType<WorkerDiedException>(Bounded.Outcome(dying));
        Assert.Equal(-9, died.ExitCode);
        Assert.Equal((0, 0), pool.Engine.ReportState());
        // The worker was replaced and the pool goes on.
        Assert.Equal([1, 4, 9], Bounded.Run(() => pool.Map([1, 2, 3], x => PoolTargets.Square(x))));
    }

    [Fact]
    public void A_pool_whose_full_ring_is_read_by_nobody_disposes_after_a_worker_dies()
    {
        using var h = new HeldReaderPool(2);
        var pool = h.Pool;
        var (dying, pid) = h.StartSleeper();
        Assert.True(pool.Engine.FillResultRing() > 0);
        System.Diagnostics.Process.GetProcessById(pid).Kill();
        Assert.True(Wait.Until(() => pool.Engine.ReportState() == (0, 1), Wait.Long),
            $"the death report is still waiting on the full ring: {pool.Engine.ReportState()}");

        // Terminate and join while the reader still reads nothing: the stop record finds the ring full too. Only the
        // reader's own end is awaited (it is in the result's setter), and it ends as soon as the setter returns.
        pool.Terminate();
        var join = Task.Run(pool.Join);
        Assert.False(join.Wait(TimeSpan.FromMilliseconds(300)));
        h.Release();
        Assert.Null(Bounded.Outcome(join));
        Assert.IsType<InvalidOperationException>(Bounded.Outcome(dying));
        Assert.Null(Bounded.Outcome(h.Held)); // its record was taken before the stop: the reader finished it
    }
}
