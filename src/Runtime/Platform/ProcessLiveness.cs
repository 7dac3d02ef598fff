namespace Multiproc.Platform;

/// <summary>Whether a process id still names a running (not zombie) process.</summary>
/// <remarks>
/// Every process that waits on a lock or a peer asks this about the holder at each timed-out wait (every 100 ms),
/// so it is a few system calls on a stack buffer: no FileStream, string or UTF-8 decoding, whose first use costs a
/// fresh child milliseconds of type loading and whose repeated use made dozens of runtime methods hot enough to be
/// recompiled (tier 1) in every waiting child (ticket_50: ~150 recompilations per child before this).
/// </remarks>
internal static unsafe class ProcessLiveness
{
    public static bool IsAlive(int pid)
    {
        if (pid <= 0) return false;
        if (LinuxNative.kill(pid, 0) != 0 && LinuxNative.Errno == LinuxNative.ESRCH) return false;
        // A killed process that its parent has not reaped yet still answers kill(0): read its state,
        // the field after the command name in parentheses ("pid (comm) S ..."; comm may itself hold ')').
        var path = stackalloc byte[32];
        var n = 0;
        foreach (var c in "/proc/") path[n++] = (byte)c;
        n += FormatDecimal(pid, path + n);
        foreach (var c in "/stat") path[n++] = (byte)c;
        path[n] = 0;
        var fd = LinuxNative.open(path, LinuxNative.O_RDONLY | LinuxNative.O_CLOEXEC, 0);
        if (fd < 0)
        {
            // Gone (reaped) between the two checks; any other failure (not allowed to look) leaves it alive.
            return LinuxNative.Errno != LinuxNative.ENOENT && LinuxNative.Errno != LinuxNative.ESRCH;
        }
        // pid, comm (at most 15 bytes, escaped to no more than 64 here) and the state fit well in 256 bytes;
        // the fields after the state are numbers, so the last ')' read is the one closing comm.
        var buf = stackalloc byte[256];
        nint got;
        var error = 0;
        do
        {
            got = LinuxNative.read(fd, buf, 256);
            if (got < 0) error = LinuxNative.Errno;
        }
        while (got < 0 && error == LinuxNative.EINTR);
        LinuxNative.close(fd);
        // Reaped after the open: ESRCH. Nothing to read says nothing: alive, as a state we cannot parse.
        if (got < 0) return error != LinuxNative.ESRCH;
        var close = -1;
        for (var i = (int)got - 1; i >= 0; i--)
        {
            if (buf[i] == (byte)')') { close = i; break; }
        }
        if (close < 0 || close + 2 >= got) return true;
        var state = buf[close + 2];
        return state is not ((byte)'Z' or (byte)'X' or (byte)'x');
    }

    /// <summary>Writes the digits of a positive <paramref name="value"/> at <paramref name="dest"/>; returns how many.</summary>
    private static int FormatDecimal(int value, byte* dest)
    {
        var digits = stackalloc byte[10];
        var count = 0;
        do
        {
            digits[count++] = (byte)('0' + value % 10);
            value /= 10;
        }
        while (value > 0);
        for (var i = 0; i < count; i++) dest[i] = digits[count - 1 - i];
        return count;
    }
}
