using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis;

namespace Multiproc.Analyzers;

/// <summary>
/// The Multiproc and BCL types the rules look at, resolved once per compilation in a
/// compilation-start action. <see cref="HasMultiproc"/> is false when the compilation does not
/// reference Multiproc; rules that only concern Multiproc types return early then.
/// </summary>
internal sealed class MultiprocTypes
{
    public INamedTypeSymbol? ChildProcess { get; }
    public INamedTypeSymbol? ProcessLock { get; }
    public INamedTypeSymbol? LockScope { get; }
    public INamedTypeSymbol? ProcessQueue { get; }     // ProcessQueue`1 (unbound)
    public INamedTypeSymbol? JoinableQueue { get; }    // JoinableQueue`1 (unbound)

    public INamedTypeSymbol? Monitor { get; }
    public INamedTypeSymbol? Mutex { get; }
    public INamedTypeSymbol? WaitHandle { get; }
    public INamedTypeSymbol? SemaphoreSlim { get; }
    public INamedTypeSymbol? ReaderWriterLockSlim { get; }
    public INamedTypeSymbol? SpinLock { get; }
    public INamedTypeSymbol? ThreadingLock { get; }    // System.Threading.Lock (.NET 9+)
    public INamedTypeSymbol? File { get; }
    public INamedTypeSymbol? FileStream { get; }
    public INamedTypeSymbol? StreamReader { get; }
    public INamedTypeSymbol? StreamWriter { get; }
    public INamedTypeSymbol? JsonSerializer { get; }
    public INamedTypeSymbol? Task { get; }
    public INamedTypeSymbol? ExpressionOfT { get; }

    public bool HasMultiproc => ChildProcess is not null;

    private static readonly ConditionalWeakTable<Compilation, MultiprocTypes> Cache = new();

    /// <summary>
    /// The types of <paramref name="compilation"/>, resolved once for both analyzers: the first lookups of a compilation
    /// are not cheap (they load the declarations of the source and of the referenced assemblies).
    /// </summary>
    public static MultiprocTypes For(Compilation compilation) => Cache.GetValue(compilation, c => new MultiprocTypes(c));

    private MultiprocTypes(Compilation compilation)
    {
        ChildProcess = compilation.GetTypeByMetadataName("Multiproc.ChildProcess");
        ProcessLock = compilation.GetTypeByMetadataName("Multiproc.ProcessLock");
        LockScope = compilation.GetTypeByMetadataName("Multiproc.LockScope");
        ProcessQueue = compilation.GetTypeByMetadataName("Multiproc.ProcessQueue`1");
        JoinableQueue = compilation.GetTypeByMetadataName("Multiproc.JoinableQueue`1");
        Monitor = compilation.GetTypeByMetadataName("System.Threading.Monitor");
        Mutex = compilation.GetTypeByMetadataName("System.Threading.Mutex");
        WaitHandle = compilation.GetTypeByMetadataName("System.Threading.WaitHandle");
        SemaphoreSlim = compilation.GetTypeByMetadataName("System.Threading.SemaphoreSlim");
        ReaderWriterLockSlim = compilation.GetTypeByMetadataName("System.Threading.ReaderWriterLockSlim");
        SpinLock = compilation.GetTypeByMetadataName("System.Threading.SpinLock");
        ThreadingLock = compilation.GetTypeByMetadataName("System.Threading.Lock");
        File = compilation.GetTypeByMetadataName("System.IO.File");
        FileStream = compilation.GetTypeByMetadataName("System.IO.FileStream");
        StreamReader = compilation.GetTypeByMetadataName("System.IO.StreamReader");
        StreamWriter = compilation.GetTypeByMetadataName("System.IO.StreamWriter");
        JsonSerializer = compilation.GetTypeByMetadataName("System.Text.Json.JsonSerializer");
        Task = compilation.GetTypeByMetadataName("System.Threading.Tasks.Task");
        ExpressionOfT = compilation.GetTypeByMetadataName("System.Linq.Expressions.Expression`1");
    }

    public bool IsChildProcess(ITypeSymbol? type) => type is not null && SymbolEqualityComparer.Default.Equals(type, ChildProcess);

    public bool IsProcessLock(ITypeSymbol? type) => type is not null && SymbolEqualityComparer.Default.Equals(type, ProcessLock);

    /// <summary>A ProcessQueue&lt;T&gt; or JoinableQueue&lt;T&gt; (any T), including derived types.</summary>
    public bool IsProcessQueue(ITypeSymbol? type)
    {
        for (var t = type as INamedTypeSymbol; t is not null; t = t.BaseType)
            if (SymbolEqualityComparer.Default.Equals(t.OriginalDefinition, ProcessQueue)) return true;
        return false;
    }

    public bool IsJoinableQueue(ITypeSymbol? type) =>
        type is INamedTypeSymbol t && SymbolEqualityComparer.Default.Equals(t.OriginalDefinition, JoinableQueue);
}
