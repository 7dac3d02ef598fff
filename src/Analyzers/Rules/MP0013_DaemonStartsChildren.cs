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
    // Locals of type ChildProcess that some assignment sets Daemon = true on (in the body that declares them, lambdas included).
    private readonly ConcurrentDictionary<ILocalSymbol, byte> _daemonLocals = new(SymbolEqualityComparer.Default);

    public DaemonStartsChildren(MultiprocTypes types) => _types = types;

    /// <summary>An invocation (any operation block): ChildProcess.Start() calls make their method a starter of children.</summary>
    public void Invoked(ISymbol containingSymbol, IInvocationOperation invocation)
    {
        if (containingSymbol is IMethodSymbol method && ChildProcessSites.IsStart(invocation, _types))
            _starters.TryAdd(method.OriginalDefinition, 0);
    }

    /// <summary>
    /// A ChildProcess creation (any operation block). Whether it is a daemon is decided at the compilation end, as
    /// <see cref="ChildProcessSites.Analyze"/> decides it (<c>Daemon = true</c> in its initializer, or assigned to the
    /// local it is stored in), but without a walk of the body per creation: the assignments come through
    /// <see cref="PropertyReferenced"/>.
    /// </summary>
    /// <param name="target">The target invocation of the creation (<see cref="ChildTargets.GetTargetInvocation"/>).</param>
    public void ChildProcessCreated(IObjectCreationOperation creation, IInvocationOperation target)
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
        _creations.Add(new Creation(creation.Syntax.GetLocation(), target.TargetMethod, local, daemonInInitializer));
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

    [MethodImpl(Jit.Optimize)] // compilation end: too few calls to leave tier-0 code
    public void CompilationEnded(CompilationAnalysisContext end, CallGraph graph)
    {
        if (_creations.IsEmpty || _starters.IsEmpty) return;
        foreach (var creation in _creations)
        {
            var daemon = creation.DaemonInInitializer || (creation.Local is { } local && _daemonLocals.ContainsKey(local));
            if (!daemon) continue;
            var reachable = graph.ReachableFrom(creation.Target);
            if (!reachable.Any(_starters.ContainsKey)) continue;
            end.ReportDiagnostic(Diagnostic.Create(
                Descriptors.MP0013_DaemonStartsChildren,
                creation.Location,
                creation.Local?.Name ?? creation.Target.Name,
                creation.Target.Name));
        }
    }
}
