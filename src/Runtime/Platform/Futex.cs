namespace Multiproc.Platform;

/// <summary>
/// Waiting in the kernel on a 32-bit word in shared memory (Linux futex, shared between processes:
/// the FUTEX_PRIVATE_FLAG is deliberately not used).
/// </summary>
internal static unsafe class Futex
{
    /// <summary>
    /// Sleeps while <c>*word == expected</c>, for at most <paramref name="timeout"/> (infinite when null).
    /// Returns false on timeout; true when woken, when the value differed, or on a signal (callers re-check).
    /// </summary>
    public static bool Wait(int* word, int expected, TimeSpan? timeout)
    {
        long r;
        if (timeout is { } t)
        {
            var ts = LinuxNative.Timespec.From(t);
            r = LinuxNative.syscall(LinuxNative.SYS_futex, word, LinuxNative.FUTEX_WAIT, expected, &ts, IntPtr.Zero, 0);
        }
        else
        {
            r = LinuxNative.syscall(LinuxNative.SYS_futex, word, LinuxNative.FUTEX_WAIT, expected, null, IntPtr.Zero, 0);
        }
        if (r == 0) return true;
        var errno = LinuxNative.Errno;
        return errno switch
        {
            LinuxNative.ETIMEDOUT => false,
            LinuxNative.EAGAIN or LinuxNative.EINTR => true,
            _ => throw LinuxNative.Error("futex wait"),
        };
    }

    /// <summary>Wakes up to <paramref name="count"/> waiters on <paramref name="word"/>.</summary>
    public static void Wake(int* word, int count = 1)
    {
        LinuxNative.syscall(LinuxNative.SYS_futex, word, LinuxNative.FUTEX_WAKE, count, null, IntPtr.Zero, 0);
    }
}
