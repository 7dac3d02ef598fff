using System.Collections.Immutable;

namespace Multiproc.Analyzers.Tests.Verifiers;

/// <summary>
/// The references test code compiles against: the .NET reference pack of the SDK that runs the tests
/// (found next to the running runtime, so nothing is downloaded) Multiproc.dll itself, and Multiproc.Redis.dll with StackExchange.Redis.dll.
/// </summary>
internal static class TestReferences
{
    public static readonly ReferenceAssemblies Assemblies = new ReferenceAssemblies("net10.0");

    public static readonly ImmutableArray<MetadataReference> All = Load();

    /// <summary>What every test (analyzer or code fix) starts from: these references, and a library as the output.</summary>
    public static void Configure(AnalyzerTest<DefaultVerifier> test)
    {
        test.ReferenceAssemblies = Assemblies;
        test.TestState.AdditionalReferences.AddRange(All);
        test.TestState.OutputKind = OutputKind.DynamicallyLinkedLibrary;
    }

    /// <summary>The language every test is parsed as: C# 12.</summary>
    public static ParseOptions Parse(ParseOptions options) => ((CSharpParseOptions)options).WithLanguageVersion(LanguageVersion.CSharp12);

    /// <summary>The compilation every test runs in: nullable enabled.</summary>
    public static CompilationOptions Compilation(CompilationOptions options) =>
        ((CSharpCompilationOptions)options).WithNullableContextOptions(NullableContextOptions.Enable);

    private static ImmutableArray<MetadataReference> Load()
    {
        var runtimeDir = Path.GetDirectoryName(typeof(object).Assembly.Location)!;            // …/shared/Microsoft.NETCore.App/10.0.x
        var dotnetRoot = Path.GetFullPath(Path.Combine(runtimeDir, "..", "..", ".."));
        var packs = Path.Combine(dotnetRoot, "packs", "Microsoft.NETCore.App.Ref");
        var refDir = Directory.Exists(packs)
            ? Directory.GetDirectories(packs)
                .Select(v => Path.Combine(v, "ref", "net" + Environment.Version.ToString(2)))
                .Where(Directory.Exists)
                .OrderBy(d => d, StringComparer.Ordinal)
                .LastOrDefault()
            : null;
        var dlls = refDir is not null
            ? Directory.GetFiles(refDir, "*.dll")
            : Directory.GetFiles(runtimeDir, "*.dll").Where(f => Path.GetFileName(f).StartsWith("System.", StringComparison.Ordinal) || Path.GetFileName(f) is "mscorlib.dll" or "netstandard.dll");
        return dlls.Select(f => (MetadataReference)MetadataReference.CreateFromFile(f))
            .Append(MetadataReference.CreateFromFile(typeof(Multiproc.ChildProcess).Assembly.Location))
            // Multiproc.Redis and the StackExchange.Redis types its constructors name (MP0002, MP0005, MP0006 know its types).
            .Append(MetadataReference.CreateFromFile(typeof(Multiproc.Redis.RedisLock).Assembly.Location))
            .Append(MetadataReference.CreateFromFile(typeof(StackExchange.Redis.IConnectionMultiplexer).Assembly.Location))
            .ToImmutableArray();
    }
}
