using System.Reflection;
using System.Runtime.InteropServices;
using Multiproc.Platform;

namespace Multiproc.Internal;

/// <summary>What a child process does, from the startup hook to its exit.</summary>
internal static class ChildMain
{
    /// <summary>The startup-hook entry (<see cref="StartupHook"/>): runs the target and exits in a child; returns at once elsewhere.</summary>
    public static void RunIfChild()
    {
        var fdText = Environment.GetEnvironmentVariable(ProcessSpawner.ChildFdVariable);
        if (ParseFd(fdText) is not { } fd) return;
        StartTrace.Mark("hook");
        // What this child starts itself (a tool, another app) must not take the hook for its own.
        Environment.SetEnvironmentVariable(ProcessSpawner.ChildFdVariable, null);
        var ownHook = typeof(ChildMain).Assembly.Location;
        var rest = new List<string>();
        foreach (var h in (Environment.GetEnvironmentVariable(ProcessSpawner.StartupHooksVariable) ?? "").Split(Path.PathSeparator))
            if (h.Length > 0 && h != ownHook) rest.Add(h);
        Environment.SetEnvironmentVariable(ProcessSpawner.StartupHooksVariable, rest.Count > 0 ? string.Join(Path.PathSeparator, rest) : null);
        Environment.Exit(Run(fd));
    }

    /// <summary>
    /// The launcher entry (Multiproc.Child.dll's Main). <paramref name="args"/>: the control pipe's descriptor
    /// (an argument rather than an environment variable, so nothing needs removing from the environment that the
    /// target's own subprocesses inherit) and the simple name of the parent's entry assembly, which becomes this
    /// process's entry assembly too (on .NET 9 and later).
    /// </summary>
    public static int RunLaunched(string[] args)
    {
        StartTrace.Mark("main");
        if (args.Length < 1 || ParseFd(args[0]) is not { } fd)
        {
            Console.Error.WriteLine("Multiproc.Child.dll is how Multiproc starts child processes; it does nothing on its own.");
            return 2;
        }
        Boot();
        if (args.Length > 1 && args[1].Length > 0) ChildCommandLine.AdoptEntryAssembly(args[1]);
        StartTrace.Mark("entry");
        Prepare(fd);
        return RunTarget(fd);
    }

    /// <summary>
    /// A spare's head start: runs once what a child's first run needs first in a fresh runtime, so that those
    /// first-use costs (assembly and type loads, ReadyToRun fixups, page faults) fall in a spare's idle time, after its
    /// boot report, instead of between the parent's <c>Start()</c> and the target's first item. In steps, each skipped
    /// when the frame (or end-of-file) is already waiting on <paramref name="fd"/>: a child started cold, or taken
    /// while it booted, goes straight to its target, and one taken during its head start waits for one step at most.
    /// (1) On a frame of its own that names <see cref="Prepared"/>: the frame decoder, loading an assembly by name,
    /// resolving a method by token, a reflection invoke, the errno path of a P/Invoke. (2) A consumer's first run
    /// (<see cref="PrepareQueue"/>). (3) A daemon's lifeline thread (<see cref="PrepareThread"/>); 2 and 3 only once the spare has waited
    /// <see cref="IdleBeforeQueueStepMs"/> for a frame in vain, and not with
    /// <c>MULTIPROC_HEAD_START=1</c> (<see cref="HeadStartVariable"/>). Nothing here is
    /// visible to another process: no file, no shared object, no output. Any failure is ignored: the real frame
    /// takes the same paths again.
    /// </summary>
    private static void Prepare(int fd)
    {
        try
        {
            if (FrameWaiting(fd)) return;
            _ = Marshal.GetLastPInvokeError();
            var (method, instance, args) = TargetCall.Bind(PrepareMessage());
            method.Invoke(instance, BindingFlags.DoNotWrapExceptions, null, args, null);
            HeadStartSteps = 1;
            StartTrace.Mark("prepared");
            // Steps 2 and 3 only in a spare that stays idle a moment: one taken at once (a loop of starts that waits for
            // each spare's boot) would pay them for nothing.
            if (Environment.GetEnvironmentVariable(HeadStartVariable) == "1" || FrameWaiting(fd, IdleBeforeQueueStepMs)) return;
            PrepareQueue();
            HeadStartSteps = 2;
            StartTrace.Mark("queue");
            if (FrameWaiting(fd)) return;
            PrepareThread();
            HeadStartSteps = 3;
            StartTrace.Mark("thread");
        }
        catch (Exception)
        {
            // Only a head start: the target's own frame is read, bound and invoked the same way.
        }
    }

    /// <summary><c>MULTIPROC_HEAD_START=1</c> in a child's environment: its head start runs step 1 only (measurements).</summary>
    internal const string HeadStartVariable = "MULTIPROC_HEAD_START";

    /// <summary>How many of <see cref="Prepare"/>'s three steps this process ran (tests).</summary>
    internal static int HeadStartSteps { get; private set; }

    /// <summary>How long a spare waits for its frame after step 1 before it runs steps 2 and 3.</summary>
    internal const int IdleBeforeQueueStepMs = 30;

    /// <summary>True when the target's frame (or end-of-file) can be read, waiting for it at most <paramref name="timeoutMs"/>.</summary>
    private static unsafe bool FrameWaiting(int fd, int timeoutMs = 0)
    {
        var p = new LinuxNative.PollFd { Fd = fd, Events = LinuxNative.POLLIN };
        return LinuxNative.poll(&p, 1, timeoutMs) != 0;
    }

    /// <summary>
    /// What binding a queue argument and a consumer's first <c>Get</c>/<c>TaskDone</c> run first, on a private
    /// <see cref="JoinableQueue{T}"/> of strings holding one item (anonymous memory: no file in the run directory, no handle anyone
    /// holds): the queue and ring types, the string codec, the ring's atomics and locks (and the
    /// System.Collections, System.Threading and System.Memory facades that Multiproc.dll's references to them load),
    /// and the reflection look-up of the <c>Attach</c> methods of the string queues, cached as a real argument's would be.
    /// </summary>
    internal static void PrepareQueue()
    {
        _ = SharedObjects.AttachMethod(typeof(JoinableQueue<string>));
        _ = SharedObjects.AttachMethod(typeof(ProcessQueue<string>));
        var ring = SharedRing.CreatePrivate(joinable: true);
        using var q = JoinableQueue<string?>.Over(ring);
        // The item goes in as its bytes, past ProcessQueue.Put: a consumer never runs Put's check of the item type,
        // which loads the assemblies of the types it refuses (sockets, pipes, processes).
        ring.Enqueue("prepared"u8, 0, null, default);
        _ = q.Get();
        q.TaskDone();
        _ = q.Join(TimeSpan.Zero);
    }

    /// <summary>
    /// Starts and joins a thread that does nothing, as <see cref="WatchLifeline"/> starts one in every daemon: the
    /// System.Threading.Thread facade and the runtime's thread start-up path.
    /// </summary>
    internal static void PrepareThread()
    {
        var t = new Thread(static () => { }) { IsBackground = true, Name = "Multiproc prepare" };
        t.Start();
        t.Join(TimeSpan.FromSeconds(5));
    }

    /// <summary><see cref="Prepare"/>'s frame, decoded as a target's is: <see cref="Prepared"/>, no arguments.</summary>
    internal static StartMessage PrepareMessage()
    {
        var token = ((Action)Prepared).Method.MetadataToken;
        // A frame as Wire.Frame writes it: version, name, daemon, directory, assembly, token, no instance, no arguments.
        ReadOnlySpan<byte> head = [1, 0, 0, 0, 0, 0, 0, 9, (byte)'M', (byte)'u', (byte)'l', (byte)'t', (byte)'i', (byte)'p', (byte)'r', (byte)'o', (byte)'c'];
        Span<byte> frame = stackalloc byte[head.Length + 9];
        head.CopyTo(frame);
        var t = frame[head.Length..];
        t[0] = (byte)token;
        t[1] = (byte)(token >> 8);
        t[2] = (byte)(token >> 16);
        t[3] = (byte)(token >> 24);
        t[4..].Clear();
        return Wire.Decode(frame);
    }

    /// <summary>The target of <see cref="Prepare"/>'s frame.</summary>
    private static void Prepared() { }

    /// <summary>
    /// The descriptor number, parsed by hand: int.Parse would initialize globalization (loading ICU,
    /// milliseconds of CPU) in every child, before any user code asked for it.
    /// </summary>
    private static int? ParseFd(string? text)
    {
        if (string.IsNullOrEmpty(text) || text.Length > 9) return null;
        var fd = 0;
        foreach (var c in text)
        {
            if (c is < '0' or > '9') return null;
            fd = fd * 10 + (c - '0');
        }
        return fd;
    }

    private static int Run(int fd)
    {
        Boot();
        return RunTarget(fd);
    }

    /// <summary>
    /// What a child does as soon as its runtime is up: SIGTERM's disposition, then the boot report. The launcher
    /// runs this before anything else of its own (before adopting the entry assembly, the first step that needs the
    /// JIT), so that a pre-started spare reports booted as early as it can: the spare pool boots the next spare only
    /// then, and what the child still does before it reads its target overlaps that next boot.
    /// </summary>
    private static void Boot()
    {
        HandleTerminate();
        ReportBooted();
        StartTrace.Mark("booted");
    }

    private static int RunTarget(int fd)
    {
        StartMessage? message;
        try
        {
            message = Wire.ReadFrame(fd);
        }
        catch (Exception e)
        {
            Console.Error.WriteLine("Multiproc child: cannot read its target: " + e.Message);
            return 1;
        }
        if (message is null)
        {
            // A pre-started child whose parent ended without needing it.
            LinuxNative._exit(0);
            return 0;
        }

        StartTrace.Mark("frame");
        ChildProcess.SetCurrent(message.Name, message.Daemon);
        // Only a daemon acts when its parent dies; a non-daemon child carries on, as in Python.
        if (message.Daemon) WatchLifeline(fd);
        // The parent's working directory at Start() (a pre-started child was started earlier, maybe elsewhere).
        // A directory that is gone leaves the child where it is.
        if (message.WorkingDirectory.Length > 0) LinuxNative.chdir(message.WorkingDirectory);

        var code = 0;
        try
        {
            var (method, instance, args) = TargetCall.Bind(message);
            StartTrace.Mark("bound");
            object? result;
            try
            {
                result = method.Invoke(instance, BindingFlags.DoNotWrapExceptions, null, args, null);
            }
            catch (TargetInvocationException e) when (e.InnerException is not null)
            {
                throw e.InnerException;
            }
            if (result is Task task) task.GetAwaiter().GetResult();
            StartTrace.Mark("target");
        }
        catch (Exception e)
        {
            Console.Out.Flush();
            Console.Error.WriteLine($"Process {message.Name}:");
            Console.Error.WriteLine(e.ToString());
            code = 1;
        }
        Children.OnExit();
        StartTrace.Mark("joined");
        // What the child never disposed: the last user removes it now, not when the run ends.
        SharedSegment.ReleaseAllAtExit();
        StartTrace.Write();
        // Console.Out and Console.Error write through (AutoFlush), so nothing is pending here; touching
        // them would only initialize the console in a child that never printed.
        return code;
    }

    /// <summary>
    /// Tells the parent that this runtime is up and about to wait for its target (one byte on
    /// <see cref="ProcessSpawner.BootedFd"/>, which the parent's spare pool watches: a booted spare costs no core),
    /// and closes that descriptor, so that the target and what it starts do not inherit it. The parent may have
    /// closed its end already (a child taken at once): the write then fails with EPIPE, which the runtime ignores.
    /// </summary>
    private static unsafe void ReportBooted()
    {
        byte b = 1;
        LinuxNative.WriteIgnoringErrno(ProcessSpawner.BootedFd, &b, 1);
        LinuxNative.CloseIgnoringErrno(ProcessSpawner.BootedFd);
    }

    /// <summary>The control pipe reads end-of-file when the parent dies; a daemon dies with it.</summary>
    private static void WatchLifeline(int fd)
    {
        var t = new Thread(() =>
        {
            Span<byte> buf = stackalloc byte[64];
            try
            {
                while (LinuxNative.ReadExactly(fd, buf[..1])) { }
            }
            catch (IOException) { }
            // Nothing to flush first: .NET's console writers write through (and touching Console here would
            // initialize it in a daemon that never printed, delaying its end).
            LinuxNative.kill(Environment.ProcessId, LinuxNative.SIGKILL);
        })
        { IsBackground = true, Name = "Multiproc lifeline" };
        t.Start();
    }

    /// <summary>
    /// SIGTERM ends a child the way it ends a Python child: at once, reported as killed by signal 15
    /// (not as .NET's graceful shutdown with exit code 143). The runtime installs its own SIGTERM
    /// handler at start-up; putting back the default disposition costs one system call, where a
    /// <see cref="PosixSignalRegistration"/> would start the runtime's signal-handling thread in
    /// every child. Console output needs no flush on the way: .NET's console writers write through.
    /// </summary>
    private static void HandleTerminate() => LinuxNative.signal(LinuxNative.SIGTERM, IntPtr.Zero);
}
