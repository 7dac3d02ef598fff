using Multiproc.Platform;

namespace Multiproc.Internal.Pool;

/// <summary>One worker place of the pool: the process in it now, its task ring and the chunks sent to it.</summary>
internal sealed class WorkerSlot(int index)
{
    public int Index { get; } = index;
    public ChildProcess? Process;
    public SharedRing? Tasks;
    public int Generation;
    /// <summary>Chunks sent to this worker, oldest first; the worker runs them in this order.</summary>
    public readonly Queue<PoolChunk> Outstanding = new();
    /// <summary>Chunks sent to the worker in this slot since it started (for maxTasksPerChild).</summary>
    public int Assigned;
    /// <summary>The worker's end has been seen and reported through the result ring.</summary>
    public bool DeathReported;
}

/// <summary>
/// The parent side of a <see cref="ProcessPool"/>. Chunks wait in <c>_pending</c> and are sent to the least
/// busy worker with room (at most <see cref="Depth"/> each: a map with Python's default chunk size, four
/// chunks per worker, goes out at once, so a worker never waits for the parent between chunks, and a slow one holds few). Results come back through one shared ring, read without a dedicated thread (its waits go
/// through <see cref="FutexWaiter.WaitAsync"/>). Nor does the pool hold a thread to watch its workers: each worker is
/// awaited through <see cref="ChildProcess.JoinAsync"/> (the process's one exit watcher, which sleeps in <c>poll(2)</c>
/// on the pidfds of every awaited child), and its end is reported through the same ring, after every result the worker
/// managed to put: the oldest chunk still sent to it is the one it died in. So a program with many pools holds no
/// thread per pool.
/// </summary>
internal sealed class PoolEngine
{
    private const int Depth = 4;
    /// <summary>
    /// The rings' first size. Each page of a ring costs a page fault in every process the first time it is touched (about
    /// 15 µs each on the VMs measured, see bench/README.md); a ring this small wraps after a few chunks, so a map of any
    /// length reuses the same few mapped pages. Bigger records grow the ring as usual.
    /// </summary>
    internal const long RingCapacity = 1 << 18;
    /// <summary>The result ring's largest size (tests set a small one to have a full ring without a gigabyte of results).</summary>
    internal static long ResultRingMaxCapacity = SharedRing.MaxCapacity;
    private static readonly TimeSpan ReaderSpin = TimeSpan.FromMilliseconds(0.05);
    private static int _workerCounter;

    private enum State { Running, Closed, Terminated }

    private readonly object _gate = new();
    private readonly int _maxTasks;
    private readonly SharedRing _results;
    private readonly WorkerSlot[] _slots;
    private readonly List<ChildProcess> _gone = new();
    private readonly LinkedList<PoolChunk> _pending = new();
    /// <summary>Where task records written at send time are put together (under the gate).</summary>
    private readonly System.Buffers.ArrayBufferWriter<byte> _scratch = new(4096);
    /// <summary>The reader's copy of the result record it handles (records are handled one at a time).</summary>
    private readonly RecordBuffer _readBuffer = new();
    private State _state;
    private bool _exitSent;
    private bool _joined;
    private bool _joining;
    private bool _stopping;
    private Task? _reader;
    /// <summary>Death reports being put on the result ring now; the join waits for them before it releases the ring.</summary>
    private int _reporting;
    /// <summary>A death report could not be put on the ring: the join ends the workers rather than wait for reports.</summary>
    private bool _reportFailed;
    /// <summary>
    /// Deaths that found the result ring full (its reader far behind or held up): kept here rather than waited for, each
    /// with the ring's put count just after the failed put, which counts every result the dead worker put. The reader
    /// handles one once it has taken that many records, so the death still comes after the worker's results.
    /// </summary>
    private readonly List<(int Slot, int Generation, long Puts)> _lateDeaths = new();
    private volatile int _lateDeathCount;
    /// <summary>The join's stop record found the ring full: the reader stops at its next record instead.</summary>
    private volatile bool _stopReader;
    /// <summary>Completed once the join has stopped the reports and none is being put on the ring.</summary>
    private readonly TaskCompletionSource _reportsEnded = new(TaskCreationOptions.RunContinuationsAsynchronously);
    /// <summary>Completed when a join has finished, for a second joiner that awaits it.</summary>
    private readonly TaskCompletionSource _joinEnded = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Tests: fills the result ring with records the reader skips until a put that must not wait fails; returns how many went in.</summary>
    internal int FillResultRing()
    {
        var filler = PoolRecords.Control(PoolRecords.Nudge, -1, 0);
        var n = 0;
        while (_results.Enqueue(filler, 0, TimeSpan.Zero, default)) n++;
        return n;
    }

    /// <summary>Tests: death reports being put on the ring now, and deaths kept for the reader (<c>_lateDeaths</c>).</summary>
    internal (int Reporting, int Late) ReportState()
    {
        lock (_gate) return (_reporting, _lateDeaths.Count);
    }

    public PoolEngine(int processes, int maxTasks)
    {
        _maxTasks = maxTasks;
        _results = SharedRing.Create(0, joinable: false, RingCapacity, Math.Max(RingCapacity, ResultRingMaxCapacity));
        _slots = new WorkerSlot[processes];
        try
        {
            lock (_gate)
            {
                for (var i = 0; i < processes; i++)
                {
                    _slots[i] = new WorkerSlot(i);
                    StartWorker(_slots[i]);
                }
            }
        }
        catch
        {
            lock (_gate)
            {
                _stopping = true; // no death report for the workers ended here: the ring goes
                if (_reporting == 0) _reportsEnded.TrySetResult();
            }
            foreach (var s in _slots)
            {
                if (s?.Process is not { } p) continue;
                p.Kill();
                p.Join();
                p.Dispose();
            }
            _reportsEnded.Task.Wait(); // a report begun before the stop
            DisposeResources();
            throw;
        }
        _reader = Task.Run(ReadLoop);
    }

    public int Processes => _slots.Length;

    /// <summary>The pids of the workers running now.</summary>
    public int[] WorkerPids()
    {
        lock (_gate) return _slots.Select(s => s.Process?.Pid).OfType<int>().ToArray();
    }

    // ---------------------------------------------------------------- submitting

    /// <summary>Queues the chunks of a call and sends what fits to the workers.</summary>
    /// <exception cref="InvalidOperationException">The pool was closed or terminated.</exception>
    public void Submit(IReadOnlyCollection<PoolChunk> chunks)
    {
        lock (_gate)
        {
            EnsureRunning();
            foreach (var c in chunks) _pending.AddLast(c);
            Pump();
        }
    }

    public void EnsureRunning()
    {
        lock (_gate)
        {
            if (_state == State.Closed)
                throw new InvalidOperationException("The pool is closed: Close() was called, so it takes no more tasks.");
            if (_state == State.Terminated)
                throw new InvalidOperationException("The pool was terminated (Terminate() or Dispose() was called); it takes no more tasks.");
        }
    }

    /// <summary>Sends pending chunks to workers with room; starts workers where slots are empty and work waits. Under the gate.</summary>
    private void Pump()
    {
        if (_state == State.Terminated) return;
        foreach (var s in _slots)
            if (s.Process is null && (_state == State.Running || _pending.Count > 0)) StartWorker(s);
        while (_pending.Count > 0)
        {
            WorkerSlot? best = null;
            foreach (var s in _slots)
            {
                if (s.Process is null || s.DeathReported || s.Outstanding.Count >= Depth) continue;
                if (_maxTasks > 0 && s.Assigned >= _maxTasks) continue;
                if (best is null || s.Outstanding.Count < best.Outstanding.Count) best = s;
            }
            if (best is null) return;
            var chunk = _pending.First!.Value;
            _pending.RemoveFirst();
            if (chunk.Call.Abandoned) continue;
            if (!chunk.TryRecord(_scratch, out var record))
            {
                chunk.Call.OnFailure(chunk, new InvalidOperationException("The items of this Map call were removed from their list while it ran; change the list only once Map has returned."));
                continue;
            }
            best.Tasks!.Enqueue(record, 0, null, default);
            best.Outstanding.Enqueue(chunk);
            best.Assigned++;
        }
    }

    private void StartWorker(WorkerSlot slot)
    {
        slot.Tasks ??= SharedRing.Create(0, joinable: false, RingCapacity);
        var generation = slot.Generation + 1;
        var taskRing = slot.Tasks.Handle;
        var resultRing = _results.Handle;
        var index = slot.Index;
        var maxTasks = _maxTasks;
        var p = new ChildProcess(() => PoolWorker.Run(taskRing, resultRing, index, generation, maxTasks),
            "PoolWorker-" + Interlocked.Increment(ref _workerCounter)) { Daemon = true };
        p.StartPoolWorker();
        slot.Process = p;
        slot.Generation = generation;
        slot.Assigned = 0;
        slot.DeathReported = false;
        WatchWorker(slot, p);
    }

    // ---------------------------------------------------------------- results

    private async Task ReadLoop()
    {
        while (true)
        {
            if (_lateDeathCount != 0) HandleLateDeaths();
            if (_stopReader) return;
            if (_results.Dequeue(_readBuffer.Decoder, ReaderSpin, default, out var length))
            {
                if (!Handle(_readBuffer.Span(length))) return;
                _readBuffer.Trim();
                continue;
            }
            await _results.WaitForItemAsync(default).ConfigureAwait(false);
        }
    }

    /// <summary>Handles one record of the result ring; false for the stop record.</summary>
    private bool Handle(ReadOnlySpan<byte> record)
    {
        var at = 0;
        var kind = PoolRecords.ReadInt(record, ref at);
        var slotIndex = PoolRecords.ReadInt(record, ref at);
        var generation = PoolRecords.ReadInt(record, ref at);
        var chunkId = PoolRecords.ReadLong(record, ref at);
        switch (kind)
        {
            case PoolRecords.Stop:
                return false;
            case PoolRecords.Died:
                OnDeath(slotIndex, generation);
                return true;
            case PoolRecords.Ok or PoolRecords.Error:
                break;
            default:
                return true;
        }

        PoolChunk? chunk = null;
        lock (_gate)
        {
            if ((uint)slotIndex < (uint)_slots.Length)
            {
                var s = _slots[slotIndex];
                if (s.Generation == generation && s.Process is not null && s.Outstanding.TryPeek(out var first) && first.Id == chunkId)
                {
                    chunk = s.Outstanding.Dequeue();
                    if (_maxTasks > 0 && s.Assigned >= _maxTasks && s.Outstanding.Count == 0)
                    {
                        // The worker exits by itself after this task: a fresh process takes its place.
                        _gone.Add(s.Process);
                        s.Process = null;
                        ReapGone();
                        Monitor.PulseAll(_gate);
                    }
                }
            }
            Pump();
            SendExitIfDone();
        }
        if (chunk is null || chunk.Call.Abandoned) return true;
        try
        {
            if (kind == PoolRecords.Ok)
            {
                var count = PoolRecords.ReadInt(record, ref at);
                chunk.Call.OnResult(chunk, record[at..], count);
            }
            else
            {
                var type = PoolRecords.ReadString(record, ref at);
                var message = PoolRecords.ReadString(record, ref at);
                var stack = PoolRecords.ReadString(record, ref at);
                chunk.Call.OnFailure(chunk, new RemoteTaskException(type, message, stack));
            }
        }
        catch (Exception e) when (e is InvalidDataException or System.Text.Json.JsonException or NotSupportedException or ArgumentException)
        {
            chunk.Call.OnFailure(chunk, new InvalidDataException($"The results of a pool task could not be read: {e.Message}", e));
        }
        return true;
    }

    /// <summary>Handles the deaths kept in <c>_lateDeaths</c> whose worker's results have all been taken (on the reader).</summary>
    private void HandleLateDeaths()
    {
        var taken = _results.GetsCount;
        List<(int Slot, int Generation)>? ready = null;
        lock (_gate)
        {
            for (var i = 0; i < _lateDeaths.Count; i++)
            {
                var (slot, generation, puts) = _lateDeaths[i];
                if (puts > taken) continue;
                (ready ??= new()).Add((slot, generation));
                _lateDeaths.RemoveAt(i--);
            }
            _lateDeathCount = _lateDeaths.Count;
        }
        if (ready is null) return;
        foreach (var (slot, generation) in ready) OnDeath(slot, generation);
    }

    private void OnDeath(int slotIndex, int generation)
    {
        PoolChunk? died = null;
        WorkerDiedException? error = null;
        lock (_gate)
        {
            if ((uint)slotIndex >= (uint)_slots.Length) return;
            var s = _slots[slotIndex];
            if (s.Generation != generation || s.Process is not { } p) return;
            if (s.Outstanding.Count > 0)
            {
                died = s.Outstanding.Dequeue();
                error = new WorkerDiedException(p.ExitCode, p.Pid);
                // The rest were never started: they go first to the other workers (or the replacement).
                var node = _pending.First;
                while (s.Outstanding.TryDequeue(out var c))
                {
                    if (node is null) _pending.AddLast(c);
                    else _pending.AddBefore(node, c);
                }
            }
            _gone.Add(p);
            s.Process = null;
            DrainTasks(s);
            ReapGone();
            Monitor.PulseAll(_gate);
            Pump();
            SendExitIfDone();
        }
        if (died is not null && !died.Call.Abandoned) died.Call.OnFailure(died, error!);
    }

    /// <summary>Empties a dead worker's task ring, so that its replacement starts clean.</summary>
    private static void DrainTasks(WorkerSlot s)
    {
        try
        {
            while (s.Tasks!.Dequeue(PoolRecords.CopyDecoder, TimeSpan.Zero, default, out _)) { }
        }
        catch (Exception e) when (e is InvalidDataException or InvalidOperationException or IOException)
        {
            s.Tasks!.Dispose();
            s.Tasks = null;
        }
    }

    /// <summary>Releases the handles of replaced workers that have ended. Under the gate.</summary>
    private void ReapGone()
    {
        for (var i = _gone.Count - 1; i >= 0; i--)
        {
            if (_gone[i].IsAlive) continue;
            _gone[i].Dispose();
            _gone.RemoveAt(i);
        }
    }

    /// <summary>After Close(): once every task is done, tells each worker to exit. Under the gate.</summary>
    private void SendExitIfDone()
    {
        if (_state != State.Closed || _exitSent || _pending.Count > 0) return;
        foreach (var s in _slots)
            if (s.Outstanding.Count > 0) return;
        _exitSent = true;
        var exit = BitConverter.GetBytes(PoolRecords.Exit);
        foreach (var s in _slots)
            if (s.Process is not null) s.Tasks!.Enqueue(exit, 0, null, default);
    }

    // ---------------------------------------------------------------- worker deaths

    /// <summary>
    /// Has the worker now in <paramref name="slot"/> reported once it ends. Its exit is awaited through
    /// <see cref="ChildProcess.JoinAsync"/>: the process's one exit watcher sleeps on its pidfd with every other awaited
    /// child's, and the report runs on the thread pool. Under the gate.
    /// </summary>
    private void WatchWorker(WorkerSlot slot, ChildProcess worker)
    {
        worker.JoinAsync().ContinueWith(
            static (_, state) =>
            {
                var (engine, slot, worker) = ((PoolEngine, WorkerSlot, ChildProcess))state!;
                engine.ReportDeath(slot, worker);
            },
            (this, slot, worker), CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
    }

    /// <summary>
    /// A worker has ended: puts its death on the result ring, behind every result it managed to put, unless it was
    /// replaced meanwhile (it exited after its last task) or the join has stopped the reports. The put never waits: a
    /// ring that is full (at its largest size, its reader held up or gone) gets the death through <c>_lateDeaths</c>
    /// instead, so no report holds a thread, or a join that waits for the reports, on a reader.
    /// </summary>
    private void ReportDeath(WorkerSlot slot, ChildProcess worker)
    {
        int generation;
        lock (_gate)
        {
            if (_stopping || !ReferenceEquals(slot.Process, worker) || slot.DeathReported) return;
            slot.DeathReported = true;
            generation = slot.Generation;
            _reporting++;
        }
        try
        {
            if (!_results.Enqueue(PoolRecords.Control(PoolRecords.Died, slot.Index, generation), 0, TimeSpan.Zero, default))
            {
                // The failed put took the put lock, which completes a put the worker journaled before it died: the count
                // read now covers every result it put.
                lock (_gate)
                {
                    _lateDeaths.Add((slot.Index, generation, _results.PutsCount));
                    _lateDeathCount = _lateDeaths.Count;
                }
                Nudge();
            }
        }
        catch (Exception e) when (e is InvalidDataException or InvalidOperationException or IOException or ObjectDisposedException)
        {
            lock (_gate) _reportFailed = true;
        }
        finally
        {
            lock (_gate)
            {
                if (--_reporting == 0 && _stopping) _reportsEnded.TrySetResult();
            }
        }
    }

    // ---------------------------------------------------------------- close, terminate, join

    public void Close()
    {
        lock (_gate)
        {
            if (_state != State.Running) return;
            _state = State.Closed;
            SendExitIfDone();
        }
    }

    /// <summary>Stops the workers; unfinished tasks fail with <see cref="InvalidOperationException"/>, or with <see cref="ObjectDisposedException"/> when <paramref name="disposing"/>.</summary>
    public void Terminate(bool disposing = false)
    {
        var failed = new List<PoolChunk>();
        lock (_gate)
        {
            if (_state == State.Terminated) return;
            _state = State.Terminated;
            failed.AddRange(_pending);
            _pending.Clear();
            foreach (var s in _slots)
            {
                while (s.Outstanding.TryDequeue(out var c)) failed.Add(c);
                if (s.Process is { IsAlive: true } p) p.Terminate();
            }
            Monitor.PulseAll(_gate);
        }
        foreach (var c in failed)
            if (!c.Call.Abandoned)
                c.Call.OnFailure(c, disposing
                    ? new ObjectDisposedException("ProcessPool", "The ProcessPool was disposed before this task finished.")
                    : new InvalidOperationException("The pool was terminated before this task finished."));
    }

    /// <summary>Waits until every worker has exited, then stops the reader and the death reports and releases the rings.</summary>
    /// <exception cref="InvalidOperationException">Neither Close() nor Terminate() was called.</exception>
    public void Join()
    {
        lock (_gate)
        {
            if (_state == State.Running)
                throw new InvalidOperationException("Join() was called on a running pool; call Close() (or Terminate()) first, as in Python.");
            while (_joining && !_joined) Monitor.Wait(_gate, 200);
            if (_joined) return;
            _joining = true;
        }
        // The workers are joined directly (their pidfds), not through the death reports: after Terminate()
        // that saves the round trip through the exit watcher and the reader.
        while (true)
        {
            var step = NextJoinStep(out var running);
            if (step == JoinStep.Done) break;
            if (step == JoinStep.AwaitReader)
            {
                lock (_gate) Monitor.Wait(_gate, 50); // work is left and the reader is placing it
                continue;
            }
            foreach (var p in running) p.Join(TimeSpan.FromMilliseconds(200));
        }
        foreach (var p in StopAndTakeGone())
        {
            p.Join();
            p.Dispose();
        }
        StopReader();
        _reportsEnded.Task.Wait();
        try { _reader!.Wait(); }
        catch (AggregateException) { }
        FinishJoin();
    }

    /// <summary>
    /// <see cref="Join"/> without a thread: the workers' exits are awaited through <see cref="ChildProcess.JoinAsync"/>
    /// (the process's one exit watcher), the last death reports' and the reader's ends through tasks, the pauses through timers.
    /// </summary>
    /// <exception cref="InvalidOperationException">Neither Close() nor Terminate() was called.</exception>
    public async Task JoinAsync()
    {
        Task? other = null;
        lock (_gate)
        {
            if (_state == State.Running)
                throw new InvalidOperationException("Join() was called on a running pool; call Close() (or Terminate()) first, as in Python.");
            if (_joined) return;
            if (_joining) other = _joinEnded.Task;
            else _joining = true;
        }
        if (other is not null)
        {
            await other.ConfigureAwait(false);
            return;
        }
        while (true)
        {
            var step = NextJoinStep(out var running);
            if (step == JoinStep.Done) break;
            if (step == JoinStep.AwaitReader)
            {
                await Task.Delay(50).ConfigureAwait(false); // work is left and the reader is placing it
                continue;
            }
            // As Join: look again after a while, as a worker may have been replaced meanwhile (after Close()).
            var exits = Task.WhenAll(running.Select(p => p.JoinAsync()));
            if (!exits.IsCompleted) await Task.WhenAny(exits, Task.Delay(200)).ConfigureAwait(false);
        }
        foreach (var p in StopAndTakeGone())
        {
            await p.JoinAsync().ConfigureAwait(false);
            p.Dispose();
        }
        StopReader();
        await _reportsEnded.Task.ConfigureAwait(false);
        try { await _reader!.ConfigureAwait(false); }
        catch (Exception) { } // as Join: a failed reader has already had the workers killed
        FinishJoin();
    }

    private enum JoinStep { Done, AwaitReader, AwaitWorkers }

    /// <summary>What a join waits for next: the workers in <paramref name="running"/>, the reader placing work, or nothing more.</summary>
    private JoinStep NextJoinStep(out List<ChildProcess> running)
    {
        lock (_gate)
        {
            running = _slots.Select(s => s.Process).OfType<ChildProcess>().ToList();
            var workLeft = _state != State.Terminated && (!_exitSent || _pending.Count > 0 || _slots.Any(s => s.Outstanding.Count > 0));
            if (!workLeft && running.All(p => p.ExitCode is not null))
                return JoinStep.Done;
            if (_reader!.IsCompleted || _reportFailed)
            {
                // The reader failed, or a death could not be reported: end the workers rather than wait for their reports.
                foreach (var p in running) p.Kill();
                return JoinStep.Done;
            }
            return running.Count == 0 || running.All(p => p.ExitCode is not null) ? JoinStep.AwaitReader : JoinStep.AwaitWorkers;
        }
    }

    /// <summary>Every worker has exited: stops the death reports and hands over every worker process to release.</summary>
    private List<ChildProcess> StopAndTakeGone()
    {
        lock (_gate)
        {
            foreach (var s in _slots)
            {
                if (s.Process is not { } p) continue;
                _gone.Add(p);
                s.Process = null;
            }
            var gone = _gone.ToList();
            _gone.Clear();
            _stopping = true;
            if (_reporting == 0) _reportsEnded.TrySetResult();
            return gone;
        }
    }

    /// <summary>
    /// Wakes a reader that may sleep on an empty ring, without waiting: when the ring is full the put fails, and the reader,
    /// which has records to take, comes round to what it is to look at anyway.
    /// </summary>
    private void Nudge()
    {
        try
        {
            _results.Enqueue(PoolRecords.Control(PoolRecords.Nudge, -1, 0), 0, TimeSpan.Zero, default);
        }
        catch (Exception e) when (e is InvalidDataException or InvalidOperationException or IOException or ObjectDisposedException)
        {
        }
    }

    /// <summary>Ends the reader: a stop record behind the results, or, when the ring is full, a flag it sees at its next record (never a wait).</summary>
    private void StopReader()
    {
        if (_results.Enqueue(PoolRecords.Control(PoolRecords.Stop, -1, 0), 0, TimeSpan.Zero, default)) return;
        _stopReader = true;
        Nudge();
    }

    private void FinishJoin()
    {
        DisposeResources();
        lock (_gate)
        {
            _joined = true;
            Monitor.PulseAll(_gate);
        }
        _joinEnded.TrySetResult();
        SparePool.AfterPoolEnded(); // pre-started children for what comes next, a moment later
    }

    private void DisposeResources()
    {
        foreach (var s in _slots)
        {
            s?.Tasks?.Dispose();
            if (s is not null) s.Tasks = null;
        }
        _results.Dispose();
    }
}
