using System.Linq.Expressions;
using System.Runtime.CompilerServices;
using Multiproc.Internal;
using Multiproc.Internal.Pool;

namespace Multiproc;

/// <summary>
/// A pool of worker processes, like Python's <c>multiprocessing.Pool</c> (and <c>concurrent.futures.ProcessPoolExecutor</c>):
/// the workers are started once and reused, so a task costs a message, not a process start.
/// </summary>
/// <remarks>
/// <para>A function is <c>x =&gt; Worker.Compute(x, other)</c>: one call to a static method (or an instance method of
/// an object that can be sent) whose arguments are the item and values that can be sent. It follows the rules of
/// <see cref="ChildProcess"/> targets and is checked once per call: the method must be named and non-generic, no
/// parameter passed by reference, the other arguments are evaluated once, in the caller, and serialized with
/// System.Text.Json against their declared types. Items and results travel through shared memory in chunks
/// (raw bytes for types without references, JSON otherwise); the parameter that takes the item must be of the
/// item type and the method must return the result type.</para>
/// <para>A task that throws fails with <see cref="RemoteTaskException"/> (the worker's exception type name, message
/// and stack trace, as text). A worker that dies in a task (killed, <c>Environment.Exit</c>, a crash) fails that task
/// with <see cref="WorkerDiedException"/>; the pool replaces the worker and goes on, where CPython's pool hangs.
/// Workers are daemon processes: they end with the pool, or when the process that owns it ends or dies.</para>
/// <para>Any number of threads may use one pool at once. <see cref="Dispose"/> terminates the workers, like leaving
/// Python's <c>with Pool() as p:</c>; <see cref="Close"/> then <see cref="Join"/> lets the queued tasks finish first.
/// After <see cref="Dispose"/>, every member throws <see cref="ObjectDisposedException"/>, and the tasks it did not let
/// finish fail with it.</para>
/// </remarks>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class ProcessPool : IDisposable, IAsyncDisposable
{
    private readonly PoolEngine _engine;

    /// <summary>The engine behind the pool (tests).</summary>
    internal PoolEngine Engine => _engine;
    private int _disposed;

    /// <summary>Starts the worker processes.</summary>
    /// <param name="processes">How many workers; 0 for <see cref="Environment.ProcessorCount"/>.</param>
    /// <param name="maxTasksPerChild">After this many tasks (chunks) a worker exits and a fresh process takes its place (Python's leak guard); 0 for never.</param>
    /// <exception cref="ArgumentOutOfRangeException">A count is negative.</exception>
    /// <exception cref="InvalidOperationException">This process is a daemon child, which cannot start processes.</exception>
    public ProcessPool(int processes = 0, int maxTasksPerChild = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(processes);
        ArgumentOutOfRangeException.ThrowIfNegative(maxTasksPerChild);
        _engine = new PoolEngine(processes == 0 ? Environment.ProcessorCount : processes, maxTasksPerChild);
    }

    /// <summary>The number of workers.</summary>
    /// <exception cref="ObjectDisposedException">The pool was disposed.</exception>
    public int Processes
    {
        get
        {
            ThrowIfDisposed();
            return _engine.Processes;
        }
    }

    /// <summary>The process ids of the workers running now (they change as workers are replaced).</summary>
    /// <exception cref="ObjectDisposedException">The pool was disposed.</exception>
    public IReadOnlyList<int> WorkerPids
    {
        get
        {
            ThrowIfDisposed();
            return _engine.WorkerPids();
        }
    }

    /// <summary>Runs one call in a worker and returns its result (Python's <c>apply</c>).</summary>
    /// <param name="call">One method call, like <c>() =&gt; Worker.Compute(a, b)</c>.</param>
    /// <returns>The method's result.</returns>
    /// <exception cref="ArgumentException">The call is not one that can run in a worker (the message says why); nothing ran.</exception>
    /// <exception cref="RemoteTaskException">The call threw in the worker.</exception>
    /// <exception cref="WorkerDiedException">The worker died while running it.</exception>
    /// <exception cref="InvalidOperationException">The pool is closed or terminated.</exception>
    /// <exception cref="ObjectDisposedException">The pool was disposed (a task fails so when the pool is disposed before it finished).</exception>
    public TResult Apply<TResult>(Expression<Func<TResult>> call) => ApplyAsync(call).GetAwaiter().GetResult();

    /// <summary>Runs one call in a worker; the task completes with its result (Python's <c>apply_async</c>).</summary>
    /// <param name="call">One method call, like <c>() =&gt; Worker.Compute(a, b)</c>.</param>
    /// <returns>A task that completes with the result, or fails with <see cref="RemoteTaskException"/> or <see cref="WorkerDiedException"/>.</returns>
    /// <exception cref="ArgumentException">The call is not one that can run in a worker; nothing ran.</exception>
    /// <exception cref="InvalidOperationException">The pool is closed or terminated.</exception>
    /// <exception cref="ObjectDisposedException">The pool was disposed (a task fails so when the pool is disposed before it finished).</exception>
    public Task<TResult> ApplyAsync<TResult>(Expression<Func<TResult>> call) => First(ApplyCore<TResult>(call, typeof(TResult), nameof(call)));

    private static async Task<TResult> First<TResult>(Task<List<TResult>> results) => (await results.ConfigureAwait(false))[0];

    /// <summary>Runs one call to a method that returns nothing in a worker.</summary>
    /// <param name="call">One method call, like <c>() =&gt; Worker.Save(a)</c>. A method returning a <see cref="Task"/> is awaited in the worker.</param>
    /// <returns>A task that completes when the call has returned in the worker.</returns>
    /// <exception cref="ArgumentException">The call is not one that can run in a worker; nothing ran.</exception>
    /// <exception cref="InvalidOperationException">The pool is closed or terminated.</exception>
    /// <exception cref="ObjectDisposedException">The pool was disposed (a task fails so when the pool is disposed before it finished).</exception>
    public Task ApplyAsync(Expression<Action> call) => ApplyCore<byte>(call, typeof(void), nameof(call));

    private Task<List<TResult>> ApplyCore<TResult>(LambdaExpression call, Type resultType, string paramName)
    {
        ThrowIfDisposed();
        _engine.EnsureRunning();
        var spec = PoolFunction.Build(call, null, resultType, paramName);
        var c = new CollectCall<TResult>(resultType == typeof(void) ? 0 : 1, 1);
        _engine.Submit([c.BuildSingle(spec)]);
        return c.Task;
    }

    /// <summary>Applies <paramref name="function"/> to every item in worker processes and returns the results in item order (Python's <c>map</c>).</summary>
    /// <param name="items">The items; enumerated at once.</param>
    /// <param name="function">One call whose arguments are the item and values that can be sent, like <c>x =&gt; Worker.Square(x)</c>.</param>
    /// <param name="chunkSize">Items per task; 0 picks one as Python does (the items divided by four times the workers, rounded up), at most 16 KiB of items for types without references.</param>
    /// <returns>The results, in the order of the items.</returns>
    /// <exception cref="ArgumentException">The function cannot run in a worker, or an item cannot be sent; nothing ran.</exception>
    /// <exception cref="RemoteTaskException">A task threw; thrown once every other task is done (the first failed task, in item order).</exception>
    /// <exception cref="WorkerDiedException">A worker died in a task; likewise after the others.</exception>
    /// <exception cref="InvalidOperationException">The pool is closed or terminated.</exception>
    /// <exception cref="ObjectDisposedException">The pool was disposed (a task fails so when the pool is disposed before it finished).</exception>
    /// <remarks>
    /// Items without references (int, double, unmanaged structs) given as an array or a <see cref="List{T}"/> are read
    /// from it while the call runs, with no copy: do not change the collection from another thread meanwhile (a
    /// chunk whose items are gone fails with <see cref="InvalidOperationException"/>). <see cref="MapAsync{T, TResult}"/>
    /// takes a copy, as it returns at once.
    /// </remarks>
    public List<TResult> Map<T, TResult>(IEnumerable<T> items, Expression<Func<T, TResult>> function, int chunkSize = 0) =>
        MapCore(items, function, chunkSize, default, borrow: true).GetAwaiter().GetResult();

    /// <summary>Like <see cref="Map{T, TResult}"/>, without blocking the calling thread (Python's <c>map_async</c>).</summary>
    /// <param name="items">The items; enumerated at once.</param>
    /// <param name="function">One call whose arguments are the item and values that can be sent.</param>
    /// <param name="chunkSize">Items per task; 0 picks one as Python does (at most 16 KiB of items for types without references).</param>
    /// <param name="cancellationToken">Cancels the call: the task completes as cancelled at once, tasks not yet sent to a worker are dropped, the results of the others are ignored.</param>
    /// <returns>A task with the results in item order, or the first failure once every task is done.</returns>
    /// <exception cref="ArgumentException">The function cannot run in a worker, or an item cannot be sent; nothing ran.</exception>
    /// <exception cref="InvalidOperationException">The pool is closed or terminated.</exception>
    /// <exception cref="ObjectDisposedException">The pool was disposed (a task fails so when the pool is disposed before it finished).</exception>
    public Task<List<TResult>> MapAsync<T, TResult>(IEnumerable<T> items, Expression<Func<T, TResult>> function, int chunkSize = 0, CancellationToken cancellationToken = default) =>
        MapCore(items, function, chunkSize, cancellationToken, borrow: false);

    // borrow: the caller waits for the results (Map), so raw items in an array or a list are read from it, not copied.
    private Task<List<TResult>> MapCore<T, TResult>(IEnumerable<T> items, Expression<Func<T, TResult>> function, int chunkSize, CancellationToken cancellationToken, bool borrow)
    {
        ThrowIfDisposed();
        ArgumentNullException.ThrowIfNull(items);
        ArgumentOutOfRangeException.ThrowIfNegative(chunkSize);
        _engine.EnsureRunning();
        var spec = PoolFunction.Build(function, typeof(T), typeof(TResult), nameof(function));
        var source = PoolItems<T>.Of(items, borrow);
        if (cancellationToken.IsCancellationRequested) return Task.FromCanceled<List<TResult>>(cancellationToken);
        if (source.Count == 0) return Task.FromResult(new List<TResult>());
        if (chunkSize == 0) chunkSize = DefaultChunkSize(source.Count, ItemCodec<T>.IsRaw ? Unsafe.SizeOf<T>() : 0);
        var call = new CollectCall<TResult>(source.Count, (source.Count + chunkSize - 1) / chunkSize);
        var chunks = call.BuildChunks(spec, source, chunkSize);
        call.CancelWith(cancellationToken);
        _engine.Submit(chunks);
        call.PrepareResults(); // while the workers run the first chunks
        return call.Task;
    }

    /// <summary>
    /// Applies <paramref name="function"/> to every item in worker processes; the results are enumerated in item order,
    /// each as soon as it and those before it are done (Python's <c>imap</c>).
    /// </summary>
    /// <param name="items">The items; enumerated and sent at once, as Python's pool does.</param>
    /// <param name="function">One call whose arguments are the item and values that can be sent.</param>
    /// <param name="chunkSize">Items per task (at least 1).</param>
    /// <returns>The results, to enumerate once. A failed task throws its <see cref="RemoteTaskException"/> or <see cref="WorkerDiedException"/> when its results are reached.</returns>
    /// <exception cref="ArgumentException">The function cannot run in a worker, or an item cannot be sent; nothing ran.</exception>
    /// <exception cref="InvalidOperationException">The pool is closed or terminated.</exception>
    /// <exception cref="ObjectDisposedException">The pool was disposed (a task fails so when the pool is disposed before it finished).</exception>
    public IEnumerable<TResult> Imap<T, TResult>(IEnumerable<T> items, Expression<Func<T, TResult>> function, int chunkSize = 1) =>
        Stream(items, function, chunkSize, ordered: true);

    /// <summary>
    /// Like <see cref="Imap{T, TResult}"/>, but the results come in the order their tasks finish (Python's <c>imap_unordered</c>).
    /// </summary>
    /// <param name="items">The items; enumerated and sent at once.</param>
    /// <param name="function">One call whose arguments are the item and values that can be sent.</param>
    /// <param name="chunkSize">Items per task (at least 1); the results of one task stay together, in item order.</param>
    /// <returns>The results, to enumerate once.</returns>
    /// <exception cref="ArgumentException">The function cannot run in a worker, or an item cannot be sent; nothing ran.</exception>
    /// <exception cref="InvalidOperationException">The pool is closed or terminated.</exception>
    /// <exception cref="ObjectDisposedException">The pool was disposed (a task fails so when the pool is disposed before it finished).</exception>
    public IEnumerable<TResult> ImapUnordered<T, TResult>(IEnumerable<T> items, Expression<Func<T, TResult>> function, int chunkSize = 1) =>
        Stream(items, function, chunkSize, ordered: false);

    private IEnumerable<TResult> Stream<T, TResult>(IEnumerable<T> items, Expression<Func<T, TResult>> function, int chunkSize, bool ordered)
    {
        ThrowIfDisposed();
        ArgumentNullException.ThrowIfNull(items);
        ArgumentOutOfRangeException.ThrowIfLessThan(chunkSize, 1);
        _engine.EnsureRunning();
        var spec = PoolFunction.Build(function, typeof(T), typeof(TResult), nameof(function));
        var source = PoolItems<T>.Of(items, borrow: false);
        if (source.Count == 0) return [];
        var call = new StreamCall<TResult>((source.Count + chunkSize - 1) / chunkSize, ordered);
        _engine.Submit(call.BuildChunks(spec, source, chunkSize));
        return call.Results();
    }

    /// <summary>
    /// Python's default chunk size for <c>map</c>, <c>divmod(len, 4 * processes)</c> rounded up; for raw items (of
    /// <paramref name="rawSize"/> bytes each) at most <see cref="MaxRawChunkBytes"/> of them, so that a long map cycles
    /// through the same few pages of the rings and buffers instead of touching fresh ones (see bench/README.md).
    /// </summary>
    private int DefaultChunkSize(int count, int rawSize)
    {
        var size = Math.DivRem(count, 4 * _engine.Processes, out var extra);
        if (extra != 0) size++;
        return rawSize > 0 ? Math.Min(size, Math.Max(1, MaxRawChunkBytes / rawSize)) : size;
    }

    private const int MaxRawChunkBytes = 16 * 1024;

    /// <summary>Takes no more tasks; the workers exit once the tasks already given are done. Follow with <see cref="Join"/>.</summary>
    /// <exception cref="ObjectDisposedException">The pool was disposed.</exception>
    public void Close()
    {
        ThrowIfDisposed();
        _engine.Close();
    }

    /// <summary>Stops the workers now (SIGTERM). Tasks not finished fail with <see cref="InvalidOperationException"/>. Follow with <see cref="Join"/>.</summary>
    /// <exception cref="ObjectDisposedException">The pool was disposed.</exception>
    public void Terminate()
    {
        ThrowIfDisposed();
        _engine.Terminate();
    }

    /// <summary>Waits until every worker has exited: after <see cref="Close"/>, once the queued tasks are done.</summary>
    /// <exception cref="InvalidOperationException">Neither <see cref="Close"/> nor <see cref="Terminate"/> was called (as Python's <c>join</c> raises).</exception>
    /// <exception cref="ObjectDisposedException">The pool was disposed.</exception>
    public void Join()
    {
        ThrowIfDisposed();
        _engine.Join();
    }

    /// <summary>
    /// Terminates the workers and waits for them (<see cref="Terminate"/> then <see cref="Join"/>), like leaving Python's
    /// <c>with Pool() as p:</c>; tasks not finished fail with <see cref="ObjectDisposedException"/>. Call <see cref="Close"/>
    /// and <see cref="Join"/> first to let queued tasks finish. Disposing twice does nothing.
    /// </summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        _engine.Terminate(disposing: true);
        _engine.Join();
    }

    /// <summary>
    /// Like <see cref="Dispose"/>, without holding a thread while the workers end: the workers are terminated at once and
    /// their exits awaited through the process's one exit watcher (the pidfds it sleeps on in <c>poll</c>), as
    /// <see cref="ChildProcess.JoinAsync"/> does. Disposing twice (by either method) does nothing.
    /// </summary>
    /// <returns>A task that completes once every worker has ended and the pool's resources are released.</returns>
    public ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return ValueTask.CompletedTask;
        _engine.Terminate(disposing: true);
        return new ValueTask(_engine.JoinAsync());
    }

    private void ThrowIfDisposed()
    {
        if (Volatile.Read(ref _disposed) != 0)
            throw new ObjectDisposedException(nameof(ProcessPool), "This ProcessPool was disposed; it cannot be used any more.");
    }
}
