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
    private static bool JoinsKey(IOperation op, FlowKey key, IReadOnlyDictionary<ILocalSymbol, ISymbol> forEach, MultiprocTypes types,
        Dictionary<CaptureId, IOperation>? receivers) =>
        LinearFlow.AnyOutsideFunctions(op, o => o is IInvocationOperation j
            && j.TargetMethod.Name is "Join" or "JoinAsync" && types.IsChildProcess(j.TargetMethod.ContainingType)
            && FlowKey.Of(Receiver(j.Instance, receivers), allowElements: true, forEach) is { } k && k.Equals(key)
            // p?.Join(): the capture of p joins it (the path where p is null has nothing to join).
            || o is IFlowCaptureOperation { Syntax.Parent: Microsoft.CodeAnalysis.CSharp.Syntax.ConditionalAccessExpressionSyntax
                   { WhenNotNull: Microsoft.CodeAnalysis.CSharp.Syntax.InvocationExpressionSyntax { Expression: Microsoft.CodeAnalysis.CSharp.Syntax.MemberBindingExpressionSyntax { Name.Identifier.ValueText: "Join" or "JoinAsync" } } } access } capture
               && access.Expression == capture.Syntax
               && FlowKey.Of(capture.Value, allowElements: true, forEach) is { } c && c.Equals(key));

    /// <summary>
    /// The receiver of a call: in a graph, the <c>p</c> of <c>p?.Terminate()</c> / <c>p?.Join()</c> is a capture, and the
    /// call's instance a reference to it (<paramref name="receivers"/>: those captures of the graph, by id).
    /// </summary>
    private static IOperation? Receiver(IOperation? instance, Dictionary<CaptureId, IOperation>? receivers) =>
        instance is IFlowCaptureReferenceOperation r && receivers is not null && receivers.TryGetValue(r.Id, out var value) ? value : instance;

    /// <summary>The captures of a graph that are the receiver of a conditional access (<c>p</c> of <c>p?.Kill()</c>), by id.</summary>
    private static Dictionary<CaptureId, IOperation>? ConditionalReceivers(ControlFlowGraph? cfg)
    {
        if (cfg is null) return null;
        Dictionary<CaptureId, IOperation>? receivers = null;
        foreach (var block in cfg.Blocks)
            foreach (var operation in block.Operations)
                if (operation is IFlowCaptureOperation capture
                    && capture.Syntax.Parent is Microsoft.CodeAnalysis.CSharp.Syntax.ConditionalAccessExpressionSyntax access && access.Expression == capture.Syntax)
                    (receivers ??= new Dictionary<CaptureId, IOperation>())[capture.Id] = capture.Value;
        return receivers;
    }

    /// <summary>Where a call is reported: the whole <c>p?.Kill()</c> for a conditional call (its syntax is <c>.Kill()</c>).</summary>
    internal static Location CallLocation(IInvocationOperation inv) =>
        (inv.Syntax.Parent is Microsoft.CodeAnalysis.CSharp.Syntax.ConditionalAccessExpressionSyntax access && access.WhenNotNull == inv.Syntax ? access : inv.Syntax).GetLocation();

    /// <summary>The receiver <c>list</c> of <c>list.ForEach(lambda)</c> for <paramref name="lambda"/>, or null.</summary>
    private static Microsoft.CodeAnalysis.CSharp.Syntax.ExpressionSyntax? ForEachLambdaCollection(IMethodSymbol lambda)
    {
        if (lambda.DeclaringSyntaxReferences.Length != 1) return null;
        var syntax = lambda.DeclaringSyntaxReferences[0].GetSyntax();
        return syntax.Parent is Microsoft.CodeAnalysis.CSharp.Syntax.ArgumentSyntax
        {
            Parent: Microsoft.CodeAnalysis.CSharp.Syntax.ArgumentListSyntax
            {
                Arguments.Count: 1,
                Parent: Microsoft.CodeAnalysis.CSharp.Syntax.InvocationExpressionSyntax
                {
                    Expression: Microsoft.CodeAnalysis.CSharp.Syntax.MemberAccessExpressionSyntax { Name.Identifier.ValueText: "ForEach" } member
                }
            }
        } ? member.Expression : null;
    }

    /// <summary>
    /// Whether the member around <paramref name="collection"/> joins an element of it anywhere (read from the syntax, by the
    /// collection's text): <c>list.ForEach(w =&gt; w.Join())</c>, <c>foreach (var w in list) … Join …</c>, <c>list[i].Join()</c>.
    /// </summary>
    private static bool JoinsElementOf(Microsoft.CodeAnalysis.CSharp.Syntax.ExpressionSyntax collection)
    {
        var text = collection.ToString();
        SyntaxNode scope = collection;
        while (scope.Parent is not null && scope is not Microsoft.CodeAnalysis.CSharp.Syntax.MemberDeclarationSyntax) scope = scope.Parent;
        static bool HasJoin(SyntaxNode node) => node.DescendantNodesAndSelf().OfType<Microsoft.CodeAnalysis.CSharp.Syntax.MemberAccessExpressionSyntax>()
            .Any(m => m.Name.Identifier.ValueText is "Join" or "JoinAsync");
        foreach (var node in scope.DescendantNodes())
        {
            switch (node)
            {
                case Microsoft.CodeAnalysis.CSharp.Syntax.InvocationExpressionSyntax
                {
                    Expression: Microsoft.CodeAnalysis.CSharp.Syntax.MemberAccessExpressionSyntax { Name.Identifier.ValueText: "ForEach" } m
                } call when m.Expression.ToString() == text && HasJoin(call.ArgumentList):
                    return true;
                case Microsoft.CodeAnalysis.CSharp.Syntax.ForEachStatementSyntax loop when loop.Expression.ToString() == text && HasJoin(loop.Statement):
                    return true;
                case Microsoft.CodeAnalysis.CSharp.Syntax.ElementAccessExpressionSyntax
                {
                    Parent: Microsoft.CodeAnalysis.CSharp.Syntax.MemberAccessExpressionSyntax { Name.Identifier.ValueText: "Join" or "JoinAsync" }
                } element when element.Expression.ToString() == text:
                    return true;
            }
        }
        return false;
    }

    private static void Report(IInvocationOperation inv, System.Action<Diagnostic> report)
    {
        var text = inv.Instance!.Syntax.ToString();
        var properties = ImmutableDictionary<string, string?>.Empty.Add(ProcessProperty, text);
        report(Diagnostic.Create(Descriptors.MP0010_TerminatedNotJoined, CallLocation(inv), properties,
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
        Dictionary<CaptureId, IOperation>? receivers = null;
        var receiversFound = false;
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
                    if (!receiversFound) receivers = ConditionalReceivers(graph.Cfg);
                    receiversFound = true;
                    var instance = Receiver(inv.Instance, receivers);
                    // list.ForEach(w => w.Terminate()): w is an element of the list, joined if the method joins one anywhere.
                    if (instance is IParameterReferenceOperation { Parameter.ContainingSymbol: IMethodSymbol { MethodKind: MethodKind.AnonymousFunction } lambda }
                        && ForEachLambdaCollection(lambda) is { } collection)
                    {
                        if (!JoinsElementOf(collection)) Report(inv, report);
                        continue;
                    }
                    if (FlowKey.Of(instance, allowElements: true, forEach) is not { } key) continue;

                    bool Satisfies(IOperation op) => JoinsKey(op, key, forEach, types, receivers);

                    bool missing;
                    if (key.Element)
                    {
                        missing = !PathSearch.AnyPathReaches(graph, b, i, Satisfies);
                    }
                    else
                    {
                        handedOn ??= new Dictionary<ISymbol, bool>(SymbolEqualityComparer.Default);
                        if (!handedOn.TryGetValue(key.Symbol, out var escaped))
                            handedOn[key.Symbol] = escaped = FlowKey.IsHandedOn(graph.Root, key.Symbol, types.IsChildProcess, conditionalAccess: true);
                        if (escaped) continue;
                        missing = PathSearch.HasUnsatisfiedPath(graph, b, i, Satisfies, startStepMayThrow: false, revisit: null);
                    }
                    if (missing) Report(inv, report);
                }
            }
        }
    }
}
