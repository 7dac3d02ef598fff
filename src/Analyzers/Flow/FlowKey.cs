namespace Multiproc.Analyzers;

/// <summary>A variable a rule follows: a local, parameter, field or property (of <c>this</c> or static), or the elements of one.</summary>
internal readonly struct FlowKey : IEquatable<FlowKey>
{
    public FlowKey(ISymbol symbol, bool element)
    {
        Symbol = symbol;
        Element = element;
    }

    public ISymbol Symbol { get; }

    /// <summary>The key stands for the elements of a collection (foreach variable, indexer, array element).</summary>
    public bool Element { get; }

    public bool Equals(FlowKey other) => SymbolEqualityComparer.Default.Equals(Symbol, other.Symbol) && Element == other.Element;

    public override bool Equals(object? obj) => obj is FlowKey k && Equals(k);

    public override int GetHashCode() => SymbolEqualityComparer.Default.GetHashCode(Symbol) * 2 + (Element ? 1 : 0);

    /// <summary>The key of a receiver expression, or null when it is not a plain variable.</summary>
    public static FlowKey? Of(IOperation? operation, bool allowElements, IReadOnlyDictionary<ILocalSymbol, ISymbol>? forEachCollections = null)
    {
        while (operation is IConversionOperation c) operation = c.Operand;
        switch (operation)
        {
            case ILocalReferenceOperation local:
                if (allowElements && forEachCollections is not null && forEachCollections.TryGetValue(local.Local, out var coll))
                    return new FlowKey(coll, element: true);
                return new FlowKey(local.Local, element: false);
            case IParameterReferenceOperation p:
                return new FlowKey(p.Parameter, element: false);
            case IFieldReferenceOperation f when f.Instance is null or IInstanceReferenceOperation:
                return new FlowKey(f.Field, element: false);
            case IPropertyReferenceOperation pr when pr.Arguments.Length == 0 && pr.Instance is null or IInstanceReferenceOperation:
                return new FlowKey(pr.Property, element: false);
            case IPropertyReferenceOperation { Arguments.Length: > 0 } indexer when allowElements:
                return Of(indexer.Instance, allowElements: false) is { Element: false } ik ? new FlowKey(ik.Symbol, element: true) : null;
            case IArrayElementReferenceOperation array when allowElements:
                return Of(array.ArrayReference, allowElements: false) is { Element: false } ak ? new FlowKey(ak.Symbol, element: true) : null;
            default:
                return null;
        }
    }

    /// <summary>The iteration variables of the foreach loops in <paramref name="root"/> mapped to the variable holding the collection.</summary>
    public static IReadOnlyDictionary<ILocalSymbol, ISymbol> ForEachCollections(IOperation root)
    {
        var map = new Dictionary<ILocalSymbol, ISymbol>(SymbolEqualityComparer.Default);
        foreach (var loop in root.DescendantsAndSelf().OfType<IForEachLoopOperation>())
        {
            if (Of(loop.Collection, allowElements: false) is not { Element: false } key) continue;
            foreach (var local in loop.Locals) map[local] = key.Symbol;
        }
        return map;
    }

    /// <summary>
    /// Whether the variable is handed on in <paramref name="root"/>: used other than as the receiver of a member of
    /// <paramref name="ownType"/> (or a type derived from it) or as the target of an assignment — passed as an argument,
    /// assigned elsewhere, returned, or captured by a lambda or local function.
    /// </summary>
    /// <param name="conditionalAccess">Whether <c>v?.Member</c> on a member of <paramref name="ownType"/> is such a use too.</param>
    public static bool IsHandedOn(IOperation root, ISymbol symbol, Func<ITypeSymbol?, bool> ownType, bool conditionalAccess = false)
    {
        foreach (var op in root.Descendants())
        {
            ISymbol? referenced = op switch
            {
                ILocalReferenceOperation l => l.Local,
                IParameterReferenceOperation p => p.Parameter,
                IFieldReferenceOperation f => f.Field,
                IPropertyReferenceOperation pr => pr.Property,
                _ => null,
            };
            if (referenced is null || !SymbolEqualityComparer.Default.Equals(referenced, symbol)) continue;
            if (InsideNestedFunction(op, root)) return true;
            var parent = op.Parent;
            while (parent is IConversionOperation) parent = parent.Parent;
            switch (parent)
            {
                case IInvocationOperation inv when inv.Instance is not null && IsSelf(inv.Instance, op) && ownType(inv.TargetMethod.ContainingType):
                case IPropertyReferenceOperation prop when prop.Instance is not null && IsSelf(prop.Instance, op) && ownType(prop.Property.ContainingType):
                case IAssignmentOperation assign when IsSelf(assign.Target, op):
                case INameOfOperation:
                    continue;
                case IConditionalAccessOperation access when conditionalAccess && IsSelf(access.Operation, op) && ownType(ConditionalMemberType(access)):
                    continue;
                case IVariableInitializerOperation:
                    return true;
                default:
                    if (parent is null || parent.Kind is OperationKind.ExpressionStatement) continue;
                    return true;
            }
        }
        return false;
    }

    /// <summary>The type declaring the member that <c>v?.Member…</c> reaches first on <c>v</c>, or null.</summary>
    private static ITypeSymbol? ConditionalMemberType(IConditionalAccessOperation access)
    {
        for (var op = access.WhenNotNull; op is not null;)
        {
            var instance = op switch
            {
                IInvocationOperation invocation => invocation.Instance,
                IMemberReferenceOperation reference => reference.Instance,
                IConversionOperation conversion => conversion.Operand,
                _ => null,
            };
            if (instance is IConditionalAccessInstanceOperation)
                return op switch
                {
                    IInvocationOperation invocation => invocation.TargetMethod.ContainingType,
                    IMemberReferenceOperation reference => reference.Member.ContainingType,
                    _ => null,
                };
            op = instance;
        }
        return null;
    }

    private static bool IsSelf(IOperation candidate, IOperation reference)
    {
        while (candidate is IConversionOperation c) candidate = c.Operand;
        return candidate == reference;
    }

    private static bool InsideNestedFunction(IOperation op, IOperation root)
    {
        for (var p = op.Parent; p is not null && p != root; p = p.Parent)
            if (p is IAnonymousFunctionOperation or ILocalFunctionOperation) return true;
        return false;
    }
}
