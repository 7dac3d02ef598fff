namespace Multiproc.Analyzers;

/// <summary>JIT hints for the analyzer's code.</summary>
internal static class Jit
{
    /// <summary>
    /// <c>MethodImplOptions.AggressiveOptimization</c> (512), which netstandard2.0 does not name: the method is compiled
    /// fully optimized at once instead of starting as tier-0 code (runtimes that do not know the flag ignore it). For the
    /// compilation-end methods, which run once or a few times per compilation, so never live long enough to be recompiled.
    /// </summary>
    public const MethodImplOptions Optimize = (MethodImplOptions)512;
}
