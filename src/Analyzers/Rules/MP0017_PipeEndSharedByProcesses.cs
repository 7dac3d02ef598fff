namespace Multiproc.Analyzers;

/// <summary>
/// MP0017: one <c>PipeEnd</c> used by more than one process: the same end passed to two child processes, passed to
/// the children created in a loop (the end declared outside it), or used by the parent (<c>Send</c>, <c>Receive</c>,
/// <c>TryReceive</c>, <c>Poll</c> and their async forms) after the child it was passed to was started.
/// </summary>
/// <remarks>
/// Per body (a gate in the host: a child target that takes a pipe end), over the operation tree, in source order within
/// one function: no graph. What stays compliant: one end passed, the other kept (the pipe's point); the passed end
/// closed or disposed by the parent (letting go of its copy is what it should do); a parent use after a <c>Close()</c>
/// of the end (that throws at run time anyway, and is not this rule's mistake); each child given its own pipe (a pipe
/// created inside the loop). The end is followed by variable (local, parameter, field): an end copied into another
/// variable first is not followed.
/// </remarks>
internal static class PipeEndSharedByProcesses
{
    /// <summary>Whether the target invocation of a child takes a pipe end (the host's gate).</summary>
    public static bool PassesPipeEnd(IInvocationOperation target, MultiprocTypes types)
    {
        foreach (var argument in target.Arguments)
            if (types.IsPipeEnd(argument.Value.Type) || types.IsPipeEnd(SymbolKey.StripConversions(argument.Value)?.Type)) return true;
        return false;
    }

    private sealed class Passed
    {
        public Passed(IObjectCreationOperation creation, IOperation argument, SymbolKey end, IOperation function)
        {
            Creation = creation;
            Argument = argument;
            End = end;
            Function = function;
        }

        public IObjectCreationOperation Creation { get; }
        public IOperation Argument { get; }
        public SymbolKey End { get; }
        public IOperation Function { get; }
    }

    public static void Analyze(OperationBlockAnalysisContext block, MultiprocTypes types)
    {
        var roots = new HashSet<IOperation>();
        foreach (var op in block.OperationBlocks)
        {
            var root = op;
            while (root.Parent is not null) root = root.Parent;
            if (roots.Add(root)) AnalyzeRoot(block, root, types);
        }
    }

    private static void AnalyzeRoot(OperationBlockAnalysisContext block, IOperation root, MultiprocTypes types)
    {
        var passed = new List<Passed>();
        var uses = new List<IInvocationOperation>();
        foreach (var d in root.Descendants())
        {
            if (d is IObjectCreationOperation creation && ChildTargets.GetTargetInvocation(creation, types) is { } target)
            {
                foreach (var argument in target.Arguments)
                {
                    var value = SymbolKey.StripConversions(argument.Value);
                    if (value is null || !types.IsPipeEnd(value.Type) || SymbolKey.From(value) is not { } key) continue;
                    passed.Add(new Passed(creation, value, key, FunctionOf(creation, root)));
                }
            }
            else if (d is IInvocationOperation { Instance: { } instance } invocation && types.IsPipeEnd(invocation.TargetMethod.ContainingType))
            {
                uses.Add(invocation);
            }
        }
        if (passed.Count == 0) return;

        var reported = new HashSet<IOperation>();
        void Report(IOperation at, SymbolKey end, string what)
        {
            if (reported.Add(at))
                block.ReportDiagnostic(Diagnostic.Create(Descriptors.MP0017_PipeEndSharedByProcesses, at.Syntax.GetLocation(), end.Symbol.Name, what));
        }

        for (var i = 0; i < passed.Count; i++)
        {
            var p = passed[i];
            // Passed to the children of a loop: the end is declared outside the loop that creates them.
            if (LoopAround(p.Creation, p.Function) is { } loop && !DeclaredInside(p.End, loop))
                Report(p.Argument, p.End, "is passed to every child process the loop creates");
            // Passed to a second child.
            for (var j = 0; j < i; j++)
            {
                var q = passed[j];
                if (q.Creation != p.Creation && q.End.Equals(p.End) && q.Function == p.Function)
                {
                    Report(p.Argument, p.End, "is passed to a second child process");
                    break;
                }
            }
            // Used by the parent after the child was started.
            if (StartOf(p.Creation, p.Function, root, types) is not { } start) continue;
            IInvocationOperation? closed = null;
            foreach (var use in uses.OrderBy(u => u.Syntax.SpanStart))
            {
                if (use.Syntax.SpanStart <= start.Syntax.SpanStart || FunctionOf(use, root) != p.Function) continue;
                if (SymbolKey.From(use.Instance) is not { } key || !key.Equals(p.End)) continue;
                var name = use.TargetMethod.Name;
                if (name is "Close" or "Dispose")
                {
                    closed ??= use;
                    continue;
                }
                if (closed is not null || name is not ("Send" or "SendAsync" or "Receive" or "ReceiveAsync" or "TryReceive" or "Poll")) continue;
                Report(use, p.End, "is used by the parent after it was passed to a started child process");
            }
        }
    }

    /// <summary>The function (lambda, local function or the body) <paramref name="operation"/> runs in.</summary>
    private static IOperation FunctionOf(IOperation operation, IOperation root)
    {
        for (var parent = operation.Parent; parent is not null; parent = parent.Parent)
            if (parent is IAnonymousFunctionOperation or ILocalFunctionOperation) return parent;
        return root;
    }

    private static ILoopOperation? LoopAround(IOperation operation, IOperation function)
    {
        for (var parent = operation.Parent; parent is not null && parent != function; parent = parent.Parent)
            if (parent is ILoopOperation loop) return loop;
        return null;
    }

    private static bool DeclaredInside(SymbolKey end, ILoopOperation loop) =>
        end.Instance is null && end.Symbol is ILocalSymbol local
        && local.DeclaringSyntaxReferences.Length > 0 && loop.Syntax.Span.Contains(local.DeclaringSyntaxReferences[0].Span);

    /// <summary>
    /// The <c>Start()</c> of the process <paramref name="creation"/> creates: called on the creation itself, or on the
    /// local it initializes or is assigned to, after it in the same function.
    /// </summary>
    private static IInvocationOperation? StartOf(IObjectCreationOperation creation, IOperation function, IOperation root, MultiprocTypes types)
    {
        var parent = creation.Parent;
        while (parent is IConversionOperation) parent = parent.Parent;
        if (parent is IInvocationOperation { TargetMethod.Name: "Start" } direct) return direct;
        ISymbol? process = parent switch
        {
            IVariableInitializerOperation { Parent: IVariableDeclaratorOperation declarator } => declarator.Symbol,
            ISimpleAssignmentOperation assignment => SymbolKey.From(assignment.Target)?.Symbol,
            _ => null,
        };
        if (process is null) return null;
        foreach (var d in function.Descendants())
            if (d is IInvocationOperation { TargetMethod.Name: "Start", Instance: { } instance } start
                && types.IsChildProcess(start.TargetMethod.ContainingType)
                && start.Syntax.SpanStart > creation.Syntax.SpanStart && FunctionOf(start, root) == function
                && SymbolKey.From(instance) is { } k && SymbolEqualityComparer.Default.Equals(k.Symbol, process))
                return start;
        return null;
    }
}
