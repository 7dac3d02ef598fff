namespace Multiproc.Analyzers;

/// <summary>
/// The host of MP0002 (<see cref="LockNotReleased"/>): a lock acquired and not released on every path, exceptions included.
/// An analyzer of its own because it also covers the BCL's locks (<c>Monitor</c>, <c>SemaphoreSlim</c>,
/// <c>ReaderWriterLockSlim</c>, <c>Mutex</c>) and so runs in compilations that do not reference Multiproc.
/// Runs on invocations and object creations of the member bodies whose text can hold an acquire or a release; the control
/// flow graph is looked at only for methods that acquire a lock.
/// </summary>
/// <remarks>
/// <para><b>The text gate</b> (<see cref="LockTextGate"/>, bench/README.md "MP0002 cost, thirteenth session"). Per type (symbol
/// start): if no declaration of the type contains a mark of an acquire (a lock method's name word, <c>Mutex</c> or an alias
/// of it, a target-typed <c>new(…)</c> with arguments, a <c>\u</c> escape or a Unicode formatting character), the type
/// registers nothing. Otherwise one operation block start action: a member body (or initializer) whose span holds a call mark
/// gets the invocation action, one that holds a creation mark the <c>new Mutex(true, …)</c> action, the others none; the
/// symbol end action reports the pending member-lock leaks as before.</para>
/// <para>Why it is sound: every acquire is an invocation whose method name (or a <c>new</c> of Mutex whose spelling) leaves
/// such a mark inside the span of the body that contains it, which is inside a declaration of the type that contains it
/// (<see cref="LockTextGate"/> lists the spellings: aliases, <c>using static</c>, escapes, formatting characters that the
/// compiler drops from identifiers, target-typed creations whose type is written in another part or type). The only
/// thing a body without an acquire contributes is a release of a member lock, which lets the type's end drop a pending report:
/// release names carry the same marks (<c>Release</c>, <c>Exit</c>, <c>WriterLock</c>), so those bodies keep the action, and a
/// type with no acquire has nothing pending. The callbacks of the bodies that keep their action are unchanged, so are the
/// diagnostics.</para>
/// <para>Why per block: on the benchmark corpus almost every type has a lock call somewhere, but only about one body in ten;
/// the driver binds what it hands the actions (our callbacks bind nothing), and each callback has a fixed cost inside the
/// driver's timer, so the cut is in the number of callbacks (the eleventh session's one action per tree bound the bodies
/// inside its own callback, and was dearer).</para>
/// </remarks>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class LockNotReleasedAnalyzer : DiagnosticAnalyzer
{
    private readonly bool _structuredFlow;

    /// <summary>The analyzer as it ships: bodies of the shapes <c>LockNotReleased.StructuredFlow</c> reads get no graph.</summary>
    public LockNotReleasedAnalyzer() : this(structuredFlow: true)
    {
    }

    /// <summary>With <paramref name="structuredFlow"/> false every acquire the finally check leaves gets a graph (the tests compare both).</summary>
    internal LockNotReleasedAnalyzer(bool structuredFlow) => _structuredFlow = structuredFlow;

    /// <summary>The kinds of the per-type operation action, made once (not a params array copied at every type's start).</summary>
    private static readonly ImmutableArray<OperationKind> InvocationAndCreation = ImmutableArray.Create(OperationKind.Invocation, OperationKind.ObjectCreation);
    private static readonly ImmutableArray<OperationKind> InvocationOnly = ImmutableArray.Create(OperationKind.Invocation);
    private static readonly ImmutableArray<OperationKind> CreationOnly = ImmutableArray.Create(OperationKind.ObjectCreation);

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
        ImmutableArray.Create(Descriptors.MP0002_LockNotReleased, Descriptors.MP0002_LockNotReleasedOnException);

    public override void Initialize(AnalysisContext context)
    {
        // Generated code is not analyzed (no Analyze flag: no callbacks in generated files or [GeneratedCode] members),
        // so every diagnostic lands in code that is not generated. ReportDiagnostics spares the driver its per-report
        // generated-code check, whose first use in a tree computes the declared symbols of the whole tree.
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.ReportDiagnostics);
        context.EnableConcurrentExecution();
        var structured = _structuredFlow;
        context.RegisterCompilationStartAction(start =>
        {
            // The lock types are resolved on the first type, not here (see MultiprocTypes.ReferencesMultiproc): every .NET
            // compilation has Monitor, so there is no compilation to skip, and at compilation start the lookups would
            // bind every reference first.
            var compilation = start.Compilation;
            var lazyApi = new System.Lazy<LockApi>(() => new LockApi(MultiprocTypes.For(compilation)), System.Threading.LazyThreadSafetyMode.ExecutionAndPublication);

            var gate = new LockTextGate(compilation);

            start.RegisterSymbolStartAction(symbolStart =>
            {
                var api = lazyApi.Value;
                if (!api.Any) return;
                var type = (INamedTypeSymbol)symbolStart.Symbol;
                // No declaration of the type holds a hit that can be an acquire: nothing to register (see the remarks).
                if (gate.ForType(type, api.HasMutex) is not { } text) return;
                var state = new LockNotReleased.TypeState();
                Action<OperationAnalysisContext> invocations = c => LockNotReleased.AnalyzeInvocation(c, type, api, state, structured);
                Action<OperationAnalysisContext> creations = c => LockNotReleased.AnalyzeCreation(c, type, api, state, structured);
                // One action for both kinds where a block needs both (the kind is read once per callback).
                Action<OperationAnalysisContext> both = c =>
                {
                    if (c.Operation.Kind == OperationKind.Invocation) LockNotReleased.AnalyzeInvocation(c, type, api, state, structured);
                    else LockNotReleased.AnalyzeCreation(c, type, api, state, structured);
                };
                if (ReferenceEquals(text, LockTextGate.TypeText.Unread))
                {
                    // No source declaration to read: every operation of the type, as without the gate.
                    if (api.HasMutex) symbolStart.RegisterOperationAction(both, InvocationAndCreation);
                    else symbolStart.RegisterOperationAction(invocations, InvocationOnly);
                }
                else
                {
                    symbolStart.RegisterOperationBlockStartAction(blockStart =>
                    {
                        text.Blocks(blockStart.OperationBlocks, out var calls, out var news);
                        if (calls && news) blockStart.RegisterOperationAction(both, InvocationAndCreation);
                        else if (calls) blockStart.RegisterOperationAction(invocations, InvocationOnly);
                        else if (news) blockStart.RegisterOperationAction(creations, CreationOnly);
                    });
                }
                symbolStart.RegisterSymbolEndAction(end => state.Flush(end));
            }, SymbolKind.NamedType);
        });
    }
}
