using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace Multiproc.Analyzers;

/// <summary>
/// The rules that ask what code runs in child processes, and so need the compilation's call graph:
/// MP0001 (<see cref="UnlockedFileReadModifyWrite"/>), MP0009 (<see cref="StaticStateInChild"/>) and
/// MP0013 (<see cref="DaemonStartsChildren"/>). One analyzer, so that the call graph is recorded once
/// per compilation (one operation callback per call-like operation, not three) and the per-body
/// prefilters of MP0001 and MP0009 share one operation-block registration. Each rule is still
/// configured by its own id: a rule suppressed in every tree does none of its work.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class ChildCodeAnalyzer : DiagnosticAnalyzer
{
    private static readonly ImmutableArray<OperationKind> KindsWithFields = CallGraph.CalleeKinds.Add(OperationKind.FieldReference);
    private static readonly ImmutableArray<OperationKind> FileAndCreationKinds = ImmutableArray.Create(OperationKind.Invocation, OperationKind.ObjectCreation);
    private static readonly ImmutableArray<OperationKind> CreationKind = ImmutableArray.Create(OperationKind.ObjectCreation);

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(
        Descriptors.MP0001_UnlockedReadModifyWrite,
        Descriptors.MP0001_CSharpLockOnly,
        Descriptors.MP0009_StaticStateWrittenInChild,
        Descriptors.MP0013_DaemonStartsChildren);

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
            var compilation = start.Compilation;
            var ct = start.CancellationToken;

            // MP0001's two descriptors share the id, so one check covers both.
            var mp0001 = RuleConfiguration.IsOffEverywhere(compilation, Descriptors.MP0001_UnlockedReadModifyWrite, ct)
                ? null : UnlockedFileReadModifyWrite.Create(compilation, types);
            var mp0009 = RuleConfiguration.IsOffEverywhere(compilation, Descriptors.MP0009_StaticStateWrittenInChild, ct)
                ? null : new StaticStateInChild(compilation, types);
            var mp0013 = RuleConfiguration.IsOffEverywhere(compilation, Descriptors.MP0013_DaemonStartsChildren, ct)
                ? null : new DaemonStartsChildren(types);
            if (mp0001 is null && mp0009 is null && mp0013 is null) return;

            var graph = new CallGraph(compilation.Assembly);

            // One cheap callback per call-like or member operation: the call graph edge, and what each rule notes
            // (MP0001: child targets; MP0009: statics written; MP0013: Start() calls and daemon creations).
            start.RegisterOperationAction(ctx =>
            {
                var operation = ctx.Operation;
                switch (operation.Kind)
                {
                    case OperationKind.Invocation:
                        graph.Record(ctx.ContainingSymbol, operation);
                        mp0013?.Invoked(ctx.ContainingSymbol, (IInvocationOperation)operation);
                        break;
                    case OperationKind.ObjectCreation:
                        graph.Record(ctx.ContainingSymbol, operation);
                        if (types.IsChildProcess(operation.Type))
                        {
                            var creation = (IObjectCreationOperation)operation;
                            mp0001?.ChildProcessCreated(creation);
                            mp0013?.ChildProcessCreated(creation);
                        }
                        break;
                    case OperationKind.PropertyReference:
                        graph.Record(ctx.ContainingSymbol, operation);
                        mp0009?.MemberReferenced(ctx.ContainingSymbol, operation);
                        mp0013?.PropertyReferenced((IPropertyReferenceOperation)operation);
                        break;
                    case OperationKind.FieldReference:
                        mp0009?.MemberReferenced(ctx.ContainingSymbol, operation);
                        break;
                    default:
                        graph.Record(ctx.ContainingSymbol, operation);
                        break;
                }
            }, mp0009 is null ? CallGraph.CalleeKinds : KindsWithFields);

            // Per method body, cheap prefilters decide which bodies get looked at closely: MP0001 those that may
            // both read and write a file, MP0009 those that create a ChildProcess (parents).
            if (mp0001 is not null || mp0009 is not null)
            {
                start.RegisterOperationBlockStartAction(blockStart =>
                {
                    if (blockStart.OwningSymbol is not IMethodSymbol) return;
                    var files = UnlockedFileReadModifyWrite.FileCalls.None;
                    var createsProcess = false;
                    blockStart.RegisterOperationAction(op =>
                    {
                        var operation = op.Operation;
                        if (mp0001 is not null && files != UnlockedFileReadModifyWrite.FileCalls.Both) files |= mp0001.MayAccessFile(operation);
                        if (mp0009 is not null && !createsProcess && operation.Kind == OperationKind.ObjectCreation && types.IsChildProcess(operation.Type))
                            createsProcess = true;
                    }, mp0001 is not null ? FileAndCreationKinds : CreationKind);
                    blockStart.RegisterOperationBlockEndAction(block =>
                    {
                        if (files == UnlockedFileReadModifyWrite.FileCalls.Both) mp0001!.BlockEnded(block);
                        if (createsProcess) mp0009!.BlockEnded(block);
                    });
                });
            }

            // Which methods run in children is only known once every body has been seen.
            start.RegisterCompilationEndAction(end =>
            {
                mp0001?.CompilationEnded(end, graph);
                mp0009?.CompilationEnded(end, graph);
                mp0013?.CompilationEnded(end, graph);
            });
        });
    }
}
