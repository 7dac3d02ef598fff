using Multiproc.Platform;

namespace Multiproc.Internal;

/// <summary>
/// A memory-mapped file in the run directory, shared by every process of the run that opens it by name.
/// Created with O_EXCL and mode 0600 under a random name; the name is what travels to child processes.
/// </summary>
internal sealed unsafe class SharedSegment : IDisposable
{
    private int _disposed;

    /// <summary>The segment's file name inside the run directory: its handle for other processes.</summary>
    public string Name { get; }

    /// <summary>Start of the mapping.</summary>
    public byte* Pointer { get; }

    /// <summary>Size of the mapping in bytes.</summary>
    public long Length { get; }

    // open(2) + mmap(2) directly: FileStream and MemoryMappedFile would cost every child process their
    // own start-up (several milliseconds of type loading for one mapping), for nothing they add here.
    private SharedSegment(string name, int fd, long length)
    {
        Name = name;
        Length = length;
        try
        {
            var p = LinuxNative.mmap(null, (nuint)length, LinuxNative.PROT_READ | LinuxNative.PROT_WRITE, LinuxNative.MAP_SHARED, fd, 0);
            if (p == (void*)-1) throw LinuxNative.Error($"mmap of {name}");
            Pointer = (byte*)p;
        }
        finally
        {
            LinuxNative.close(fd); // the mapping keeps the file
        }
    }

    /// <summary>Creates a zero-filled segment of <paramref name="length"/> bytes named <c>kind-random</c>.</summary>
    public static SharedSegment Create(string kind, long length)
    {
        var name = kind + "-" + RunDirectory.RandomToken();
        return new SharedSegment(name, CreateFile(Path.Combine(RunDirectory.Current, name), length), length);
    }

    /// <summary>
    /// Creates a zero-filled segment under an exact <paramref name="name"/> (a queue's ring generations are
    /// named after the queue). A leftover file of that name, never published by a process that died, is replaced.
    /// </summary>
    public static SharedSegment CreateExact(string name, long length)
    {
        var path = Path.Combine(RunDirectory.Current, name);
        int fd;
        try
        {
            fd = CreateFile(path, length);
        }
        catch (IOException) when (File.Exists(path))
        {
            File.Delete(path);
            fd = CreateFile(path, length);
        }
        return new SharedSegment(name, fd, length);
    }

    /// <summary>O_CREAT|O_EXCL, mode 0600, sized to <paramref name="length"/> (zero-filled by the kernel).</summary>
    private static int CreateFile(string path, long length)
    {
        var fd = LinuxNative.open(path, LinuxNative.O_RDWR | LinuxNative.O_CREAT | LinuxNative.O_EXCL | LinuxNative.O_CLOEXEC, 0x180 /* 0600 */);
        if (fd < 0) throw LinuxNative.Error($"create {path}");
        if (LinuxNative.ftruncate(fd, length) != 0)
        {
            var e = LinuxNative.Error($"ftruncate {path}");
            LinuxNative.close(fd);
            File.Delete(path);
            throw e;
        }
        return fd;
    }

    /// <summary>Opens a segment another process of this run created.</summary>
    public static SharedSegment Open(string name)
    {
        if (!IsSegmentName(name))
            throw new ArgumentException($"'{name}' is not a Multiproc segment name.", nameof(name));
        var path = Path.Combine(RunDirectory.Current, name);
        var fd = LinuxNative.open(path, LinuxNative.O_RDWR | LinuxNative.O_CLOEXEC, 0);
        if (fd < 0)
        {
            if (LinuxNative.Errno == LinuxNative.ENOENT)
                throw new InvalidOperationException($"The shared object '{name}' no longer exists in this run (was its run ended?).", LinuxNative.Error($"open {path}"));
            throw LinuxNative.Error($"open {path}");
        }
        var length = LinuxNative.lseek(fd, 0, LinuxNative.SEEK_END);
        if (length <= 0)
        {
            var e = LinuxNative.Error($"size of {path}");
            LinuxNative.close(fd);
            throw e;
        }
        return new SharedSegment(name, fd, length);
    }

    private static bool IsSegmentName(string name)
    {
        if (string.IsNullOrEmpty(name)) return false;
        foreach (var c in name)
            if (!(char.IsAsciiLetterOrDigit(c) || c == '-')) return false;
        return true;
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        LinuxNative.munmap(Pointer, (nuint)Length);
    }
}
