using System.Diagnostics;

namespace Multiproc.Tests;

/// <summary>The child's command line: the launcher entry only when the app's deps and runtimeconfig files are on disk.</summary>
public class ChildCommandLineTests
{
    [Fact]
    public void A_launched_child_runs_its_target_with_the_apps_entry_assembly()
    {
        // The launcher reports booted first and adopts the app's entry assembly after that: still before the target.
        using var root = new TempDir();
        var (code, stdout, stderr) = TestApp.Run(root.Path, TimeSpan.FromSeconds(60), "hello");
        Assert.True(code == 0, stderr);
        Assert.Contains("hello world, current=ChildProcess-1, entry=Multiproc.TestApp", stdout);
    }

    [Fact]
    public void A_child_started_through_the_startup_hook_runs_its_target()
    {
        using var root = new TempDir();
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(TestApp.DllPath);
        psi.ArgumentList.Add("hello");
        psi.Environment["MULTIPROC_SHM_ROOT"] = root.Path;
        psi.Environment["MULTIPROC_CHILD_ENTRY"] = "hook";
        psi.Environment.Remove("MULTIPROC_RUN_DIR");
        psi.Environment.Remove("MULTIPROC_CHILD_FD");
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(60_000))
        {
            p.Kill(entireProcessTree: true);
            Assert.Fail("the app with MULTIPROC_CHILD_ENTRY=hook did not exit within 60 s");
        }
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, stderr.Result);
        Assert.Contains("hello world, current=ChildProcess-1, entry=Multiproc.TestApp", stdout.Result);
        Assert.Contains("parent: exit=0", stdout.Result);
    }

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
