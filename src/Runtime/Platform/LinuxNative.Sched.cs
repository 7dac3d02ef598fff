using System.Runtime.InteropServices;

namespace Multiproc.Platform;

/// <summary>The scheduler calls the waits use: which CPU this thread runs on.</summary>
internal static partial class LinuxNative
{
    /// <summary>sched_getcpu(3): the CPU this thread runs on (glibc reads it from rseq or the vDSO, no system call); -1 on error.</summary>
    [LibraryImport(Libc)]
    public static partial int sched_getcpu();
}
