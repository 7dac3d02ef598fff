using System.Diagnostics;
using Multiproc.Internal;

namespace Multiproc.Tests;

public class ResourceTests
{
    private const UnixFileMode Dir0700 = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode File0600 = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    [Fact]
    public void Run_directory_and_segments_are_private_with_unguessable_names()
    {
        using var lk = new ProcessLock();
        var run = RunDirectory.Current;
        var baseDir = Path.GetDirectoryName(run)!;
        Assert.Equal(Dir0700, File.GetUnixFileMode(baseDir));
        Assert.Equal(Dir0700, File.GetUnixFileMode(run));
        Assert.Matches(@"^run-\d+-[0-9a-f]{32}$", Path.GetFileName(run));
        var segments = Directory.GetFiles(run).Where(f => !Path.GetFileName(f).StartsWith('.')).ToList();
        Assert.NotEmpty(segments);
        foreach (var f in segments)
        {
            Assert.Equal(File0600, File.GetUnixFileMode(f));
            Assert.Matches(@"^[a-z]+-[0-9a-f]{32}(-[a-z0-9]+)?$", Path.GetFileName(f)); // kind-random[-part]
        }
    }

    [Fact]
    public void A_run_removes_its_directory_when_it_ends()
    {
        using var root = new TempDir();
        var (code, stdout, stderr) = TestApp.Run(root.Path, TimeSpan.FromSeconds(60), "run-dir");
        Assert.True(code == 0, stderr);
        Assert.Contains("hello run-dir", stdout);
        var baseDir = Directory.GetDirectories(root.Path).Single();
        Assert.Empty(Directory.GetDirectories(baseDir));
    }

    [Fact]
    public void Leftovers_of_a_killed_run_are_swept_by_the_next_run()
    {
        using var root = new TempDir();
        using (var killed = TestApp.Start(root.Path, "lock-then-wait"))
        {
            var line = killed.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60)).Result;
            Assert.StartsWith("run", line);
            killed.Kill();
            Assert.True(killed.WaitForExit(10_000));
        }
        var baseDir = Directory.GetDirectories(root.Path).Single();
        var leftovers = Directory.GetDirectories(baseDir);
        Assert.Single(leftovers);
        Assert.NotEmpty(Directory.GetFiles(leftovers[0]));

        var (code, _, stderr) = TestApp.Run(root.Path, TimeSpan.FromSeconds(60), "run-dir");
        Assert.True(code == 0, stderr);
        Assert.Empty(Directory.GetDirectories(baseDir));
    }

    [Fact]
    public void A_live_run_is_not_swept()
    {
        using var root = new TempDir();
        using var live = TestApp.Start(root.Path, "lock-then-wait");
        try
        {
            Assert.StartsWith("run", live.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60)).Result);
            var (code, _, stderr) = TestApp.Run(root.Path, TimeSpan.FromSeconds(60), "run-dir");
            Assert.True(code == 0, stderr);
            var baseDir = Directory.GetDirectories(root.Path).Single();
            Assert.Single(Directory.GetDirectories(baseDir));
        }
        finally
        {
            live.Kill();
            live.WaitForExit(10_000);
        }
    }
}

public class ExitBehaviourTests
{
    [Fact]
    public void Normal_exit_joins_non_daemon_children_and_terminates_daemons()
    {
        using var root = new TempDir();
        var file = Path.Combine(root.Path, "marker");
        var sw = Stopwatch.StartNew();
        var (code, stdout, stderr) = TestApp.Run(root.Path, TimeSpan.FromSeconds(60), "exit-joins", file);
        Assert.True(code == 0, stderr);
        Assert.Equal("non-daemon done", File.ReadAllText(file));   // joined: its write happened before exit
        Assert.False(File.Exists(file + ".daemon"));               // terminated before its 5 s write
        var pids = stdout.Trim().Split(' ').Skip(1).Select(int.Parse).ToArray();
        Assert.True(Wait.Until(() => pids.All(p => !Platform.ProcessLiveness.IsAlive(p)), TimeSpan.FromSeconds(5)));
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(30));
    }

    [Fact]
    public void Daemon_children_die_when_the_parent_is_killed()
    {
        using var root = new TempDir();
        using var parent = TestApp.Start(root.Path, "daemon-then-wait");
        var line = parent.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60)).Result!;
        var daemonPid = int.Parse(line.Split(' ')[1]);
        Assert.True(Platform.ProcessLiveness.IsAlive(daemonPid));
        parent.Kill(); // SIGKILL: no exit handler runs
        Assert.True(parent.WaitForExit(10_000));
        // The lifeline ends the daemon at once (a few ms on a quiet machine); the bound only keeps a loaded CI
        // machine from failing a timing, which tests do not assert.
        Assert.True(Wait.Until(() => !Platform.ProcessLiveness.IsAlive(daemonPid), TimeSpan.FromSeconds(10)), "daemon outlived its parent");
    }

    [Fact]
    public void Works_from_the_app_host_and_from_dotnet_app_dll()
    {
        using var root = new TempDir();
        var (code, stdout, stderr) = TestApp.Run(root.Path, TimeSpan.FromSeconds(60), "hello");
        Assert.True(code == 0, stderr);
        Assert.Contains("hello world, current=ChildProcess-1", stdout);
        Assert.Contains("parent: exit=0", stdout);

        var apphost = Path.ChangeExtension(TestApp.DllPath, null);
        var psi = new ProcessStartInfo(apphost, "hello") { RedirectStandardOutput = true, UseShellExecute = false };
        psi.Environment["MULTIPROC_SHM_ROOT"] = root.Path;
        psi.Environment.Remove("MULTIPROC_RUN_DIR");
        using var p = Process.Start(psi)!;
        var output = p.StandardOutput.ReadToEndAsync();
        Assert.True(p.WaitForExit(60_000));
        Assert.Contains("parent: exit=0", output.Result);
    }

    [Fact]
    public void Works_from_a_published_framework_dependent_app()
    {
        using var root = new TempDir();
        var project = Path.Combine(Path.GetDirectoryName(Path.GetDirectoryName(Path.GetDirectoryName(Path.GetDirectoryName(TestApp.DllPath))))!, "Multiproc.TestApp.csproj");
        Assert.True(File.Exists(project), project);
        var outDir = Path.Combine(root.Path, "published");
        var publish = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "publish", project, "-c", "Release", "--self-contained", "false", "-o", outDir, "--nologo" }) publish.ArgumentList.Add(a);
        using (var pub = Process.Start(publish)!)
        {
            var log = pub.StandardOutput.ReadToEndAsync();
            Assert.True(pub.WaitForExit(300_000), "publish timed out");
            Assert.True(pub.ExitCode == 0, log.Result);
        }
        var psi = new ProcessStartInfo(Path.Combine(outDir, "Multiproc.TestApp"), "term") { RedirectStandardOutput = true, UseShellExecute = false, RedirectStandardError = true };
        psi.Environment["MULTIPROC_SHM_ROOT"] = root.Path;
        psi.Environment.Remove("MULTIPROC_RUN_DIR");
        using var p = Process.Start(psi)!;
        var output = p.StandardOutput.ReadToEndAsync();
        var err = p.StandardError.ReadToEndAsync();
        Assert.True(p.WaitForExit(60_000));
        Assert.Contains("term exit=-15", output.Result);
        Assert.Contains("kill exit=-9", output.Result);
        Assert.Contains("throw exit=1", output.Result);
        Assert.Contains("Process ChildProcess-3:", err.Result);
        Assert.Contains("boom in child", err.Result);
    }
}
