namespace Multiproc.Analyzers;

/// <summary>
/// The Multiproc and BCL types the rules look at, one instance per compilation (<see cref="For"/>).
/// <see cref="HasMultiproc"/> is false when the compilation does not reference Multiproc; rules that
/// only concern Multiproc types return early then.
/// </summary>
internal sealed class MultiprocTypes
{
    public INamedTypeSymbol? ChildProcess { get; }
    public INamedTypeSymbol? ProcessLock { get; }
    public INamedTypeSymbol? LockScope { get; }
    public INamedTypeSymbol? ProcessQueue { get; }     // ProcessQueue`1 (unbound)
    public INamedTypeSymbol? JoinableQueue { get; }    // JoinableQueue`1 (unbound)
    public INamedTypeSymbol? ProcessPool { get; }      // MP0014, MP0015
    // The second round's primitives (issue 13): MP0002's lock kinds, MP0016's shared data, MP0017's pipe ends, MP0018's condition.
    public INamedTypeSymbol? ProcessSemaphore { get; }
    public INamedTypeSymbol? ProcessRLock { get; }
    public INamedTypeSymbol? ProcessCondition { get; }
    public INamedTypeSymbol? SharedValue { get; }      // SharedValue`1 (unbound)
    public INamedTypeSymbol? SharedArray { get; }      // SharedArray`1 (unbound)
    public INamedTypeSymbol? PipeEnd { get; }          // PipeEnd`1 (unbound)

    // The BCL types are looked up on first use (see For).
    private readonly Compilation _compilation;
    private readonly LazyType _monitor = new("System.Threading.Monitor");
    private readonly LazyType _mutex = new("System.Threading.Mutex");
    private readonly LazyType _waitHandle = new("System.Threading.WaitHandle");
    private readonly LazyType _semaphoreSlim = new("System.Threading.SemaphoreSlim");
    private readonly LazyType _readerWriterLockSlim = new("System.Threading.ReaderWriterLockSlim");
    private readonly LazyType _readerWriterLock = new("System.Threading.ReaderWriterLock");
    private readonly LazyType _spinLock = new("System.Threading.SpinLock");
    private readonly LazyType _threadingLock = new("System.Threading.Lock");
    private readonly LazyType _file = new("System.IO.File");
    private readonly LazyType _fileStream = new("System.IO.FileStream");
    private readonly LazyType _streamReader = new("System.IO.StreamReader");
    private readonly LazyType _streamWriter = new("System.IO.StreamWriter");
    private readonly LazyType _jsonSerializer = new("System.Text.Json.JsonSerializer");
    private readonly LazyType _task = new("System.Threading.Tasks.Task");
    // MP0007's in-process synchronizers with a Multiproc counterpart (ProcessEvent, ProcessBarrier, ProcessSemaphore).
    private readonly LazyType _manualResetEventSlim = new("System.Threading.ManualResetEventSlim");
    private readonly LazyType _manualResetEvent = new("System.Threading.ManualResetEvent");
    private readonly LazyType _autoResetEvent = new("System.Threading.AutoResetEvent");
    private readonly LazyType _barrier = new("System.Threading.Barrier");
    private readonly LazyType _countdownEvent = new("System.Threading.CountdownEvent");
    private readonly LazyType _semaphore = new("System.Threading.Semaphore");
    private readonly LazyType _expressionOfT = new("System.Linq.Expressions.Expression`1");
    // Multiproc.Redis (issue 15), looked up on first use like the BCL types: a compilation without it finds none.
    private readonly LazyType _redisLock = new("Multiproc.Redis.RedisLock");
    private readonly LazyType _redisQueue = new("Multiproc.Redis.RedisQueue`1");
    private readonly LazyType _redisJoinableQueue = new("Multiproc.Redis.RedisJoinableQueue`1");

    public INamedTypeSymbol? Monitor => _monitor.Get(_compilation);
    public INamedTypeSymbol? Mutex => _mutex.Get(_compilation);
    public INamedTypeSymbol? WaitHandle => _waitHandle.Get(_compilation);
    public INamedTypeSymbol? SemaphoreSlim => _semaphoreSlim.Get(_compilation);
    public INamedTypeSymbol? ReaderWriterLockSlim => _readerWriterLockSlim.Get(_compilation);
    public INamedTypeSymbol? ReaderWriterLock => _readerWriterLock.Get(_compilation);    // the legacy one (MP0002)
    public INamedTypeSymbol? SpinLock => _spinLock.Get(_compilation);
    public INamedTypeSymbol? ThreadingLock => _threadingLock.Get(_compilation);    // System.Threading.Lock (.NET 9+)
    public INamedTypeSymbol? File => _file.Get(_compilation);
    public INamedTypeSymbol? FileStream => _fileStream.Get(_compilation);
    public INamedTypeSymbol? StreamReader => _streamReader.Get(_compilation);
    public INamedTypeSymbol? StreamWriter => _streamWriter.Get(_compilation);
    public INamedTypeSymbol? JsonSerializer => _jsonSerializer.Get(_compilation);
    public INamedTypeSymbol? Task => _task.Get(_compilation);
    public INamedTypeSymbol? ExpressionOfT => _expressionOfT.Get(_compilation);
    public INamedTypeSymbol? ManualResetEventSlim => _manualResetEventSlim.Get(_compilation);
    public INamedTypeSymbol? ManualResetEvent => _manualResetEvent.Get(_compilation);
    public INamedTypeSymbol? AutoResetEvent => _autoResetEvent.Get(_compilation);
    public INamedTypeSymbol? Barrier => _barrier.Get(_compilation);
    public INamedTypeSymbol? CountdownEvent => _countdownEvent.Get(_compilation);
    public INamedTypeSymbol? Semaphore => _semaphore.Get(_compilation);
    public INamedTypeSymbol? RedisLock => _redisLock.Get(_compilation);
    public INamedTypeSymbol? RedisQueue => _redisQueue.Get(_compilation);
    public INamedTypeSymbol? RedisJoinableQueue => _redisJoinableQueue.Get(_compilation);

    public bool HasMultiproc => ChildProcess is not null;

    private static readonly ConditionalWeakTable<Compilation, MultiprocTypes> Cache = new();

    /// <summary>
    /// The types of <paramref name="compilation"/>, shared by both analyzers. Nothing here looks a name up across the
    /// whole compilation at compilation start: the first such lookup of a compilation loads the declarations of every
    /// source file and the type tables of every referenced assembly. The Multiproc types come from the referenced
    /// Multiproc assembly alone; the BCL types are looked up when a rule first needs one (by then the compiler has
    /// loaded what it needs for its own binding).
    /// </summary>
    public static MultiprocTypes For(Compilation compilation) => Cache.GetValue(compilation, c => new MultiprocTypes(c));

    private MultiprocTypes(Compilation compilation)
    {
        _compilation = compilation;
        var multiproc = MultiprocAssembly(compilation);
        if (multiproc is null) return;
        ChildProcess = multiproc.GetTypeByMetadataName("Multiproc.ChildProcess");
        ProcessLock = multiproc.GetTypeByMetadataName("Multiproc.ProcessLock");
        LockScope = multiproc.GetTypeByMetadataName("Multiproc.LockScope");
        ProcessQueue = multiproc.GetTypeByMetadataName("Multiproc.ProcessQueue`1");
        JoinableQueue = multiproc.GetTypeByMetadataName("Multiproc.JoinableQueue`1");
        ProcessPool = multiproc.GetTypeByMetadataName("Multiproc.ProcessPool");
        ProcessSemaphore = multiproc.GetTypeByMetadataName("Multiproc.ProcessSemaphore");
        ProcessRLock = multiproc.GetTypeByMetadataName("Multiproc.ProcessRLock");
        ProcessCondition = multiproc.GetTypeByMetadataName("Multiproc.ProcessCondition");
        SharedValue = multiproc.GetTypeByMetadataName("Multiproc.SharedValue`1");
        SharedArray = multiproc.GetTypeByMetadataName("Multiproc.SharedArray`1");
        PipeEnd = multiproc.GetTypeByMetadataName("Multiproc.PipeEnd`1");
    }

    /// <summary>
    /// Whether <paramref name="compilation"/> references Multiproc, asked at compilation start. The references are
    /// looked at by file or compilation name first, which binds nothing: at compilation start nothing is bound yet, and
    /// whoever first asks for an assembly symbol pays for binding every reference (the compiler needs that anyway, and
    /// does it itself before any operation reaches an analyzer). Only when no reference is named so are the symbols asked.
    /// </summary>
    public static bool ReferencesMultiproc(Compilation compilation)
    {
        if (compilation.AssemblyName == "Multiproc") return true;
        foreach (var reference in compilation.ExternalReferences)
        {
            switch (reference)
            {
                case CompilationReference { Compilation.AssemblyName: "Multiproc" }:
                    return true;
                case PortableExecutableReference { FilePath: { } path }
                    when string.Equals(System.IO.Path.GetFileName(path), "Multiproc.dll", System.StringComparison.OrdinalIgnoreCase):
                    return true;
            }
        }
        return For(compilation).HasMultiproc;
    }

    /// <summary>The referenced assembly named Multiproc (or the compilation itself, when it is Multiproc).</summary>
    private static IAssemblySymbol? MultiprocAssembly(Compilation compilation)
    {
        if (compilation.AssemblyName == "Multiproc") return compilation.Assembly;
        foreach (var assembly in compilation.SourceModule.ReferencedAssemblySymbols)
            if (assembly.Name == "Multiproc") return assembly;
        return null;
    }

    /// <summary>A type looked up by metadata name on first use; racing threads find the same symbol.</summary>
    private sealed class LazyType
    {
        private readonly string _metadataName;
        private INamedTypeSymbol? _symbol;
        private volatile bool _resolved;

        public LazyType(string metadataName) => _metadataName = metadataName;

        public INamedTypeSymbol? Get(Compilation compilation)
        {
            if (_resolved) return _symbol;
            _symbol = compilation.GetTypeByMetadataName(_metadataName);
            _resolved = true;
            return _symbol;
        }
    }

    public bool IsChildProcess(ITypeSymbol? type) => Same(type, ChildProcess);

    public bool IsProcessPool(ITypeSymbol? type) => Same(type, ProcessPool);

    public bool IsProcessLock(ITypeSymbol? type) => Same(type, ProcessLock);

    /// <summary>
    /// <see cref="SymbolEqualityComparer.Default"/> equality, the name compared first: these checks run on most operations
    /// the rules see (every object creation, every local in a body a rule walks), and most of them are other types, which a
    /// name tells apart without unwrapping both symbols. Equal types have equal names, so the answer is the same.
    /// </summary>
    private static bool Same(ITypeSymbol? type, INamedTypeSymbol? expected) =>
        type is not null && expected is not null
        && (ReferenceEquals(type, expected) || (type.Name == expected.Name && SymbolEqualityComparer.Default.Equals(type, expected)));

    /// <summary>A ProcessQueue&lt;T&gt; or JoinableQueue&lt;T&gt; (any T), including derived types.</summary>
    /// <remarks>
    /// Asked of the containing type of every <c>Count</c> property read (MP0005's size names): each type of the chain is
    /// told apart by its name first (a constructed type has its definition's name), not by its original definition.
    /// </remarks>
    public bool IsProcessQueue(ITypeSymbol? type)
    {
        var queue = ProcessQueue;
        if (queue is null) return false;
        var name = queue.Name;
        for (var t = type as INamedTypeSymbol; t is not null; t = t.BaseType)
            if (t.Name == name && SymbolEqualityComparer.Default.Equals(t.OriginalDefinition, queue)) return true;
        return false;
    }

    /// <summary>
    /// A ProcessQueue&lt;T&gt; or JoinableQueue&lt;T&gt;, or Multiproc.Redis's RedisQueue&lt;T&gt; or RedisJoinableQueue&lt;T&gt;
    /// (same member names and meanings): the queues MP0005 and MP0006 look at.
    /// </summary>
    public bool IsAnyQueue(ITypeSymbol? type)
    {
        if (IsProcessQueue(type)) return true;
        for (var t = type as INamedTypeSymbol; t is not null; t = t.BaseType)
            if (t.Name == "RedisQueue" && IsConstructedFrom(t, RedisQueue)) return true;
        return false;
    }

    /// <summary>A JoinableQueue&lt;T&gt; or a RedisJoinableQueue&lt;T&gt;.</summary>
    public bool IsAnyJoinableQueue(ITypeSymbol? type) =>
        IsJoinableQueue(type) || (type is { Name: "RedisJoinableQueue" } && IsConstructedFrom(type, RedisJoinableQueue));

    public bool IsJoinableQueue(ITypeSymbol? type) =>
        type is INamedTypeSymbol t && SymbolEqualityComparer.Default.Equals(t.OriginalDefinition, JoinableQueue);

    /// <summary>Whether <paramref name="type"/> is a constructed <paramref name="generic"/> (its original definition).</summary>
    /// <remarks>The names first (equal definitions have equal names): MP0016 asks this of the type of every indexer and
    /// <c>Value</c> property the code reads, most of them other types, which the name tells apart without an original
    /// definition and an unwrapping comparison.</remarks>
    public static bool IsConstructedFrom(ITypeSymbol? type, INamedTypeSymbol? generic) =>
        generic is not null && type is INamedTypeSymbol t && t.Name == generic.Name && SymbolEqualityComparer.Default.Equals(t.OriginalDefinition, generic);

    public bool IsSharedValue(ITypeSymbol? type) => IsConstructedFrom(type, SharedValue);

    public bool IsSharedArray(ITypeSymbol? type) => IsConstructedFrom(type, SharedArray);

    public bool IsPipeEnd(ITypeSymbol? type) => IsConstructedFrom(type, PipeEnd);

    public bool IsProcessCondition(ITypeSymbol? type) => type is not null && SymbolEqualityComparer.Default.Equals(type, ProcessCondition);
}
