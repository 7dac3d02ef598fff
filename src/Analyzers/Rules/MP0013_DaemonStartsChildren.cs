using System.Collections.Concurrent;

namespace Multiproc.Analyzers;

/// <summary>
/// MP0013: a daemon ChildProcess whose target (or a method it calls within the compilation) starts a
/// ChildProcess. A daemon may not have children: Start() inside it throws.
/// </summary>
/// <remarks>
/// The rule's state for one compilation, fed by <see cref="MultiprocAnalyzer"/> (which records the call
/// graph once for MP0001, MP0009 and MP0013).
/// </remarks>
internal sealed class DaemonStartsChildren
{
    /// <summary>A <c>new ChildProcess(() =&gt; M(…))</c>, kept small: no operation tree is held until the compilation end.</summary>
    private sealed class Creation
    {
        public Creation(Location location, IMethodSymbol target, ILocalSymbol? local, bool daemonInInitializer)
        {
            Location = location;
            Target = target;
            Local = local;
            DaemonInInitializer = daemonInInitializer;
        }

        public Location Location { get; }
        public IMethodSymbol Target { get; }
        public ILocalSymbol? Local { get; }
        public bool DaemonInInitializer { get; }
    }

    private readonly MultiprocTypes _types;
    private readonly ConcurrentDictionary<IMethodSymbol, byte> _starters = new(SymbolEqualityComparer.Default);
    private readonly ConcurrentBag<Creation> _creations = new();
    /// <summary>Creations whose creator and target share a top-level type, by that type, for <see cref="TypeEnded"/>.</summary>
    private readonly ConcurrentDictionary<INamedTypeSymbol, ConcurrentBag<Creation>> _localByType = new(SymbolEqualityComparer.Default);
    /// <summary>Creations decided at their type's symbol end: the compilation end skips them.</summary>
    private readonly ConcurrentDictionary<Creation, byte> _decidedInType = new();
    // Locals of type ChildProcess that some assignment sets Daemon = true on (in the body that declares them, lambdas included).
    private readonly ConcurrentDictionary<ILocalSymbol, byte> _daemonLocals = new(SymbolEqualityComparer.Default);

    public DaemonStartsChildren(MultiprocTypes types) => _types = types;

    /// <summary>
    /// An invocation (any operation block): whether it is a ChildProcess.Start() call, which makes its method a starter of
    /// children. The host remembers it for the body and hands the body's owner over once, at its end (<see cref="StarterEnded"/>):
    /// one lookup per body, not one per Start call.
    /// </summary>
    public bool IsStart(IInvocationOperation invocation) => ChildProcessSites.IsStart(invocation, _types);

    /// <summary>The end of a body that calls ChildProcess.Start() (<see cref="IsStart"/>): its owner, a method, starts children.</summary>
    public void StarterEnded(ISymbol owner)
    {
        if (owner is IMethodSymbol method) _starters.TryAdd(method.OriginalDefinition, 0);
    }

    /// <summary>
    /// A ChildProcess creation (any operation block). Whether it is a daemon is decided at the compilation end, as
    /// <see cref="ChildProcessSites.Analyze"/> decides it (<c>Daemon = true</c> in its initializer, or assigned to the
    /// local it is stored in), but without a walk of the body per creation: the assignments come through
    /// <see cref="PropertyReferenced"/>.
    /// </summary>
    /// <param name="creator">The symbol whose body holds the creation.</param>
    /// <param name="creation">The creation.</param>
    /// <param name="target">The target invocation of the creation (<see cref="ChildTargets.GetTargetInvocation"/>).</param>
    public void ChildProcessCreated(ISymbol creator, IObjectCreationOperation creation, IInvocationOperation target)
    {
        var daemonInInitializer = false;
        if (creation.Initializer is { } init)
        {
            foreach (var member in init.Initializers)
            {
                if (member is ISimpleAssignmentOperation { Target: IPropertyReferenceOperation { Property.Name: "Daemon" } } assignment
                    && IsConstantTrue(assignment.Value))
                    daemonInInitializer = true;
            }
        }
        var local = ChildProcessSites.StoredLocal(creation, out _);
        var created = new Creation(creation.Syntax.GetLocation(), target.TargetMethod.OriginalDefinition, local, daemonInInitializer);
        _creations.Add(created);
        if (LocalChildTargets.TopType(creator) is { } type && SymbolEqualityComparer.Default.Equals(type, LocalChildTargets.TopType(created.Target)))
            _localByType.GetOrAdd(type, static _ => new ConcurrentBag<Creation>()).Add(created);
    }

    /// <summary>A property reference (any operation block): <c>p.Daemon = true</c> on a local <c>p</c>.</summary>
    public void PropertyReferenced(IPropertyReferenceOperation reference)
    {
        if (reference.Property.Name != "Daemon" || reference.Instance is not ILocalReferenceOperation local) return;
        if (reference.Parent is not ISimpleAssignmentOperation assignment || assignment.Target != reference) return;
        if (!_types.IsChildProcess(reference.Property.ContainingType) || !IsConstantTrue(assignment.Value)) return;
        _daemonLocals.TryAdd(local.Local, 0);
    }

    private static bool IsConstantTrue(IOperation value) => value.ConstantValue is { HasValue: true, Value: true };

    /// <summary>
    /// A top-level type's symbol end, for a type whose child targets and every method they reach (<paramref name="reachable"/>)
    /// are declared in the type, in its one file: its creations of those targets are decided here (the Daemon assignments and
    /// the Start calls that decide them are in bodies of the type, all seen), with the descriptor per-document analysis shows;
    /// the compilation end skips them.
    /// </summary>
    public void TypeEnded(SymbolAnalysisContext end, INamedTypeSymbol type, HashSet<IMethodSymbol> reachable, CallGraph graph)
    {
        if (!_localByType.TryGetValue(type, out var creations)) return;
        foreach (var creation in creations)
        {
            if (!reachable.Contains(creation.Target) || !_decidedInType.TryAdd(creation, 0)) continue;
            if (Diagnose(creation, graph, Descriptors.MP0013_DaemonStartsChildren) is { } diagnostic) end.ReportDiagnostic(diagnostic);
        }
    }

    [MethodImpl(Jit.Optimize)] // compilation end: too few calls to leave tier-0 code
    public void CompilationEnded(CompilationAnalysisContext end, CallGraph graph)
    {
        if (_creations.IsEmpty || _starters.IsEmpty) return;
        foreach (var creation in _creations)
            if (!_decidedInType.ContainsKey(creation) && Diagnose(creation, graph, Descriptors.MP0013_DaemonStartsChildren) is { } diagnostic)
                end.ReportDiagnostic(diagnostic);
    }

    /// <summary>
    /// The diagnostic of one creation, if it is one; the callers report it themselves (no delegate made from a context's
    /// method per creation: that boxes the context struct and takes the runtime's slow path).
    /// </summary>
    private Diagnostic? Diagnose(Creation creation, CallGraph graph, DiagnosticDescriptor descriptor)
    {
        if (_starters.IsEmpty) return null;
        var daemon = creation.DaemonInInitializer || (creation.Local is { } local && _daemonLocals.ContainsKey(local));
        if (!daemon) return null;
        var reachable = graph.ReachableFrom(creation.Target);
        if (!reachable.Any(_starters.ContainsKey)) return null;
        return Diagnostic.Create(descriptor, creation.Location, creation.Local?.Name ?? creation.Target.Name, creation.Target.Name);
    }
}
