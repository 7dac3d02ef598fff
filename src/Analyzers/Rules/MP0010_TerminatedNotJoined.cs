using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
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

    /// <summary>A <c>Join</c>/<c>JoinAsync</c> on the process <paramref name="key"/> stands for, outside nested functions.</summary>
    private static bool JoinsKey(IOperation op, FlowKey key, IReadOnlyDictionary<ILocalSymbol, ISymbol> forEach, MultiprocTypes types) =>
        LinearFlow.AnyOutsideFunctions(op, o => o is IInvocationOperation j
            && j.TargetMethod.Name is "Join" or "JoinAsync" && types.IsChildProcess(j.TargetMethod.ContainingType)
            && FlowKey.Of(j.Instance, allowElements: true, forEach) is { } k && k.Equals(key));

    private static void Report(IInvocationOperation inv, System.Action<Diagnostic> report)
    {
        var text = inv.Instance!.Syntax.ToString();
        var properties = ImmutableDictionary<string, string?>.Empty.Add(ProcessProperty, text);
        report(Diagnostic.Create(Descriptors.MP0010_TerminatedNotJoined, inv.Syntax.GetLocation(), properties,
            text, inv.TargetMethod.Name));
    }

    /// <summary>
    /// The same over a linear function (<see cref="LinearFlow"/>): its one path joins the process when a later step does
    /// (the path-search over a graph starts after the step of the Terminate/Kill, too).
    /// </summary>
    internal static void AnalyzeLinear(IReadOnlyList<LinearFlow> functions, MultiprocTypes types, System.Action<Diagnostic> report)
    {
        foreach (var function in functions)
        {
            var steps = function.Steps;
            Dictionary<ISymbol, bool>? handedOn = null;
            var forEach = FlowKey.ForEachCollections(function.Root);
            for (var i = 0; i < steps.Count; i++)
            {
                var terminations = new List<IInvocationOperation>();
                LinearFlow.ForEachOutsideFunctions(steps[i], terminations, (op, list) =>
                {
                    if (op is IInvocationOperation inv && IsTerminate(inv, types)) list.Add(inv);
                });
                foreach (var inv in terminations)
                {
                    if (FlowKey.Of(inv.Instance, allowElements: true, forEach) is not { } key) continue;
                    if (!key.Element)
                    {
                        handedOn ??= new Dictionary<ISymbol, bool>(SymbolEqualityComparer.Default);
                        if (!handedOn.TryGetValue(key.Symbol, out var escaped))
                            handedOn[key.Symbol] = escaped = FlowKey.IsHandedOn(function.Root, key.Symbol, types.IsChildProcess);
                        if (escaped) continue;
                    }
                    var joined = false;
                    for (var j = i + 1; j < steps.Count && !joined; j++) joined = JoinsKey(steps[j], key, forEach, types);
                    if (!joined) Report(inv, report);
                }
            }
        }
    }

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

                    bool Satisfies(IOperation op) => JoinsKey(op, key, forEach, types);

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
                    if (missing) Report(inv, report);
                }
            }
        }
    }
}
