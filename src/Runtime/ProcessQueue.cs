namespace Multiproc;

/// <summary>
/// A FIFO queue shared between processes, like Python's <c>multiprocessing.Queue</c>.
/// </summary>
public class ProcessQueue<T> : IDisposable
{
    /// <summary>Creates a queue; <paramref name="maxSize"/> 0 means unbounded.</summary>
    public ProcessQueue(int maxSize = 0) => throw new NotImplementedException();
    /// <summary>Puts an item, blocking while the queue is full.</summary>
    public void Put(T item) => throw new NotImplementedException();
    /// <summary>Puts an item, waiting at most <paramref name="timeout"/>.</summary>
    public void Put(T item, TimeSpan timeout) => throw new NotImplementedException();
    /// <summary>Puts an item without waiting.</summary>
    public void PutNowait(T item) => throw new NotImplementedException();
    /// <summary>Tries to put an item.</summary>
    public bool TryPut(T item, TimeSpan timeout = default) => throw new NotImplementedException();
    /// <summary>Gets an item, blocking while empty.</summary>
    public T Get() => throw new NotImplementedException();
    /// <summary>Gets an item, waiting at most <paramref name="timeout"/>.</summary>
    public T Get(TimeSpan timeout) => throw new NotImplementedException();
    /// <summary>Gets an item without waiting.</summary>
    public T GetNowait() => throw new NotImplementedException();
    /// <summary>Tries to get an item.</summary>
    public bool TryGet(out T item, TimeSpan timeout = default) => throw new NotImplementedException();
    /// <summary>Puts an item asynchronously.</summary>
    public ValueTask PutAsync(T item, CancellationToken cancellationToken = default) => throw new NotImplementedException();
    /// <summary>Gets an item asynchronously.</summary>
    public ValueTask<T> GetAsync(CancellationToken cancellationToken = default) => throw new NotImplementedException();
    /// <summary>Approximate number of items.</summary>
    public int Count => throw new NotImplementedException();
    /// <summary>Whether the queue looked empty.</summary>
    public bool IsEmpty => throw new NotImplementedException();
    /// <summary>Whether the queue looked full.</summary>
    public bool IsFull => throw new NotImplementedException();
    /// <summary>Releases this process's mapping.</summary>
    public void Dispose() => throw new NotImplementedException();
}

/// <summary>A queue whose items are marked done; like Python's <c>JoinableQueue</c>.</summary>
public sealed class JoinableQueue<T> : ProcessQueue<T>
{
    /// <summary>Creates a joinable queue.</summary>
    public JoinableQueue(int maxSize = 0) : base(maxSize) { }
    /// <summary>Marks one item done.</summary>
    public void TaskDone() => throw new NotImplementedException();
    /// <summary>Waits until all items are done.</summary>
    public void Join() => throw new NotImplementedException();
    /// <summary>Waits at most <paramref name="timeout"/>.</summary>
    public bool Join(TimeSpan timeout) => throw new NotImplementedException();
}

/// <summary>Thrown when a queue is empty.</summary>
public sealed class QueueEmptyException : Exception
{
    /// <summary>Creates the exception.</summary>
    public QueueEmptyException() : base("The queue is empty.") { }
    /// <summary>Creates the exception with a message.</summary>
    public QueueEmptyException(string message) : base(message) { }
}

/// <summary>Thrown when a queue is full.</summary>
public sealed class QueueFullException : Exception
{
    /// <summary>Creates the exception.</summary>
    public QueueFullException() : base("The queue is full.") { }
    /// <summary>Creates the exception with a message.</summary>
    public QueueFullException(string message) : base(message) { }
}
