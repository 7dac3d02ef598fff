using System.Diagnostics;

namespace Multiproc.Tests;

/// <summary>The child's command line: the launcher entry only when the app's deps and runtimeconfig files are on disk.</summary>
public class ChildCommandLineTests
{
    [Fact]
    public void An_app_without_its_deps_file_still_runs_a_child()
    {
        using var root = new TempDir();
        var source = Path.GetDirectoryName(TestApp.DllPath)!;
        var app = Path.Combine(root.Path, "app");
        foreach (var dir in Directory.GetDirectories(source, "*", SearchOption.AllDirectories))
            Directory.CreateDirectory(Path.Combine(app, Path.GetRelativePath(source, dir)));
        Directory.CreateDirectory(app);
        foreach (var file in Directory.GetFiles(source, "*", SearchOption.AllDirectories))
            File.Copy(file, Path.Combine(app, Path.GetRelativePath(source, file)));
        var deps = Path.Combine(app, "Multiproc.TestApp.deps.json");
        Assert.True(File.Exists(deps), deps + " was not copied");
        File.Delete(deps);

        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(Path.Combine(app, "Multiproc.TestApp.dll"));
        psi.ArgumentList.Add("hello");
        psi.Environment["MULTIPROC_SHM_ROOT"] = root.Path;
        psi.Environment.Remove("MULTIPROC_RUN_DIR");
        psi.Environment.Remove("MULTIPROC_CHILD_FD");
        psi.Environment.Remove("MULTIPROC_CHILD_ENTRY");
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(60_000))
        {
            p.Kill(entireProcessTree: true);
            Assert.Fail("the app without its deps file did not exit within 60 s");
        }
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, stderr.Result);
        Assert.Contains("hello world, current=ChildProcess-1", stdout.Result);
        Assert.Contains("parent: exit=0", stdout.Result);
    }
}
