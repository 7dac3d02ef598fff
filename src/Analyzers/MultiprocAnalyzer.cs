using System.Threading;

namespace Multiproc.Analyzers;

/// <summary>
/// Every Multiproc rule but MP0002 (<see cref="LockNotReleasedAnalyzer"/>, which also covers the BCL's locks and
/// runs without Multiproc), in one analyzer. The rule logic lives in one class per rule; this class only feeds them.
/// </summary>
/// <remarks>
/// <para>
/// Why one analyzer: the driver's own cost per analyzer (a compilation-start action, a block-start registration per
/// body, one callback per matching operation, the type lookups) was most of what thirteen small analyzers cost, more
/// than the rules' own work. Here each operation of the kinds below costs one callback for all rules, each body one
/// block-start registration, and the types are resolved once.
/// </para>
/// <para>
/// Per body, cheap gates decide which rules look at it closely (build or walk its control flow graph): MP0003 a
/// <c>Start()</c> call, MP0012 a <c>Start</c>/<c>Join</c>, MP0010 a <c>Terminate</c>/<c>Kill</c>, MP0006 a take from a
/// JoinableQueue, MP0005 a size read and a Get/Put on a ProcessQueue, MP0011 a take from a ProcessQueue, MP0001 a file
/// read and write, MP0009 a <c>new ChildProcess</c> with a <c>Join</c> and a static member referenced, MP0015 a
/// <c>new ProcessPool</c>. MP0004, MP0007, MP0008 and MP0014
/// work per operation. MP0001, MP0009 and MP0013 need the compilation's call graph (what runs in child processes), recorded from the same callbacks and
/// used at compilation end, or at the symbol end of a type whose children run only code of that type (see <see cref="Rules.TypeEnded"/>).
/// </para>
/// <para>
/// Each rule is still configured by its own id: a rule suppressed in every tree (<c>/nowarn</c>, rule set, global
/// config, <c>.editorconfig</c>) does none of its work (<see cref="RuleConfiguration"/>).
/// </para>
/// </remarks>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class MultiprocAnalyzer : DiagnosticAnalyzer
{
    // Per-body gates (bits of BlockState.Gates).
    private const int StartsProcess = 1;        // MP0003
    private const int StartsOrJoins = 2;        // MP0012
    private const int Terminates = 4;           // MP0010
    private const int TakesFromJoinable = 8;    // MP0006
    private const int TakesFromQueue = 16;      // MP0011
    private const int CreatesProcess = 32;      // MP0009
    private const int CreatesPool = 64;         // MP0015
    private const int PassesPipeEnd = 128;      // MP0017
    private const int TakesBeforeTaskDone = 256;// MP0019
    private const int StartsLocalOrNew = 512;   // MP0003: a start on a local or a new ChildProcess (what it reports at)
    private const int JoinsProcess = 1024;      // MP0009: a ChildProcess Join()/JoinAsync() call
    private const int ReferencesStatic = 2048;  // MP0009: a static property or non-const static field referenced
    private const int StartsChild = 4096;       // MP0013: a ChildProcess.Start() call (the body's owner starts children)
    /// <summary>
    /// MP0009 reads a parent body (one that creates a child) for reads of this compilation's statics after a join; it finds
    /// none unless the body joins a child and references a static member, which its operations show (a superset of its walk's
    /// own test: any static, not only this compilation's).
    /// </summary>
    private const int JoinsAndReferencesStatic = JoinsProcess | ReferencesStatic;
    private const int QueueSizeGate = QueueSizeCheck.SizeRead | QueueSizeCheck.QueueCall; // MP0005, in BlockState.QueueFlags
    private const int GraphGates = StartsOrJoins | Terminates | TakesFromJoinable;
    /// <summary>The gates of the rules that read a linear body without a graph (<see cref="LinearFlow"/>).</summary>
    private const int LinearGates = StartsProcess | StartsOrJoins | Terminates | CreatesProcess;
    /// <summary>The gates of the rules that read a body of ifs, loops and returns without a graph (<see cref="StructuredFlow"/>).</summary>
    private const int StructuredGates = StartsProcess | StartsOrJoins | Terminates;

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(
        Descriptors.MP0001_UnlockedReadModifyWrite,
        Descriptors.MP0001_CSharpLockOnly,
        Descriptors.MP0001_UnlockedReadModifyWriteInType,
        Descriptors.MP0001_CSharpLockOnlyInType,
        Descriptors.MP0003_ProcessNotJoined,
        Descriptors.MP0004_DaemonSetAfterStart,
        Descriptors.MP0005_QueueSizeCheckDecides,
        Descriptors.MP0006_MissingTaskDone,
        Descriptors.MP0007_InProcessSynchronizerSentToChild,
        Descriptors.MP0008_UnsendableArgument,
        Descriptors.MP0009_StaticStateWrittenInChild,
        Descriptors.MP0010_TerminatedNotJoined,
        Descriptors.MP0011_EndlessConsumerNotDaemon,
        Descriptors.MP0012_StartTwiceOrJoinBeforeStart,
        Descriptors.MP0013_DaemonStartsChildren,
        Descriptors.MP0014_TargetCannotRunInChild,
        Descriptors.MP0015_PoolNotDisposed,

        Descriptors.MP0016_UnlockedSharedReadModifyWrite,
        Descriptors.MP0017_PipeEndSharedByProcesses,
        Descriptors.MP0018_ConditionWaitOutsideLoop,

        Descriptors.MP0019_TaskDoneNotInFinally);

    private readonly bool _fastPaths;

    /// <summary>The analyzer the compiler and the IDE load.</summary>
    public MultiprocAnalyzer() : this(fastPaths: true)
    {
    }

    /// <param name="fastPaths">
    /// Whether bodies of simple shapes are read without a control flow graph (<see cref="LinearFlow"/>,
    /// <see cref="MissingTaskDone.AllTakesReleasedByFinally"/>); off only in the tests that check both ways give the same
    /// diagnostics.
    /// </param>
    internal MultiprocAnalyzer(bool fastPaths) => _fastPaths = fastPaths;

    public override void Initialize(AnalysisContext context)
    {
        // Generated code is not analyzed (no Analyze flag: no callbacks in generated files or [GeneratedCode] members),
        // so every diagnostic lands in code that is not generated. ReportDiagnostics spares the driver its per-report
        // generated-code check, whose first use in a tree computes the declared symbols of the whole tree.
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.ReportDiagnostics);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(start =>
        {
            var compilation = start.Compilation;
            var ct = start.CancellationToken;
            if (!MultiprocTypes.ReferencesMultiproc(compilation)) return;
            // The types and the rules' state are set up on the first body, not here: see MultiprocTypes.ReferencesMultiproc.
            var fastPaths = _fastPaths;
            var lazyRules = new Lazy<Rules>(() => Rules.For(compilation, MultiprocTypes.For(compilation), fastPaths, ct), LazyThreadSafetyMode.ExecutionAndPublication);

            start.RegisterOperationBlockStartAction(blockStart =>
            {
                var rules = lazyRules.Value;
                if (rules.Kinds.IsEmpty) return;
                var state = new BlockState();
                blockStart.RegisterOperationAction(op => rules.Operation(op, state), rules.Kinds);
                blockStart.RegisterOperationBlockEndAction(block => rules.BlockEnded(block, state));
            });

            // A symbol-end action only for the types that may create a child (their text names ChildProcess): it reports
            // what the type decides alone (children that run only code of the type), so that per-document analysis shows
            // it. A nested type of such a type registers an empty end action (its containing type's end then waits for its
            // members). Every other type gets no action: the driver then tracks nothing for it.
            var mentions = new ChildProcessMentions();
            start.RegisterSymbolStartAction(typeStart =>
            {
                var type = (INamedTypeSymbol)typeStart.Symbol;
                var top = type;
                while (top.ContainingType is not null) top = top.ContainingType;
                if (top.DeclaringSyntaxReferences.Length != 1 || !mentions.In(top.DeclaringSyntaxReferences[0], typeStart.CancellationToken)) return;
                if (!ReferenceEquals(top, type))
                {
                    typeStart.RegisterSymbolEndAction(static _ => { });
                    return;
                }
                typeStart.RegisterSymbolEndAction(typeEnd =>
                {
                    if (lazyRules.IsValueCreated) lazyRules.Value.TypeEnded(typeEnd);
                });
            }, SymbolKind.NamedType);

            start.RegisterCompilationEndAction(end =>
            {
                if (lazyRules.IsValueCreated) lazyRules.Value.CompilationEnded(end);
            });
        });
    }

    /// <summary>What the operations of one body showed so far.</summary>
    private sealed class BlockState
    {
        public int Gates;
        public int QueueFlags;
        public UnlockedFileReadModifyWrite.FileCalls Files;
        /// <summary>The methods of this compilation the body calls or references (<see cref="CallGraph.Record"/>).</summary>
        public List<IMethodSymbol>? Callees;
        /// <summary>What the body's tree uses as locks, found for its first <c>new ChildProcess</c> that asks (MP0007).</summary>
        public InProcessSynchronizer.BodyLockUses? LockUses;
        /// <summary>The statics of this compilation the body writes (MP0009), handed over at its end.</summary>
        public List<ISymbol>? StaticWrites;
        /// <summary>Spans of the <c>new ProcessPool(…)</c> of the body (MP0015).</summary>
        public List<TextSpan>? PoolSpans;
        /// <summary>Spans of the operations the graph rules (MP0005, MP0006, MP0010, MP0012) report at or follow.</summary>
        private List<TextSpan>? _graphSpans;

        public void AddGraphSpan(IOperation operation) => (_graphSpans ??= new List<TextSpan>()).Add(operation.Syntax.Span);

        /// <summary>Whether a nested function (by its span) holds one of those operations, and so needs its graph.</summary>
        public bool HoldsGraphOperation(TextSpan span)
        {
            if (_graphSpans is null) return false;
            foreach (var s in _graphSpans)
                if (span.Contains(s)) return true;
            return false;
        }
    }

    /// <summary>Reports to one body's context: a delegate to <see cref="Report"/> is a plain closed delegate over a class.</summary>
    private sealed class BlockReporter
    {
        private readonly OperationBlockAnalysisContext _block;

        public BlockReporter(OperationBlockAnalysisContext block) => _block = block;

        public void Report(Diagnostic diagnostic) => _block.ReportDiagnostic(diagnostic);
    }

    /// <summary>The rules that are on in one compilation, and the dispatch of operations and bodies to them.</summary>
    private sealed class Rules
    {
        private readonly MultiprocTypes _types;
        private readonly CallGraph? _graph;
        /// <summary>The types that create children running their own methods (the only ones <see cref="TypeEnded"/> looks at).</summary>
        private readonly LocalChildTargets? _localTargets;
        private readonly UnlockedFileReadModifyWrite? _mp0001;
        private readonly bool _mp0003, _mp0004, _mp0005, _mp0006, _mp0010, _mp0012;
        private readonly bool _mp0019;
        private readonly InProcessSynchronizer? _mp0007;
        private readonly UnsendableArgument? _mp0008;
        private readonly StaticStateInChild? _mp0009;
        private readonly EndlessConsumer? _mp0011;
        private readonly DaemonStartsChildren? _mp0013;
        private readonly TargetCannotRunInChild? _mp0014;
        private readonly bool _mp0015;
        private readonly UnlockedSharedReadModifyWrite? _mp0016;
        private readonly bool _mp0017, _mp0018;

        private readonly bool _fastPaths;

        private Rules(Compilation compilation, MultiprocTypes types, bool fastPaths, CancellationToken ct)
        {
            _types = types;
            _fastPaths = fastPaths;
            if (!types.HasMultiproc)
            {
                Kinds = ImmutableArray<OperationKind>.Empty;
                return;
            }
            bool On(DiagnosticDescriptor d) => !RuleConfiguration.IsOffEverywhere(compilation, d, ct);

            // MP0001's two descriptors share the id, so one check covers both.
            _mp0001 = On(Descriptors.MP0001_UnlockedReadModifyWrite) ? UnlockedFileReadModifyWrite.Create(compilation, types) : null;
            _mp0003 = On(Descriptors.MP0003_ProcessNotJoined);
            _mp0004 = On(Descriptors.MP0004_DaemonSetAfterStart);
            _mp0005 = types.ProcessQueue is not null && On(Descriptors.MP0005_QueueSizeCheckDecides);
            _mp0006 = types.JoinableQueue is not null && On(Descriptors.MP0006_MissingTaskDone);
            _mp0019 = types.JoinableQueue is not null && On(Descriptors.MP0019_TaskDoneNotInFinally);
            _mp0007 = On(Descriptors.MP0007_InProcessSynchronizerSentToChild) ? new InProcessSynchronizer(types) : null;
            _mp0008 = On(Descriptors.MP0008_UnsendableArgument) ? new UnsendableArgument(compilation, types) : null;
            _mp0009 = On(Descriptors.MP0009_StaticStateWrittenInChild) ? new StaticStateInChild(compilation, types) : null;
            _mp0010 = On(Descriptors.MP0010_TerminatedNotJoined);
            _mp0011 = types.ProcessQueue is not null && On(Descriptors.MP0011_EndlessConsumerNotDaemon) ? new EndlessConsumer(types, fastPaths) : null;
            _mp0012 = On(Descriptors.MP0012_StartTwiceOrJoinBeforeStart);
            _mp0013 = On(Descriptors.MP0013_DaemonStartsChildren) ? new DaemonStartsChildren(types) : null;
            _mp0014 = On(Descriptors.MP0014_TargetCannotRunInChild) ? new TargetCannotRunInChild(compilation, types) : null;
            _mp0015 = types.ProcessPool is not null && On(Descriptors.MP0015_PoolNotDisposed);
            _mp0016 = (types.SharedValue is not null || types.SharedArray is not null) && On(Descriptors.MP0016_UnlockedSharedReadModifyWrite)
                ? new UnlockedSharedReadModifyWrite(types) : null;
            _mp0017 = types.PipeEnd is not null && On(Descriptors.MP0017_PipeEndSharedByProcesses);
            _mp0018 = types.ProcessCondition is not null && On(Descriptors.MP0018_ConditionWaitOutsideLoop);
            if (_mp0001 is not null || _mp0009 is not null || _mp0013 is not null || _mp0016 is not null) _graph = new CallGraph(compilation.Assembly);
            if (_mp0001 is not null || _mp0009 is not null || _mp0013 is not null) _localTargets = new LocalChildTargets();

            var kinds = new List<OperationKind>();
            var invocations = _graph is not null || _mp0001 is not null || _mp0003 || _mp0005 || _mp0006 || _mp0019 || _mp0007 is not null
                || _mp0010 || _mp0011 is not null || _mp0012 || (_mp0014 is not null && types.ProcessPool is not null) || _mp0018;
            if (invocations) kinds.Add(OperationKind.Invocation);
            if (_graph is not null || _mp0001 is not null || _mp0007 is not null || _mp0008 is not null || _mp0011 is not null || _mp0014 is not null || _mp0015 || _mp0017)
                kinds.Add(OperationKind.ObjectCreation);
            // MP0004 looks at assignments to Daemon through the property reference that is their target.
            if (_graph is not null || _mp0004 || _mp0005 || _mp0009 is not null || _mp0013 is not null) kinds.Add(OperationKind.PropertyReference);
            if (_graph is not null) kinds.Add(OperationKind.MethodReference);
            if (_mp0009 is not null) kinds.Add(OperationKind.FieldReference);
            if (_mp0007 is not null) kinds.Add(OperationKind.Lock);
            Kinds = kinds.ToImmutableArray();
        }

        public static Rules For(Compilation compilation, MultiprocTypes types, bool fastPaths, CancellationToken ct) =>
            new(compilation, types, fastPaths, ct);

        public ImmutableArray<OperationKind> Kinds { get; }

        public void Operation(OperationAnalysisContext context, BlockState state)
        {
            var operation = context.Operation;
            var types = _types;
            switch (operation.Kind)
            {
                case OperationKind.Invocation:
                {
                    var invocation = (IInvocationOperation)operation;
                    var method = invocation.TargetMethod;
                    _graph?.RecordCallee(method, ref state.Callees);
                    // Every other rule looks at calls of a few names only: one switch on the name says which may care.
                    var calls = CallNames.Of(method.Name);
                    if (calls == 0) break;
                    if ((calls & CallNames.Start) != 0 && _mp0013 is not null && _mp0013.IsStart(invocation)) state.Gates |= StartsChild;
                    if ((calls & CallNames.Monitor) != 0) _mp0007?.LockOrInvocation(operation);
                    if ((calls & CallNames.File) != 0 && _mp0001 is not null && state.Files != UnlockedFileReadModifyWrite.FileCalls.Both)
                        state.Files |= _mp0001.MayAccessFile(operation);
                    if ((calls & CallNames.Queue) != 0 && _mp0005) QueueOperation(operation, state);
                    if ((calls & CallNames.Pool) != 0) _mp0014?.Invoked(context, invocation);
                    if ((calls & CallNames.Wait) != 0 && _mp0018) ConditionWaitOutsideLoop.Invoked(context, invocation, types);
                    if ((calls & CallNames.Gate) == 0) break;
                    // Not short-circuited by gates already open: each matching call's span is kept (GraphSpans).
                    var gates = 0;
                    if (_mp0003 && ProcessNotJoined.MayStart(invocation, types))
                        gates |= ProcessNotJoined.StartsLocalOrNew(invocation, types) ? StartsProcess | StartsLocalOrNew : StartsProcess;
                    if (_mp0012 && StartJoinOrder.IsStartOrJoin(invocation, types)) gates |= StartsOrJoins;
                    if (_mp0010 && TerminatedNotJoined.IsTerminate(invocation, types)) gates |= Terminates;
                    if (_mp0006 && MissingTaskDone.IsTake(invocation, types)) gates |= TakesFromJoinable;
                    if (_mp0019 && MissingTaskDone.IsTake(invocation, types)) gates |= TakesBeforeTaskDone;
                    if (_mp0011 is not null && _mp0011.IsGate(invocation)) gates |= TakesFromQueue;
                    if (_mp0009 is not null && ChildProcessSites.IsJoin(invocation, types)) gates |= JoinsProcess;
                    // MP0003's starts too: a nested function holding one is analyzed (LinearFlow.Of, GraphsOf).
                    if ((gates & (GraphGates | StartsProcess)) != 0) state.AddGraphSpan(operation);
                    state.Gates |= gates;
                    break;
                }
                case OperationKind.ObjectCreation:
                {
                    var creation = (IObjectCreationOperation)operation;
                    _graph?.RecordCallee(creation.Constructor, ref state.Callees);
                    // The rules look at a few types only, told apart by name first (equal types have equal names).
                    var type = creation.Type;
                    if (type is null) break;
                    switch (type.Name)
                    {
                        case "StreamReader" or "StreamWriter" or "FileStream":
                            if (_mp0001 is not null && state.Files != UnlockedFileReadModifyWrite.FileCalls.Both) state.Files |= _mp0001.MayAccessFile(operation);
                            break;
                        case "Mutex":
                            _mp0007?.ObjectCreated(creation);
                            break;
                        case "ProcessPool":
                            if (_mp0015 && types.IsProcessPool(type))
                            {
                                state.Gates |= CreatesPool;
                                (state.PoolSpans ??= new List<TextSpan>()).Add(creation.Syntax.Span);
                                PoolNotDisposed.Created(context, creation);
                            }
                            break;
                        case "ChildProcess":
                            if (types.IsChildProcess(type)) ChildProcessCreated(context, creation, state);
                            break;
                    }
                    break;
                }
                case OperationKind.PropertyReference:
                {
                    var reference = (IPropertyReferenceOperation)operation;
                    _graph?.Record(operation, ref state.Callees);
                    var property = reference.Property;
                    var name = property.Name;
                    _mp0016?.PropertyReferenced(context, reference, name);
                    // MP0009 looks at static members only: the cheap test here, the rest in the rule.
                    if (_mp0009 is not null && property.IsStatic)
                    {
                        state.Gates |= ReferencesStatic;
                        if (_mp0009.WrittenMember(context.ContainingSymbol, operation) is { } written) (state.StaticWrites ??= new List<ISymbol>()).Add(written);
                    }
                    // The other rules by name first: Daemon (MP0004, MP0013), the size properties (MP0005).
                    if (name == "Daemon")
                    {
                        _mp0013?.PropertyReferenced(reference);
                        if (_mp0004 && reference.Parent is ISimpleAssignmentOperation or ICompoundAssignmentOperation
                            && ((IAssignmentOperation)reference.Parent).Target == reference)
                            DaemonSetAfterStart.Analyze(context, (IAssignmentOperation)reference.Parent, types, _fastPaths);
                    }
                    else if (_mp0005 && QueueSizeCheck.IsSizeName(name))
                    {
                        QueueOperation(operation, state);
                    }
                    break;
                }
                case OperationKind.FieldReference:
                    if (_mp0009 is not null && ((IFieldReferenceOperation)operation).Field is { IsStatic: true, IsConst: false })
                    {
                        state.Gates |= ReferencesStatic;
                        if (_mp0009.WrittenMember(context.ContainingSymbol, operation) is { } written) (state.StaticWrites ??= new List<ISymbol>()).Add(written);
                    }
                    break;
                case OperationKind.MethodReference:
                    _graph?.Record(operation, ref state.Callees);
                    break;
                case OperationKind.Lock:
                    _mp0007?.LockOrInvocation(operation);
                    break;
            }
        }

        /// <summary>A <c>new ChildProcess(…)</c>: the rules that look at creations and at their target.</summary>
        private void ChildProcessCreated(OperationAnalysisContext context, IObjectCreationOperation creation, BlockState state)
        {
            if (_mp0009 is not null) state.Gates |= CreatesProcess;
            _mp0014?.ChildProcessCreated(context, creation);
            // The target, found once for the rules that follow it.
            if (ChildTargets.GetTargetInvocation(creation, _types) is not { } target) return;
            _localTargets?.Created(context.ContainingSymbol, target.TargetMethod);
            _mp0001?.ChildProcessCreated(target);
            _mp0007?.ChildProcessCreated(context, creation, target, ref state.LockUses);
            _mp0008?.ChildProcessCreated(context, target);
            _mp0011?.ChildProcessCreated(context, creation, target);
            _mp0013?.ChildProcessCreated(context.ContainingSymbol, creation, target);
            _mp0016?.ChildProcessCreated(target);
            if (_mp0017 && PipeEndSharedByProcesses.PassesPipeEnd(target, _types)) state.Gates |= PassesPipeEnd;
        }

        /// <summary>MP0005's gate: a size read and a Get/Put on a ProcessQueue in the body.</summary>
        private void QueueOperation(IOperation operation, BlockState state)
        {
            var flags = QueueSizeCheck.FlagsOf(operation, _types);
            if (flags == 0) return;
            state.QueueFlags |= flags;
            state.AddGraphSpan(operation);
        }

        public void BlockEnded(OperationBlockAnalysisContext block, BlockState state)
        {
            if (state.Callees is not null) _graph!.AddCallees(block.OwningSymbol, state.Callees);
            if (state.StaticWrites is not null) _mp0009!.AddWrites(block.OwningSymbol, state.StaticWrites);
            if ((state.Gates & StartsChild) != 0) _mp0013!.StarterEnded(block.OwningSymbol);
            var gates = state.Gates;
            // MP0009's parent bodies: only those that join a child and reference a static (with the fast paths; else every one).
            if ((gates & CreatesProcess) != 0 && _fastPaths && (gates & JoinsAndReferencesStatic) != JoinsAndReferencesStatic)
                gates &= ~CreatesProcess;
            var types = _types;
            // The rules report through a delegate made once per body that needs one, bound to a class (BlockReporter), not
            // by converting block.ReportDiagnostic at each call: that converts a method of a struct, which boxes the context
            // and takes the runtime's slow path for the delegate's target (~3 µs each, against ~0.1 µs).
            Action<Diagnostic>? reporter = null;
            Action<Diagnostic> Report() => reporter ??= new BlockReporter(block).Report;
            // A linear body (one path, see LinearFlow) answers the path questions of MP0003, MP0009, MP0010 and MP0012
            // without a graph; the others (MP0005, MP0006) still build one.
            var linear = (gates & LinearGates) != 0 && _fastPaths ? LinearFlow.Of(block, state.HoldsGraphOperation, types) : null;
            // Otherwise a body of ifs, loops and returns answers those of MP0003, MP0010 and MP0012 without a graph too.
            var structured = linear is null && (gates & StructuredGates) != 0 && _fastPaths ? StructuredFlow.Of(block, state.HoldsGraphOperation, types) : null;
            if ((gates & StartsLocalOrNew) != 0) ProcessNotJoined.AnalyzeBlock(block, types, linear, structured);
            if ((gates & CreatesPool) != 0) PoolNotDisposed.AnalyzeBlock(block, types, state.PoolSpans!);
            if (linear is not null)
            {
                if ((gates & StartsOrJoins) != 0)
                    foreach (var function in linear) StartJoinOrder.Analyze(FlowGraph.Linear(function), types, Report());
                if ((gates & Terminates) != 0)
                    foreach (var function in linear) TerminatedNotJoined.Analyze(FlowGraph.Linear(function), types, Report());
            }
            else if (structured is not null)
            {
                if ((gates & StartsOrJoins) != 0)
                    foreach (var function in structured) StartJoinOrder.Analyze(FlowGraph.Structured(function), types, Report());
                if ((gates & Terminates) != 0)
                    foreach (var function in structured) TerminatedNotJoined.Analyze(FlowGraph.Structured(function), types, Report());
            }
            var queueSize = (state.QueueFlags & QueueSizeGate) == QueueSizeGate;
            var graphGates = linear is null && structured is null ? gates & GraphGates : gates & TakesFromJoinable;
            if (_fastPaths && (queueSize || (graphGates & TakesFromJoinable) != 0)
                && BlockGate.SingleExecutableRoot(block.OperationBlocks) is { } body)
            {
                // MP0005: size checks that are whole if conditions need no graph.
                if (queueSize && QueueSizeCheck.TryAnalyzeIfShapes(body, types, Report())) queueSize = false;
                // MP0006: takes released by the finally right after them need no graph.
                if ((graphGates & TakesFromJoinable) != 0 && MissingTaskDone.AllTakesReleasedByFinally(body, types)) graphGates &= ~TakesFromJoinable;
                // Nor do the takes of a body of ifs, loops (endless ones too), breaks, continues and returns, unless one is a TryGet.
                if ((graphGates & TakesFromJoinable) != 0 && !MissingTaskDone.HasTryGetTake(body, types)
                    && (structured ??= StructuredFlow.Of(body, state.HoldsGraphOperation, types, loopJumps: true)) is { } functions)
                {
                    foreach (var function in functions) MissingTaskDone.AnalyzeFlow(FlowGraph.Structured(function), types, Report());
                    graphGates &= ~TakesFromJoinable;
                }
            }
            if ((graphGates != 0 || queueSize) && BlockGate.HasExecutableRoot(block.OperationBlocks))
            {
                // The body's graph and those of its lambdas and local functions, found once for all the graph rules.
                // Nested functions only where they hold an operation these rules report at or follow.
                var graphs = new List<ControlFlowGraph>(FlowGraph.GraphsOf(block, state.HoldsGraphOperation));
                foreach (var cfg in graphs)
                {
                    if ((graphGates & StartsOrJoins) != 0)
                        StartJoinOrder.Analyze(new FlowGraph(cfg, ExceptionSemantics.ExplicitThrowsAndImplicitEdges), types, Report());
                    if ((graphGates & Terminates) != 0)
                        TerminatedNotJoined.Analyze(new FlowGraph(cfg, ExceptionSemantics.ExplicitThrowsAndImplicitEdges), types, Report());
                    if ((graphGates & TakesFromJoinable) != 0) MissingTaskDone.AnalyzeGraph(cfg, types, Report());
                    if (queueSize) QueueSizeCheck.AnalyzeGraph(cfg, types, Report());
                }
            }
            if ((gates & TakesBeforeTaskDone) != 0) TaskDoneNotInFinally.Analyze(block, types);
            if (block.OwningSymbol is not IMethodSymbol) return;
            if (state.Files == UnlockedFileReadModifyWrite.FileCalls.Both) _mp0001!.BlockEnded(block);
            else if (state.Files == UnlockedFileReadModifyWrite.FileCalls.Read) _mp0001!.ReaderEnded(block);
            else if (state.Files == UnlockedFileReadModifyWrite.FileCalls.Write && state.Callees is not null) _mp0001!.WriterEnded(block);
            if ((gates & CreatesProcess) != 0) _mp0009!.BlockEnded(block, linear?[0]);
            if ((gates & TakesFromQueue) != 0) _mp0011!.BlockEnded(block);
            if ((gates & PassesPipeEnd) != 0) PipeEndSharedByProcesses.Analyze(block, types);
        }

        /// <summary>
        /// A top-level type's symbol end: every body of it and of its nested types has ended. Only a type that creates
        /// children running its own methods (<see cref="LocalChildTargets"/>, one dictionary miss for every other type) is
        /// looked at: when those targets and all they reach are declared in the type, in its one file, the type decides
        /// MP0001, MP0009 and MP0013 for them alone, and reports here what per-document analysis then shows.
        /// </summary>
        public void TypeEnded(SymbolAnalysisContext end)
        {
            if (_localTargets is null || end.Symbol is not INamedTypeSymbol type || _localTargets.Of(type.OriginalDefinition) is not { } roots) return;
            if (type.DeclaringSyntaxReferences.Length != 1 || _graph!.ReachableWithin(roots, type) is not { } reachable) return;
            _mp0001?.TypeEnded(end, type.OriginalDefinition, reachable);
            _mp0009?.TypeEnded(end, type.OriginalDefinition, reachable, _graph);
            _mp0013?.TypeEnded(end, type.OriginalDefinition, reachable, _graph);
        }

        [MethodImpl(Jit.Optimize)] // compilation end: too few calls to leave tier-0 code
        public void CompilationEnded(CompilationAnalysisContext end)
        {
            if (_graph is not null)
            {
                // Which methods run in children is only known once every body has been seen.
                _mp0001?.CompilationEnded(end, _graph);
                _mp0009?.CompilationEnded(end, _graph);
                _mp0013?.CompilationEnded(end, _graph);
                _mp0016?.CompilationEnded(end, _graph);
            }
            _mp0007?.CompilationEnded(end);
            _mp0011?.CompilationEnded(end);
        }
    }
}
