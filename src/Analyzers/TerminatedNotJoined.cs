using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace Multiproc.Analyzers;

/// <summary>
/// MP0010: <c>Terminate()</c> or <c>Kill()</c> on a <c>ChildProcess</c> with a path after it, in the same method,
/// that reaches the end of the method (or a <c>throw</c> leaving it) without <c>Join</c>/<c>JoinAsync</c> on the
/// same process. For processes reached through a collection (foreach variable, indexer, array element) it is
/// enough that some path joins an element of the same collection (the usual "terminate all, then join all").
/// A process handed on (passed as an argument, stored elsewhere, returned, captured) is not flagged.
/// </summary>
internal static class TerminatedNotJoined
{
    /// <summary>Property: the process expression as written.</summary>
    public const string ProcessProperty = "Process";

    internal static bool IsTerminate(IInvocationOperation inv, MultiprocTypes types) =>
        inv.TargetMethod.Name is "Terminate" or "Kill" && types.IsChildProcess(inv.TargetMethod.ContainingType);

    internal static void AnalyzeGraph(ControlFlowGraph cfg, MultiprocTypes types, System.Action<Diagnostic> report)
    {
        PathFlowGraph? graph = null;
        var handedOn = new Dictionary<ISymbol, bool>(SymbolEqualityComparer.Default);
        var forEach = FlowKey.ForEachCollections(cfg.OriginalOperation);

        foreach (var block in cfg.Blocks)
        {
            if (!block.IsReachable) continue;
            var steps = PathFlowGraph.Steps(block);
            for (var i = 0; i < steps.Count; i++)
            {
                foreach (var inv in steps[i].DescendantsAndSelf().OfType<IInvocationOperation>())
                {
                    if (!IsTerminate(inv, types)) continue;
                    if (FlowKey.Of(inv.Instance, allowElements: true, forEach) is not { } key) continue;

                    bool Satisfies(IOperation op) => op.DescendantsAndSelf().OfType<IInvocationOperation>().Any(j =>
                        j.TargetMethod.Name is "Join" or "JoinAsync" && types.IsChildProcess(j.TargetMethod.ContainingType)
                        && FlowKey.Of(j.Instance, allowElements: true, forEach) is { } k && k.Equals(key));

                    graph ??= new PathFlowGraph(cfg);
                    bool missing;
                    if (key.Element)
                    {
                        missing = !PathSearch.AnyPathReaches(graph, block.Ordinal, i, Satisfies);
                    }
                    else
                    {
                        if (!handedOn.TryGetValue(key.Symbol, out var escaped))
                            handedOn[key.Symbol] = escaped = FlowKey.IsHandedOn(cfg.OriginalOperation, key.Symbol, types.IsChildProcess);
                        if (escaped) continue;
                        missing = PathSearch.HasUnsatisfiedPath(graph, block.Ordinal, i, Satisfies, startStepMayThrow: false, revisit: null);
                    }
                    if (!missing) continue;

                    var text = inv.Instance!.Syntax.ToString();
                    var properties = ImmutableDictionary<string, string?>.Empty.Add(ProcessProperty, text);
                    report(Diagnostic.Create(Descriptors.MP0010_TerminatedNotJoined, inv.Syntax.GetLocation(), properties,
                        text, inv.TargetMethod.Name));
                }
            }
        }
    }
}
