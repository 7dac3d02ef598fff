using System.IO.MemoryMappedFiles;

namespace Multiproc.Internal;

/// <summary>
/// A memory-mapped file in the run directory, shared by every process of the run that opens it by name.
/// Created with O_EXCL and mode 0600 under a random name; the name is what travels to child processes.
/// </summary>
internal sealed unsafe class SharedSegment : IDisposable
{
    private readonly MemoryMappedFile _file;
    private readonly MemoryMappedViewAccessor _view;
    private int _disposed;

    /// <summary>The segment's file name inside the run directory: its handle for other processes.</summary>
    public string Name { get; }

    /// <summary>Start of the mapping.</summary>
    public byte* Pointer { get; }

    /// <summary>Size of the mapping in bytes.</summary>
    public long Length { get; }

    private SharedSegment(string name, FileStream stream, long length)
    {
        Name = name;
        Length = length;
        _file = MemoryMappedFile.CreateFromFile(stream, null, length, MemoryMappedFileAccess.ReadWrite, HandleInheritability.None, leaveOpen: false);
        _view = _file.CreateViewAccessor(0, length, MemoryMappedFileAccess.ReadWrite);
        byte* p = null;
        _view.SafeMemoryMappedViewHandle.AcquirePointer(ref p);
        Pointer = p + _view.PointerOffset;
    }

    /// <summary>Creates a zero-filled segment of <paramref name="length"/> bytes named <c>kind-random</c>.</summary>
    public static SharedSegment Create(string kind, long length)
    {
        var name = kind + "-" + RunDirectory.RandomToken();
        var path = Path.Combine(RunDirectory.Current, name);
        var stream = new FileStream(path, new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.ReadWrite,
            Share = FileShare.ReadWrite,
            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
        });
        stream.SetLength(length);
        return new SharedSegment(name, stream, length);
    }

    /// <summary>
    /// Creates a zero-filled segment under an exact <paramref name="name"/> (a queue's ring generations are
    /// named after the queue). A leftover file of that name, never published by a process that died, is replaced.
    /// </summary>
    public static SharedSegment CreateExact(string name, long length)
    {
        var path = Path.Combine(RunDirectory.Current, name);
        var options = new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.ReadWrite,
            Share = FileShare.ReadWrite,
            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
        };
        FileStream stream;
        try
        {
            stream = new FileStream(path, options);
        }
        catch (IOException) when (File.Exists(path))
        {
            File.Delete(path);
            stream = new FileStream(path, options);
        }
        stream.SetLength(length);
        return new SharedSegment(name, stream, length);
    }

    /// <summary>Opens a segment another process of this run created.</summary>
    public static SharedSegment Open(string name)
    {
        if (string.IsNullOrEmpty(name) || name.Any(c => !(char.IsAsciiLetterOrDigit(c) || c == '-')))
            throw new ArgumentException($"'{name}' is not a Multiproc segment name.", nameof(name));
        var path = Path.Combine(RunDirectory.Current, name);
        FileStream stream;
        try
        {
            stream = new FileStream(path, new FileStreamOptions { Mode = FileMode.Open, Access = FileAccess.ReadWrite, Share = FileShare.ReadWrite });
        }
        catch (FileNotFoundException e)
        {
            throw new InvalidOperationException($"The shared object '{name}' no longer exists in this run (was its run ended?).", e);
        }
        return new SharedSegment(name, stream, stream.Length);
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        _view.SafeMemoryMappedViewHandle.ReleasePointer();
        _view.Dispose();
        _file.Dispose();
    }
}
