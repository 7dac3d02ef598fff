using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text;

namespace Multiproc.Platform;

/// <summary>
/// The command line of a child process. By default a child runs Multiproc.Child.dll (a launcher with a
/// <c>Main</c>, next to Multiproc.dll) under the app's own framework, settings and dependencies:
/// <c>dotnet exec --runtimeconfig &lt;app&gt;.runtimeconfig.json --depsfile &lt;app&gt;.deps.json Multiproc.Child.dll 3 &lt;entry assembly&gt;</c>.
/// Where that cannot work (no launcher next to Multiproc.dll, Multiproc.dll outside the app's directory, no deps
/// or runtimeconfig file on disk, a self-contained app, or <c>MULTIPROC_CHILD_ENTRY=hook</c>), the child runs the
/// parent's own command line with Multiproc.dll as a startup hook, which costs each child more CPU.
/// </summary>
internal sealed class ChildCommandLine
{
    public const string LauncherFile = "Multiproc.Child.dll";
    public const string EntryVariable = "MULTIPROC_CHILD_ENTRY";
    private const string DepsSuffix = ".deps.json";

    /// <summary>In a launched child: the simple name of the root app's entry assembly, passed on to grandchildren.</summary>
    private static string? _entryAssembly;

    public required string Path { get; init; }
    public required string[] Argv { get; init; }
    public required bool UsesStartupHook { get; init; }
    /// <summary>Why the startup hook is used; null when the launcher is.</summary>
    public string? HookReason { get; init; }

    public static ChildCommandLine Resolve()
    {
        var why = TryLauncher(out var launched);
        if (launched is not null) return launched;
        var (path, argv) = ReadOwnCommandLine();
        return new ChildCommandLine { Path = path, Argv = argv, UsesStartupHook = true, HookReason = why };
    }

    private static string? TryLauncher(out ChildCommandLine? result)
    {
        result = null;
        if (Environment.GetEnvironmentVariable(EntryVariable) == "hook") return EntryVariable + "=hook";
        var own = typeof(ChildCommandLine).Assembly.Location;
        if (string.IsNullOrEmpty(own)) return "Multiproc.dll is not a file";
        var dir = System.IO.Path.GetDirectoryName(own)!;
        var launcher = System.IO.Path.Combine(dir, LauncherFile);
        if (!File.Exists(launcher)) return LauncherFile + " is not next to Multiproc.dll";
        if (System.IO.Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory) != dir)
            return "Multiproc.dll is not in the app's directory";
        string? deps = null;
        foreach (var d in (AppContext.GetData("APP_CONTEXT_DEPS_FILES") as string ?? "").Split(';'))
            if (d.EndsWith(DepsSuffix, StringComparison.Ordinal) && System.IO.Path.GetDirectoryName(d) == dir) { deps = d; break; }
        // The runtime reports the deps path it looked for even when no such file exists (an app copied without it).
        if (deps is null || !File.Exists(deps)) return "the app has no deps file";
        var runtimeConfig = deps[..^DepsSuffix.Length] + ".runtimeconfig.json";
        if (!File.Exists(runtimeConfig)) return "the app has no runtimeconfig file";
        var runtimeDir = System.IO.Path.GetDirectoryName(typeof(object).Assembly.Location) ?? "";
        var frameworkDir = System.IO.Path.GetDirectoryName(runtimeDir) ?? "";
        if (System.IO.Path.GetFileName(frameworkDir) != "Microsoft.NETCore.App"
            || System.IO.Path.GetFileName(System.IO.Path.GetDirectoryName(frameworkDir)) != "shared")
            return "the app is self-contained";
        var host = System.IO.Path.Combine(System.IO.Path.GetDirectoryName(System.IO.Path.GetDirectoryName(frameworkDir))!, "dotnet");
        if (!File.Exists(host)) return "no dotnet host next to the shared framework";

        var argv = new List<string> { host, "exec", "--runtimeconfig", runtimeConfig, "--depsfile", deps };
        foreach (var p in (AppContext.GetData("PROBING_DIRECTORIES") as string ?? "").Split(';'))
            if (p.Length > 0) { argv.Add("--additionalprobingpath"); argv.Add(p); }
        argv.Add(launcher);
        argv.Add(ProcessSpawner.ControlFd.ToString(System.Globalization.CultureInfo.InvariantCulture));
        argv.Add(_entryAssembly ?? Assembly.GetEntryAssembly()?.GetName().Name ?? "");
        result = new ChildCommandLine { Path = host, Argv = argv.ToArray(), UsesStartupHook = false };
        return null;
    }

    private static (string, string[]) ReadOwnCommandLine()
    {
        var path = Environment.ProcessPath ?? throw new PlatformNotSupportedException("The path of the current executable is unknown.");
        var raw = File.ReadAllBytes("/proc/self/cmdline");
        var args = Encoding.UTF8.GetString(raw).Split('\0');
        if (args.Length > 0 && args[^1].Length == 0) args = args[..^1];
        if (args.Length == 0) args = [path];
        return (path, args);
    }

    /// <summary>
    /// In a launched child: makes the parent's entry assembly this process's entry assembly too
    /// (<c>Assembly.GetEntryAssembly()</c>, as in the parent; .NET 9 and later) and remembers it for grandchildren.
    /// </summary>
    public static void AdoptEntryAssembly(string name)
    {
        _entryAssembly = name;
        if (Environment.Version.Major < 9) return;
        try
        {
            // By simple name: parsing a display name would initialize globalization (ICU).
            SetEntryAssembly(null, Assembly.Load(new AssemblyName { Name = name }));
        }
        catch (Exception e) when (e is FileNotFoundException or FileLoadException or BadImageFormatException or MissingMethodException)
        {
            // Not in the app's dependency set (a test host), or a runtime without the API: the launcher stays the entry assembly.
        }
    }

    [UnsafeAccessor(UnsafeAccessorKind.StaticMethod, Name = "SetEntryAssembly")]
    private static extern void SetEntryAssembly(Assembly? declaringType, Assembly? assembly);
}
