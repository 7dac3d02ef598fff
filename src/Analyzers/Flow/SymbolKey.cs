namespace Multiproc.Analyzers;

/// <summary>
/// Identity of the object a rule tracks (a lock, a process): a local, a parameter, <c>this</c>,
/// or a field/property whose instance is <c>this</c>, static, a local or a parameter.
/// Deeper member chains and computed values are not tracked (<see cref="From"/> returns null).
/// </summary>
internal readonly struct SymbolKey : IEquatable<SymbolKey>
{
    public ISymbol Symbol { get; }
    public ISymbol? Instance { get; }
    public bool IsThis { get; }

    private SymbolKey(ISymbol symbol, ISymbol? instance, bool isThis)
    {
        Symbol = symbol;
        Instance = instance;
        IsThis = isThis;
    }

    /// <summary>True for a key that outlives the method: a field, a property or <c>this</c>.</summary>
    public bool IsMember => IsThis || Symbol is IFieldSymbol || Symbol is IPropertySymbol;

    /// <summary>The key of a local or parameter declared with <paramref name="symbol"/> (a declarator has no reference operation).</summary>
    public static SymbolKey OfVariable(ISymbol symbol) => new(symbol, null, false);

    public static SymbolKey? From(IOperation? operation)
    {
        operation = StripConversions(operation);
        switch (operation)
        {
            case ILocalReferenceOperation l: return new SymbolKey(l.Local, null, false);
            case IParameterReferenceOperation p: return new SymbolKey(p.Parameter, null, false);
            case IInstanceReferenceOperation { ReferenceKind: InstanceReferenceKind.ContainingTypeInstance } i when i.Type is not null:
                return new SymbolKey(i.Type, null, true);
            case IFieldReferenceOperation f:
                return Member(f.Field, f.Instance);
            case IPropertyReferenceOperation pr when pr.Arguments.Length == 0:
                return Member(pr.Property, pr.Instance);
            default: return null;
        }
    }

    private static SymbolKey? Member(ISymbol member, IOperation? instance)
    {
        instance = StripConversions(instance);
        return instance switch
        {
            null => new SymbolKey(member, null, false),
            IInstanceReferenceOperation { ReferenceKind: InstanceReferenceKind.ContainingTypeInstance } => new SymbolKey(member, null, false),
            ILocalReferenceOperation l => new SymbolKey(member, l.Local, false),
            IParameterReferenceOperation p => new SymbolKey(member, p.Parameter, false),
            _ => null,
        };
    }

    /// <summary>Whether <paramref name="operation"/> is a write of the variable this key names (a local or parameter being reassigned, a field being assigned).</summary>
    public bool IsAssignedBy(IOperation operation) =>
        operation is IAssignmentOperation assignment && From(assignment.Target) is { } target && target.Equals(this);

    public static IOperation? StripConversions(IOperation? operation)
    {
        while (true)
        {
            switch (operation)
            {
                case IConversionOperation c: operation = c.Operand; break;
                case IParenthesizedOperation p: operation = p.Operand; break;
                default: return operation;
            }
        }
    }

    public bool Equals(SymbolKey other) =>
        IsThis == other.IsThis
        && SymbolEqualityComparer.Default.Equals(Symbol, other.Symbol)
        && SymbolEqualityComparer.Default.Equals(Instance, other.Instance);

    public override bool Equals(object? obj) => obj is SymbolKey k && Equals(k);

    public override int GetHashCode() =>
        (SymbolEqualityComparer.Default.GetHashCode(Symbol) * 31) ^ (Instance is null ? 0 : SymbolEqualityComparer.Default.GetHashCode(Instance));
}
