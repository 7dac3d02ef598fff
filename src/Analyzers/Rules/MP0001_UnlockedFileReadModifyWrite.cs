using System.Collections.Concurrent;

namespace Multiproc.Analyzers;

/// <summary>
/// MP0001: a file read and later written back (same path) in code that runs in child processes,
/// without one cross-process lock held from the read to the write.
/// </summary>
/// <remarks>
/// Per method body: the file reads and writes are found on the ControlFlowGraph in evaluation
/// order; a write reachable from a read of the same path makes a read-modify-write. It is protected
/// when both sit inside one <c>using (lk.Hold())</c> / <c>using var _ = lk.Hold();</c> of a
/// ProcessLock, or when a must-dataflow of held locks (<c>ProcessLock.Acquire/TryAcquire</c> …
/// <c>Release</c>, <c>Mutex.WaitOne</c> … <c>ReleaseMutex</c>) shows the same acquisition held at
/// both. Which methods run in children is only known once every body has been seen, so candidates
/// are reported from a compilation-end action: the targets of <c>new ChildProcess(() =&gt; M(…))</c>
/// and the methods they reach through <see cref="CallGraph"/>; option
/// <c>multiproc.MP0001.scope = all</c> reports them wherever they are. The rule's state for one
/// compilation, fed by <see cref="MultiprocAnalyzer"/> (which records the call graph once for MP0001,
/// MP0009 and MP0013).
/// </remarks>
internal sealed class UnlockedFileReadModifyWrite
{
    public const string ScopeOption = "multiproc.MP0001.scope";
    /// <summary>Property: name of a ProcessLock parameter, field or local in scope at the read, when there is one.</summary>
    public const string LockProperty = "Lock";
    /// <summary>Property: the file as the message names it (lets the symbol-end report re-create the diagnostic).</summary>
    public const string DisplayProperty = "File";

    private readonly MultiprocTypes _types;
    private readonly FileTypes _fileTypes;
    private readonly ConcurrentBag<IMethodSymbol> _targets = new();
    /// <summary>Bodies analyzed at their type's symbol end (<see cref="TypeEnded"/>): the compilation end skips them.</summary>
    private readonly ConcurrentDictionary<Deferred, byte> _analyzedInType = new();
    /// <summary>Candidates of those bodies that their type's end could not report (not reached from its own targets).</summary>
    private readonly ConcurrentBag<(IMethodSymbol Method, Diagnostic Diagnostic)> _leftOver = new();
    private readonly ConcurrentBag<Deferred> _deferred = new();
    /// <summary>The same bodies by their top-level type (<see cref="LocalChildTargets.TopType"/>), for <see cref="TypeEnded"/>.</summary>
    private readonly ConcurrentDictionary<INamedTypeSymbol, ConcurrentBag<Deferred>> _deferredByType = new(SymbolEqualityComparer.Default);
    /// <summary>Methods that may return what they read from the file a parameter names: a call of one is a read.</summary>
    private readonly ReaderHelpers _readers;
    /// <summary>Bodies that write a file and call a method of this compilation, which may be a reader (<see cref="_readers"/>).</summary>
    private readonly ConcurrentBag<(IMethodSymbol Method, IOperation Body)> _maybeViaReader = new();

    private UnlockedFileReadModifyWrite(Compilation compilation, MultiprocTypes types)
    {
        _types = types;
        _fileTypes = new FileTypes(compilation, types);
        _readers = new ReaderHelpers(_fileTypes);
    }

    /// <summary>The rule's state for one compilation, or null when the compilation cannot read files through System.IO.File.</summary>
    public static UnlockedFileReadModifyWrite? Create(Compilation compilation, MultiprocTypes types) =>
        types.File is null ? null : new UnlockedFileReadModifyWrite(compilation, types);

    /// <summary>A ChildProcess creation's target invocation (<see cref="ChildTargets.GetTargetInvocation"/>): its method runs in a child.</summary>
    public void ChildProcessCreated(IInvocationOperation target) => _targets.Add(target.TargetMethod);

    /// <summary>
    /// A top-level type's symbol end, for a type whose child targets (<see cref="LocalChildTargets"/>) and every method
    /// they reach (<paramref name="reachable"/>) are declared in the type, in its one file: the type alone decides what runs
    /// in those children, so its deferred bodies they reach are analyzed and reported here (with the descriptors that
    /// per-document analysis shows); every other case is left to <see cref="CompilationEnded"/>. A body analyzed here is
    /// not analyzed again there.
    /// </summary>
    public void TypeEnded(SymbolAnalysisContext end, INamedTypeSymbol type, HashSet<IMethodSymbol> reachable)
    {
        if (!_deferredByType.TryGetValue(type, out var bodies)) return;
        // Reader helpers the bodies call are in the type too (reachable), so their bodies have ended: the answer is final.
        var readers = _readers.IsEmpty ? null : _readers;
        var candidates = new ConcurrentBag<(IMethodSymbol Method, Diagnostic Diagnostic)>();
        foreach (var body in bodies)
        {
            if (!reachable.Contains(body.Method.OriginalDefinition) && !body.LocalFunctions.Exists(lf => reachable.Contains(lf.OriginalDefinition))) continue;
            if (!_analyzedInType.TryAdd(body, 0)) continue;
            AnalyzeBody(body, _fileTypes, _types, readers, candidates, end.CancellationToken);
        }
        foreach (var candidate in candidates)
        {
            if (!reachable.Contains(candidate.Method.OriginalDefinition)) { _leftOver.Add(candidate); continue; }
            var d = candidate.Diagnostic;
            var descriptor = d.Descriptor == Descriptors.MP0001_CSharpLockOnly ? Descriptors.MP0001_CSharpLockOnlyInType : Descriptors.MP0001_UnlockedReadModifyWriteInType;
            end.ReportDiagnostic(Diagnostic.Create(descriptor, d.Location, d.AdditionalLocations, d.Properties, d.Properties[DisplayProperty]));
        }
    }

    /// <summary>For a per-block operation action on invocations and object creations: what file access the operation may make.</summary>
    public FileCalls MayAccessFile(IOperation operation) => MayAccessFile(operation, _fileTypes);

    /// <summary>At the end of a method's operation block in which <see cref="MayAccessFile(IOperation)"/> saw both a read and a write.</summary>
    public void BlockEnded(OperationBlockAnalysisContext block)
    {
        foreach (var body in CollectBodies(block, _fileTypes, _maybeViaReader))
        {
            _deferred.Add(body);
            if (LocalChildTargets.TopType(body.Method) is { } type)
                _deferredByType.GetOrAdd(type, static _ => new ConcurrentBag<Deferred>()).Add(body);
        }
    }

    /// <summary>
    /// At the end of a body that reads a file but writes none: it may be a reader helper, whose value derives from a read
    /// of the file one of its parameters names (<c>static string Load(string f) =&gt; File.ReadAllText(f);</c>). Whether it
    /// is one is decided only when a call of it is looked at (<see cref="ReaderHelpers"/>): most reading bodies never are.
    /// </summary>
    public void ReaderEnded(OperationBlockAnalysisContext block)
    {
        if (block.OwningSymbol is not IMethodSymbol { ReturnsVoid: false } method || method.Parameters.IsEmpty) return;
        if (BlockGate.SingleExecutableRoot(block.OperationBlocks) is not { } root) return;
        var body = root;
        while (body.Parent is not null) body = body.Parent;
        _readers.Add(method, body);
    }

    /// <summary>
    /// The methods whose bodies read a file and write none (<see cref="ReaderEnded"/>), each decided on the first question
    /// about it: it is a reader helper when the value it returns derives from a read of the file one of its parameters names.
    /// A method whose body has not ended is not (yet) one, as when the answers were decided at each body's end.
    /// </summary>
    private sealed class ReaderHelpers
    {
        private readonly FileTypes _fileTypes;
        private readonly ConcurrentDictionary<IMethodSymbol, (IMethodSymbol Method, IOperation Body)> _candidates = new(SymbolEqualityComparer.Default);
        /// <summary>The decided candidates: the ordinal of the parameter that names the file read, or -1 for none.</summary>
        private readonly ConcurrentDictionary<IMethodSymbol, int> _decided = new(SymbolEqualityComparer.Default);

        public ReaderHelpers(FileTypes fileTypes) => _fileTypes = fileTypes;

        public bool IsEmpty => _candidates.IsEmpty;

        public void Add(IMethodSymbol method, IOperation body) => _candidates[method.OriginalDefinition] = (method, body);

        /// <summary>Whether <paramref name="method"/> (an original definition) is a reader helper, and which parameter names its file.</summary>
        public bool TryGetValue(IMethodSymbol method, out int ordinal)
        {
            ordinal = -1;
            if (!_candidates.TryGetValue(method, out var candidate)) return false;
            if (!_decided.TryGetValue(method, out ordinal)) ordinal = _decided.GetOrAdd(method, ReaderParameter(candidate.Method, candidate.Body, _fileTypes));
            return ordinal >= 0;
        }

        private static int ReaderParameter(IMethodSymbol method, IOperation body, FileTypes fileTypes)
        {
            List<IReturnOperation>? returns = null;
            List<Access>? reads = null;
            foreach (var d in body.Descendants())
            {
                if (d is IReturnOperation { ReturnedValue: not null } r && OwnReturn(r)) (returns ??= new()).Add(r);
                else if (d.Kind is OperationKind.Invocation or OperationKind.ObjectCreation && Classify(d, fileTypes, null, null) is { Read: true } a
                    && a.Key.Symbol is IParameterSymbol p && SymbolEqualityComparer.Default.Equals(p.ContainingSymbol, method))
                    (reads ??= new()).Add(a);
            }
            if (returns is null || reads is null) return -1;
            foreach (var read in reads)
            {
                var derivation = ValueDerivation.From(read.Operation, body);
                if (returns.Exists(r => derivation.Derives(r.ReturnedValue!))) return ((IParameterSymbol)read.Key.Symbol!).Ordinal;
            }
            return -1;
        }
    }

    /// <summary>At the end of a body that writes a file, reads none and calls methods of this compilation (one may be a reader helper).</summary>
    public void WriterEnded(OperationBlockAnalysisContext block)
    {
        if (block.OwningSymbol is not IMethodSymbol method || BlockGate.SingleExecutableRoot(block.OperationBlocks) is not { } root) return;
        var body = root;
        while (body.Parent is not null) body = body.Parent;
        if (body is IMethodBodyOperation or IConstructorBodyOperation) _maybeViaReader.Add((method, body));
    }

    private static bool OwnReturn(IOperation r)
    {
        for (var p = r.Parent; p is not null; p = p.Parent)
            if (p is IAnonymousFunctionOperation or ILocalFunctionOperation) return false;
        return true;
    }

    /// <summary>
    /// Which methods run in children is known now: only bodies where some diagnostic could be reported
    /// (scope all, or the method or one of its local functions reachable from a target) get their graphs.
    /// </summary>
    [MethodImpl(Jit.Optimize)] // compilation end: too few calls to leave tier-0 code
    public void CompilationEnded(CompilationAnalysisContext end, CallGraph graph)
    {
        if (_deferred.IsEmpty && (_readers.IsEmpty || _maybeViaReader.IsEmpty)) return;
        var reachable = graph.ReachableFrom(_targets);
        var readers = _readers.IsEmpty ? null : _readers;
        bool AllScope(SyntaxTree? tree) => tree is not null
            && end.Options.AnalyzerConfigOptionsProvider.GetOptions(tree).TryGetValue(ScopeOption, out var scope)
            && string.Equals(scope?.Trim(), "all", StringComparison.OrdinalIgnoreCase);

        var candidates = new ConcurrentBag<(IMethodSymbol Method, Diagnostic Diagnostic)>();
        foreach (var body in _deferred)
        {
            if (_analyzedInType.ContainsKey(body)) continue;
            if (!AllScope(body.Body.Syntax.SyntaxTree) && !reachable.Contains(body.Method.OriginalDefinition)
                && !body.LocalFunctions.Exists(lf => reachable.Contains(lf.OriginalDefinition)))
                continue;
            AnalyzeBody(body, _fileTypes, _types, readers, candidates, end.CancellationToken);
        }
        // Bodies whose read is a call of a reader helper: only now is it known which methods are readers.
        if (readers is not null)
        {
            foreach (var (method, body) in _maybeViaReader)
            {
                if (!AllScope(body.Syntax.SyntaxTree) && !reachable.Contains(method.OriginalDefinition)) continue;
                if (Collect(method, body, _fileTypes, readers) is { } deferred) AnalyzeBody(deferred, _fileTypes, _types, readers, candidates, end.CancellationToken);
            }
        }

        foreach (var leftOver in _leftOver) candidates.Add(leftOver);
        foreach (var (method, diagnostic) in candidates)
        {
            if (AllScope(diagnostic.Location.SourceTree) || reachable.Contains(method.OriginalDefinition)) end.ReportDiagnostic(diagnostic);
        }
    }

    [Flags]
    internal enum FileCalls { None = 0, Read = 1, Write = 2, Both = Read | Write }

    /// <summary>
    /// Whether <paramref name="operation"/> may read and/or write a file: a superset of what
    /// <see cref="Classify"/> accepts (no argument is looked at), with no allocation.
    /// </summary>
    private static FileCalls MayAccessFile(IOperation operation, FileTypes ft)
    {
        switch (operation)
        {
            case IInvocationOperation inv:
            {
                // The name first (a string switch), the type only for the few names that match.
                var method = inv.TargetMethod;
                var calls = FileCallsByName(method.Name);
                return calls != FileCalls.None && SymbolEqualityComparer.Default.Equals(method.ContainingType, ft.File) ? calls : FileCalls.None;
            }
            case IObjectCreationOperation creation:
            {
                var type = creation.Type;
                if (type is null || type.Name is not ("StreamReader" or "StreamWriter" or "FileStream")) return FileCalls.None;
                if (SymbolEqualityComparer.Default.Equals(type, ft.StreamReader)) return FileCalls.Read;
                if (SymbolEqualityComparer.Default.Equals(type, ft.StreamWriter)) return FileCalls.Write;
                if (SymbolEqualityComparer.Default.Equals(type, ft.FileStream)) return FileCalls.Both;
                return FileCalls.None;
            }
            default:
                return FileCalls.None;
        }
    }

    /// <summary>What a <c>File</c> method of this name may do (the type is checked apart); <see cref="CallNames.File"/> holds these names.</summary>
    internal static FileCalls FileCallsByName(string name) => name switch
    {
        "ReadAllText" or "ReadAllTextAsync" or "ReadAllBytes" or "ReadAllBytesAsync" or "ReadAllLines" or "ReadAllLinesAsync"
            or "ReadLines" or "ReadLinesAsync" or "OpenRead" or "OpenText" => FileCalls.Read,
        "WriteAllText" or "WriteAllTextAsync" or "WriteAllBytes" or "WriteAllBytesAsync" or "WriteAllLines" or "WriteAllLinesAsync"
            or "Create" or "CreateText" or "OpenWrite" => FileCalls.Write,
        "Open" => FileCalls.Both,
        _ => FileCalls.None,
    };

    /// <summary>A method body that may hold a read-modify-write, kept for the compilation-end action.</summary>
    private sealed class Deferred
    {
        public Deferred(IMethodSymbol method, IOperation body, List<TextSpan> readSpans, List<TextSpan> writeSpans, List<IMethodSymbol> localFunctions)
        {
            Method = method;
            Body = body;
            ReadSpans = readSpans;
            WriteSpans = writeSpans;
            LocalFunctions = localFunctions;
        }

        public IMethodSymbol Method { get; }
        public IOperation Body { get; }
        public List<TextSpan> ReadSpans { get; }
        public List<TextSpan> WriteSpans { get; }
        public List<IMethodSymbol> LocalFunctions { get; }
    }

    private static List<Deferred> CollectBodies(OperationBlockAnalysisContext block, FileTypes fileTypes,
        ConcurrentBag<(IMethodSymbol, IOperation)> maybeViaReader)
    {
        var deferred = new List<Deferred>(1);
        var seen = new HashSet<IOperation>();
        foreach (var op in block.OperationBlocks)
        {
            var body = op;
            while (body.Parent is not null) body = body.Parent;
            if (!seen.Add(body) || block.OwningSymbol is not IMethodSymbol method) continue;
            if (body is not (IMethodBodyOperation or IConstructorBodyOperation)) continue;
            if (Collect(method, body, fileTypes, null) is { } found) deferred.Add(found);
            else maybeViaReader.Add((method, body)); // a call of a reader helper may still be the read
        }
        return deferred;
    }

    /// <summary>The body as a <see cref="Deferred"/> when it holds a read and a write of the same path not both under one Hold.</summary>
    private static Deferred? Collect(IMethodSymbol method, IOperation body, FileTypes fileTypes, ReaderHelpers? readers)
    {
        {
            // Cheap reject before building graphs: the body must read some file.
            var readSpans = new List<TextSpan>();
            var writeSpans = new List<TextSpan>();
            var accesses = new List<Access>();
            var localFunctions = new List<IMethodSymbol>();
            List<TextSpan>? holdSpans = null;
            // The descendants in the order of Descendants(), one switch on the kind each, no enumerator.
            foreach (var child in body.ChildOperations)
                CollectWalk(child, fileTypes, readers, readSpans, writeSpans, accesses, localFunctions, ref holdSpans);
            // Only a read and a write of the same path can make a read-modify-write (the graph holds the same
            // calls, or flow captures of their arguments that have no path key): else no graph is built.
            if (readSpans.Count == 0 || !HasSamePathReadAndWrite(accesses)) return null;
            // Every read and write inside one using (lk.Hold()): no pair can be reported (AnalyzeGraph skips a pair that
            // shares a Hold span), so neither graph nor deferral is needed. The tutorial's compliant form.
            // (Plain loops: `readSpans.TrueForAll(h.Contains)` makes a delegate of a struct's method, which boxes the span and
            // takes the runtime's slow path for the delegate, once per Hold per body.)
            if (holdSpans is not null && OneSpanHoldsAll(holdSpans, readSpans, writeSpans)) return null;
            return new Deferred(method, body, readSpans, writeSpans, localFunctions);
        }
    }

    /// <summary><see cref="Collect"/>'s walk, pre-order: local functions, Hold spans, and the file reads and writes.</summary>
    private static void CollectWalk(IOperation d, FileTypes fileTypes, ReaderHelpers? readers, List<TextSpan> readSpans, List<TextSpan> writeSpans,
        List<Access> accesses, List<IMethodSymbol> localFunctions, ref List<TextSpan>? holdSpans)
    {
        switch (d.Kind)
        {
            case OperationKind.LocalFunction:
                localFunctions.Add(((ILocalFunctionOperation)d).Symbol);
                break;
            case OperationKind.Using or OperationKind.UsingDeclaration:
                if (HoldSpan(d, fileTypes) is { } hold) (holdSpans ??= new List<TextSpan>()).Add(hold);
                break;
            case OperationKind.Invocation or OperationKind.ObjectCreation:
                if (Classify(d, fileTypes, null, readers) is { } access)
                {
                    if (access.Read) readSpans.Add(d.Syntax.Span);
                    if (access.Write) writeSpans.Add(d.Syntax.Span);
                    accesses.Add(access);
                }
                break;
        }
        foreach (var child in d.ChildOperations)
            CollectWalk(child, fileTypes, readers, readSpans, writeSpans, accesses, localFunctions, ref holdSpans);
    }

    [MethodImpl(Jit.Optimize)] // compilation end: too few calls to leave tier-0 code
    private static void AnalyzeBody(Deferred deferred, FileTypes fileTypes, MultiprocTypes types, ReaderHelpers? readers,
        ConcurrentBag<(IMethodSymbol Method, Diagnostic Diagnostic)> candidates, System.Threading.CancellationToken ct)
    {
        var body = deferred.Body;
        var method = deferred.Method;
        // The graph of the body, as its operation block would have had it.
        var cfg = body switch
        {
            IMethodBodyOperation m => ControlFlowGraph.Create(m, ct),
            IConstructorBodyOperation c => ControlFlowGraph.Create(c, ct),
            _ => null,
        };
        if (cfg is null) return;
        AnalyzeGraph(cfg, body, method, fileTypes, types, readers, candidates, ct);
        // A lambda or local function can only hold a read-modify-write if it holds a read and a write.
        bool WorthEntering(TextSpan span) => ContainsAny(span, deferred.ReadSpans) && ContainsAny(span, deferred.WriteSpans);
        foreach (var nested in FlowGraph.WithNestedGraphs(cfg, WorthEntering).Skip(1))
        {
            // A local function is a method of its own in the call graph; a lambda runs where its container runs.
            var owner = nested.OriginalOperation is ILocalFunctionOperation lf ? lf.Symbol : method;
            AnalyzeGraph(nested, body, owner, fileTypes, types, readers, candidates, ct);
        }
    }

    /// <summary>Whether one of <paramref name="holds"/> contains every span of <paramref name="reads"/> and of <paramref name="writes"/>.</summary>
    internal static bool OneSpanHoldsAll(List<TextSpan> holds, List<TextSpan> reads, List<TextSpan> writes)
    {
        foreach (var hold in holds)
            if (ContainsAll(hold, reads) && ContainsAll(hold, writes)) return true;
        return false;
    }

    private static bool ContainsAll(TextSpan outer, List<TextSpan> spans)
    {
        foreach (var span in spans)
            if (!outer.Contains(span)) return false;
        return true;
    }

    private static bool HasSamePathReadAndWrite(List<Access> accesses)
    {
        foreach (var read in accesses)
        {
            if (!read.Read) continue;
            foreach (var write in accesses)
                if (write.Write && write != read && write.Key.Equals(read.Key)) return true;
        }
        return false;
    }

    private static bool ContainsAny(TextSpan outer, List<TextSpan> spans)
    {
        foreach (var span in spans)
            if (outer.Contains(span)) return true;
        return false;
    }

    private sealed class FileTypes
    {
        public readonly INamedTypeSymbol File;
        public readonly INamedTypeSymbol? FileStream, StreamReader, StreamWriter, Mutex, ProcessLock;

        public FileTypes(Compilation compilation, MultiprocTypes types)
        {
            File = types.File!;
            FileStream = types.FileStream;
            StreamReader = types.StreamReader;
            StreamWriter = types.StreamWriter;
            Mutex = types.Mutex;
            ProcessLock = types.ProcessLock;
            _ = compilation;
        }
    }

    private readonly struct PathKey : IEquatable<PathKey>
    {
        public readonly ISymbol? Symbol;
        public readonly string? Constant;
        public PathKey(ISymbol? symbol, string? constant) { Symbol = symbol; Constant = constant; }
        public bool Equals(PathKey other) => SymbolEqualityComparer.Default.Equals(Symbol, other.Symbol) && Constant == other.Constant;
        public override bool Equals(object? obj) => obj is PathKey k && Equals(k);
        public override int GetHashCode() => (Symbol is null ? 0 : SymbolEqualityComparer.Default.GetHashCode(Symbol)) ^ (Constant?.GetHashCode() ?? 0);
    }

    private sealed class Access
    {
        public IOperation Operation = null!;
        public PathKey Key;
        public string Display = "";
        public bool Read, Write;
        public int Block, Index;
        public Dictionary<ISymbol, IOperation> Held = null!;
    }

    [MethodImpl(Jit.Optimize)] // compilation end: too few calls to leave tier-0 code
    private static void AnalyzeGraph(ControlFlowGraph cfg, IOperation body, IMethodSymbol method, FileTypes ft, MultiprocTypes types,
        ReaderHelpers? readers, ConcurrentBag<(IMethodSymbol, Diagnostic)> candidates, System.Threading.CancellationToken ct)
    {
        var blocks = cfg.Blocks;
        // The graph spills arguments before an initializer, a with or a conditional into flow captures: their values, for path keys.
        Dictionary<CaptureId, IOperation>? captures = null;
        foreach (var block in blocks)
            foreach (var op in block.Operations)
                if (op is IFlowCaptureOperation capture) (captures ??= new())[capture.Id] = capture.Value;
        // Quick reject: no file read in the body.
        var events = new List<(IOperation Op, int Block)>[blocks.Length];
        var anyAccess = false;
        foreach (var block in blocks)
        {
            var list = events[block.Ordinal] = new List<(IOperation, int)>();
            foreach (var op in block.Operations) PostOrder(op, list, block.Ordinal);
            if (block.BranchValue is not null) PostOrder(block.BranchValue, list, block.Ordinal);
        }

        var accesses = new List<Access>();
        foreach (var block in blocks)
        {
            var index = 0;
            foreach (var (op, _) in events[block.Ordinal])
            {
                index++;
                if (Classify(op, ft, captures, readers) is { } access)
                {
                    access.Block = block.Ordinal;
                    access.Index = index;
                    accesses.Add(access);
                    anyAccess = true;
                }
            }
        }
        if (!anyAccess || !accesses.Any(a => a.Read) || !accesses.Any(a => a.Write)) return;
        ct.ThrowIfCancellationRequested();

        var successors = new FlowGraph(cfg, ExceptionSemantics.HandlersAtTryEntry);

        // Must-dataflow: lock symbol -> the acquisition currently held.
        var inStates = new Dictionary<ISymbol, IOperation>?[blocks.Length];
        inStates[0] = new Dictionary<ISymbol, IOperation>(SymbolEqualityComparer.Default);
        var worklist = new Queue<int>();
        worklist.Enqueue(0);
        while (worklist.Count > 0)
        {
            var b = worklist.Dequeue();
            var state = new Dictionary<ISymbol, IOperation>(inStates[b]!, SymbolEqualityComparer.Default);
            foreach (var (op, _) in events[b]) TransferLock(op, state, ft);
            foreach (var s in successors.NormalSuccessors(b))
            {
                var current = inStates[s];
                if (current is null) { inStates[s] = new Dictionary<ISymbol, IOperation>(state, SymbolEqualityComparer.Default); worklist.Enqueue(s); continue; }
                var changed = false;
                foreach (var key in current.Keys.ToList())
                {
                    if (!state.TryGetValue(key, out var acq) || acq != current[key]) { current.Remove(key); changed = true; }
                }
                if (changed) worklist.Enqueue(s);
            }
        }

        // Held locks at each access.
        foreach (var block in blocks)
        {
            if (inStates[block.Ordinal] is not { } start) continue;
            var state = new Dictionary<ISymbol, IOperation>(start, SymbolEqualityComparer.Default);
            var index = 0;
            foreach (var (op, _) in events[block.Ordinal])
            {
                index++;
                foreach (var a in accesses)
                    if (a.Block == block.Ordinal && a.Index == index) a.Held = new Dictionary<ISymbol, IOperation>(state, SymbolEqualityComparer.Default);
                TransferLock(op, state, ft);
            }
        }

        var (holdSpans, lockSpans) = StructuralSpans(body, ft);
        var reachableFrom = new Dictionary<int, HashSet<int>>();
        var derivations = new Dictionary<SyntaxNode, ValueDerivation?>();

        foreach (var read in accesses.Where(a => a.Read && a.Held is not null))
        {
            foreach (var write in accesses.Where(a => a.Write && a.Held is not null && a != read && a.Key.Equals(read.Key)))
            {
                if (!Reaches(read, write, successors, reachableFrom)) continue;
                var readSpan = read.Operation.Syntax.Span;
                var writeSpan = write.Operation.Syntax.Span;
                if (holdSpans.Any(s => s.Contains(readSpan) && s.Contains(writeSpan))) continue;
                if (read.Held.Any(h => write.Held.TryGetValue(h.Key, out var acq) && acq == h.Value)) continue;
                if (!WrittenValueDerives(body, read.Operation.Syntax, write.Operation.Syntax, derivations)) continue;

                var descriptor = lockSpans.Any(s => s.Contains(readSpan) && s.Contains(writeSpan))
                    ? Descriptors.MP0001_CSharpLockOnly
                    : Descriptors.MP0001_UnlockedReadModifyWrite;
                var properties = ImmutableDictionary<string, string?>.Empty.Add(DisplayProperty, read.Display);
                var lockName = FindProcessLockInScope(cfg, read, method, ft);
                if (lockName is not null) properties = properties.Add(LockProperty, lockName);
                var diagnostic = Diagnostic.Create(descriptor, read.Operation.Syntax.GetLocation(),
                    new[] { write.Operation.Syntax.GetLocation() }, properties, read.Display);
                candidates.Add((method, diagnostic));
                goto nextRead;
            }
            nextRead:;
        }
    }

    /// <summary>
    /// Whether the value the write writes derives from the read (<see cref="ValueDerivation"/>, over the body's operation
    /// tree). A write that opens a stream (<c>File.Create</c>, <c>new StreamWriter</c> …) writes what is written to the stream
    /// later: it counts as derived.
    /// </summary>
    private static bool WrittenValueDerives(IOperation body, SyntaxNode readSyntax, SyntaxNode writeSyntax, Dictionary<SyntaxNode, ValueDerivation?> derivations)
    {
        IOperation? write = null, read = null;
        foreach (var d in body.Descendants())
        {
            if (d.Kind is not (OperationKind.Invocation or OperationKind.ObjectCreation)) continue;
            if (d.Syntax == writeSyntax) write = d;
            if (d.Syntax == readSyntax) read = d;
        }
        if (write is not IInvocationOperation { TargetMethod.Name: var name } invocation || !name.StartsWith("WriteAll", StringComparison.Ordinal)) return true;
        var value = invocation.Arguments.FirstOrDefault(a => a.Parameter?.Ordinal == 1)?.Value;
        if (value is null || read is null) return true;
        if (!derivations.TryGetValue(readSyntax, out var derivation)) derivations[readSyntax] = derivation = ValueDerivation.From(read, body);
        return derivation is null || derivation.Derives(value);
    }

    private static void PostOrder(IOperation op, List<(IOperation, int)> list, int block)
    {
        foreach (var child in op.ChildOperations)
        {
            if (child is IFlowAnonymousFunctionOperation) continue;
            PostOrder(child, list, block);
        }
        list.Add((op, block));
    }

    private static bool Reaches(Access from, Access to, FlowGraph successors, Dictionary<int, HashSet<int>> cache)
    {
        if (from.Block == to.Block && to.Index > from.Index) return true;
        if (!cache.TryGetValue(from.Block, out var seen))
        {
            seen = new HashSet<int>();
            var stack = new Stack<int>();
            foreach (var s in successors.NormalSuccessors(from.Block)) if (seen.Add(s)) stack.Push(s);
            while (stack.Count > 0)
                foreach (var s in successors.NormalSuccessors(stack.Pop())) if (seen.Add(s)) stack.Push(s);
            cache[from.Block] = seen;
        }
        return seen.Contains(to.Block);
    }

    private static ISymbol? ReceiverSymbol(IOperation? instance)
    {
        while (instance is IConversionOperation c) instance = c.Operand;
        return instance switch
        {
            ILocalReferenceOperation l => l.Local,
            IParameterReferenceOperation p => p.Parameter,
            IFieldReferenceOperation f => f.Field,
            IPropertyReferenceOperation p => p.Property,
            _ => null,
        };
    }

    private static void TransferLock(IOperation op, Dictionary<ISymbol, IOperation> state, FileTypes ft)
    {
        if (op is not IInvocationOperation invocation) return;
        var method = invocation.TargetMethod;
        var receiverType = invocation.Instance?.Type;
        if (receiverType is null) return;
        var isProcessLock = SymbolEqualityComparer.Default.Equals(receiverType, ft.ProcessLock);
        var isMutex = ft.Mutex is not null && InheritsFrom(receiverType, ft.Mutex);
        if (!isProcessLock && !isMutex) return;
        var key = ReceiverSymbol(invocation.Instance);
        if (key is null) return;
        switch (method.Name)
        {
            case "Acquire" when isProcessLock:
            case "TryAcquire" when isProcessLock:
            case "WaitOne" when isMutex:
                state[key] = invocation;
                break;
            case "Release" when isProcessLock:
            case "ReleaseMutex" when isMutex:
                state.Remove(key);
                break;
        }
    }

    private static bool InheritsFrom(ITypeSymbol type, INamedTypeSymbol baseType)
    {
        for (var t = type; t is not null; t = t.BaseType)
            if (SymbolEqualityComparer.Default.Equals(t, baseType)) return true;
        return false;
    }

    /// <summary>Spans covered by a <c>ProcessLock.Hold()</c> using, and by C# <c>lock</c> statements.</summary>
    private static (List<TextSpan> Hold, List<TextSpan> Lock) StructuralSpans(IOperation body, FileTypes ft)
    {
        var hold = new List<TextSpan>();
        var locks = new List<TextSpan>();
        foreach (var op in body.Descendants())
        {
            if (op is ILockOperation l) locks.Add(l.Body.Syntax.Span);
            else if (op.Kind is OperationKind.Using or OperationKind.UsingDeclaration && HoldSpan(op, ft) is { } span) hold.Add(span);
        }
        return (hold, locks);
    }

    /// <summary>The span a <c>ProcessLock.Hold()</c> using (statement or declaration) covers, or null.</summary>
    private static TextSpan? HoldSpan(IOperation operation, FileTypes ft)
    {
        if (ft.ProcessLock is null) return null;
        bool IsHoldOf(IOperation resources) => resources.DescendantsAndSelf().OfType<IInvocationOperation>()
            .Any(i => i.TargetMethod.Name == "Hold" && SymbolEqualityComparer.Default.Equals(i.TargetMethod.ContainingType, ft.ProcessLock));
        return operation switch
        {
            IUsingOperation u when IsHoldOf(u.Resources) => u.Body.Syntax.Span,
            IUsingDeclarationOperation d when IsHoldOf(d.DeclarationGroup) && d.Parent is IBlockOperation block
                => TextSpan.FromBounds(d.Syntax.Span.End, block.Syntax.Span.End),
            _ => null,
        };
    }

    private static string? FindProcessLockInScope(ControlFlowGraph cfg, Access read, IMethodSymbol method, FileTypes ft)
    {
        if (ft.ProcessLock is null) return null;
        bool IsLock(ITypeSymbol? t) => SymbolEqualityComparer.Default.Equals(t, ft.ProcessLock);
        var position = read.Operation.Syntax.SpanStart;
        for (var region = cfg.Blocks[read.Block].EnclosingRegion; region is not null; region = region.EnclosingRegion)
        {
            foreach (var local in region.Locals)
            {
                if (!IsLock(local.Type)) continue;
                var decl = local.DeclaringSyntaxReferences.FirstOrDefault();
                if (decl is not null && decl.Span.End <= position) return local.Name;
            }
        }
        foreach (var p in method.Parameters)
            if (IsLock(p.Type)) return p.Name;
        for (var type = method.ContainingType; type is not null; type = type.ContainingType)
        {
            foreach (var member in type.GetMembers())
            {
                if (member is IFieldSymbol f && IsLock(f.Type) && (f.IsStatic || !method.IsStatic) && !f.IsImplicitlyDeclared) return f.Name;
                if (member is IPropertySymbol prop && IsLock(prop.Type) && prop.GetMethod is not null && prop.Parameters.IsEmpty && (prop.IsStatic || !method.IsStatic)) return prop.Name;
            }
            if (!method.IsStatic) break; // nested type instance members are not reachable
        }
        return null;
    }

    /// <summary>A file read and/or write with the path it touches, or null.</summary>
    private static Access? Classify(IOperation op, FileTypes ft, Dictionary<CaptureId, IOperation>? captures, ReaderHelpers? readers)
    {
        IOperation? pathArg = null;
        bool read = false, write = false;
        switch (op)
        {
            case IInvocationOperation helper when readers is not null && readers.TryGetValue(helper.TargetMethod.OriginalDefinition, out var ordinal):
                pathArg = helper.Arguments.FirstOrDefault(a => a.Parameter?.Ordinal == ordinal)?.Value;
                read = true;
                break;
            case IInvocationOperation inv when SymbolEqualityComparer.Default.Equals(inv.TargetMethod.ContainingType, ft.File):
            {
                pathArg = Arg(inv.Arguments, "path");
                switch (inv.TargetMethod.Name)
                {
                    case "ReadAllText": case "ReadAllTextAsync": case "ReadAllBytes": case "ReadAllBytesAsync":
                    case "ReadAllLines": case "ReadAllLinesAsync": case "ReadLines": case "ReadLinesAsync": case "OpenRead": case "OpenText":
                        read = true; break;
                    case "WriteAllText": case "WriteAllTextAsync": case "WriteAllBytes": case "WriteAllBytesAsync":
                    case "WriteAllLines": case "WriteAllLinesAsync": case "Create": case "CreateText": case "OpenWrite":
                        write = true; break;
                    case "Open":
                        if (!StreamMode(inv.Arguments, out read, out write)) return null;
                        break;
                    default: return null;
                }
                break;
            }
            case IObjectCreationOperation creation when creation.Constructor is { } ctor
                && ctor.Parameters.Length > 0 && ctor.Parameters[0].Type.SpecialType == SpecialType.System_String && ctor.Parameters[0].Name == "path":
            {
                pathArg = Arg(creation.Arguments, "path");
                var type = creation.Type;
                if (SymbolEqualityComparer.Default.Equals(type, ft.StreamReader)) read = true;
                else if (SymbolEqualityComparer.Default.Equals(type, ft.StreamWriter)) write = true;
                else if (SymbolEqualityComparer.Default.Equals(type, ft.FileStream))
                {
                    if (!StreamMode(creation.Arguments, out read, out write)) return null;
                }
                else return null;
                break;
            }
            default:
                return null;
        }
        if (pathArg is null || (!read && !write)) return null;
        pathArg = Captured(pathArg, captures);
        var key = Key(pathArg);
        if (key is null) return null;
        return new Access { Operation = op, Key = key.Value, Display = Display(pathArg), Read = read, Write = write };
    }

    private static IOperation Captured(IOperation value, Dictionary<CaptureId, IOperation>? captures)
    {
        for (var i = 0; i < 8 && captures is not null && value is IFlowCaptureReferenceOperation r && captures.TryGetValue(r.Id, out var captured); i++)
            value = captured;
        return value;
    }

    private static string Display(IOperation path)
    {
        while (path is IConversionOperation c) path = c.Operand;
        return path switch
        {
            ILocalReferenceOperation l => l.Local.Name,
            IParameterReferenceOperation p => p.Parameter.Name,
            IFieldReferenceOperation f when f.ConstantValue is not { HasValue: true } => f.Field.Name,
            IPropertyReferenceOperation p => p.Property.Name,
            _ when path.ConstantValue is { HasValue: true, Value: string s } => s,
            _ => path.Syntax.ToString(),
        };
    }

    private static PathKey? Key(IOperation path)
    {
        while (path is IConversionOperation c) path = c.Operand;
        if (path.ConstantValue is { HasValue: true, Value: string s }) return new PathKey(null, s);
        return path switch
        {
            ILocalReferenceOperation l => new PathKey(l.Local, null),
            IParameterReferenceOperation p => new PathKey(p.Parameter, null),
            IFieldReferenceOperation f => new PathKey(f.Field, null),
            IPropertyReferenceOperation { Arguments.IsEmpty: true } p => new PathKey(p.Property, null),
            _ => null,
        };
    }

    private static IOperation? Arg(ImmutableArray<IArgumentOperation> args, string name) =>
        args.FirstOrDefault(a => a.Parameter?.Name == name)?.Value;

    /// <summary>Read/write of a FileStream or File.Open from its constant mode and access.</summary>
    private static bool StreamMode(ImmutableArray<IArgumentOperation> args, out bool read, out bool write)
    {
        read = write = false;
        var modeArg = Arg(args, "mode");
        if (modeArg?.ConstantValue is not { HasValue: true, Value: int mode }) return false;
        int access;
        var accessArg = args.FirstOrDefault(a => a.Parameter?.Name == "access" && !a.IsImplicit)?.Value;
        if (accessArg is null) access = mode == 6 ? 2 : 3; // Append: Write; otherwise ReadWrite
        else if (accessArg.ConstantValue is { HasValue: true, Value: int a }) access = a;
        else return false;
        var truncates = mode is 1 or 2 or 5; // CreateNew, Create, Truncate
        write = (access & 2) != 0 || truncates || mode == 6;
        read = (access & 1) != 0 && !truncates;
        return true;
    }
}
