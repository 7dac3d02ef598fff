using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace Multiproc.Analyzers;

/// <summary>
/// MP0004: <c>p.Daemon = …</c> reachable from <c>p.Start()</c> on some path, with no new process
/// assigned to <c>p</c> in between. Runs on <c>Start()</c> invocations of ChildProcess only.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class DaemonSetAfterStartAnalyzer : DiagnosticAnalyzer
{
    /// <summary>Diagnostic property: span start of the <c>Start()</c> statement to move the assignment before; absent when no fix applies.</summary>
    public const string StartStatementProperty = "StartStatement";

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
        ImmutableArray.Create(Descriptors.MP0004_DaemonSetAfterStart);

    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(start =>
        {
            var types = new MultiprocTypes(start.Compilation);
            if (!types.HasMultiproc) return;
            start.RegisterOperationAction(c => Analyze(c, types), OperationKind.Invocation);
        });
    }

    private static void Analyze(OperationAnalysisContext context, MultiprocTypes types)
    {
        var start = (IInvocationOperation)context.Operation;
        if (start.TargetMethod.Name != "Start" || start.TargetMethod.Parameters.Length != 0
            || !types.IsChildProcess(start.TargetMethod.ContainingType)) return;
        if (SymbolKey.From(start.Instance) is not { } key) return;

        ControlFlowGraph? cfg;
        try
        {
            cfg = FlowHelpers.GraphFor(start, context.GetControlFlowGraph());
        }
        catch (System.ArgumentException)
        {
            return;
        }
        if (cfg is null || FlowHelpers.Find<IInvocationOperation>(cfg, start.Syntax) is not { } found || found.Index < 0) return;

        var assignments = new List<IOperation>();
        var blocks = cfg.Blocks;
        var seen = new bool[blocks.Length];
        var work = new Stack<(BasicBlock Block, int From)>();
        work.Push((found.Block, found.Index + 1));
        while (work.Count > 0)
        {
            var (block, from) = work.Pop();
            var killed = false;
            for (var i = from; i < block.Operations.Length && !killed; i++)
                killed = Scan(block.Operations[i], key, assignments);
            if (!killed && block.BranchValue is { } bv) killed = Scan(bv, key, assignments);
            if (killed) continue;
            foreach (var branch in new[] { block.FallThroughSuccessor, block.ConditionalSuccessor })
            {
                if (branch?.Destination is not { } dest || seen[dest.Ordinal]) continue;
                seen[dest.Ordinal] = true;
                work.Push((dest, 0));
            }
        }

        if (assignments.Count == 0) return;
        var startStatement = StartStatement(start);
        var reported = new HashSet<SyntaxNode>();
        foreach (var assignment in assignments)
        {
            if (!reported.Add(assignment.Syntax)) continue;
            var properties = ImmutableDictionary<string, string?>.Empty;
            if (startStatement is not null && CanMove(assignment, startStatement))
                properties = properties.Add(StartStatementProperty, startStatement.Syntax.SpanStart.ToString(CultureInfo.InvariantCulture));
            context.ReportDiagnostic(Diagnostic.Create(Descriptors.MP0004_DaemonSetAfterStart, assignment.Syntax.GetLocation(), properties,
                start.Instance!.Syntax.ToString()));
        }
    }

    /// <summary>Collects <c>key.Daemon = …</c> in <paramref name="operation"/>; true when it assigns a new process to the key.</summary>
    private static bool Scan(IOperation operation, SymbolKey key, List<IOperation> assignments)
    {
        foreach (var d in operation.DescendantsAndSelf())
        {
            if (d is not IAssignmentOperation assignment) continue;
            if (assignment.Target is IPropertyReferenceOperation { Property.Name: "Daemon" } daemon
                && SymbolKey.From(daemon.Instance) is { } k && k.Equals(key))
            {
                assignments.Add(assignment);
            }
            else if (key.IsAssignedBy(assignment))
            {
                return true;
            }
        }
        return false;
    }

    private static IExpressionStatementOperation? StartStatement(IInvocationOperation start) =>
        start.Parent as IExpressionStatementOperation;

    /// <summary>The assignment is a statement of its own, and what it assigns can be evaluated before Start().</summary>
    private static bool CanMove(IOperation assignment, IOperation startStatement)
    {
        // Only a statement of its own in a block is moved; `if (c) p.Daemon = true;` keeps its condition and gets no fix.
        if (assignment.Parent is not IExpressionStatementOperation { Parent: IBlockOperation }) return false;
        if (assignment is not ISimpleAssignmentOperation simple) return false;
        foreach (var d in simple.Value.DescendantsAndSelf())
        {
            if (d is ILocalReferenceOperation local)
            {
                foreach (var r in local.Local.DeclaringSyntaxReferences)
                    if (r.Span.Start > startStatement.Syntax.SpanStart) return false;
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
