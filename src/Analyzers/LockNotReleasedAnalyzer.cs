namespace Multiproc.Analyzers;

/// <summary>
/// The host of MP0002 (<see cref="LockNotReleased"/>): a lock acquired and not released on every path, exceptions included.
/// An analyzer of its own because it also covers the BCL's locks (<c>Monitor</c>, <c>SemaphoreSlim</c>,
/// <c>ReaderWriterLockSlim</c>, <c>Mutex</c>) and so runs in compilations that do not reference Multiproc.
/// Runs on invocations only: a method without an acquire call costs one name comparison per call;
/// the control flow graph is looked at only for methods that acquire a lock.
/// </summary>
/// <remarks>
/// One operation action per type, for every body, on purpose: a text gate that registered actions only for the bodies whose
/// text can hold a lock call (per type at symbol start, then per body through an operation block start action) was measured
/// dearer (bench/README.md, "MP0002 cost, thirteenth session"). The ~68,000 callbacks that return at once cost the driver
/// about 4 ms a pass in all; the gate's own floor (searching each tree's text, ~2 ms, and one block start per member, ~11,500)
/// cost 11–18 ms before any analysis. What MP0002 costs beyond that floor is the acquires' analysis and its reports: a
/// release call is only recorded in the type's <c>LockNotReleased.TypeState</c> (its name says it is a release,
/// <c>LockApi.RoleOf</c>) and classified at the type's end only when a report of that type waits on the member locks its
/// other members release (bench/README.md, "MP0002 cost, fifteenth session").
/// <para>
/// Reports carry no properties. What the fix needs (its kind, the release statement that closes the region, the release's
/// name, whether it takes the lock, the <c>new Mutex(true, …)</c> variable) is a function of the acquire's operation and
/// the compilation, so the fixer computes it when a fix is asked for (<c>LockNotReleased.FixPropertiesAt</c>, the same
/// code the analyzer ran): computed here it was ~2 ms of MP0002's ~16–18 ms a pass on the benchmark corpus, paid in every
/// build for every report, although a fix is asked for rarely and then for one diagnostic or one document
/// (bench/README.md, "MP0002 fix properties in the fixer, fifteenth session"). No property was kept: none is both cheap
/// and out of the fixer's reach.
/// </para>
/// </remarks>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class LockNotReleasedAnalyzer : DiagnosticAnalyzer
{
    private readonly bool _structuredFlow;
    private readonly bool _eagerFixProperties;

    /// <summary>
    /// The analyzer as it ships: bodies of the shapes <c>LockNotReleased.StructuredFlow</c> reads get no graph, and reports
    /// carry no fix properties (the fixer computes them).
    /// </summary>
    public LockNotReleasedAnalyzer() : this(structuredFlow: true)
    {
    }

    /// <summary>
    /// With <paramref name="structuredFlow"/> false every acquire the finally check leaves gets a graph (the tests compare both);
    /// with <paramref name="eagerFixProperties"/> every report carries the fix properties, computed as the analyzer did before
    /// the fixer computed them (the tests compare the two).
    /// </summary>
    internal LockNotReleasedAnalyzer(bool structuredFlow, bool eagerFixProperties = false)
    {
        _structuredFlow = structuredFlow;
        _eagerFixProperties = eagerFixProperties;
    }

    /// <summary>The kinds of the per-type operation action, made once (not a params array copied at every type's start).</summary>
    private static readonly ImmutableArray<OperationKind> InvocationAndCreation = ImmutableArray.Create(OperationKind.Invocation, OperationKind.ObjectCreation);
    private static readonly ImmutableArray<OperationKind> InvocationOnly = ImmutableArray.Create(OperationKind.Invocation);

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
        var eager = _eagerFixProperties;
        context.RegisterCompilationStartAction(start =>
        {
            // The lock types are resolved on the first type, not here (see MultiprocTypes.ReferencesMultiproc): every .NET
            // compilation has Monitor, so there is no compilation to skip, and at compilation start the lookups would
            // bind every reference first.
            var compilation = start.Compilation;
            var lazyApi = new System.Lazy<LockApi>(() => new LockApi(MultiprocTypes.For(compilation)), System.Threading.LazyThreadSafetyMode.ExecutionAndPublication);

            start.RegisterSymbolStartAction(symbolStart =>
            {
                var api = lazyApi.Value;
                if (!api.Any) return;
                var type = (INamedTypeSymbol)symbolStart.Symbol;
                var state = new LockNotReleased.TypeState(eager);
                // One action for both kinds (one registration per type instead of two; the kind is read once per callback).
                if (api.HasMutex)
                {
                    symbolStart.RegisterOperationAction(c =>
                    {
                        if (c.Operation.Kind == OperationKind.Invocation) LockNotReleased.AnalyzeInvocation(c, type, api, state, structured);
                        else LockNotReleased.AnalyzeCreation(c, type, api, state, structured);
                    }, InvocationAndCreation);
                }
                else
                {
                    symbolStart.RegisterOperationAction(c => LockNotReleased.AnalyzeInvocation(c, type, api, state, structured), InvocationOnly);
                }
                symbolStart.RegisterSymbolEndAction(end => state.Flush(end, api));
            }, SymbolKind.NamedType);
        });
    }
}
