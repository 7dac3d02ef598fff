using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;

namespace Multiproc.Bench;

/// <summary>
/// The floor under <see cref="ChildCost"/>: what a .NET process costs that does only a ticket child's work, with no
/// Multiproc in it. <c>Multiproc.Bench --bare-cost empty|ticket|none N [--at-once|--paced]</c> starts N bare children,
/// one after the other (or all at once, then waits for all; or <c>--paced</c>: at once, but paced as Multiproc's
/// <c>BootPacer</c> paces cold starts — while as many children as cores have not yet reported that their runtime is up
/// (one byte on fd 3, first thing in <c>Main</c>), the next start waits for a report, at most 100 ms), each
/// <c>dotnet exec --runtimeconfig Multiproc.Bench.runtimeconfig.json --depsfile Multiproc.Bench.deps.json
/// Multiproc.Bench.dll --bare-child KIND PATH</c>: the same host, runtimeconfig and deps file as a Multiproc child,
/// the bench assembly as the entry point. <c>empty</c> starts and exits; <c>ticket</c> takes a cross-process lock
/// (<c>flock</c> on a lock file), does the JSON read-modify-write of <see cref="CoreWorkloads.Buy"/> on the same kind
/// of file and exits. <c>none</c> does the parent's set-up without children: the parent's own cost, to subtract.
/// The parent spawns with <c>posix_spawn</c>, reads each exit with <c>waitid(WNOWAIT)</c> and reaps later (as
/// Multiproc's parent does, so that the reap does not spin on the dead child's <c>/proc</c> entries), and prints the
/// children's own CPU and page faults (<c>getrusage(RUSAGE_CHILDREN)</c>) per child on stderr.
/// Run it under <c>perf stat -e task-clock,page-faults</c> for the tree, as <c>--child-cost</c>.
/// </summary>
public static unsafe class BareCost
{
    /// <summary>The bare child's whole program (called first thing from the bench's <c>Main</c>; touches no Multiproc type).</summary>
    public static int Child(string kind, string path, bool report)
    {
        if (report)
        {
            byte b = 1;
            write(3, &b, 1);
            close(3);
        }
        if (kind == "empty") return 0;
        if (kind != "ticket") return 2;
        return Ticket(path);
    }

    // A method of its own: the JIT resolves a whole method's tokens when it compiles it, so JSON code in Child would
    // load System.Text.Json and its dependencies into an empty child too.
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static int Ticket(string path)
    {
        // A cross-process lock around the work, as Buy's ProcessLock and CPython's _buy's Lock: flock on path + ".lock".
        var lockPath = stackalloc byte[path.Length + 6];
        for (var i = 0; i < path.Length; i++) lockPath[i] = (byte)path[i];
        ".lock\0"u8.CopyTo(new Span<byte>(lockPath + path.Length, 6));
        var fd = open(lockPath, 0 /* O_RDONLY */);
        if (fd < 0 || flock(fd, 2 /* LOCK_EX */) != 0) return 3;
        // Exactly CoreWorkloads.Buy's body inside its lock (keep the two the same).
        var d = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(path))!;
        var count = (int)d["count"]!;
        if (count > 0)
        {
            d["count"] = count - 1;
            File.WriteAllText(path, d.ToJsonString());
        }
        close(fd);
        return 0;
    }

    public static int Run(string kind, int n, bool atOnce, bool paced = false)
    {
        atOnce |= paced;
        if (kind is not ("empty" or "ticket" or "none"))
            throw new ArgumentException($"unknown bare child kind {kind}; use empty, ticket or none");
        var dir = Directory.CreateTempSubdirectory("multiproc-bench-bare-").FullName;
        var path = Path.Combine(dir, "ticket.json");
        File.WriteAllText(path, atOnce ? """{"count": 10}""" : """{"count": 1000000}""");
        File.WriteAllText(path + ".lock", "");

        // The command line of a Multiproc child, with the bench assembly in place of the launcher.
        var runtimeDir = Path.GetDirectoryName(typeof(object).Assembly.Location)!;
        var host = Path.Combine(Path.GetDirectoryName(Path.GetDirectoryName(Path.GetDirectoryName(runtimeDir)))!, "dotnet");
        var app = typeof(BareCost).Assembly.Location;
        var baseName = app[..^".dll".Length];
        var argv = new List<string> { host, "exec", "--runtimeconfig", baseName + ".runtimeconfig.json", "--depsfile", baseName + ".deps.json" };
        foreach (var p in (AppContext.GetData("PROBING_DIRECTORIES") as string ?? "").Split(';'))
            if (p.Length > 0) { argv.Add("--additionalprobingpath"); argv.Add(p); }
        argv.AddRange([app, "--bare-child", kind == "none" ? "empty" : kind, path]);
        if (paced) argv.Add("report");
        var nativeArgv = NativeVector(argv);
        var env = File.ReadAllBytes("/proc/self/environ");
        var envStrings = new List<string>();
        foreach (var e in System.Text.Encoding.UTF8.GetString(env).Split('\0'))
            if (e.Length > 0) envStrings.Add(e);
        var nativeEnv = NativeVector(envStrings);

        var count = kind == "none" ? 0 : n;
        var pids = new List<int>();
        var sw = Stopwatch.StartNew();
        var started = double.NaN;
        if (paced)
        {
            var fds = stackalloc int[2];
            if (pipe2(fds, 0x80000 /* O_CLOEXEC */) != 0) throw new IOException("pipe2 failed");
            var actions = stackalloc byte[256];
            posix_spawn_file_actions_init(actions);
            posix_spawn_file_actions_adddup2(actions, fds[1], 3);
            var booting = 0;
            var buf = stackalloc byte[64];
            for (var i = 0; i < count; i++)
            {
                if (booting >= Environment.ProcessorCount)
                {
                    var pfd = new PollFd { Fd = fds[0], Events = 1 /* POLLIN */ };
                    if (poll(&pfd, 1, 100) > 0) booting -= (int)read(fds[0], buf, 64);
                }
                pids.Add(Spawn(nativeArgv, nativeEnv, actions));
                booting++;
            }
            started = sw.Elapsed.TotalMilliseconds;
            posix_spawn_file_actions_destroy(actions);
            close(fds[0]);
            close(fds[1]);
            foreach (var pid in pids) WaitNoReap(pid);
        }
        else if (atOnce)
        {
            for (var i = 0; i < count; i++) pids.Add(Spawn(nativeArgv, nativeEnv));
            started = sw.Elapsed.TotalMilliseconds;
            foreach (var pid in pids) WaitNoReap(pid);
        }
        else
        {
            for (var i = 0; i < count; i++)
            {
                pids.Add(Spawn(nativeArgv, nativeEnv));
                WaitNoReap(pids[i]);
                if (i > 0) Reap(pids[i - 1]); // a child-lifetime after its exit
            }
        }
        var wall = sw.Elapsed.TotalMilliseconds;
        if (!atOnce) started = wall;
        if (pids.Count > 0)
        {
            Thread.Sleep(100);
            foreach (var pid in atOnce ? pids : pids[^1..]) Reap(pid);
        }
        var left = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(path))!["count"]!.ToString();
        Directory.Delete(dir, recursive: true);
        if (count > 0)
        {
            getrusage(-1 /* RUSAGE_CHILDREN */, out var u);
            var cpuMs = ((u.UserSec + u.SysSec) * 1e3 + (u.UserUsec + u.SysUsec) / 1e3) / count;
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"bare {kind} x{count}{(paced ? " paced" : atOnce ? " at once" : "")}: children's own CPU {cpuMs:F1} ms/child (user {(u.UserSec * 1e3 + u.UserUsec / 1e3) / count:F1}), page faults {u.MinFlt / (double)count:F0}/child, wall {wall:F0} ms ({wall / count:F1} ms/child), starts done at {started:F0} ms, tickets left {left}"));
        }
        return 0;
    }

    private static int Spawn(byte** argv, byte** env, byte* actions = null)
    {
        int pid;
        var rc = posix_spawn(&pid, argv[0], actions, null, argv, env);
        if (rc != 0) throw new IOException($"posix_spawn failed: errno {rc}");
        return pid;
    }

    /// <summary>Waits until the child has ended and checks its exit status, leaving it a zombie (not reaped).</summary>
    private static void WaitNoReap(int pid)
    {
        var info = stackalloc byte[128];
        while (waitid(1 /* P_PID */, pid, info, 4 /* WEXITED */ | 0x01000000 /* WNOWAIT */) != 0)
            if (Marshal.GetLastPInvokeError() != 4 /* EINTR */) throw new IOException($"waitid({pid}) failed: errno {Marshal.GetLastPInvokeError()}");
        var code = *(int*)(info + 8);
        var status = *(int*)(info + 24);
        if (code != 1 /* CLD_EXITED */ || status != 0) throw new InvalidOperationException($"bare child {pid}: si_code {code}, status {status}");
    }

    private static void Reap(int pid)
    {
        int status;
        if (waitpid(pid, &status, 0) != pid) throw new IOException($"waitpid({pid}) failed: errno {Marshal.GetLastPInvokeError()}");
    }

    private static byte** NativeVector(List<string> strings)
    {
        var v = (byte**)NativeMemory.AllocZeroed((nuint)(strings.Count + 1), (nuint)sizeof(byte*));
        for (var i = 0; i < strings.Count; i++)
        {
            var bytes = System.Text.Encoding.UTF8.GetBytes(strings[i]);
            var s = (byte*)NativeMemory.AllocZeroed((nuint)bytes.Length + 1);
            bytes.CopyTo(new Span<byte>(s, bytes.Length));
            v[i] = s;
        }
        return v;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct RUsage
    {
        public long UserSec, UserUsec, SysSec, SysUsec;
        public long MaxRss, IxRss, IdRss, IsRss, MinFlt, MajFlt, NSwap, InBlock, OuBlock, MsgSnd, MsgRcv, NSignals, NVCsw, NIvCsw;
    }

    // Blittable, no SetLastError where the child calls them: the JIT inlines these calls, no IL stub.
    [StructLayout(LayoutKind.Sequential)]
    private struct PollFd
    {
        public int Fd;
        public short Events, REvents;
    }

    [DllImport("libc")] private static extern int open(byte* path, int flags);
    [DllImport("libc")] private static extern nint write(int fd, byte* buf, nint count);
    [DllImport("libc")] private static extern nint read(int fd, byte* buf, nint count);
    [DllImport("libc")] private static extern int pipe2(int* fds, int flags);
    [DllImport("libc")] private static extern int poll(PollFd* fds, nuint nfds, int timeout);
    [DllImport("libc")] private static extern int posix_spawn_file_actions_init(byte* actions);
    [DllImport("libc")] private static extern int posix_spawn_file_actions_adddup2(byte* actions, int fd, int newFd);
    [DllImport("libc")] private static extern int posix_spawn_file_actions_destroy(byte* actions);
    [DllImport("libc")] private static extern int flock(int fd, int operation);
    [DllImport("libc")] private static extern int close(int fd);
    [DllImport("libc")] private static extern int posix_spawn(int* pid, byte* path, void* fileActions, void* attr, byte** argv, byte** envp);
    [DllImport("libc", SetLastError = true)] private static extern int waitid(int idtype, int id, byte* infop, int options);
    [DllImport("libc", SetLastError = true)] private static extern int waitpid(int pid, int* status, int options);
    [DllImport("libc")] private static extern int getrusage(int who, out RUsage usage);
}
