using System.Runtime.InteropServices;
using System.Text;

namespace Multiproc.Platform;

/// <summary>
/// A spawned child: its pid, a pidfd to wait on, the write end of its control pipe, and the read end of the pipe on
/// which it reports that its runtime is up (<see cref="BootedFd"/>, -1 once closed).
/// </summary>
internal sealed class SpawnedChild
{
    public required int Pid { get; init; }
    public required int Pidfd { get; init; }
    public required int ControlFd { get; init; }

    /// <summary>Readable once the child has booted (a byte) or died (end-of-file); owned by the spare pool.</summary>
    public int BootedFd = -1;

    /// <summary>1 once the pool has seen this child booted (or stopped tracking it).</summary>
    public int BootSeen;
}

/// <summary>
/// Starts a child .NET process: Multiproc.Child.dll under the app's own runtimeconfig and deps file, or, where
/// that cannot work, the parent's own command line with Multiproc.dll as a startup hook that runs before the
/// app's Main (see <see cref="ChildCommandLine"/>). Either way the child reads its target from the control pipe
/// (fd 3) and exits when the target is done, so the app's Main never runs in the child. This works the same for
/// an apphost, <c>dotnet app.dll</c>, <c>dotnet run</c> and a test host. The child's stdin is /dev/null; stdout
/// and stderr are the parent's. The control pipe doubles as a lifeline: it reads end-of-file when the
/// parent dies, however it dies.
/// </summary>
internal static unsafe class ProcessSpawner
{
    public const int ControlFd = 3;

    /// <summary>The child writes one byte here once its runtime is up and it is about to wait for its target, then closes it.</summary>
    public const int BootedFd = 4;
    public const string ChildFdVariable = "MULTIPROC_CHILD_FD";
    public const string StartupHooksVariable = "DOTNET_STARTUP_HOOKS";

    private static readonly Lazy<ChildCommandLine> CommandLine = new(ChildCommandLine.Resolve);

    /// <summary>How children are started (resolved once, at the first start).</summary>
    internal static ChildCommandLine Command => CommandLine.Value;

    public static SpawnedChild Spawn(string runDirectory)
    {
        var command = CommandLine.Value;
        var argv = Argv(command, out var path);
        var env = BuildEnvironment(runDirectory, command.UsesStartupHook);
        try
        {
            return Spawn(command.Path, path, argv, env);
        }
        finally
        {
            NativeMemory.Free(env);
        }
    }

    private static SpawnedChild Spawn(string path, byte* nativePath, byte** argv, byte** env)
    {
        int* fds = stackalloc int[2];
        if (LinuxNative.pipe2(fds, LinuxNative.O_CLOEXEC) != 0) throw LinuxNative.Error("pipe2");
        var readEnd = fds[0];
        var writeEnd = fds[1];
        if (LinuxNative.pipe2(fds, LinuxNative.O_CLOEXEC) != 0)
        {
            LinuxNative.close(readEnd);
            LinuxNative.close(writeEnd);
            throw LinuxNative.Error("pipe2");
        }
        var bootedRead = fds[0];
        var bootedWrite = fds[1];
        if (bootedWrite == ControlFd)
        {
            // dup2(readEnd, 3) below would replace it before it is copied to 4.
            var moved = LinuxNative.fcntl(bootedWrite, LinuxNative.F_DUPFD_CLOEXEC, BootedFd + 1);
            LinuxNative.close(bootedWrite);
            bootedWrite = moved;
        }

        byte* actions = stackalloc byte[256];
        LinuxNative.posix_spawn_file_actions_init(actions);
        try
        {
            fixed (byte* devNull = "/dev/null"u8) // a literal: static data, NUL-terminated
                LinuxNative.posix_spawn_file_actions_addopen(actions, 0, devNull, LinuxNative.O_RDONLY, 0);
            LinuxNative.posix_spawn_file_actions_adddup2(actions, readEnd, ControlFd);
            LinuxNative.posix_spawn_file_actions_adddup2(actions, bootedWrite, BootedFd);
            int pid;
            var rc = LinuxNative.posix_spawn(&pid, nativePath, actions, null, argv, env);
            if (rc != 0)
                throw new IOException($"Starting a child process ({path}) failed: errno {rc}.");
            var pidfd = LinuxNative.PidfdOpen(pid);
            if (pidfd < 0) throw LinuxNative.Error("pidfd_open");
            var child = new SpawnedChild { Pid = pid, Pidfd = pidfd, ControlFd = writeEnd, BootedFd = bootedRead };
            bootedRead = -1;
            return child;
        }
        catch
        {
            LinuxNative.close(writeEnd);
            throw;
        }
        finally
        {
            LinuxNative.posix_spawn_file_actions_destroy(actions);
            LinuxNative.close(readEnd);
            if (bootedWrite >= 0) LinuxNative.close(bootedWrite);
            if (bootedRead >= 0) LinuxNative.close(bootedRead);
        }
    }

    // The command line never changes within a process: its native form (the argument vector, then the
    // executable's path as one more string after its NULL) is built once and kept.
    private static byte** _argv;
    private static readonly object ArgvLock = new();

    private static byte** Argv(ChildCommandLine command, out byte* path)
    {
        lock (ArgvLock)
        {
            if (_argv == null)
            {
                var strings = new string[command.Argv.Length + 1];
                command.Argv.CopyTo(strings, 0);
                strings[^1] = command.Path;
                _argv = Block(strings, strings.Length, null, null);
                // The path's entry becomes the vector's terminating NULL.
                _pathOfArgv = _argv[command.Argv.Length];
                _argv[command.Argv.Length] = null;
            }
            path = _pathOfArgv;
            return _argv;
        }
    }

    private static byte* _pathOfArgv;

    private static string? _hook;

    /// <summary>
    /// The child's environment: this process's, read now (as CPython's spawn reads <c>os.environ</c> at each
    /// start), with the run directory set, the startup-hook variables set or removed, as one native block.
    /// Written by hand rather than through a dictionary, LINQ and per-string allocations: every start runs this,
    /// and each generic method it touches is one more method the parent's runtime JIT-compiles (at tier 0, then
    /// instrumented, then at tier 1) while its children boot on the same cores.
    /// </summary>
    private static byte** BuildEnvironment(string runDirectory, bool withHook)
    {
        var hook = _hook ??= typeof(ProcessSpawner).Assembly.Location;
        if (string.IsNullOrEmpty(hook))
            throw new PlatformNotSupportedException("Multiproc cannot start child processes from a single-file app: Multiproc.dll must be a file on disk.");
        var vars = Environment.GetEnvironmentVariables();
        var entries = new string[vars.Count + 3];
        var values = new string?[entries.Length];
        var n = 0;
        string? existingHooks = null;
        var e = vars.GetEnumerator();
        while (e.MoveNext())
        {
            var key = (string)e.Key;
            if (key == Internal.RunDirectory.EnvVar || key == ChildFdVariable) continue; // set below, or removed (the launcher gets the descriptor as an argument)
            if (withHook && key == StartupHooksVariable)
            {
                existingHooks = (string?)e.Value;
                continue;
            }
            entries[n] = key;
            values[n++] = (string?)e.Value ?? "";
        }
        if (withHook)
        {
            entries[n] = StartupHooksVariable;
            values[n++] = existingHooks is { Length: > 0 } ? existingHooks + Path.PathSeparator + hook : hook;
            entries[n] = ChildFdVariable;
            values[n++] = "3";
        }
        entries[n] = Internal.RunDirectory.EnvVar;
        values[n++] = runDirectory;
        return Block(entries, n, values, "=");
    }

    /// <summary>
    /// One allocation holding a NULL-terminated array of <paramref name="count"/> C strings and the strings
    /// themselves (UTF-8): <c>names[i]</c>, or <c>names[i] + separator + values[i]</c> when values are given.
    /// </summary>
    internal static byte** Block(string[] names, int count, string?[]? values, string? separator)
    {
        var table = (count + 1) * sizeof(IntPtr);
        var bytes = table;
        for (var i = 0; i < count; i++)
        {
            bytes += Utf8Length(names[i]) + 1;
            if (values is not null) bytes += Utf8Length(separator!) + Utf8Length(values[i]!);
        }
        var block = (byte*)NativeMemory.Alloc((nuint)bytes);
        var ptrs = (byte**)block;
        var at = block + table;
        for (var i = 0; i < count; i++)
        {
            ptrs[i] = at;
            at += WriteUtf8(names[i], at);
            if (values is not null)
            {
                at += WriteUtf8(separator!, at);
                at += WriteUtf8(values[i]!, at);
            }
            *at++ = 0;
        }
        ptrs[count] = null;
        return ptrs;
    }

    private static int Utf8Length(string s)
    {
        foreach (var c in s)
            if (c >= 0x80) return Encoding.UTF8.GetByteCount(s);
        return s.Length;
    }

    private static int WriteUtf8(string s, byte* to)
    {
        for (var i = 0; i < s.Length; i++)
        {
            var c = s[i];
            if (c >= 0x80)
                fixed (char* p = s) return Encoding.UTF8.GetBytes(p, s.Length, to, Encoding.UTF8.GetByteCount(s));
            to[i] = (byte)c;
        }
        return s.Length;
    }
}
