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
    /// Every Terminate/Kill in <paramref name="graph"/> (a function's graph with
    /// <see cref="ExceptionSemantics.ExplicitThrowsAndImplicitEdges"/>, or a linear one) after which a path ends without
    /// joining the process (for the elements of a collection: after which no path joins one).
    /// </summary>
    internal static void Analyze(FlowGraph graph, MultiprocTypes types, System.Action<Diagnostic> report)
    {
        Dictionary<ISymbol, bool>? handedOn = null;
        var forEach = FlowKey.ForEachCollections(graph.Root);
        var terminations = new List<IInvocationOperation>();
        for (var b = 0; b < graph.BlockCount; b++)
        {
            if (!graph.IsReachable(b)) continue;
            var steps = graph.Steps(b);
            for (var i = 0; i < steps.Count; i++)
            {
                terminations.Clear();
                LinearFlow.ForEachOutsideFunctions(steps[i], (terminations, types), static (op, state) =>
                {
                    if (op is IInvocationOperation inv && IsTerminate(inv, state.types)) state.terminations.Add(inv);
                });
                foreach (var inv in terminations)
                {
                    if (FlowKey.Of(inv.Instance, allowElements: true, forEach) is not { } key) continue;

                    bool Satisfies(IOperation op) => JoinsKey(op, key, forEach, types);

                    bool missing;
                    if (key.Element)
                    {
                        missing = !PathSearch.AnyPathReaches(graph, b, i, Satisfies);
                    }
                    else
                    {
                        handedOn ??= new Dictionary<ISymbol, bool>(SymbolEqualityComparer.Default);
                        if (!handedOn.TryGetValue(key.Symbol, out var escaped))
                            handedOn[key.Symbol] = escaped = FlowKey.IsHandedOn(graph.Root, key.Symbol, types.IsChildProcess);
                        if (escaped) continue;
                        missing = PathSearch.HasUnsatisfiedPath(graph, b, i, Satisfies, startStepMayThrow: false, revisit: null);
                    }
                    if (missing) Report(inv, report);
                }
            }
        }
    }
}
