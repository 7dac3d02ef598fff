using System.Runtime.InteropServices;

namespace Multiproc.Platform;

/// <summary>The calls only a child's start needs.</summary>
internal static unsafe partial class LinuxNative
{
    /// <summary>chdir(2). A child moves to the parent's directory with it: the first <c>Environment.CurrentDirectory</c> costs a fresh process milliseconds.</summary>
    [LibraryImport(Libc, SetLastError = true)]
    public static partial int chdir([MarshalAs(UnmanagedType.LPUTF8Str)] string path);
}
