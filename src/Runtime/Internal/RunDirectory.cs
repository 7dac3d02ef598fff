using System.Security.Cryptography;
using Multiproc.Platform;

namespace Multiproc.Internal;

/// <summary>
/// The per-run directory that holds a run's shared-memory segments. A run is a root process (one not
/// started by Multiproc) and all its descendants. Layout:
/// <c>/dev/shm/multiproc-&lt;uid&gt;/</c> (0700) holds <c>run-&lt;pid&gt;-&lt;128 random bits&gt;/</c> (0700), which
/// holds segment files (0600, random names) and <c>.alive</c>, on which every live member of the
/// run holds a shared <c>flock</c>. When no process holds it, the run is over: the next run that
/// starts sweeps the directory. The root removes its own directory when it exits normally.
/// </summary>
internal static class RunDirectory
{
    private const string AliveFile = ".alive";
    internal const string EnvVar = "MULTIPROC_RUN_DIR";
    private static readonly object Gate = new();
    private static string? _path;
    private static int _aliveFd = -1;
    private static bool _isRoot;

    /// <summary>The user's base directory (created 0700 on first use and checked to be ours and private).</summary>
    public static string BaseDirectory
    {
        get
        {
            var root = Environment.GetEnvironmentVariable("MULTIPROC_SHM_ROOT");
            if (string.IsNullOrEmpty(root)) root = Directory.Exists("/dev/shm") ? "/dev/shm" : Path.GetTempPath();
            return Path.Combine(root, "multiproc-" + LinuxNative.getuid());
        }
    }

    /// <summary>This run's directory, created (and leftovers of dead runs swept) on first use.</summary>
    public static string Current
    {
        get
        {
            if (_path is { } p) return p;
            lock (Gate)
            {
                return _path ??= Open();
            }
        }
    }

    /// <summary>True when this process created the run directory (it is not a Multiproc child).</summary>
    public static bool IsRoot => _isRoot;

    /// <summary>True when the run directory was opened or created in this process.</summary>
    public static bool IsOpen => _path is not null;

    private static string Open()
    {
        var inherited = Environment.GetEnvironmentVariable(EnvVar);
        if (!string.IsNullOrEmpty(inherited) && LinuxNative.IsDirectory(inherited))
        {
            _aliveFd = HoldAlive(inherited, LinuxNative.LOCK_SH);
            return inherited;
        }

        var baseDir = EnsurePrivateDirectory(BaseDirectory);
        Sweep(baseDir);
        var name = $"{Environment.ProcessId}-{RandomToken()}";
        var tmp = Path.Combine(baseDir, "tmp-" + name);
        Directory.CreateDirectory(tmp, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var fd = HoldAlive(tmp, LinuxNative.LOCK_SH, create: true);
        var final = Path.Combine(baseDir, "run-" + name);
        Directory.Move(tmp, final);
        _aliveFd = fd;
        _isRoot = true;
        Environment.SetEnvironmentVariable(EnvVar, null);
        return final;
    }

    /// <summary>Removes this run's directory (root only, at exit).</summary>
    public static void RemoveIfRoot()
    {
        // A child never becomes the root: it leaves at once, without the lock.
        if (!Volatile.Read(ref _isRoot)) return;
        lock (Gate)
        {
            if (!_isRoot || _path is null) return;
            try { Directory.Delete(_path, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            if (_aliveFd >= 0) LinuxNative.close(_aliveFd);
            _aliveFd = -1;
        }
    }

    /// <summary>Removes the directories of runs no live process belongs to.</summary>
    internal static int Sweep(string baseDir)
    {
        var removed = 0;
        foreach (var dir in Directory.EnumerateDirectories(baseDir))
        {
            var name = Path.GetFileName(dir);
            try
            {
                if (name.StartsWith("run-", StringComparison.Ordinal))
                {
                    var alive = Path.Combine(dir, AliveFile);
                    if (!File.Exists(alive))
                    {
                        if (DateTime.UtcNow - Directory.GetLastWriteTimeUtc(dir) < TimeSpan.FromMinutes(1)) continue;
                    }
                    else
                    {
                        var fd = LinuxNative.open(alive, LinuxNative.O_RDONLY | LinuxNative.O_CLOEXEC, 0);
                        if (fd < 0) continue;
                        var free = LinuxNative.flock(fd, LinuxNative.LOCK_EX | LinuxNative.LOCK_NB) == 0;
                        if (free) Directory.Delete(dir, recursive: true);
                        LinuxNative.close(fd);
                        if (!free) continue;
                        removed++;
                        continue;
                    }
                    Directory.Delete(dir, recursive: true);
                    removed++;
                }
                else if (name.StartsWith("tmp-", StringComparison.Ordinal)
                         && DateTime.UtcNow - Directory.GetLastWriteTimeUtc(dir) > TimeSpan.FromMinutes(1))
                {
                    Directory.Delete(dir, recursive: true);
                    removed++;
                }
            }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
        }
        return removed;
    }

    private static int HoldAlive(string dir, int op, bool create = false)
    {
        var path = Path.Combine(dir, AliveFile);
        var flags = LinuxNative.O_RDWR | LinuxNative.O_CLOEXEC | (create ? LinuxNative.O_CREAT : 0);
        var fd = LinuxNative.open(path, flags, 0x180 /* 0600 */);
        if (fd < 0) throw LinuxNative.Error($"open {path}");
        if (LinuxNative.flock(fd, op) != 0) throw LinuxNative.Error($"flock {path}");
        return fd;
    }

    internal static string EnsurePrivateDirectory(string path)
    {
        const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
        Directory.CreateDirectory(path, Private);
        var info = new DirectoryInfo(path);
        if (info.LinkTarget is not null)
            throw new IOException($"Multiproc refuses to use '{path}': it is a symbolic link.");
        if (info.UnixFileMode != Private)
            File.SetUnixFileMode(path, Private); // throws if the directory is not ours
        return path;
    }

    /// <summary>
    /// 128 random bits as lowercase hex: segment and run names cannot be guessed. Written by hand: <c>ToLowerInvariant</c>
    /// would initialize globalization (loading ICU) in a child whose first segment this names.
    /// </summary>
    public static string RandomToken()
    {
        Span<byte> bits = stackalloc byte[16];
        RandomNumberGenerator.Fill(bits);
        Span<char> text = stackalloc char[32];
        for (var i = 0; i < bits.Length; i++)
        {
            text[2 * i] = "0123456789abcdef"[bits[i] >> 4];
            text[2 * i + 1] = "0123456789abcdef"[bits[i] & 15];
        }
        return new string(text);
    }
}
