using System.Runtime.InteropServices;

namespace Multiproc.Platform;

/// <summary>
/// The raw Linux calls the runtime needs. Everything platform-specific goes through this class and
/// <see cref="Futex"/>, <see cref="ProcessSpawner"/> and <see cref="ProcessLiveness"/>; another platform
/// would replace these files.
/// </summary>
internal static unsafe partial class LinuxNative
{
    private const string Libc = "libc";

    public const int SYS_futex = 202;
    public const int SYS_pidfd_send_signal = 424;
    public const int SYS_pidfd_open = 434;

    public const int FUTEX_WAIT = 0;
    public const int FUTEX_WAKE = 1;

    public const int ENOENT = 2;
    public const int EINTR = 4;
    public const int EEXIST = 17;
    public const int EAGAIN = 11;
    public const int ESRCH = 3;
    public const int ETIMEDOUT = 110;

    public const int SIGKILL = 9;
    public const int SIGTERM = 15;

    public const int O_RDONLY = 0;
    public const int O_RDWR = 2;
    public const int O_CREAT = 0x40;
    public const int O_EXCL = 0x80;
    public const int O_CLOEXEC = 0x80000;

    public const int LOCK_SH = 1;
    public const int LOCK_EX = 2;
    public const int LOCK_NB = 4;

    public const short POLLIN = 0x1;
    public const int WNOHANG = 1;
    public const int ECHILD = 10;

    // waitid(2): which child, what to wait for, and the fields of the siginfo_t it fills (128 bytes; the same
    // offsets on x86-64 and arm64).
    public const int P_PID = 1;
    public const int WEXITED = 4;
    public const int WNOWAIT = 0x01000000;
    public const int CLD_EXITED = 1;
    public const int SiginfoSize = 128;
    public const int SiginfoCodeOffset = 8;
    public const int SiginfoStatusOffset = 24;

    [StructLayout(LayoutKind.Sequential)]
    public struct Timespec
    {
        public long Seconds;
        public long Nanoseconds;

        public static Timespec From(TimeSpan t)
        {
            var ticks = Math.Max(0, t.Ticks);
            return new Timespec { Seconds = ticks / TimeSpan.TicksPerSecond, Nanoseconds = ticks % TimeSpan.TicksPerSecond * 100 };
        }
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }

    /// <summary>signal(2); <see cref="IntPtr.Zero"/> is SIG_DFL.</summary>
    [LibraryImport(Libc)]
    public static partial IntPtr signal(int sig, IntPtr handler);

    [LibraryImport(Libc, SetLastError = true)]
    public static partial long syscall(long number, int* uaddr, int op, int val, Timespec* timeout, IntPtr uaddr2, int val3);

    [LibraryImport(Libc, SetLastError = true, EntryPoint = "syscall")]
    public static partial long syscall3(long number, long a1, long a2, long a3, long a4);

    [LibraryImport(Libc, SetLastError = true)]
    public static partial int kill(int pid, int sig);

    [LibraryImport(Libc, SetLastError = true)]
    public static partial int poll(PollFd* fds, ulong nfds, int timeoutMs);

    [LibraryImport(Libc, SetLastError = true)]
    public static partial int waitpid(int pid, int* status, int options);

    [LibraryImport(Libc, SetLastError = true)]
    public static partial int waitid(int idtype, int id, byte* infop, int options);

    [LibraryImport(Libc, SetLastError = true)]
    public static partial int pipe2(int* fds, int flags);

    [LibraryImport(Libc, SetLastError = true)]
    public static partial int close(int fd);

    public const int F_DUPFD_CLOEXEC = 1030;

    [LibraryImport(Libc, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int open(string path, int flags);

    [LibraryImport(Libc, SetLastError = true)]
    public static partial int fcntl(int fd, int cmd, int arg);

    [LibraryImport(Libc, SetLastError = true)]
    public static partial nint read(int fd, byte* buf, nint count);

    [LibraryImport(Libc, SetLastError = true)]
    public static partial nint write(int fd, byte* buf, nint count);

    [LibraryImport(Libc, SetLastError = true)]
    public static partial int flock(int fd, int operation);

    /// <summary>
    /// write(2) and close(2) without errno, for a child's boot report, whose failure is ignored: without
    /// <c>SetLastError</c> the call needs no <c>Marshal</c> errno handling, so nothing a child runs before that
    /// report loads the System.Runtime.InteropServices facade.
    /// </summary>
    [LibraryImport(Libc, EntryPoint = "write")]
    public static partial nint WriteIgnoringErrno(int fd, byte* buf, nint count);

    /// <inheritdoc cref="WriteIgnoringErrno"/>
    [LibraryImport(Libc, EntryPoint = "close")]
    public static partial int CloseIgnoringErrno(int fd);

    public const int PROT_READ = 1;
    public const int PROT_WRITE = 2;
    public const int MAP_SHARED = 1;
    public const int MAP_ANONYMOUS = 0x20;
    public const int SEEK_END = 2;

    [LibraryImport(Libc, SetLastError = true)]
    public static partial void* mmap(void* addr, nuint length, int prot, int flags, int fd, long offset);

    [LibraryImport(Libc, SetLastError = true)]
    public static partial int munmap(void* addr, nuint length);

    [LibraryImport(Libc, SetLastError = true)]
    public static partial int ftruncate(int fd, long length);

    [LibraryImport(Libc, SetLastError = true)]
    public static partial long lseek(int fd, long offset, int whence);

    [LibraryImport(Libc)]
    public static partial uint getuid();

    [LibraryImport(Libc)]
    public static partial void _exit(int status);

    [LibraryImport(Libc, SetLastError = true)]
    public static partial int posix_spawn(int* pid, byte* path, void* fileActions, void* attr, byte** argv, byte** envp);

    [LibraryImport(Libc)]
    public static partial int posix_spawn_file_actions_init(void* fileActions);

    [LibraryImport(Libc)]
    public static partial int posix_spawn_file_actions_destroy(void* fileActions);

    [LibraryImport(Libc)]
    public static partial int posix_spawn_file_actions_adddup2(void* fileActions, int fd, int newFd);

    [LibraryImport(Libc)]
    public static partial int posix_spawn_file_actions_addopen(void* fileActions, int fd, byte* path, int oflag, int mode);

    public static int PidfdOpen(int pid) => (int)syscall3(SYS_pidfd_open, pid, 0, 0, 0);

    public static int PidfdSendSignal(int pidfd, int sig) => (int)syscall3(SYS_pidfd_send_signal, pidfd, sig, 0, 0);

    public static int Errno => Marshal.GetLastPInvokeError();

    public static Exception Error(string what) =>
        new IOException($"{what} failed: {Marshal.GetPInvokeErrorMessage(Errno)} (errno {Errno})");

    /// <summary>Writes all of <paramref name="data"/> to <paramref name="fd"/>, retrying on EINTR and partial writes.</summary>
    public static void WriteAll(int fd, ReadOnlySpan<byte> data)
    {
        fixed (byte* p = data)
        {
            var done = 0;
            while (done < data.Length)
            {
                var n = write(fd, p + done, data.Length - done);
                if (n < 0)
                {
                    if (Errno == EINTR) continue;
                    throw Error("write");
                }
                done += (int)n;
            }
        }
    }

    /// <summary>Reads exactly <paramref name="buffer"/>.Length bytes; false on end of file before any byte.</summary>
    public static bool ReadExactly(int fd, Span<byte> buffer)
    {
        fixed (byte* p = buffer)
        {
            var done = 0;
            while (done < buffer.Length)
            {
                var n = read(fd, p + done, buffer.Length - done);
                if (n < 0)
                {
                    if (Errno == EINTR) continue;
                    throw Error("read");
                }
                if (n == 0)
                {
                    if (done == 0) return false;
                    throw new EndOfStreamException("The control pipe closed in the middle of a message.");
                }
                done += (int)n;
            }
        }
        return true;
    }
}
