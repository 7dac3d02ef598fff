using System.Runtime.InteropServices;
using System.Text;

namespace Multiproc.Platform;

/// <summary>
/// The calls that take a path, on a child's start path. The path is passed as NUL-terminated UTF-8 narrowed by
/// hand when it is ASCII (as run-directory and segment paths are): the generated UTF-8 marshalling's first use
/// (<see cref="Encoding.UTF8"/>) costs a fresh child ~2 ms of CPU and ~50 page faults of type loading, which a
/// target that never touches text would not otherwise pay. Other paths go through <see cref="Encoding.UTF8"/>.
/// </summary>
internal static unsafe partial class LinuxNative
{
    public const int F_OK = 0;

    /// <summary>open(2).</summary>
    public static int open(string path, int flags, int mode)
    {
        fixed (byte* p = PathBytes(path)) return open(p, flags, mode);
    }

    /// <summary>unlink(2).</summary>
    public static int unlink(string path)
    {
        fixed (byte* p = PathBytes(path)) return unlink(p);
    }

    /// <summary>chdir(2). A child moves to the parent's directory with it: the first <c>Environment.CurrentDirectory</c> costs a fresh process milliseconds.</summary>
    public static int chdir(string path)
    {
        fixed (byte* p = PathBytes(path)) return chdir(p);
    }

    /// <summary>Whether <paramref name="path"/> names something that exists (access(2) with F_OK), without <see cref="File.Exists"/>'s start-up.</summary>
    public static bool Exists(string path)
    {
        fixed (byte* p = PathBytes(path)) return access(p, F_OK) == 0;
    }

    /// <summary>Whether <paramref name="path"/> is a directory (or a link to one): "path/." exists only then.</summary>
    public static bool IsDirectory(string path) => Exists(path + "/.");

    /// <summary><paramref name="path"/> as NUL-terminated UTF-8.</summary>
    internal static byte[] PathBytes(string path)
    {
        var bytes = new byte[path.Length + 1];
        for (var i = 0; i < path.Length; i++)
        {
            var c = path[i];
            if (c >= 0x80)
            {
                bytes = new byte[Encoding.UTF8.GetByteCount(path) + 1];
                Encoding.UTF8.GetBytes(path, bytes);
                return bytes;
            }
            bytes[i] = (byte)c;
        }
        return bytes;
    }

    /// <summary>open(2) of a NUL-terminated path already in bytes.</summary>
    [LibraryImport(Libc, EntryPoint = "open", SetLastError = true)]
    public static partial int open(byte* path, int flags, int mode);

    [LibraryImport(Libc, EntryPoint = "unlink", SetLastError = true)]
    private static partial int unlink(byte* path);

    [LibraryImport(Libc, EntryPoint = "chdir", SetLastError = true)]
    private static partial int chdir(byte* path);

    [LibraryImport(Libc, EntryPoint = "access", SetLastError = true)]
    private static partial int access(byte* path, int mode);
}
