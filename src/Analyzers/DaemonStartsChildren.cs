using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace Multiproc.Analyzers;

/// <summary>
/// MP0013: a daemon ChildProcess whose target (or a method it calls within the compilation) starts a
/// ChildProcess. A daemon may not have children: Start() inside it throws.
/// </summary>
/// <remarks>
/// The rule's state for one compilation, fed by <see cref="ChildCodeAnalyzer"/> (which records the call
/// graph once for MP0001, MP0009 and MP0013).
/// </remarks>
internal sealed class DaemonStartsChildren
{
    private readonly MultiprocTypes _types;
    private readonly ConcurrentDictionary<IMethodSymbol, byte> _starters = new(SymbolEqualityComparer.Default);
    private readonly ConcurrentBag<ChildProcessSite> _daemons = new();

    public DaemonStartsChildren(MultiprocTypes types) => _types = types;

    /// <summary>An invocation (any operation block): ChildProcess.Start() calls make their method a starter of children.</summary>
    public void Invoked(ISymbol containingSymbol, IInvocationOperation invocation)
    {
        if (containingSymbol is IMethodSymbol method && ChildProcessSites.IsStart(invocation, _types))
            _starters.TryAdd(method.OriginalDefinition, 0);
    }

    /// <summary>A ChildProcess creation (any operation block): daemon ones are kept.</summary>
    public void ChildProcessCreated(IObjectCreationOperation creation)
    {
        var site = ChildProcessSites.Analyze(creation, _types);
        if (site is { Daemon: DaemonState.Daemon }) _daemons.Add(site);
    }

    public void CompilationEnded(CompilationAnalysisContext end, CallGraph graph)
    {
        if (_daemons.IsEmpty || _starters.IsEmpty) return;
        foreach (var site in _daemons)
        {
            var reachable = graph.ReachableFrom(site.TargetMethod);
            if (!reachable.Any(_starters.ContainsKey)) continue;
            end.ReportDiagnostic(Diagnostic.Create(
                Descriptors.MP0013_DaemonStartsChildren,
                site.Creation.Syntax.GetLocation(),
                site.DisplayName,
                site.TargetMethod.Name));
        }
    }
}
