using System.Text.RegularExpressions;

namespace Multiproc.Package.Tests;

[Collection(nameof(PackageCollection))]
public class PackageTests(PackageFixture package)
{
    [Fact]
    public void One_nupkg_with_the_runtime_in_lib_and_both_analyzer_assemblies()
    {
        var entries = package.Entries();
        Assert.Contains(entries, e => Regex.IsMatch(e, @"^lib/net8\.0/Multiproc\.dll$"));
        Assert.Contains(entries, e => Regex.IsMatch(e, @"^lib/net8\.0/Multiproc\.xml$"));
        Assert.Contains("analyzers/dotnet/cs/Multiproc.Analyzers.dll", entries);
        Assert.Contains("analyzers/dotnet/cs/Multiproc.CodeFixes.dll", entries);
        Assert.DoesNotContain(entries, e => e.StartsWith("lib/", StringComparison.Ordinal) && e.Contains("Analyzers", StringComparison.Ordinal));
        Assert.Single(Directory.GetFiles(package.Feed, "*.nupkg"));
    }

    [Fact]
    public void The_redis_package_holds_its_assembly_and_depends_on_Multiproc_and_StackExchange_Redis()
    {
        using var zip = System.IO.Compression.ZipFile.OpenRead(package.RedisNupkg);
        var entries = zip.Entries.Select(e => e.FullName).ToList();
        Assert.Contains("lib/net8.0/Multiproc.Redis.dll", entries);
        Assert.Contains("lib/net8.0/Multiproc.Redis.xml", entries);
        Assert.DoesNotContain(entries, e => e.EndsWith("/Multiproc.dll", StringComparison.Ordinal));
        var nuspec = zip.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal));
        using var reader = new StreamReader(nuspec.Open());
        var text = reader.ReadToEnd();
        Assert.Contains("id=\"Multiproc\"", text);
        Assert.Contains("id=\"StackExchange.Redis\"", text);
    }

    [Fact]
    public void The_runtime_in_the_package_is_precompiled_ReadyToRun()
    {
        // Every child is a fresh runtime: Multiproc.dll ships precompiled so that children do not JIT it again.
        using var zip = System.IO.Compression.ZipFile.OpenRead(package.Nupkg);
        var entry = zip.Entries.Single(e => e.FullName == "lib/net8.0/Multiproc.dll");
        using var copy = new MemoryStream();
        using (var s = entry.Open()) s.CopyTo(copy);
        copy.Position = 0;
        using var pe = new System.Reflection.PortableExecutable.PEReader(copy);
        Assert.True(pe.PEHeaders.CorHeader!.ManagedNativeHeaderDirectory.Size > 0, "lib/net8.0/Multiproc.dll has no ReadyToRun header");
    }

    [Fact]
    public void The_launcher_in_the_package_is_precompiled_ReadyToRun()
    {
        // A precompiled Main: a child's runtime needs no JIT before the child reports booted.
        using var zip = System.IO.Compression.ZipFile.OpenRead(package.Nupkg);
        var entry = zip.Entries.Single(e => e.FullName == "lib/net8.0/Multiproc.Child.dll");
        using var copy = new MemoryStream();
        using (var s = entry.Open()) s.CopyTo(copy);
        copy.Position = 0;
        using var pe = new System.Reflection.PortableExecutable.PEReader(copy);
        Assert.True(pe.PEHeaders.CorHeader!.ManagedNativeHeaderDirectory.Size > 0, "lib/net8.0/Multiproc.Child.dll has no ReadyToRun header");
    }

    [Fact]
    public void A_fresh_project_gets_the_warnings_and_runs_child_processes()
    {
        var dir = package.NewConsoleProject("FreshApp", new Dictionary<string, string>
        {
            ["Program.cs"] = """
                using Multiproc;

                var p = new ChildProcess(() => Work.Hello("from the package"));
                p.Start();
                p.Daemon = true;          // MP0004 (and an InvalidOperationException at run time)

                public static class Work
                {
                    public static void Hello(string text) => Console.WriteLine("child says " + text);

                    public static void NotJoined()
                    {
                        var q = new ChildProcess(() => Hello("again"));
                        q.Start();        // MP0003
                    }
                }
                """,
        });
        var (code, output) = PackageFixture.Run(dir, "dotnet", "build", "-c", "Release", "--nologo");
        Assert.True(code == 0, output);
        Assert.Contains("warning MP0004", output);
        Assert.Contains("warning MP0003", output);
    }

    [Fact]
    public void Dotnet_format_fixes_the_mistakes_sample() =>
        FormatFixesMistakes("MistakesCopy", "MP0002", "MP0003", "MP0004");

    /// <summary>
    /// Several rules of the one MultiprocAnalyzer in one run: dotnet format takes each fixer's equivalence key from the
    /// first diagnostic of the analyzer's result, which may be another rule's (see KeyedBatchFixer).
    /// </summary>
    [Fact]
    public void Dotnet_format_fixes_several_rules_of_one_analyzer_at_once() =>
        FormatFixesMistakes("MistakesCopy2", "MP0003", "MP0004", "MP0010", "MP0011");

    private void FormatFixesMistakes(string name, params string[] ids)
    {
        var mistakes = Path.Combine(package.RepoRoot, "samples", "Mistakes");
        var sources = Directory.GetFiles(mistakes, "*.cs").ToDictionary(f => Path.GetFileName(f), File.ReadAllText);
        var dir = package.NewConsoleProject(name, sources);
        var (code, before) = PackageFixture.Run(dir, "dotnet", "build", "-c", "Release", "--nologo");
        Assert.True(code == 0, before);
        foreach (var id in ids)
            Assert.Contains("warning " + id, before);

        var (fmt, fmtOut) = PackageFixture.Run(dir, "dotnet", ["format", "analyzers", "--diagnostics", .. ids, "--severity", "warn", "--no-restore"]);
        Assert.True(fmt == 0, fmtOut);

        var (rebuilt, after) = PackageFixture.Run(dir, "dotnet", "build", "-c", "Release", "--nologo", "--no-incremental");
        Assert.True(rebuilt == 0, after);
        foreach (var id in ids)
            Assert.DoesNotContain("warning " + id, after);
    }
}
