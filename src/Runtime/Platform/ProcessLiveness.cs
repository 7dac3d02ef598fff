namespace Multiproc.Platform;

/// <summary>Whether a process id still names a running (not zombie) process.</summary>
internal static class ProcessLiveness
{
    public static bool IsAlive(int pid)
    {
        if (pid <= 0) return false;
        if (LinuxNative.kill(pid, 0) != 0 && LinuxNative.Errno == LinuxNative.ESRCH) return false;
        // A killed process that its parent has not reaped yet still answers kill(0): read its state.
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var close = stat.LastIndexOf(')');
            if (close < 0 || close + 2 >= stat.Length) return true;
            var state = stat[close + 2];
            return state is not ('Z' or 'X' or 'x');
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return true;
        }
    }
}
