namespace Multiproc.Analyzers;

/// <summary>Whether a <c>new ChildProcess(…)</c> is known to be a daemon.</summary>
internal enum DaemonState
{
    /// <summary>Daemon is never set to anything but the constant <c>false</c> for this process.</summary>
    NotDaemon,
    /// <summary>Daemon is set to the constant <c>true</c> (object initializer or an assignment on its local).</summary>
    Daemon,
    /// <summary>Daemon is set to a non-constant value, or the process escapes where it cannot be followed.</summary>
    Unknown,
}

/// <summary>One <c>new ChildProcess(() =&gt; M(args))</c> with what the rules of MP0007–MP0013 need to know about it.</summary>
internal sealed class ChildProcessSite
{
    public ChildProcessSite(IObjectCreationOperation creation, IInvocationOperation target, ILocalSymbol? local, DaemonState daemon, IOperation? explicitFalse)
    {
        Creation = creation;
        Target = target;
        Local = local;
        Daemon = daemon;
        ExplicitFalse = explicitFalse;
    }

    public IObjectCreationOperation Creation { get; }
    public IInvocationOperation Target { get; }
    public IMethodSymbol TargetMethod => Target.TargetMethod;
    /// <summary>The local the process is stored in, when it is stored in one.</summary>
    public ILocalSymbol? Local { get; }
    public DaemonState Daemon { get; }
    /// <summary>The constant <c>false</c> value of a <c>Daemon = false</c> assignment, if there is one.</summary>
    public IOperation? ExplicitFalse { get; }

    /// <summary>How messages name the process: its local, else the target method.</summary>
    public string DisplayName => Local?.Name ?? TargetMethod.Name;
}

internal static class ChildProcessSites
{
    /// <summary>Describes <paramref name="creation"/> if it is a ChildProcess with a recognisable target.</summary>
    public static ChildProcessSite? Analyze(IObjectCreationOperation creation, MultiprocTypes types)
    {
        var target = ChildTargets.GetTargetInvocation(creation, types);
        if (target is null) return null;

        var state = DaemonState.NotDaemon;
        IOperation? explicitFalse = null;
        if (creation.Initializer is { } init)
        {
            foreach (var member in init.Initializers)
            {
                if (member is ISimpleAssignmentOperation { Target: IPropertyReferenceOperation { Property.Name: "Daemon" } } assignment)
                    Combine(ref state, ref explicitFalse, assignment.Value);
            }
        }

        var local = StoredLocal(creation, out var escapes);
        if (local is not null)
        {
            foreach (var op in Root(creation).Descendants())
            {
                if (op is ISimpleAssignmentOperation
                    {
                        Target: IPropertyReferenceOperation { Property.Name: "Daemon", Instance: ILocalReferenceOperation lr } prop,
                    } assignment
                    && types.IsChildProcess(prop.Property.ContainingType)
                    && SymbolEqualityComparer.Default.Equals(lr.Local, local))
                {
                    Combine(ref state, ref explicitFalse, assignment.Value);
                }
            }
        }
        else if (escapes && state == DaemonState.NotDaemon)
        {
            state = DaemonState.Unknown;
        }

        return new ChildProcessSite(creation, target, local, state, explicitFalse);
    }

    private static void Combine(ref DaemonState state, ref IOperation? explicitFalse, IOperation value)
    {
        if (state == DaemonState.Daemon) return;
        var constant = value.ConstantValue;
        if (constant.HasValue && constant.Value is bool b)
        {
            if (b) state = DaemonState.Daemon;
            else explicitFalse ??= value;
        }
        else
        {
            state = DaemonState.Unknown;
        }
    }

    /// <summary>
    /// The local a creation is stored in (<c>var p = new ChildProcess(…)</c> or <c>p = new …</c>).
    /// <paramref name="escapes"/> is true when the process goes anywhere else than a local or the receiver of a call.
    /// </summary>
    public static ILocalSymbol? StoredLocal(IObjectCreationOperation creation, out bool escapes)
    {
        escapes = false;
        IOperation current = creation;
        while (current.Parent is IConversionOperation conv) current = conv;
        switch (current.Parent)
        {
            case IVariableInitializerOperation { Parent: IVariableDeclaratorOperation declarator }:
                return declarator.Symbol;
            case ISimpleAssignmentOperation { Target: ILocalReferenceOperation lr } assignment when assignment.Value == current:
                return lr.Local;
            case IInvocationOperation invocation when invocation.Instance == current:
                return null;
            case IPropertyReferenceOperation property when property.Instance == current:
                return null;
            default:
                escapes = true;
                return null;
        }
    }

    /// <summary>The root of the operation tree <paramref name="operation"/> belongs to (the method body).</summary>
    public static IOperation Root(IOperation operation)
    {
        while (operation.Parent is not null) operation = operation.Parent;
        return operation;
    }

    /// <summary>The operation with implicit and explicit conversions removed.</summary>
    public static IOperation? StripConversions(IOperation? operation)
    {
        while (operation is IConversionOperation conversion) operation = conversion.Operand;
        return operation;
    }

    /// <summary>The local, parameter or field an operation refers to, if it is a plain reference.</summary>
    public static ISymbol? ReferencedSymbol(IOperation? operation) => StripConversions(operation) switch
    {
        ILocalReferenceOperation l => l.Local,
        IParameterReferenceOperation p => p.Parameter,
        IFieldReferenceOperation f => f.Field.OriginalDefinition,
        _ => null,
    };

    /// <summary>True for ChildProcess.Start() calls.</summary>
    public static bool IsStart(IInvocationOperation invocation, MultiprocTypes types) =>
        invocation.TargetMethod.Name == "Start" && types.IsChildProcess(invocation.TargetMethod.ContainingType);

    /// <summary>True for ChildProcess.Join(), Join(TimeSpan) and JoinAsync(…).</summary>
    public static bool IsJoin(IInvocationOperation invocation, MultiprocTypes types) =>
        invocation.TargetMethod.Name is "Join" or "JoinAsync" && types.IsChildProcess(invocation.TargetMethod.ContainingType);
}
