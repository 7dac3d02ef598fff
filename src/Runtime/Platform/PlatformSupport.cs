using System.Runtime.InteropServices;

namespace Multiproc.Platform;

/// <summary>
/// Which operating systems the runtime supports, checked at the first use of each primitive and process:
/// Linux only (futexes, memory-mapped files under <c>/dev/shm</c>, pidfds, <c>posix_spawn</c> with a startup
/// hook). The public types carry <c>[SupportedOSPlatform("linux")]</c>, so a build for another OS warns
/// (CA1416); a program that runs there all the same gets a <see cref="PlatformNotSupportedException"/> naming
/// what is supported from the constructor it called, instead of a P/Invoke error from deep inside.
/// </summary>
internal static class PlatformSupport
{
    private static readonly bool IsLinux = OperatingSystem.IsLinux();

    /// <summary>
    /// Tests only: when set, the runtime behaves as if it ran on this operating system (a description such as
    /// "Windows"); null is the real one.
    /// </summary>
    internal static string? SimulatedOS;

    /// <summary>Throws <see cref="PlatformNotSupportedException"/> unless this is a supported operating system.</summary>
    public static void EnsureSupported()
    {
        if (IsLinux && SimulatedOS is null) return;
        Throw();
    }

    private static void Throw()
    {
        var os = SimulatedOS ?? RuntimeInformation.OSDescription;
        throw new PlatformNotSupportedException(
            $"Multiproc supports Linux only (it uses futexes, memory-mapped files under /dev/shm and pidfds); this process runs on {os}.");
    }
}
