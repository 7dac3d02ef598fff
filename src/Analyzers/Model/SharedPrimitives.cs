using System.Collections.Generic;
using Microsoft.CodeAnalysis;

namespace Multiproc.Analyzers;

/// <summary>
/// The Multiproc primitives of the second round that travel to a child process as handles (events, semaphores,
/// re-entrant locks, conditions, barriers, shared values and arrays, pipe ends), recognised by name in the
/// Multiproc assembly.
/// </summary>
internal static class SharedPrimitives
{
    private static readonly HashSet<string> Names =
    [
        "ProcessEvent", "ProcessSemaphore", "ProcessRLock", "ProcessCondition", "ProcessBarrier",
        "SharedValue", "SharedArray", "PipeEnd",
    ];

    /// <summary>Whether <paramref name="type"/> is one of them (any type argument).</summary>
    public static bool Is(ITypeSymbol? type, MultiprocTypes types) =>
        type is INamedTypeSymbol named
        && types.ChildProcess is { } childProcess
        && Names.Contains(named.Name)
        && SymbolEqualityComparer.Default.Equals(named.ContainingAssembly, childProcess.ContainingAssembly)
        && named.ContainingNamespace is { Name: "Multiproc", ContainingNamespace.IsGlobalNamespace: true };
}
