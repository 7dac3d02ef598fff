using System.Diagnostics;

namespace Multiproc.Tests;

/// <summary>A private temporary directory, removed after the test.</summary>
public sealed class TempDir : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("multiproc-test-").FullName;

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { }
    }
}

public static class Wait
{
    public static readonly TimeSpan Long = TimeSpan.FromSeconds(60);

    /// <summary>Joins with a bound so that a bug fails the test instead of hanging the run.</summary>
    public static void Joined(ChildProcess p, TimeSpan? timeout = null)
    {
        if (!p.Join(timeout ?? Long))
        {
            p.Kill();
            p.Join(TimeSpan.FromSeconds(10));
            Assert.Fail($"{p.Name} did not end within {timeout ?? Long}");
        }
    }

    /// <summary>Polls <paramref name="condition"/> (test code only) until true or the timeout.</summary>
    public static bool Until(Func<bool> condition, TimeSpan timeout)
    {
        var sw = Stopwatch.StartNew();
        while (sw.Elapsed < timeout)
        {
            if (condition()) return true;
            Thread.Sleep(10);
        }
        return condition();
    }

    /// <summary>Kills children a failing test left running, so the test host's exit does not wait for them.</summary>
    public static void Cleanup(params ChildProcess?[] children)
    {
        foreach (var c in children)
        {
            if (c is null || c.Pid is null) continue;
            if (c.IsAlive) c.Kill();
            c.Join(TimeSpan.FromSeconds(10));
        }
    }
}

/// <summary>Runs tests/Multiproc.TestApp as a root process of its own.</summary>
public static class TestApp
{
    public static string DllPath
    {
        get
        {
            var config = typeof(TestApp).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyConfigurationAttribute), false)
                .OfType<System.Reflection.AssemblyConfigurationAttribute>().FirstOrDefault()?.Configuration ?? "Debug";
            var dir = AppContext.BaseDirectory;
            while (dir is not null && !System.IO.File.Exists(System.IO.Path.Combine(dir, "Analyzers.sln")))
                dir = System.IO.Path.GetDirectoryName(dir);
            Assert.NotNull(dir);
            var path = System.IO.Path.Combine(dir!, "tests", "Multiproc.TestApp", "bin", config, "net10.0", "Multiproc.TestApp.dll");
            Assert.True(System.IO.File.Exists(path), path + " is missing");
            return path;
        }
    }

    public static Process Start(string shmRoot, params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(DllPath);
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["MULTIPROC_SHM_ROOT"] = shmRoot;
        psi.Environment.Remove("MULTIPROC_RUN_DIR");
        psi.Environment.Remove("MULTIPROC_CHILD_FD");
        return Process.Start(psi)!;
    }

    public static (int ExitCode, string Out, string Err) Run(string shmRoot, TimeSpan timeout, params string[] args)
    {
        using var p = Start(shmRoot, args);
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeout))
        {
            p.Kill(entireProcessTree: true);
            Assert.Fail($"TestApp {string.Join(' ', args)} did not exit within {timeout}");
        }
        p.WaitForExit();
        return (p.ExitCode, stdout.Result, stderr.Result);
    }
}
