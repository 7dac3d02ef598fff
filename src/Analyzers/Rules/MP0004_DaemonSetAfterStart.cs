using System.Globalization;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Multiproc.Analyzers;

/// <summary>
/// MP0004: <c>p.Daemon = …</c> reachable from <c>p.Start()</c> on some path, with no new process
/// assigned to <c>p</c> in between. Runs on assignments to <c>ChildProcess.Daemon</c> only and walks
/// the control flow graph backwards from them.
/// </summary>
internal static class DaemonSetAfterStart
{
    /// <summary>Diagnostic property: span start of the <c>Start()</c> statement to move the assignment before; absent when no fix applies.</summary>
    public const string StartStatementProperty = "StartStatement";

    /// <summary>
    /// An assignment (simple or compound) to <c>Daemon</c>: the analyzer hands it over from the property reference
    /// that is its target, so that no callback runs per assignment.
    /// </summary>
    internal static void Analyze(OperationAnalysisContext context, IAssignmentOperation assignment, MultiprocTypes types)
    {
        if (assignment.Target is not IPropertyReferenceOperation { Property.Name: "Daemon" } daemon
            || !types.IsChildProcess(daemon.Property.ContainingType)) return;
        if (SymbolKey.From(daemon.Instance) is not { } key) return;

        ControlFlowGraph? cfg;
        try
        {
            cfg = FlowHelpers.GraphFor(assignment, context.GetControlFlowGraph());
        }
        catch (System.Exception ex) when (ex is System.ArgumentException or System.InvalidOperationException)
        {
            return;
        }
        if (cfg is null || FlowHelpers.Find<IAssignmentOperation>(cfg, assignment.Syntax) is not { } found || found.Index < 0) return;

        // Backwards from the assignment: a Start() on the same process, with no new process assigned in between.
        var start = FindStartBefore(cfg, found.Block, found.Index, key);
        if (start is null) return;

        var properties = ImmutableDictionary<string, string?>.Empty;
        if (start.Syntax.Parent is ExpressionStatementSyntax startStatement && CanMove(assignment, startStatement))
            properties = properties.Add(StartStatementProperty, startStatement.SpanStart.ToString(CultureInfo.InvariantCulture));
        context.ReportDiagnostic(Diagnostic.Create(Descriptors.MP0004_DaemonSetAfterStart, assignment.Syntax.GetLocation(), properties,
            daemon.Instance!.Syntax.ToString()));
    }

    private static IInvocationOperation? FindStartBefore(ControlFlowGraph cfg, BasicBlock block, int index, SymbolKey key)
    {
        var seen = new bool[cfg.Blocks.Length];
        var work = new Stack<(BasicBlock Block, int Before, bool IncludeBranch)>();
        work.Push((block, index, false));
        while (work.Count > 0)
        {
            var (b, before, includeBranch) = work.Pop();
            var verdict = 0; // 0 continue, 1 found, 2 killed
            IInvocationOperation? start = null;
            if (includeBranch && b.BranchValue is { } bv) verdict = Scan(bv, key, out start);
            for (var i = before - 1; i >= 0 && verdict == 0; i--) verdict = Scan(b.Operations[i], key, out start);
            if (verdict == 1) return start;
            if (verdict == 2) continue;
            foreach (var predecessor in b.Predecessors)
            {
                var source = predecessor.Source;
                if (seen[source.Ordinal]) continue;
                seen[source.Ordinal] = true;
                work.Push((source, source.Operations.Length, true));
            }
        }
        return null;
    }

    /// <summary>1 when <paramref name="operation"/> starts the process, 2 when it assigns a new process to the key, else 0.</summary>
    private static int Scan(IOperation operation, SymbolKey key, out IInvocationOperation? start)
    {
        start = null;
        foreach (var d in operation.DescendantsAndSelf())
        {
            if (d is IInvocationOperation { TargetMethod.Name: "Start", TargetMethod.Parameters.Length: 0 } inv
                && SymbolKey.From(inv.Instance) is { } k && k.Equals(key))
            {
                start = inv;
                return 1;
            }
            if (d is IAssignmentOperation a && key.IsAssignedBy(a)) return 2;
        }
        return 0;
    }

    /// <summary>The assignment is a statement of its own, and what it assigns can be evaluated before Start().</summary>
    private static bool CanMove(IOperation assignment, SyntaxNode startStatement)
    {
        // Only a statement of its own in a block is moved; `if (c) p.Daemon = true;` keeps its condition and gets no fix.
        if (assignment.Parent is not IExpressionStatementOperation { Parent: IBlockOperation }) return false;
        if (assignment is not ISimpleAssignmentOperation simple) return false;
        foreach (var d in simple.Value.DescendantsAndSelf())
        {
            if (d is ILocalReferenceOperation local)
            {
                foreach (var r in local.Local.DeclaringSyntaxReferences)
                    if (r.Span.Start > startStatement.SpanStart) return false;
            }
            else if (d is IInvocationOperation or IObjectCreationOperation or IAwaitOperation)
            {
                return false; // moving would change when (and whether) it runs
            }
        }
        // The process must exist where Start() is: it does, Start() is called on it.
        return true;
    }
}
