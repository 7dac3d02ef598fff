using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Multiproc.Analyzers;

/// <summary>
/// Whether a value of a type can be sent to a child process: the compile-time image of the check
/// <c>ChildProcess.Start()</c> makes. Sendable are Multiproc primitives (they travel as handles) and
/// data System.Text.Json can round-trip. <see cref="WhyNot"/> returns null for sendable types and
/// otherwise the reason, phrased to follow "cannot be sent to a child process: ".
/// </summary>
internal sealed class Sendability
{
    private const int MaxDepth = 4;

    private readonly MultiprocTypes _types;
    private readonly INamedTypeSymbol? _stream;
    private readonly INamedTypeSymbol? _valueTask;
    private readonly INamedTypeSymbol? _valueTaskOfT;
    private readonly INamedTypeSymbol? _cancellationToken;
    private readonly INamedTypeSymbol? _cancellationTokenSource;
    private readonly INamedTypeSymbol? _systemType;
    private readonly INamedTypeSymbol? _thread;
    private readonly INamedTypeSymbol? _jsonIgnore;
    private readonly INamedTypeSymbol? _jsonConstructor;
    private readonly INamedTypeSymbol? _jsonInclude;
    private readonly INamedTypeSymbol? _jsonPolymorphic;
    private readonly INamedTypeSymbol? _jsonDerivedType;
    private readonly INamedTypeSymbol? _jsonConverterAttribute;
    private readonly INamedTypeSymbol? _ienumerable;

    public Sendability(Compilation compilation, MultiprocTypes types)
    {
        _types = types;
        _stream = compilation.GetTypeByMetadataName("System.IO.Stream");
        _valueTask = compilation.GetTypeByMetadataName("System.Threading.Tasks.ValueTask");
        _valueTaskOfT = compilation.GetTypeByMetadataName("System.Threading.Tasks.ValueTask`1");
        _cancellationToken = compilation.GetTypeByMetadataName("System.Threading.CancellationToken");
        _cancellationTokenSource = compilation.GetTypeByMetadataName("System.Threading.CancellationTokenSource");
        _systemType = compilation.GetTypeByMetadataName("System.Type");
        _thread = compilation.GetTypeByMetadataName("System.Threading.Thread");
        _jsonIgnore = compilation.GetTypeByMetadataName("System.Text.Json.Serialization.JsonIgnoreAttribute");
        _jsonInclude = compilation.GetTypeByMetadataName("System.Text.Json.Serialization.JsonIncludeAttribute");
        _jsonConstructor = compilation.GetTypeByMetadataName("System.Text.Json.Serialization.JsonConstructorAttribute");
        _jsonPolymorphic = compilation.GetTypeByMetadataName("System.Text.Json.Serialization.JsonPolymorphicAttribute");
        _jsonDerivedType = compilation.GetTypeByMetadataName("System.Text.Json.Serialization.JsonDerivedTypeAttribute");
        _jsonConverterAttribute = compilation.GetTypeByMetadataName("System.Text.Json.Serialization.JsonConverterAttribute");
        _ienumerable = compilation.GetTypeByMetadataName("System.Collections.IEnumerable");
    }

    public string? WhyNot(ITypeSymbol type) => WhyNot(type, new HashSet<ITypeSymbol>(SymbolEqualityComparer.Default), 0);

    private string? WhyNot(ITypeSymbol type, HashSet<ITypeSymbol> visiting, int depth)
    {
        if (depth > MaxDepth || type.TypeKind == TypeKind.Error || type.TypeKind == TypeKind.TypeParameter || type.TypeKind == TypeKind.Dynamic)
            return null;
        if (type.SpecialType == SpecialType.System_Object || type.SpecialType == SpecialType.System_String)
            return null;

        switch (type.TypeKind)
        {
            case TypeKind.Pointer:
            case TypeKind.FunctionPointer:
                return "a pointer is only meaningful inside the process that made it";
            case TypeKind.Delegate:
                return "a delegate is code and captured state of this process, not data";
            case TypeKind.Array:
                return WhyNot(((IArrayTypeSymbol)type).ElementType, visiting, depth + 1);
            case TypeKind.Enum:
                return null;
        }
        if (type.IsRefLikeType)
            return "a ref struct such as Span<T> lives on this process's stack and cannot be serialized";
        if (type.SpecialType != SpecialType.None) return null;   // int, double, DateTime, IntPtr, …

        var original = type.OriginalDefinition;
        if (_types.IsProcessQueue(type) || _types.IsProcessLock(type) || Is(type, _types.LockScope) || SharedPrimitives.Is(type, _types))
            return null;                                           // Multiproc primitives travel as handles
        if (original is { Name: "PipeEnd", ContainingNamespace: { Name: "Multiproc", ContainingNamespace.IsGlobalNamespace: true }, ContainingAssembly.Name: "Multiproc" })
            return null;                                           // a pipe end travels as a handle too
        if (InheritsFrom(type, _stream))
            return "a stream is bound to handles and buffers of this process";
        if (InheritsFrom(type, _types.Task) || Is(original, _valueTask) || Is(original, _valueTaskOfT))
            return "a task is work running in this process";
        if (Is(type, _cancellationToken) || InheritsFrom(type, _cancellationTokenSource))
            return "a cancellation token only signals inside this process";
        if (InheritsFrom(type, _thread))
            return "a thread belongs to this process";
        if (InheritsFrom(type, _systemType))
            return "System.Text.Json does not serialize System.Type";
        if (type.IsTupleType)
            return "System.Text.Json does not serialize tuple fields (Item1, Item2, …); use a record";

        if (type is not INamedTypeSymbol named) return null;

        // Nullable<T>, collections and other generic BCL types: check what they contain.
        if (IsFramework(named))
        {
            foreach (var argument in named.TypeArguments)
            {
                var inner = WhyNot(argument, visiting, depth + 1);
                if (inner is not null) return inner;
            }
            return null;
        }

        if (!visiting.Add(type)) return null;
        try
        {
            return WhyNotUserType(named, visiting, depth);
        }
        finally
        {
            visiting.Remove(type);
        }
    }

    private string? WhyNotUserType(INamedTypeSymbol type, HashSet<ITypeSymbol> visiting, int depth)
    {
        if (HasAttribute(type, _jsonConverterAttribute)) return null;   // a custom converter decides
        if (type.TypeKind == TypeKind.Interface || type.IsAbstract)
        {
            if (HasAttribute(type, _jsonPolymorphic) || HasAttribute(type, _jsonDerivedType)) return null;
            if (_ienumerable is not null && type.AllInterfaces.Contains(_ienumerable, SymbolEqualityComparer.Default)) return null;
            return $"System.Text.Json cannot create an instance of {(type.TypeKind == TypeKind.Interface ? "interface" : "abstract type")} '{type.Name}'";
        }
        if (type.TypeKind is not (TypeKind.Class or TypeKind.Struct)) return null;
        if (_ienumerable is not null && type.AllInterfaces.Contains(_ienumerable, SymbolEqualityComparer.Default)) return null;

        var properties = type.GetMembers().OfType<IPropertySymbol>()
            .Where(p => !p.IsStatic && !p.IsIndexer && p.DeclaredAccessibility == Accessibility.Public && p.GetMethod is not null && !HasAttribute(p, _jsonIgnore))
            .ToList();

        // The constructor System.Text.Json deserializes with: [JsonConstructor], else the public parameterless
        // one (structs always have it), else the only public one.
        var publicCtors = type.InstanceConstructors.Where(c => c.DeclaredAccessibility == Accessibility.Public).ToList();
        var chosen = type.InstanceConstructors.FirstOrDefault(c => HasAttribute(c, _jsonConstructor))
            ?? publicCtors.FirstOrDefault(c => c.Parameters.Length == 0)
            ?? (publicCtors.Count == 1 ? publicCtors[0] : null);
        if (chosen is null && type.TypeKind == TypeKind.Class)
            return $"'{type.Name}' has no public parameterless constructor and no single public constructor System.Text.Json can use";

        var boundByCtor = new HashSet<string>(System.StringComparer.OrdinalIgnoreCase);
        if (chosen is not null)
        {
            foreach (var parameter in chosen.Parameters)
            {
                if (!properties.Any(p => string.Equals(p.Name, parameter.Name, System.StringComparison.OrdinalIgnoreCase))
                    && !type.GetMembers().OfType<IFieldSymbol>().Any(f => f.DeclaredAccessibility == Accessibility.Public && string.Equals(f.Name, parameter.Name, System.StringComparison.OrdinalIgnoreCase)))
                    return $"constructor parameter '{parameter.Name}' of '{type.Name}' matches no public property, so System.Text.Json cannot use the constructor";
                boundByCtor.Add(parameter.Name);
            }
        }

        foreach (var property in properties)
        {
            var settable = property.SetMethod is { } setter && (setter.DeclaredAccessibility == Accessibility.Public || HasAttribute(property, _jsonInclude));
            if (!settable && !boundByCtor.Contains(property.Name) && IsAutoProperty(property))
                return $"property '{type.Name}.{property.Name}' has no setter and no constructor parameter, so its value is lost on the way";
            var inner = WhyNot(property.Type, visiting, depth + 1);
            if (inner is not null) return $"property '{type.Name}.{property.Name}': {inner}";
        }
        return null;
    }

    /// <summary>
    /// Get-only auto-properties hold data that would be dropped; computed properties do not. Known for
    /// source types only (an auto-property's accessors have no bodies); metadata types get the benefit of the doubt.
    /// </summary>
    private static bool IsAutoProperty(IPropertySymbol property)
    {
        foreach (var reference in property.DeclaringSyntaxReferences)
        {
            if (reference.GetSyntax() is PropertyDeclarationSyntax { AccessorList: { } accessors, ExpressionBody: null }
                && accessors.Accessors.All(a => a.Body is null && a.ExpressionBody is null))
                return true;
        }
        return false;
    }

    private static bool IsFramework(INamedTypeSymbol type)
    {
        for (var ns = type.ContainingNamespace; ns is not null && !ns.IsGlobalNamespace; ns = ns.ContainingNamespace)
        {
            if (ns.ContainingNamespace is { IsGlobalNamespace: true } && ns.Name is "System" or "Microsoft") return true;
        }
        return false;
    }

    private static bool HasAttribute(ISymbol symbol, INamedTypeSymbol? attribute) =>
        attribute is not null && symbol.GetAttributes().Any(a => InheritsFrom(a.AttributeClass, attribute));

    private static bool Is(ITypeSymbol? type, INamedTypeSymbol? expected) =>
        type is not null && expected is not null && SymbolEqualityComparer.Default.Equals(type.OriginalDefinition, expected);

    private static bool InheritsFrom(ITypeSymbol? type, INamedTypeSymbol? expected)
    {
        if (expected is null) return false;
        for (var t = type; t is not null; t = t.BaseType)
            if (SymbolEqualityComparer.Default.Equals(t.OriginalDefinition, expected)) return true;
        return false;
    }
}
