using System.Diagnostics;
using System.IO.Compression;
using System.Text;

namespace Multiproc.Package.Tests;

/// <summary>
/// Packs Multiproc once into a local folder feed. Every project the tests create restores from that
/// feed only, into a private packages folder, so a stale cached Multiproc can never be used.
/// </summary>
public sealed class PackageFixture : IDisposable
{
    public string Root { get; } = Directory.CreateTempSubdirectory("multiproc-package-").FullName;
    public string Feed => Path.Combine(Root, "feed");
    public string Packages => Path.Combine(Root, "packages");
    public string RepoRoot { get; }
    public string Nupkg { get; }

    public PackageFixture()
    {
        var dir = AppContext.BaseDirectory;
        while (dir is not null && !File.Exists(Path.Combine(dir, "Analyzers.sln"))) dir = Path.GetDirectoryName(dir);
        RepoRoot = dir ?? throw new InvalidOperationException("Analyzers.sln not found");
        Directory.CreateDirectory(Feed);
        var (code, output) = Run(RepoRoot, "dotnet", "pack", Path.Combine(RepoRoot, "src", "Runtime", "Multiproc.csproj"), "-c", "Release", "-o", Feed, "--nologo");
        if (code != 0) throw new InvalidOperationException("dotnet pack failed:\n" + output);
        Nupkg = Directory.GetFiles(Feed, "Multiproc.*.nupkg").Single();
        // Multiproc.Redis, packed beside it (in a folder of its own, so the feed above holds Multiproc alone).
        (code, output) = Run(RepoRoot, "dotnet", "pack", Path.Combine(RepoRoot, "src", "Redis", "Multiproc.Redis.csproj"), "-c", "Release", "-o", RedisFeed, "--nologo");
        if (code != 0) throw new InvalidOperationException("dotnet pack of Multiproc.Redis failed:\n" + output);
        RedisNupkg = Directory.GetFiles(RedisFeed, "Multiproc.Redis.*.nupkg").Single();
    }

    public string RedisFeed => Path.Combine(Root, "redis-feed");
    public string RedisNupkg { get; }

    /// <summary>
    /// A new console project that references Multiproc from the feed, added as the README's "Getting started in your
    /// own project" says: <c>dotnet add package Multiproc --source &lt;feed&gt;</c> (which also restores it).
    /// </summary>
    public string NewConsoleProject(string name, IDictionary<string, string> sources)
    {
        var dir = Path.Combine(Root, name);
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, name + ".csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <ImplicitUsings>enable</ImplicitUsings>
                <Nullable>enable</Nullable>
                <RestorePackagesPath>{Packages}</RestorePackagesPath>
              </PropertyGroup>
            </Project>
            """);
        File.WriteAllText(Path.Combine(dir, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <clear />
                <add key="local" value="{Feed}" />
              </packageSources>
            </configuration>
            """);
        foreach (var (file, text) in sources) File.WriteAllText(Path.Combine(dir, file), text);
        var (code, output) = Run(dir, "dotnet", "add", "package", "Multiproc", "--source", Feed);
        if (code != 0) throw new InvalidOperationException("dotnet add package Multiproc failed:\n" + output);
        return dir;
    }

    public static (int Code, string Output) Run(string cwd, string exe, params string[] args)
    {
        var psi = new ProcessStartInfo(exe) { WorkingDirectory = cwd, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        psi.Environment["DOTNET_NOLOGO"] = "1";
        using var p = Process.Start(psi)!;
        var sb = new StringBuilder();
        var o = p.StandardOutput.ReadToEndAsync();
        var e = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromMinutes(5)))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"{exe} {string.Join(' ', args)} did not finish within 5 minutes");
        }
        p.WaitForExit();
        return (p.ExitCode, o.Result + e.Result);
    }

    public IReadOnlyList<string> Entries()
    {
        using var zip = ZipFile.OpenRead(Nupkg);
        return zip.Entries.Select(e => e.FullName).ToList();
    }

    public void Dispose()
    {
        try { Directory.Delete(Root, recursive: true); } catch (IOException) { }
    }
}

[CollectionDefinition(nameof(PackageCollection))]
public sealed class PackageCollection : ICollectionFixture<PackageFixture>;
