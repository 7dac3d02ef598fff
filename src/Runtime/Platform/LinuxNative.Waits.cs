using System.Runtime.InteropServices;

namespace Multiproc.Platform;

/// <summary>The calls behind <see cref="KernelWaiter"/> and <see cref="ExitWatcher"/>: futex_waitv and the monotonic clock.</summary>
internal static unsafe partial class LinuxNative
{
    /// <summary>futex_waitv(2), Linux 5.16+; the same number on every architecture (the unified syscall table).</summary>
    public const int SYS_futex_waitv = 449;
    public const int FUTEX2_SIZE_U32 = 0x02;
    /// <summary>The most entries futex_waitv takes.</summary>
    public const int FUTEX_WAITV_MAX = 128;
    public const int CLOCK_MONOTONIC = 1;
    public const int ENOSYS = 38;
    public const int EINVAL = 22;
    public const int EFAULT = 14;

    /// <summary>struct futex_waitv { u64 val; u64 uaddr; u32 flags; u32 __reserved; }.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct FutexWaitv
    {
        public ulong Value;
        public ulong Address;
        public uint Flags;
        public uint Reserved;
    }

    /// <summary>futex_waitv(waiters, count, 0, absolute timeout or null, clockid).</summary>
    [LibraryImport(Libc, SetLastError = true, EntryPoint = "syscall")]
    public static partial long syscall_waitv(long number, FutexWaitv* waiters, uint count, uint flags, Timespec* timeout, int clockid);

    [LibraryImport(Libc, SetLastError = true)]
    public static partial int clock_gettime(int clockid, Timespec* ts);

    /// <summary>CLOCK_MONOTONIC in nanoseconds (the clock futex_waitv's absolute timeouts are given on).</summary>
    public static long MonotonicNanoseconds()
    {
        Timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return ts.Seconds * 1_000_000_000 + ts.Nanoseconds;
    }
}
