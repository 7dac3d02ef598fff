using Multiproc.Platform;

namespace Multiproc.Internal;

/// <summary>Removes the files that belong to a segment (a queue's rings and large items) when its last user lets it go.</summary>
/// <param name="name">The segment's name.</param>
/// <param name="pointer">Its mapping, valid during the call; no other process has the segment attached.</param>
/// <param name="length">The mapping's length.</param>
internal delegate void SegmentPartsRemover(string name, IntPtr pointer, long length);

/// <summary>
/// A memory-mapped file in the run directory, shared by every process of the run that opens it by name.
/// Created with O_EXCL and mode 0600 under a random name; the name is what travels to child processes.
/// </summary>
/// <remarks>
/// <para><b>Lifetime.</b> A segment made by <see cref="Create"/> lives as long as some process uses it. Every
/// process that creates or opens it keeps the file open with a shared <c>flock</c> on it (one open file
/// description per attachment, so two attachments in one process count twice). <see cref="Dispose"/> (or the
/// finalizer of a segment the GC collects undisposed) tries to turn that lock exclusive without waiting: it gets
/// it only when no other attachment is left anywhere, and then removes the file (and the files the segment's
/// kind registered as its parts, see <see cref="RegisterParts"/>) before closing it. The kernel drops the lock
/// of a process that dies, however it dies, so a killed user counts no more; the next user that detaches, or
/// the parent that reaps a killed child and releases the <see cref="SegmentHold"/> it kept for the child's
/// arguments, removes the file; that parent also sweeps, once per child killed by a signal, the segments no
/// process holds any more (<see cref="SweepUnused"/>), and a child whose target is done gives up what it never
/// disposed (<see cref="ReleaseAllAtExit"/>). A process that opens a segment takes the shared lock and then checks that the
/// file is still in the directory, so an open racing with the last detach either keeps the segment alive or
/// fails cleanly with <see cref="ObjectDisposedException"/> ("gone"). Creation, open and dispose cost a few
/// system calls each; nothing scans the run directory. Whatever is left when the run ends goes with the run
/// directory (<see cref="RunDirectory"/>).</para>
/// <para><b>Handles in flight.</b> A handle sent to a child at <see cref="ChildProcess.Start"/> is held by the
/// parent's <see cref="ChildProcess"/> (a <see cref="SegmentHold"/> per segment named in the handle, see
/// <see cref="ISharedObject.SegmentNames"/>) until the child is reaped, so the parent may dispose its own copy
/// right after <c>Start()</c>. A primitive sent inside a queue item is not held: the sender keeps it until the
/// receiver has it.</para>
/// <para><b>Parts.</b> <see cref="CreateExact"/> and <see cref="OpenPart"/> map files that belong to another
/// segment (a queue's ring generations): they hold no lock and are removed by their owner.</para>
/// <para>A primitive built on a segment keeps itself reachable across every use of <see cref="Pointer"/>
/// (<c>GC.KeepAlive(this)</c> at the end of a member that touches it): the finalizer unmaps the segment once
/// its owner is unreachable.</para>
/// </remarks>
internal sealed unsafe class SharedSegment : IDisposable
{
    // This process's attachments: what a child gives up when its target is done (ReleaseAllAtExit). Whoever
    // removes an entry releases that share, exactly once. A set of a reference type under a lock: its code is
    // shared and precompiled, where a collection keyed by int would be JIT-compiled in every child.
    private static readonly HashSet<Share> Attached = new();
    private Share? _share;
    private readonly string _path;
    private int _disposed;

    /// <summary>The segment's file name inside the run directory: its handle for other processes.</summary>
    public string Name { get; }

    /// <summary>Start of the mapping.</summary>
    public byte* Pointer { get; }

    /// <summary>Size of the mapping in bytes.</summary>
    public long Length { get; }

    /// <summary>True once <see cref="Dispose"/> ran (the mapping is gone).</summary>
    public bool IsDisposed => Volatile.Read(ref _disposed) != 0;

    // open(2) + mmap(2) directly: FileStream and MemoryMappedFile would cost every child process their
    // own start-up (several milliseconds of type loading for one mapping), for nothing they add here.
    private SharedSegment(string name, string path, int fd, long length, bool counted)
    {
        Name = name;
        _path = path;
        Length = length;
        var flags = fd < 0 ? LinuxNative.MAP_SHARED | LinuxNative.MAP_ANONYMOUS : LinuxNative.MAP_SHARED;
        var p = LinuxNative.mmap(null, (nuint)length, LinuxNative.PROT_READ | LinuxNative.PROT_WRITE, flags, fd, 0);
        if (p == (void*)-1)
        {
            var e = LinuxNative.Error($"mmap of {name}");
            if (fd >= 0) LinuxNative.close(fd);
            GC.SuppressFinalize(this);
            throw e;
        }
        Pointer = (byte*)p;
        if (counted)
        {
            _share = new Share(name, path, fd);
            lock (Attached) Attached.Add(_share);
            Volatile.Write(ref Attachments.Any, true);
        }
        else if (fd >= 0)
        {
            LinuxNative.close(fd); // the mapping keeps the file
        }
    }

    /// <summary>Releases this process's share of an undisposed segment that the GC collected.</summary>
    ~SharedSegment() => Release();

    /// <summary>
    /// Registers what removes the parts of segments of <paramref name="kind"/> (files named after the segment)
    /// when the last user lets one go. Idempotent.
    /// </summary>
    public static void RegisterParts(string kind, SegmentPartsRemover remover)
    {
        lock (Parts.Removers) Parts.Removers.TryAdd(kind, remover);
    }

    /// <summary>Creates a zero-filled segment of <paramref name="length"/> bytes named <c>kind-random</c>, attached by this process.</summary>
    public static SharedSegment Create(string kind, long length)
    {
        PlatformSupport.EnsureSupported();
        while (true)
        {
            var name = kind + "-" + RunDirectory.RandomToken();
            var path = Path.Combine(RunDirectory.Current, name);
            var fd = CreateFile(path, length, lockShared: true);
            // A sweep (see SweepUnused) that found the new file before its lock was taken removed it: make another.
            if (File.Exists(path)) return new SharedSegment(name, path, fd, length, counted: true);
            LinuxNative.close(fd);
        }
    }

    /// <summary>
    /// A zero-filled mapping of this process's own, backed by no file (anonymous memory): nothing in the run directory,
    /// no share, nothing another process can open. For <see cref="SharedRing.CreatePrivate"/> (a spare's head start).
    /// </summary>
    public static SharedSegment CreatePrivate(string name, long length) => new(name, "", -1, length, counted: false);

    /// <summary>
    /// Creates a zero-filled part of another segment under an exact <paramref name="name"/> (a queue's ring
    /// generations are named after the queue). A leftover file of that name, never published by a process that
    /// died, is replaced. A part holds no lifetime lock: its owner removes it. Its name must be its owner's name
    /// and a suffix (<c>-r1</c>), never a bare <c>kind-random</c>, which <see cref="SweepUnused"/> would take for an unused segment.
    /// </summary>
    public static SharedSegment CreateExact(string name, long length)
    {
        var path = Path.Combine(RunDirectory.Current, name);
        int fd;
        try
        {
            fd = CreateFile(path, length, lockShared: false);
        }
        catch (IOException) when (File.Exists(path))
        {
            File.Delete(path);
            fd = CreateFile(path, length, lockShared: false);
        }
        return new SharedSegment(name, path, fd, length, counted: false);
    }

    /// <summary>O_CREAT|O_EXCL, mode 0600, sized to <paramref name="length"/> (zero-filled by the kernel), with a shared lifetime lock when asked.</summary>
    private static int CreateFile(string path, long length, bool lockShared)
    {
        var fd = LinuxNative.open(path, LinuxNative.O_RDWR | LinuxNative.O_CREAT | LinuxNative.O_EXCL | LinuxNative.O_CLOEXEC, 0x180 /* 0600 */);
        if (fd < 0) throw LinuxNative.Error($"create {path}");
        if ((lockShared && LinuxNative.flock(fd, LinuxNative.LOCK_SH) != 0) || LinuxNative.ftruncate(fd, length) != 0)
        {
            var e = LinuxNative.Error($"size or lock {path}");
            LinuxNative.close(fd);
            File.Delete(path);
            throw e;
        }
        return fd;
    }

    /// <summary>Attaches a segment another process of this run created (it counts as a user until disposed).</summary>
    /// <exception cref="ArgumentException"><paramref name="name"/> is not a segment name.</exception>
    /// <exception cref="ObjectDisposedException">The segment is gone: every process that used it has let it go.</exception>
    public static SharedSegment Open(string name)
    {
        PlatformSupport.EnsureSupported();
        var (path, fd) = OpenLocked(name);
        var length = LinuxNative.lseek(fd, 0, LinuxNative.SEEK_END);
        if (length <= 0)
        {
            var e = LinuxNative.Error($"size of {path}");
            LinuxNative.close(fd);
            throw e;
        }
        return new SharedSegment(name, path, fd, length, counted: true);
    }

    /// <summary>Maps a part (see <see cref="CreateExact"/>); it takes no share in the part's lifetime.</summary>
    /// <exception cref="ObjectDisposedException">The part is gone.</exception>
    public static SharedSegment OpenPart(string name)
    {
        var path = PathOf(name);
        var fd = LinuxNative.open(path, LinuxNative.O_RDWR | LinuxNative.O_CLOEXEC, 0);
        if (fd < 0) throw OpenFailed(name, path);
        var length = LinuxNative.lseek(fd, 0, LinuxNative.SEEK_END);
        if (length <= 0)
        {
            var e = LinuxNative.Error($"size of {path}");
            LinuxNative.close(fd);
            throw e;
        }
        return new SharedSegment(name, path, fd, length, counted: false);
    }

    /// <summary>Opens a segment's file and takes a shared lifetime lock on it, checking that it is still there.</summary>
    internal static (string Path, int Fd) OpenLocked(string name)
    {
        var path = PathOf(name);
        var fd = LinuxNative.open(path, LinuxNative.O_RDWR | LinuxNative.O_CLOEXEC, 0);
        if (fd < 0) throw OpenFailed(name, path);
        int rc;
        do rc = LinuxNative.flock(fd, LinuxNative.LOCK_SH);
        while (rc != 0 && LinuxNative.Errno == LinuxNative.EINTR);
        if (rc != 0)
        {
            var e = LinuxNative.Error($"flock {path}");
            LinuxNative.close(fd);
            throw e;
        }
        // The last user removes the file while holding the lock exclusively: a file still there now stays while we hold ours.
        if (!LinuxNative.Exists(path))
        {
            LinuxNative.close(fd);
            throw Gone(name);
        }
        return (path, fd);
    }

    private static string PathOf(string name)
    {
        if (!IsSegmentName(name))
            throw new ArgumentException($"'{name}' is not a Multiproc segment name.", nameof(name));
        return Path.Combine(RunDirectory.Current, name);
    }

    private static Exception OpenFailed(string name, string path) =>
        LinuxNative.Errno == LinuxNative.ENOENT ? Gone(name) : LinuxNative.Error($"open {path}");

    private static ObjectDisposedException Gone(string name) =>
        new(name, $"The shared object '{name}' is gone: every process that used it has disposed it or ended (or its run ended), so it cannot be attached any more.");

    private static bool IsSegmentName(string name)
    {
        if (string.IsNullOrEmpty(name)) return false;
        foreach (var c in name)
            if (!(char.IsAsciiLetterOrDigit(c) || c == '-')) return false;
        return true;
    }

    /// <summary>
    /// The segment names in <paramref name="handle"/>: every <c>kind-&lt;32 hex digits&gt;</c> in it (a part's
    /// suffix is dropped), however the handle joins them.
    /// </summary>
    public static IEnumerable<string> NamesIn(string handle)
    {
        var names = new List<string>(1);
        var start = 0;
        for (var i = 0; i <= handle.Length; i++)
        {
            if (i < handle.Length && (char.IsAsciiLetterOrDigit(handle[i]) || handle[i] == '-')) continue;
            if (i > start && SegmentPrefix(handle.AsSpan(start, i - start)) is var n and > 0)
            {
                var name = handle.Substring(start, n);
                if (!names.Contains(name)) names.Add(name);
            }
            start = i + 1;
        }
        return names;
    }

    /// <summary>The length of the <c>kind-&lt;32 hex&gt;</c> that <paramref name="token"/> starts with, or 0.</summary>
    private static int SegmentPrefix(ReadOnlySpan<char> token)
    {
        for (var dash = 1; dash + 32 < token.Length; dash++)
        {
            if (token[dash] != '-') continue;
            var end = dash + 33;
            if (end < token.Length && token[end] != '-') continue;
            var hex = true;
            for (var k = dash + 1; k < end && hex; k++) hex = char.IsAsciiHexDigitLower(token[k]) || char.IsAsciiDigit(token[k]);
            if (hex) return end;
        }
        return 0;
    }

    /// <summary>
    /// Lets the segment go in this process: unmaps it and gives up this attachment's share; the last share
    /// anywhere removes the file. A second call does nothing.
    /// </summary>
    public void Dispose()
    {
        Release();
        GC.SuppressFinalize(this);
    }

    private void Release()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        if (_share is { } share)
        {
            bool mine;
            lock (Attached) mine = Attached.Remove(share);
            if (mine) ReleaseShare(Name, _path, share.Fd, (IntPtr)Pointer, Length);
        }
        LinuxNative.munmap(Pointer, (nuint)Length);
    }

    /// <summary>
    /// A child whose target is done gives up every share it still holds (primitives it never disposed), so that
    /// the last user removes the files at once rather than when the run ends. The mappings stay until exit.
    /// </summary>
    public static void ReleaseAllAtExit()
    {
        // A child that attached nothing (an empty target, one that only computes) leaves without
        // SharedSegment's static set-up, which would load two assemblies on its way out.
        if (Volatile.Read(ref Attachments.Any)) ReleaseAll();
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static void ReleaseAll()
    {
        Share[] all;
        lock (Attached)
        {
            // CopyTo, not a collection expression: that would load System.Linq on the child's way out.
            all = new Share[Attached.Count];
            Attached.CopyTo(all);
            Attached.Clear();
        }
        foreach (var s in all) ReleaseShare(s.Name, s.Path, s.Fd, IntPtr.Zero, 0);
    }

    /// <summary>
    /// What removes the parts of each kind of segment, read only when a last share is released: a type of its own,
    /// so that a child that only attaches a primitive never builds it (nor loads the queue's types for it). A
    /// Dictionary under a lock: a ConcurrentDictionary would load System.Collections.Concurrent.dll.
    /// </summary>
    private static class Parts
    {
        // Built in: a process that never used a queue may still remove one (a killed child's, see SweepUnused).
        public static readonly Dictionary<string, SegmentPartsRemover> Removers = new(StringComparer.Ordinal)
        {
            [SharedRing.Kind] = SharedRing.RemoveParts,
        };
    }

    /// <summary>Whether this process ever attached a counted segment. No static initializer, so reading it runs no type set-up.</summary>
    private static class Attachments
    {
        public static bool Any;
    }

    /// <summary>One attachment's lifetime lock: the descriptor holding it.</summary>
    private sealed record Share(string Name, string Path, int Fd)
    {
        // Identity, not value, equality: two attachments of one segment are two shares.
        public bool Equals(Share? other) => ReferenceEquals(this, other);

        public override int GetHashCode() => System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(this);
    }

    /// <summary>
    /// Removes the segments of this run that no process holds any more: what a child killed by a signal was the
    /// last user of (it had no chance to let them go). One pass over the run directory, made only when such a
    /// child is reaped. A segment being created is locked before it can be seen (see <see cref="Create"/>).
    /// </summary>
    public static int SweepUnused()
    {
        if (!RunDirectory.IsOpen) return 0;
        var removed = 0;
        try
        {
            foreach (var path in Directory.EnumerateFiles(RunDirectory.Current))
            {
                var name = Path.GetFileName(path);
                if (SegmentPrefix(name) != name.Length) continue; // parts and large items go with their segment
                var fd = LinuxNative.open(path, LinuxNative.O_RDWR | LinuxNative.O_CLOEXEC, 0);
                if (fd < 0) continue;
                if (ReleaseShare(name, path, fd, IntPtr.Zero, 0)) removed++;
            }
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return removed;
    }

    /// <summary>
    /// Gives up one shared lifetime lock. When no other is left (the exclusive lock is free), removes the
    /// segment's parts and file first, still holding it: an opener that got in before sees it still there and
    /// keeps it, one that gets in after finds it gone.
    /// </summary>
    /// <returns>True when this was the last share and the segment was removed.</returns>
    internal static bool ReleaseShare(string name, string path, int fd, IntPtr mapped, long length)
    {
        try
        {
            if (LinuxNative.flock(fd, LinuxNative.LOCK_EX | LinuxNative.LOCK_NB) != 0) return false;
            var dash = name.IndexOf('-');
            SegmentPartsRemover? remover = null;
            if (dash > 0)
            {
                var kind = name[..dash];
                lock (Parts.Removers) Parts.Removers.TryGetValue(kind, out remover);
            }
            if (remover is not null)
            {
                var mine = mapped == IntPtr.Zero;
                if (mine)
                {
                    length = LinuxNative.lseek(fd, 0, LinuxNative.SEEK_END);
                    var p = length > 0 ? LinuxNative.mmap(null, (nuint)length, LinuxNative.PROT_READ | LinuxNative.PROT_WRITE, LinuxNative.MAP_SHARED, fd, 0) : (void*)-1;
                    mapped = p == (void*)-1 ? IntPtr.Zero : (IntPtr)p;
                }
                try
                {
                    if (mapped != IntPtr.Zero) remover(name, mapped, length);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException or ObjectDisposedException or InvalidDataException)
                {
                    // What is left goes with the run directory.
                }
                finally
                {
                    if (mine && mapped != IntPtr.Zero) LinuxNative.munmap((void*)mapped, (nuint)length);
                }
            }
            LinuxNative.unlink(path);
            return true;
        }
        finally
        {
            LinuxNative.close(fd);
        }
    }
}

/// <summary>
/// One share in a segment's lifetime without a mapping: what a <see cref="ChildProcess"/> keeps for each segment
/// named in its target's arguments until the child is reaped (see <see cref="SharedSegment"/>).
/// </summary>
internal sealed class SegmentHold : IDisposable
{
    private readonly string _name;
    private readonly string _path;
    private int _fd;

    private SegmentHold(string name, string path, int fd)
    {
        _name = name;
        _path = path;
        _fd = fd;
    }

    /// <summary>Takes a share in the segment <paramref name="name"/>.</summary>
    /// <exception cref="ObjectDisposedException">The segment is gone.</exception>
    public static SegmentHold Take(string name)
    {
        var (path, fd) = SharedSegment.OpenLocked(name);
        return new SegmentHold(name, path, fd);
    }

    /// <summary>Releases a share the GC found unreleased.</summary>
    ~SegmentHold() => Release();

    /// <summary>Gives the share up; the last one removes the segment.</summary>
    public void Dispose()
    {
        Release();
        GC.SuppressFinalize(this);
    }

    private void Release()
    {
        var fd = Interlocked.Exchange(ref _fd, -1);
        if (fd >= 0) SharedSegment.ReleaseShare(_name, _path, fd, IntPtr.Zero, 0);
    }
}
