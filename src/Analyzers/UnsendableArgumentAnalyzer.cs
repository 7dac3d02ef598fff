using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace Multiproc.Analyzers;

/// <summary>
/// MP0008: an argument of a child target whose type cannot be sent to the child (delegates, streams,
/// tasks, cancellation tokens, pointers, Span&lt;T&gt;, types System.Text.Json cannot round-trip). The same
/// check ChildProcess.Start() makes at run time, moved to compile time.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class UnsendableArgumentAnalyzer : DiagnosticAnalyzer
{
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
        ImmutableArray.Create(Descriptors.MP0008_UnsendableArgument);

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
            var sendability = new Sendability(start.Compilation, types);

            start.RegisterOperationAction(ctx =>
            {
                var target = ChildTargets.GetTargetInvocation((IObjectCreationOperation)ctx.Operation, types);
                if (target is null) return;
                foreach (var argument in target.Arguments)
                {
                    if (argument.ArgumentKind == ArgumentKind.DefaultValue || argument.Parameter is null) continue;
                    // The value's own type (before conversion to the parameter type) says what is sent;
                    // the parameter type says what the child rebuilds.
                    var valueType = ChildProcessSites.StripConversions(argument.Value)?.Type;
                    var parameterType = argument.Parameter.Type;
                    var type = valueType ?? parameterType;
                    var reason = sendability.WhyNot(type);
                    if (reason is null && valueType is not null && !SymbolEqualityComparer.Default.Equals(valueType, parameterType))
                    {
                        type = parameterType;
                        reason = sendability.WhyNot(parameterType);
                    }
                    if (reason is null) continue;
                    ctx.ReportDiagnostic(Diagnostic.Create(
                        Descriptors.MP0008_UnsendableArgument,
                        argument.Value.Syntax.GetLocation(),
                        argument.Parameter.Name,
                        type.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat),
                        reason));
                }
            }, OperationKind.ObjectCreation);
        });
    }
}
