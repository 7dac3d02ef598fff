using System.Collections.Concurrent;

namespace Multiproc.Analyzers;

/// <summary>
/// The child targets that a top-level type creates for itself: <c>new ChildProcess(() =&gt; M(…))</c> in a body of the type
/// (or of a type nested in it) whose target <c>M</c> is declared in that type too. Only such a type can decide MP0001,
/// MP0009 and MP0013 at its own symbol end (per-document analysis shows those diagnostics); every other type's end is one
/// dictionary miss. Filled from the operation callbacks of the <c>new ChildProcess</c> sites, so no type is looked at
/// that creates no child.
/// </summary>
internal sealed class LocalChildTargets
{
    private readonly ConcurrentDictionary<INamedTypeSymbol, ConcurrentBag<IMethodSymbol>> _byType = new(SymbolEqualityComparer.Default);

    /// <summary>A creation in <paramref name="creator"/> (the operation's containing symbol) of a child that runs <paramref name="target"/>.</summary>
    public void Created(ISymbol creator, IMethodSymbol target)
    {
        var type = TopType(creator);
        if (type is null || !SymbolEqualityComparer.Default.Equals(type, TopType(target))) return;
        _byType.GetOrAdd(type, static _ => new ConcurrentBag<IMethodSymbol>()).Add(target.OriginalDefinition);
    }

    /// <summary>The targets <paramref name="type"/> creates for itself, or null (almost every type).</summary>
    public IReadOnlyCollection<IMethodSymbol>? Of(INamedTypeSymbol type) => _byType.TryGetValue(type, out var targets) ? targets : null;

    /// <summary>The outermost type that declares <paramref name="symbol"/> (the symbol itself for a top-level type).</summary>
    public static INamedTypeSymbol? TopType(ISymbol symbol)
    {
        var top = symbol as INamedTypeSymbol ?? symbol.ContainingType;
        while (top?.ContainingType is not null) top = top.ContainingType;
        return top?.OriginalDefinition;
    }
}
