namespace Multiproc.Analyzers;

/// <summary>
/// "Does this value derive from that one": a flow-insensitive taint over one body's operation tree, for MP0001's
/// "the written value derives from the read". A value derives from the source when the source or a variable that
/// holds something derived from it occurs anywhere in the value's tree (so through calls, <c>with</c>, object and
/// collection initializers, collection expressions, interpolation, tuples, LINQ lambdas …). A variable becomes
/// derived when it is declared or assigned (also by deconstruction, <c>out</c>, a <c>foreach</c> or a pattern) from a
/// derived value, or mutated with one: an indexer or member set on it (<c>d[k] = v</c>, <c>node["n"] = v</c>) or an
/// instance call given a derived argument (<c>list.Add(v)</c>).
/// </summary>
/// <remarks>
/// Flow-insensitive on purpose: an assignment anywhere in the body counts (over-approximates, never misses an order
/// the graph allows). Control dependence does not count: <c>if (read == "") write("0")</c> writes a value that does
/// not derive from the read.
/// </remarks>
internal sealed class ValueDerivation
{
    private readonly IOperation _source;
    private readonly HashSet<ISymbol> _derived = new(SymbolEqualityComparer.Default);

    private ValueDerivation(IOperation source) => _source = source;

    /// <summary>The derivation from <paramref name="source"/> (an operation of <paramref name="body"/>'s tree) over that body.</summary>
    public static ValueDerivation From(IOperation source, IOperation body)
    {
        var derivation = new ValueDerivation(source);
        var operations = body.Descendants().ToList();
        // A fixpoint: each round adds the variables a derived value flows into; few rounds in practice.
        for (var round = 0; round < 16; round++)
        {
            var before = derivation._derived.Count;
            foreach (var op in operations) derivation.Transfer(op);
            if (derivation._derived.Count == before) break;
        }
        return derivation;
    }

    /// <summary>Whether <paramref name="value"/> holds the source or a derived variable.</summary>
    public bool Derives(IOperation value)
    {
        foreach (var d in value.DescendantsAndSelf())
        {
            if (d == _source) return true;
            var symbol = d switch
            {
                ILocalReferenceOperation l => l.Local,
                IParameterReferenceOperation p => p.Parameter,
                IFieldReferenceOperation f => f.Field,
                IPropertyReferenceOperation p => p.Property,
                _ => (ISymbol?)null,
            };
            if (symbol is not null && _derived.Contains(symbol)) return true;
        }
        return false;
    }

    private void Transfer(IOperation op)
    {
        switch (op)
        {
            case IVariableDeclaratorOperation declarator:
            {
                var init = declarator.Initializer?.Value ?? (declarator.Parent as IVariableDeclarationOperation)?.Initializer?.Value;
                if (init is not null && !_derived.Contains(declarator.Symbol) && Derives(init)) _derived.Add(declarator.Symbol);
                break;
            }
            case IDeconstructionAssignmentOperation deconstruction:
                Deconstruct(deconstruction.Target, deconstruction.Value);
                break;
            case IAssignmentOperation assignment:
                if (Root(assignment.Target) is { } target && !_derived.Contains(target) && Derives(assignment.Value)) _derived.Add(target);
                break;
            case IForEachLoopOperation loop:
                if (Derives(loop.Collection)) AddAll(loop.LoopControlVariable);
                break;
            case IIsPatternOperation isPattern:
                if (Derives(isPattern.Value)) AddDeclared(isPattern.Pattern);
                break;
            case IInvocationOperation invocation:
            {
                var anyDerived = false;
                foreach (var argument in invocation.Arguments)
                    if (Derives(argument.Value)) { anyDerived = true; break; }
                if (!anyDerived && (invocation.Instance is null || !Derives(invocation.Instance))) break;
                // A call given a derived value may store it in its receiver, and writes its ref/out arguments from it.
                if (anyDerived && Root(invocation.Instance) is { } receiver) _derived.Add(receiver);
                foreach (var argument in invocation.Arguments)
                    if (argument.Parameter?.RefKind is RefKind.Out or RefKind.Ref && Root(argument.Value) is { } written) _derived.Add(written);
                break;
            }
        }
    }

    /// <summary><c>(a, b) = (x, y)</c> element by element; else every target from the whole value.</summary>
    private void Deconstruct(IOperation target, IOperation value)
    {
        while (target is IDeclarationExpressionOperation d) target = d.Expression;
        while (value is IConversionOperation c) value = c.Operand;
        if (target is ITupleOperation targets && value is ITupleOperation values && targets.Elements.Length == values.Elements.Length)
        {
            for (var i = 0; i < targets.Elements.Length; i++) Deconstruct(targets.Elements[i], values.Elements[i]);
            return;
        }
        if (Derives(value)) AddAll(target);
    }

    private void AddAll(IOperation target)
    {
        foreach (var d in target.DescendantsAndSelf())
        {
            if (d is ILocalReferenceOperation l) _derived.Add(l.Local);
            else if (d is IVariableDeclaratorOperation v) _derived.Add(v.Symbol);
            else if (d is IFieldReferenceOperation f) _derived.Add(f.Field);
        }
    }

    private void AddDeclared(IOperation pattern)
    {
        foreach (var d in pattern.DescendantsAndSelf())
        {
            var symbol = d switch
            {
                IDeclarationPatternOperation p => p.DeclaredSymbol,
                IRecursivePatternOperation p => p.DeclaredSymbol,
                IListPatternOperation p => p.DeclaredSymbol,
                _ => null,
            };
            if (symbol is not null) _derived.Add(symbol);
        }
    }

    /// <summary>The variable an assignment target or a receiver stands for: <c>d</c> of <c>d[k]</c>, <c>d.X</c>, <c>d.X[i]</c>.</summary>
    private static ISymbol? Root(IOperation? target)
    {
        for (var i = 0; i < 32 && target is not null; i++)
        {
            switch (target)
            {
                case IConversionOperation c: target = c.Operand; break;
                case IDeclarationExpressionOperation d: target = d.Expression; break;
                case ILocalReferenceOperation l: return l.Local;
                case IParameterReferenceOperation p: return p.Parameter;
                case IFieldReferenceOperation f:
                    if (f.Instance is null or IInstanceReferenceOperation) return f.Field;
                    target = f.Instance;
                    break;
                case IPropertyReferenceOperation p:
                    if (p.Instance is null or IInstanceReferenceOperation) return p.Property;
                    target = p.Instance;
                    break;
                case IArrayElementReferenceOperation a: target = a.ArrayReference; break;
                case IImplicitIndexerReferenceOperation x: target = x.Instance; break;
                default: return null;
            }
        }
        return null;
    }
}
