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
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class DaemonStartsChildrenAnalyzer : DiagnosticAnalyzer
{
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
        ImmutableArray.Create(Descriptors.MP0013_DaemonStartsChildren);

    public override void Initialize(AnalysisContext context)
    {
        // Generated code is not analyzed (no Analyze flag: no callbacks in generated files or [GeneratedCode] members),
        // so every diagnostic lands in code that is not generated. ReportDiagnostics spares the driver its per-report
        // generated-code check, whose first use in a tree computes the declared symbols of the whole tree.
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.ReportDiagnostics);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(start =>
        {
            var types = new MultiprocTypes(start.Compilation);
            if (!types.HasMultiproc) return;

            var graph = new CallGraph(start.Compilation.Assembly);
            var starters = new ConcurrentDictionary<IMethodSymbol, byte>(SymbolEqualityComparer.Default);
            var daemons = new ConcurrentBag<ChildProcessSite>();

            // One cheap callback per call-like operation: the call graph edge, ChildProcess.Start() calls
            // (their method starts children) and daemon ChildProcess creations.
            start.RegisterOperationAction(ctx =>
            {
                var operation = ctx.Operation;
                graph.Record(ctx.ContainingSymbol, operation);
                switch (operation.Kind)
                {
                    case OperationKind.Invocation:
                        if (ctx.ContainingSymbol is IMethodSymbol method && ChildProcessSites.IsStart((IInvocationOperation)operation, types))
                            starters.TryAdd(method.OriginalDefinition, 0);
                        break;
                    case OperationKind.ObjectCreation when types.IsChildProcess(operation.Type):
                        var site = ChildProcessSites.Analyze((IObjectCreationOperation)operation, types);
                        if (site is { Daemon: DaemonState.Daemon }) daemons.Add(site);
                        break;
                }
            }, CallGraph.CalleeKinds);

            start.RegisterCompilationEndAction(end =>
            {
                if (daemons.IsEmpty || starters.IsEmpty) return;
                foreach (var site in daemons)
                {
                    var reachable = graph.ReachableFrom(site.TargetMethod);
                    if (!reachable.Any(starters.ContainsKey)) continue;
                    end.ReportDiagnostic(Diagnostic.Create(
                        Descriptors.MP0013_DaemonStartsChildren,
                        site.Creation.Syntax.GetLocation(),
                        site.DisplayName,
                        site.TargetMethod.Name));
                }
            });
        });
    }
}
