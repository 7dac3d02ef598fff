using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Multiproc.Redis.Tests;

/// <summary>
/// A real redis-server on a free loopback port with a data directory of its own (append-only file on,
/// fsync at every write), started for the tests and stopped after them. redis-server is looked up as
/// $REDIS_SERVER, then on PATH; when none is found the tests fail and say how to install it (.ci/run
/// installs it with apt-get).
/// </summary>
public sealed class RedisServer : IDisposable
{
    private Process? _process;

    public RedisServer()
    {
        Executable = Find() ?? throw new InvalidOperationException(
            "redis-server was not found (looked at $REDIS_SERVER and PATH). Install it: `apt-get update && apt-get install -y redis-server` (as .ci/run does), or set REDIS_SERVER to its path.");
        // On tmpfs when there is one: appendfsync always then costs a write, not a disk flush (about 9 ms on
        // this kind of machine), and a killed server still finds every acknowledged write in its file.
        var root = Directory.Exists("/dev/shm") ? "/dev/shm" : Path.GetTempPath();
        DataDir = Path.Combine(root, "multiproc-redis-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(DataDir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        Port = FreePort();
        Start();
    }

    public string Executable { get; }
    public string DataDir { get; }
    public int Port { get; }

    /// <summary>
    /// A StackExchange.Redis configuration string. The timeouts are generous (the test machine may be loaded:
    /// a command that times out is retried, and a retried put may add its item twice); the fault tests use
    /// <see cref="ShortTimeouts"/>.
    /// </summary>
    public string ConnectionString => $"127.0.0.1:{Port},abortConnect=false,connectTimeout=5000,syncTimeout=20000,asyncTimeout=20000";

    /// <summary>A configuration string with short timeouts, so that a stopped server shows quickly.</summary>
    public string ShortTimeouts => $"127.0.0.1:{Port},abortConnect=false,connectTimeout=2000,syncTimeout=3000,asyncTimeout=3000,connectRetry=1";

    public bool IsRunning => _process is { HasExited: false };

    public void Start()
    {
        var psi = new ProcessStartInfo(Executable)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = DataDir,
        };
        foreach (var a in new[]
                 {
                     "--port", Port.ToString(), "--bind", "127.0.0.1", "--dir", DataDir, "--save", "",
                     "--appendonly", "yes", "--appendfsync", "always", "--daemonize", "no", "--protected-mode", "yes",
                     "--logfile", Path.Combine(DataDir, "redis.log"),
                 })
            psi.ArgumentList.Add(a);
        _process = Process.Start(psi) ?? throw new InvalidOperationException("redis-server did not start");
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        var sw = Stopwatch.StartNew();
        while (sw.Elapsed < TimeSpan.FromSeconds(30))
        {
            if (_process.HasExited)
                throw new InvalidOperationException($"redis-server exited with {_process.ExitCode}: {Log()}");
            if (Ping()) return;
            Thread.Sleep(20);
        }
        throw new InvalidOperationException($"redis-server did not answer PING on port {Port} within 30 s: {Log()}");
    }

    /// <summary>Kills the server outright (SIGKILL): what the append-only file must survive.</summary>
    public void Kill()
    {
        if (_process is null) return;
        if (!_process.HasExited) _process.Kill();
        _process.WaitForExit(30_000);
        _process.Dispose();
        _process = null;
    }

    public void Dispose()
    {
        Kill();
        try { Directory.Delete(DataDir, recursive: true); } catch (IOException) { }
    }

    private string Log()
    {
        var log = Path.Combine(DataDir, "redis.log");
        return File.Exists(log) ? File.ReadAllText(log) : "(no log)";
    }

    private bool Ping()
    {
        try
        {
            using var client = new TcpClient();
            client.Connect(IPAddress.Loopback, Port);
            using var stream = client.GetStream();
            stream.ReadTimeout = 1000;
            stream.Write("PING\r\n"u8);
            var buffer = new byte[64];
            var n = stream.Read(buffer, 0, buffer.Length);
            return System.Text.Encoding.ASCII.GetString(buffer, 0, n).StartsWith("+PONG", StringComparison.Ordinal);
        }
        catch (Exception e) when (e is SocketException or IOException)
        {
            return false;
        }
    }

    private static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    private static string? Find()
    {
        var env = Environment.GetEnvironmentVariable("REDIS_SERVER");
        if (!string.IsNullOrEmpty(env) && File.Exists(env)) return env;
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':'))
        {
            if (dir.Length == 0) continue;
            var candidate = Path.Combine(dir, "redis-server");
            if (File.Exists(candidate)) return candidate;
        }
        foreach (var candidate in new[] { "/usr/bin/redis-server", "/usr/local/bin/redis-server", "/usr/sbin/redis-server" })
            if (File.Exists(candidate)) return candidate;
        return null;
    }
}

/// <summary>One server shared by the tests that do not stop it.</summary>
[CollectionDefinition(Name)]
public sealed class SharedServer : ICollectionFixture<RedisServer>
{
    public const string Name = "redis";
}
