using System.Collections;
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
        var (path, argv) = (command.Path, command.Argv);
        var env = BuildEnvironment(runDirectory, command.UsesStartupHook);

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
            LinuxNative.posix_spawn_file_actions_addopen(actions, 0, "/dev/null", LinuxNative.O_RDONLY, 0);
            LinuxNative.posix_spawn_file_actions_adddup2(actions, readEnd, ControlFd);
            LinuxNative.posix_spawn_file_actions_adddup2(actions, bootedWrite, BootedFd);
            int pid;
            var rc = SpawnWith(path, argv, env, actions, &pid);
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

    private static int SpawnWith(string path, string[] argv, string[] env, void* actions, int* pid)
    {
        var strings = new List<IntPtr>();
        try
        {
            byte** argvPtr = (byte**)Alloc(strings, (argv.Length + 1) * sizeof(IntPtr));
            for (var i = 0; i < argv.Length; i++) argvPtr[i] = AllocString(strings, argv[i]);
            argvPtr[argv.Length] = null;
            byte** envPtr = (byte**)Alloc(strings, (env.Length + 1) * sizeof(IntPtr));
            for (var i = 0; i < env.Length; i++) envPtr[i] = AllocString(strings, env[i]);
            envPtr[env.Length] = null;
            return LinuxNative.posix_spawn(pid, path, actions, null, argvPtr, envPtr);
        }
        finally
        {
            foreach (var p in strings) System.Runtime.InteropServices.NativeMemory.Free((void*)p);
        }
    }

    private static void* Alloc(List<IntPtr> owned, int bytes)
    {
        var p = System.Runtime.InteropServices.NativeMemory.Alloc((nuint)bytes);
        owned.Add((IntPtr)p);
        return p;
    }

    private static byte* AllocString(List<IntPtr> owned, string s)
    {
        var bytes = Encoding.UTF8.GetByteCount(s);
        var p = (byte*)Alloc(owned, bytes + 1);
        fixed (char* c = s) Encoding.UTF8.GetBytes(c, s.Length, p, bytes);
        p[bytes] = 0;
        return p;
    }

    private static string[] BuildEnvironment(string runDirectory, bool withHook)
    {
        var hook = typeof(ProcessSpawner).Assembly.Location;
        if (string.IsNullOrEmpty(hook))
            throw new PlatformNotSupportedException("Multiproc cannot start child processes from a single-file app: Multiproc.dll must be a file on disk.");
        var vars = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (DictionaryEntry e in Environment.GetEnvironmentVariables())
            vars[(string)e.Key] = (string?)e.Value ?? "";
        if (withHook)
        {
            vars[StartupHooksVariable] = vars.TryGetValue(StartupHooksVariable, out var existing) && existing.Length > 0 ? existing + Path.PathSeparator + hook : hook;
            vars[ChildFdVariable] = ControlFd.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        else
        {
            vars.Remove(ChildFdVariable); // the launcher gets the descriptor as an argument
        }
        vars[Internal.RunDirectory.EnvVar] = runDirectory;
        return vars.Select(kv => kv.Key + "=" + kv.Value).ToArray();
    }
}
