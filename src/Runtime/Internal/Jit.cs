using System.Runtime.CompilerServices;

namespace Multiproc.Internal;

/// <summary>How the queue and lock hot paths are compiled.</summary>
internal static class Jit
{
    /// <summary>
    /// A fresh child process runs the hot paths at once, many thousands of times: they must not start as
    /// unoptimized tier-0 code. A ReadyToRun build already has them precompiled and optimized, and
    /// AggressiveOptimization would exclude them from the image (they would be JIT-compiled in every
    /// child); any other build asks the JIT for fully optimized code at first call.
    /// </summary>
#if MULTIPROC_R2R
    public const MethodImplOptions HotPath = 0;
#else
    public const MethodImplOptions HotPath = MethodImplOptions.AggressiveOptimization;
#endif
}
