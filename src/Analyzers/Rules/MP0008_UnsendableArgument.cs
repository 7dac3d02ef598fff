namespace Multiproc.Analyzers;

/// <summary>
/// MP0008: an argument of a child target whose type cannot be sent to the child (delegates, streams,
/// tasks, cancellation tokens, pointers, Span&lt;T&gt;, types System.Text.Json cannot round-trip). The same
/// check ChildProcess.Start() makes at run time, moved to compile time.
/// </summary>
internal sealed class UnsendableArgument
{
    private readonly MultiprocTypes _types;
    private readonly Sendability _sendability;

    public UnsendableArgument(Compilation compilation, MultiprocTypes types)
    {
        _types = types;
        _sendability = new Sendability(compilation, types);
    }

    /// <summary>Checks each argument of the child target of a <c>new ChildProcess(…)</c>.</summary>
    /// <param name="target">The target invocation of a ChildProcess creation (<see cref="ChildTargets.GetTargetInvocation"/>).</param>
    public void ChildProcessCreated(OperationAnalysisContext ctx, IInvocationOperation target)
    {
        foreach (var argument in target.Arguments)
        {
            if (argument.ArgumentKind == ArgumentKind.DefaultValue || argument.Parameter is null) continue;
            // The value's own type (before conversion to the parameter type) says what is sent;
            // the parameter type says what the child rebuilds.
            var valueType = ChildProcessSites.StripConversions(argument.Value)?.Type;
            var parameterType = argument.Parameter.Type;
            var type = valueType ?? parameterType;
            var reason = _sendability.WhyNot(type);
            if (reason is null && valueType is not null && !SymbolEqualityComparer.Default.Equals(valueType, parameterType))
            {
                type = parameterType;
                reason = _sendability.WhyNot(parameterType);
            }
            if (reason is null) continue;
            ctx.ReportDiagnostic(Diagnostic.Create(
                Descriptors.MP0008_UnsendableArgument,
                argument.Value.Syntax.GetLocation(),
                argument.Parameter.Name,
                type.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat),
                reason));
        }
    }
}
