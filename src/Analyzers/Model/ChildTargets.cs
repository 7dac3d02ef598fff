namespace Multiproc.Analyzers;

/// <summary>
/// What a <c>new ChildProcess(() =&gt; M(args))</c> runs: in IOperation the target argument is a
/// conversion (lambda to <c>Expression&lt;…&gt;</c>) over an anonymous function whose body holds the
/// invocation of <c>M</c>.
/// </summary>
internal static class ChildTargets
{
    /// <summary>The invocation of the target method inside a ChildProcess constructor call, or null.</summary>
    public static IInvocationOperation? GetTargetInvocation(IObjectCreationOperation creation, MultiprocTypes types)
    {
        if (!types.IsChildProcess(creation.Type) || creation.Arguments.Length == 0) return null;
        var arg = creation.Arguments[0].Value;
        while (arg is IConversionOperation conv) arg = conv.Operand;
        if (arg is IDelegateCreationOperation del) arg = del.Target;
        if (arg is not IAnonymousFunctionOperation lambda) return null;
        foreach (var op in lambda.Body.Operations)
        {
            var candidate = op switch
            {
                IReturnOperation { ReturnedValue: { } value } => value,
                IExpressionStatementOperation stmt => stmt.Operation,
                _ => op,
            };
            while (candidate is IConversionOperation c) candidate = c.Operand;
            if (candidate is IInvocationOperation invocation) return invocation;
        }
        return null;
    }

    /// <summary>The ChildProcess creation that a local or field was initialized with, if the value is an object creation.</summary>
    public static IObjectCreationOperation? AsChildProcessCreation(IOperation? value, MultiprocTypes types)
    {
        while (value is IConversionOperation c) value = c.Operand;
        return value is IObjectCreationOperation creation && types.IsChildProcess(creation.Type) ? creation : null;
    }
}
