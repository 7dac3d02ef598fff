using System.Collections.Immutable;
using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Runtime.Loader;
using System.Text.Json;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;

namespace AnalyzerCost;

/// <summary>
/// Analyzer cost benchmark (issue 4, part 6): compiles a generated corpus and reports, as JSON
/// lines on stdout, the compilation's own time, each Multiproc analyzer's execution time and
/// diagnostics, and SonarAnalyzer.CSharp's total time and its S2222 analyzer's time on the same
/// corpus. Progress goes to stderr.
/// </summary>
internal static class Program
{
    private const string S2222 = "S2222";
    private const string MP0002 = "MP0002";

    private static async Task<int> Main(string[] args)
    {
        var options = Options.Parse(args);
        if (options is null)
        {
            return 2;
        }

        var sw = Stopwatch.StartNew();
        var files = new CorpusGenerator(options.Seed).Generate(options.Lines);
        var lineCount = files.Sum(f => CorpusGenerator.CountLines(f.Text));
        if (options.DumpDir is not null)
        {
            Directory.CreateDirectory(options.DumpDir);
            foreach (var (path, text) in files)
            {
                File.WriteAllText(Path.Combine(options.DumpDir, path), text);
            }
        }
        Emit(new { what = "corpus", lines = lineCount, trees = files.Count, seed = options.Seed, runs = options.Runs, generate_ms = Ms(sw.Elapsed) });

        var references = References(out var refDir);
        Log($"references: {references.Length} from {refDir} + Multiproc.dll");
        var parseOptions = new CSharpParseOptions(LanguageVersion.CSharp12);
        var compilationOptions = new CSharpCompilationOptions(
            OutputKind.DynamicallyLinkedLibrary,
            optimizationLevel: OptimizationLevel.Release,
            nullableContextOptions: NullableContextOptions.Enable,
            concurrentBuild: false,  // one thread, like the analyzers below (concurrentAnalysis: false)
            deterministic: true)
            // csc always has one (from .editorconfig files); analyzers that read per-tree severities expect it.
            .WithSyntaxTreeOptionsProvider(new EmptySyntaxTreeOptionsProvider());

        var trees = Parse(files, parseOptions);
        CSharpCompilation NewCompilation(CSharpCompilationOptions? o = null) =>
            CSharpCompilation.Create("Corpus", trees, references, o ?? compilationOptions);

        // The corpus must compile: an analyzer timed on broken code measures nothing useful.
        {
            var diagnostics = NewCompilation().GetDiagnostics();
            var errors = diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
            foreach (var e in errors.Take(20))
            {
                Log(e.ToString());
            }
            Emit(new { what = "corpus_check", errors = errors.Count, warnings = diagnostics.Count(d => d.Severity == DiagnosticSeverity.Warning) });
            if (errors.Count > 0)
            {
                return 1;
            }
        }

        // --- Analyzers: Multiproc's found by reflection; Sonar's loaded from the NuGet package. ---
        // --mp-analyzers: another build of the assembly, in its own load context (the default one
        // already has the project-referenced copy under the same name); Roslyn comes from the default context.
        var mpAssembly = options.MpAnalyzersPath is null
            ? Assembly.Load(new AssemblyName("Multiproc.Analyzers"))
            : new AssemblyLoadContext("mp-analyzers-override").LoadFromAssemblyPath(Path.GetFullPath(options.MpAnalyzersPath));
        var mpAnalyzers = AnalyzersIn(mpAssembly);
        Log($"Multiproc analyzers in {mpAssembly.Location}: {mpAnalyzers.Length}");
        if (mpAnalyzers.Length == 0)
        {
            Log("no DiagnosticAnalyzer in Multiproc.Analyzers.dll (no rule has landed yet?)");
        }
        var mp0002 = mpAnalyzers.FirstOrDefault(a => a.SupportedDiagnostics.Any(d => d.Id == MP0002));
        if (options.Mp0002Only)
        {
            // --mp0002-only: the suite (and the baseline) is MP0002's analyzer alone, for a paired A/B of that rule.
            mpAnalyzers = mp0002 is null ? ImmutableArray<DiagnosticAnalyzer>.Empty : [mp0002];
        }

        if (options.DiagnosticsFile is not null)
        {
            // --dump-diagnostics: every Multiproc diagnostic on the corpus, one line each, sorted; then stop (no timing).
            var written = await DumpDiagnostics(NewCompilation(), mpAnalyzers, options.DiagnosticsFile);
            Emit(new { what = "diagnostics_dump", file = options.DiagnosticsFile, diagnostics = written, analyzer_exceptions = Exceptions(mpAnalyzers) });
            return 0;
        }

        var phases = new List<Phase>();
        Phase? mpSuite = null, mp0002Alone = null, sonarSuite = null, s2222Alone = null, baselineSuite = null;
        DiagnosticAnalyzer? s2222Analyzer = null;
        if (mpAnalyzers.Length > 0)
        {
            phases.Add(mpSuite = new Phase("multiproc", mpAnalyzers, () => NewCompilation()));
        }
        if (options.BaselinePath is not null)
        {
            // Another build of Multiproc.Analyzers.dll timed in the same runs, right after this one: a paired A/B that the
            // load of a shared machine cannot skew (the two phases of a run see the same load).
            var baselineAssembly = new AssemblyLoadContext("mp-analyzers-baseline").LoadFromAssemblyPath(Path.GetFullPath(options.BaselinePath));
            var baselineAnalyzers = AnalyzersIn(baselineAssembly);
            if (options.Mp0002Only)
            {
                baselineAnalyzers = baselineAnalyzers.Where(a => a.SupportedDiagnostics.Any(d => d.Id == MP0002)).ToImmutableArray();
            }
            phases.Add(baselineSuite = new Phase("baseline", baselineAnalyzers, () => NewCompilation()));
        }
        if (mp0002 is not null && !options.Mp0002Only)
        {
            // MP0002's analyzer on its own: its own control-flow graphs, nothing shared with the other rules.
            phases.Add(mp0002Alone = new Phase("MP0002 alone", [mp0002], () => NewCompilation()));
        }
        if (!options.SkipSonar)
        {
            var sonarDir = options.SonarDir ?? typeof(Program).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
                .FirstOrDefault(a => a.Key == "SonarAnalyzerDir")?.Value;
            if (sonarDir is null || !Directory.Exists(sonarDir))
            {
                Log($"Sonar analyzers not found at '{sonarDir}'");
                return 1;
            }
            var sonarAnalyzers = LoadAnalyzersFromDirectory(sonarDir);
            var s2222Descriptor = sonarAnalyzers.SelectMany(a => a.SupportedDiagnostics).FirstOrDefault(d => d.Id == S2222);
            Log($"Sonar analyzers in {sonarDir}: {sonarAnalyzers.Length}; S2222 enabled by default: {s2222Descriptor?.IsEnabledByDefault}");

            // S2222 is forced on whatever the default profile says.
            var sonarOptions = compilationOptions.WithSpecificDiagnosticOptions(
                compilationOptions.SpecificDiagnosticOptions.SetItem(S2222, ReportDiagnostic.Warn));
            if (!options.S2222Only)
            {
                phases.Add(sonarSuite = new Phase("sonar", sonarAnalyzers, () => NewCompilation(sonarOptions)));
            }

            s2222Analyzer = sonarAnalyzers.FirstOrDefault(a => a.SupportedDiagnostics.Any(d => d.Id == S2222));
            if (s2222Analyzer is null)
            {
                Log("no Sonar analyzer reports S2222");
            }
            else
            {
                // On its own, with every other rule of that analyzer suppressed, so that only the S2222 check runs.
                var others = s2222Analyzer.SupportedDiagnostics.Select(d => d.Id).Where(id => id != S2222).Distinct();
                var aloneOptions = sonarOptions.WithSpecificDiagnosticOptions(
                    sonarOptions.SpecificDiagnosticOptions.SetItems(others.Select(id => KeyValuePair.Create(id, ReportDiagnostic.Suppress))));
                phases.Add(s2222Alone = new Phase("S2222 alone", [s2222Analyzer], () => NewCompilation(aloneOptions)));
            }
        }

        // Warm-up: JIT the emitter and every analyzer set, so that no run pays for it. By default over the whole
        // corpus (--warmup-trees N: the first N trees only): a few trees leave much of the compiler and of the
        // analyzers in tier-0 code, and the first timed run then measures the JIT (the same for every set).
        {
            var warmTrees = options.WarmupTrees is int n ? trees.Take(Math.Min(n, trees.Count)).ToList() : trees;
            Log($"warm-up over {warmTrees.Count} of {trees.Count} trees");
            if (!options.NoCompileTiming)
            {
                using var warm = new MemoryStream();
                _ = CSharpCompilation.Create("Warm", warmTrees, references, compilationOptions).Emit(warm);
            }
            foreach (var phase in phases)
            {
                await WarmUp(phase, warmTrees);
            }
        }

        // --- Runs, interleaved: each run times the compilation and then every analyzer set, so that
        // a change in the load of a shared machine falls on all figures of that run alike. ---
        var parseRuns = new List<double>();
        var emitRuns = new List<double>();
        var compileRuns = new List<double>();
        var compileCpuRuns = new List<double>();
        var percentRuns = new List<double>();
        for (var r = 0; r < options.Runs; r++)
        {
            if (options.NoCompileTiming)
            {
                // --no-compile-timing: the analyzer sets only (no emit, no percentage of compilation).
                foreach (var phase in phases)
                {
                    await RunOnce(phase, r);
                }
                continue;
            }
            Collect();
            var cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
            var t0 = Stopwatch.GetTimestamp();
            var freshTrees = Parse(files, parseOptions);
            var t1 = Stopwatch.GetTimestamp();
            var compilation = CSharpCompilation.Create("Corpus", freshTrees, references, compilationOptions);
            using (var pe = new MemoryStream())
            {
                if (!compilation.Emit(pe).Success)
                {
                    Log("emit failed");
                    return 1;
                }
            }
            var t2 = Stopwatch.GetTimestamp();
            var cpu = (Process.GetCurrentProcess().TotalProcessorTime - cpu0).TotalMilliseconds;
            parseRuns.Add(Ms(t0, t1));
            emitRuns.Add(Ms(t1, t2));
            compileRuns.Add(Ms(t0, t2));
            compileCpuRuns.Add(cpu);
            Log($"run {r + 1}: compilation: parse {Ms(t0, t1):F0} ms, bind+emit {Ms(t1, t2):F0} ms (process CPU {cpu:F0} ms)");
            compilation = null;
            freshTrees = null;

            foreach (var phase in phases)
            {
                await RunOnce(phase, r);
            }
            if (mpSuite is not null)
            {
                percentRuns.Add(100.0 * mpSuite.Run.TotalMs(r) / Ms(t0, t2));
            }
        }

        var compilationMs = Median(compileRuns);
        Emit(new { what = "compilation", ms = Round(compilationMs), parse_ms = Round(Median(parseRuns)), bind_emit_ms = Round(Median(emitRuns)), cpu_ms = Round(Median(compileCpuRuns)), runs = compileRuns.Select(Round) });

        foreach (var analyzer in mpAnalyzers)
        {
            var ids = analyzer.SupportedDiagnostics.Select(d => d.Id).Distinct().OrderBy(i => i, StringComparer.Ordinal).ToList();
            Emit(new
            {
                analyzer = analyzer.GetType().Name,
                rules = string.Join(",", ids),
                ms = Round(mpSuite!.Run.MedianMs(analyzer)),
                diagnostics = ids.ToDictionary(id => id, id => mpSuite.Run.Count(id)),
                runs = mpSuite.Run.Runs(analyzer).Select(Round),
            });
        }
        var mpTotalMs = mpSuite?.Run.MedianTotalMs() ?? 0;
        var percent = Median(percentRuns);
        Emit(new
        {
            what = "multiproc_total",
            ms = Round(mpTotalMs),
            // Median over runs of (this run's analyzer total / this run's compilation).
            percent_of_compilation = Math.Round(percent, 3),
            analyzers = mpAnalyzers.Length,
            wall_ms = Round(mpSuite?.Run.MedianWallMs() ?? 0),
            percent_runs = percentRuns.Select(p => Math.Round(p, 3)),
            analyzer_exceptions = Exceptions(mpAnalyzers),
        });

        if (baselineSuite is not null && mpSuite is not null)
        {
            var ratios = Enumerable.Range(0, options.Runs).Select(r => mpSuite.Run.TotalMs(r) / baselineSuite.Run.TotalMs(r)).ToList();
            Emit(new
            {
                what = "baseline_total",
                path = options.BaselinePath,
                ms = Round(baselineSuite.Run.MedianTotalMs()),
                runs = Enumerable.Range(0, options.Runs).Select(r => Round(baselineSuite.Run.TotalMs(r))),
                diagnostics = baselineSuite.Run.TotalCount(),
                // This build's total over the baseline's, per run (paired), and their median.
                ratio_runs = ratios.Select(x => Math.Round(x, 3)),
                ratio = Math.Round(Median(ratios), 3),
            });
        }

        double? mp0002AloneMs = null;
        // With --mp0002-only the suite is MP0002's analyzer alone.
        var mp0002AloneRun = mp0002Alone ?? (options.Mp0002Only ? mpSuite : null);
        if (mp0002AloneRun is not null)
        {
            mp0002AloneMs = mp0002AloneRun.Run.MedianMs(mp0002!);
            Emit(new { what = "mp0002_alone", analyzer = mp0002!.GetType().Name, ms = Round(mp0002AloneMs.Value), in_suite_ms = Round(mpSuite!.Run.MedianMs(mp0002)), diagnostics = mp0002AloneRun.Run.Count(MP0002), runs = mp0002AloneRun.Run.Runs(mp0002).Select(Round) });
        }

        double? s2222AloneMs = null;
        if (sonarSuite is not null)
        {
            Emit(new { what = "sonar_total", ms = Round(sonarSuite.Run.MedianTotalMs()), analyzers = sonarSuite.Analyzers.Length, diagnostics = sonarSuite.Run.TotalCount(), wall_ms = Round(sonarSuite.Run.MedianWallMs()), analyzer_exceptions = Exceptions(sonarSuite.Analyzers) });
        }
        if (s2222Alone is not null && s2222Analyzer is not null)
        {
            s2222AloneMs = s2222Alone.Run.MedianMs(s2222Analyzer);
            Emit(new
            {
                what = "sonar_S2222",
                analyzer = s2222Analyzer.GetType().FullName,
                ms = sonarSuite is null ? (double?)null : Round(sonarSuite.Run.MedianMs(s2222Analyzer)),
                alone_ms = Round(s2222AloneMs.Value),
                diagnostics = sonarSuite?.Run.Count(S2222),
                alone_diagnostics = s2222Alone.Run.Count(S2222),
                rules_of_that_analyzer = s2222Analyzer.SupportedDiagnostics.Select(d => d.Id).Distinct().Count(),
                alone_runs = s2222Alone.Run.Runs(s2222Analyzer).Select(Round),
            });
        }

        Emit(new
        {
            what = "targets",
            mp_total_le_2pct = options.NoCompileTiming ? (bool?)null : mpAnalyzers.Length > 0 && percent <= 2.0,
            // Both measured alone on a fresh compilation: each pays for its own control-flow graphs,
            // and Sonar's S2222 analyzer runs only the S2222 check.
            mp0002_faster_than_s2222 = mp0002AloneMs is not null && s2222AloneMs is not null && mp0002AloneMs < s2222AloneMs,
            mp0002_ms = mp0002AloneMs is null ? (double?)null : Round(mp0002AloneMs.Value),
            s2222_over_mp0002 = mp0002AloneMs is > 0 && s2222AloneMs is not null ? Math.Round(s2222AloneMs.Value / mp0002AloneMs.Value, 1) : (double?)null,
            s2222_ms = s2222AloneMs is null ? (double?)null : Round(s2222AloneMs.Value),
            total_s = Round(sw.Elapsed.TotalSeconds),
        });
        return 0;
    }

    private static Dictionary<string, int> Exceptions(ImmutableArray<DiagnosticAnalyzer> analyzers)
    {
        var names = analyzers.Select(a => a.GetType().Name + ": ").ToList();
        lock (AnalyzerExceptions)
        {
            return AnalyzerExceptions.Where(kv => names.Any(n => kv.Key.StartsWith(n, StringComparison.Ordinal)))
                .ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
        }
    }

    private sealed class Phase(string label, ImmutableArray<DiagnosticAnalyzer> analyzers, Func<CSharpCompilation> newCompilation)
    {
        public string Label { get; } = label;

        public ImmutableArray<DiagnosticAnalyzer> Analyzers { get; } = analyzers;

        public Func<CSharpCompilation> NewCompilation { get; } = newCompilation;

        public AnalyzerRun Run { get; } = new(analyzers);
    }

    private static CompilationWithAnalyzersOptions CwaOptions() => new(
        new AnalyzerOptions(ImmutableArray<AdditionalText>.Empty),
        onAnalyzerException: OnAnalyzerException,
        concurrentAnalysis: false,
        logAnalyzerExecutionTime: true,
        reportSuppressedDiagnostics: false);

    /// <summary>JITs a phase's analyzers on the warm-up trees.</summary>
    private static async Task WarmUp(Phase phase, IReadOnlyList<SyntaxTree> trees)
    {
        var small = phase.NewCompilation().RemoveAllSyntaxTrees().AddSyntaxTrees(trees);
        _ = await small.WithAnalyzers(phase.Analyzers, CwaOptions()).GetAnalyzerDiagnosticsAsync(CancellationToken.None);
    }

    /// <summary>Runs a phase's analyzers over a fresh compilation and records each analyzer's execution time.</summary>
    private static async Task RunOnce(Phase phase, int r)
    {
        Collect();
        var cwa = phase.NewCompilation().WithAnalyzers(phase.Analyzers, CwaOptions());
        var cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
        var t0 = Stopwatch.GetTimestamp();
        var diagnostics = await cwa.GetAnalyzerDiagnosticsAsync(CancellationToken.None);
        var wall = Ms(t0, Stopwatch.GetTimestamp());
        // The process CPU of the whole pass: the compiler's own binding, what the driver binds for the analyzers, the callbacks.
        var cpu = (Process.GetCurrentProcess().TotalProcessorTime - cpu0).TotalMilliseconds;
        var times = new Dictionary<DiagnosticAnalyzer, double>();
        foreach (var analyzer in phase.Analyzers)
        {
            var info = await cwa.GetAnalyzerTelemetryInfoAsync(analyzer, CancellationToken.None);
            times[analyzer] = info.ExecutionTime.TotalMilliseconds;
        }
        phase.Run.Add(times, diagnostics, wall);
        Log($"run {r + 1}: {phase.Label}: analyzers {times.Values.Sum():F0} ms (wall {wall:F0} ms, process CPU {cpu:F0} ms, incl. binding), {diagnostics.Length} diagnostics");
    }

    /// <summary>
    /// Writes the analyzers' diagnostics on <paramref name="compilation"/> to <paramref name="path"/>, one line each
    /// (id, place, additional places, message, properties), sorted so that two builds of the analyzers compare with diff.
    /// The properties of an MP0002 diagnostic are the reported ones merged with what the fixer computes for it
    /// (<c>LockNotReleased.FixPropertiesAt</c>, found by reflection in the analyzers' assembly; absent in builds from before
    /// the fifteenth session, whose analyzer reported them): a key both give with different values is written
    /// <c>key=reported (fixer: computed)</c>, so that it shows in the diff.
    /// </summary>
    private static async Task<int> DumpDiagnostics(CSharpCompilation compilation, ImmutableArray<DiagnosticAnalyzer> analyzers, string path)
    {
        var diagnostics = await compilation.WithAnalyzers(analyzers, CwaOptions()).GetAnalyzerDiagnosticsAsync(CancellationToken.None);
        static string Place(Location l)
        {
            var span = l.GetLineSpan();
            return FormattableString.Invariant($"{span.Path}:{span.StartLinePosition.Line + 1}:{span.StartLinePosition.Character + 1}-{span.EndLinePosition.Line + 1}:{span.EndLinePosition.Character + 1}");
        }
        var fixProperties = FixPropertiesEntryPoint(analyzers);
        Log(fixProperties is null
            ? "MP0002 properties: as reported (no LockNotReleased.FixPropertiesAt in this build)"
            : $"MP0002 properties: reported, merged with {fixProperties.DeclaringType?.FullName}.{fixProperties.Name}'s");
        IEnumerable<string> Properties(Diagnostic d)
        {
            var reported = d.Properties;
            if (fixProperties is null || d.Id != MP0002 || d.Location.SourceTree is not { } tree)
            {
                return reported.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={p.Value}");
            }
            var node = tree.GetRoot().FindNode(d.Location.SourceSpan, getInnermostNodeForTie: true);
            var computed = (ImmutableDictionary<string, string?>)fixProperties.Invoke(null, [compilation.GetSemanticModel(tree), node, CancellationToken.None])!;
            return reported.Keys.Union(computed.Keys).OrderBy(k => k, StringComparer.Ordinal).Select(k =>
            {
                var inReported = reported.TryGetValue(k, out var r);
                var inComputed = computed.TryGetValue(k, out var c);
                return !inReported ? $"{k}={c}" : !inComputed || r == c ? $"{k}={r}" : $"{k}={r} (fixer: {c})";
            });
        }
        var lines = diagnostics
            .Select(d => string.Join(" | ",
                d.Id,
                Place(d.Location),
                string.Join(", ", d.AdditionalLocations.Select(Place)),
                d.GetMessage(CultureInfo.InvariantCulture),
                string.Join(", ", Properties(d))))
            .OrderBy(l => l, StringComparer.Ordinal)
            .ToList();
        await File.WriteAllLinesAsync(path, lines);
        if (fixProperties is not null)
        {
            // What the fixer's entry point costs for all of them, once the operation trees are bound (the merge above bound
            // them): about what the analyzer no longer spends per build computing the properties of every report
            // (this adds the acquire's classification and a LockApi per call). Median of 21 passes.
            var mp0002 = diagnostics.Where(d => d.Id == MP0002 && d.Location.SourceTree is not null)
                .Select(d => (Model: compilation.GetSemanticModel(d.Location.SourceTree!), Node: d.Location.SourceTree!.GetRoot().FindNode(d.Location.SourceSpan, getInnermostNodeForTie: true)))
                .ToList();
            var passes = new List<double>();
            for (var pass = 0; pass < 21; pass++)
            {
                var watch = Stopwatch.StartNew();
                foreach (var (model, node) in mp0002) fixProperties.Invoke(null, [model, node, CancellationToken.None]);
                passes.Add(watch.Elapsed.TotalMilliseconds);
            }
            passes.Sort();
            Log(FormattableString.Invariant($"fixer's entry point over the {mp0002.Count} MP0002 diagnostics: {passes[10]:F2} ms a pass (median of 21; {passes[0]:F2}-{passes[20]:F2})"));
        }
        return lines.Count;
    }

    /// <summary>
    /// <c>LockNotReleased.FixPropertiesAt(SemanticModel, SyntaxNode, CancellationToken)</c> of the assembly MP0002's analyzer
    /// comes from (internal: the bench loads that assembly by path), or null in a build without it.
    /// </summary>
    private static MethodInfo? FixPropertiesEntryPoint(ImmutableArray<DiagnosticAnalyzer> analyzers) =>
        analyzers.FirstOrDefault(a => a.SupportedDiagnostics.Any(d => d.Id == MP0002))?.GetType().Assembly
            .GetType("Multiproc.Analyzers.LockNotReleased")
            ?.GetMethod("FixPropertiesAt", BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic, null,
                [typeof(SemanticModel), typeof(SyntaxNode), typeof(CancellationToken)], null);

    private static readonly Dictionary<string, int> AnalyzerExceptions = new(StringComparer.Ordinal);

    /// <summary>Logs the first exception of each kind per analyzer with its stack, then only counts them.</summary>
    private static void OnAnalyzerException(Exception ex, DiagnosticAnalyzer analyzer, Diagnostic diagnostic)
    {
        var key = analyzer.GetType().Name + ": " + ex.GetType().Name;
        lock (AnalyzerExceptions)
        {
            var n = AnalyzerExceptions.GetValueOrDefault(key);
            AnalyzerExceptions[key] = n + 1;
            if (n == 0)
            {
                Log($"analyzer exception in {key}: {ex.Message}\n{ex.StackTrace}");
            }
        }
    }

    private static ImmutableArray<DiagnosticAnalyzer> AnalyzersIn(Assembly assembly)
    {
        Type[] types;
        try
        {
            types = assembly.GetTypes();
        }
        catch (ReflectionTypeLoadException ex)
        {
            types = ex.Types.Where(t => t is not null).ToArray()!;
        }
        return types
            .Where(t => !t.IsAbstract && typeof(DiagnosticAnalyzer).IsAssignableFrom(t)
                && t.GetCustomAttributes<DiagnosticAnalyzerAttribute>().Any(a => a.Languages.Contains(LanguageNames.CSharp))
                && t.GetConstructor(Type.EmptyTypes) is not null)
            .OrderBy(t => t.FullName, StringComparer.Ordinal)
            .Select(t => (DiagnosticAnalyzer)Activator.CreateInstance(t)!)
            .ToImmutableArray();
    }

    private static ImmutableArray<DiagnosticAnalyzer> LoadAnalyzersFromDirectory(string dir)
    {
        var loader = new DirectoryAssemblyLoader();
        var builder = ImmutableArray.CreateBuilder<DiagnosticAnalyzer>();
        foreach (var path in Directory.GetFiles(dir, "*.dll").OrderBy(p => p, StringComparer.Ordinal))
        {
            var reference = new AnalyzerFileReference(path, loader);
            reference.AnalyzerLoadFailed += (_, e) => Log($"analyzer load failed in {Path.GetFileName(path)}: {e.Message}");
            builder.AddRange(reference.GetAnalyzers(LanguageNames.CSharp));
        }
        return builder.ToImmutable();
    }

    private sealed class DirectoryAssemblyLoader : IAnalyzerAssemblyLoader
    {
        public void AddDependencyLocation(string fullPath)
        {
        }

        // LoadFrom resolves an assembly's dependencies from its own directory; Microsoft.CodeAnalysis
        // itself binds to the (newer) copy the host already loaded.
        public Assembly LoadFromPath(string fullPath) => Assembly.LoadFrom(fullPath);
    }

    private static List<SyntaxTree> Parse(List<(string Path, string Text)> files, CSharpParseOptions parseOptions) =>
        files.Select(f => CSharpSyntaxTree.ParseText(f.Text, parseOptions, path: "/corpus/" + f.Path)).ToList();

    /// <summary>.NET reference assemblies from the SDK's targeting pack (the runtime's own assemblies if it is missing), plus Multiproc.dll.</summary>
    private static ImmutableArray<MetadataReference> References(out string from)
    {
        var paths = new List<string>();
        var runtimeDir = RuntimeEnvironment.GetRuntimeDirectory();
        var dotnetRoot = Path.GetFullPath(Path.Combine(runtimeDir, "..", "..", ".."));
        var packs = Path.Combine(dotnetRoot, "packs", "Microsoft.NETCore.App.Ref");
        var tfm = $"net{Environment.Version.Major}.0";
        var refDir = Directory.Exists(packs)
            ? Directory.GetDirectories(packs)
                .Select(d => Path.Combine(d, "ref", tfm))
                .Where(Directory.Exists)
                .OrderByDescending(d => Version.TryParse(Path.GetFileName(Path.GetDirectoryName(Path.GetDirectoryName(d))), out var v) ? v : new Version(0, 0))
                .FirstOrDefault()
            : null;
        if (refDir is not null)
        {
            paths.AddRange(Directory.GetFiles(refDir, "*.dll"));
            from = refDir;
        }
        else
        {
            var tpa = ((string?)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") ?? "").Split(Path.PathSeparator);
            paths.AddRange(tpa.Where(p => Path.GetDirectoryName(p) == Path.GetDirectoryName(typeof(object).Assembly.Location)));
            from = runtimeDir + " (runtime assemblies; no targeting pack found)";
        }
        paths.Add(typeof(Multiproc.ChildProcess).Assembly.Location);
        return paths.Select(p => (MetadataReference)MetadataReference.CreateFromFile(p)).ToImmutableArray();
    }

    private static void Collect()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
    }

    private static double Ms(TimeSpan t) => Math.Round(t.TotalMilliseconds, 1);

    private static double Ms(long from, long to) => (to - from) * 1000.0 / Stopwatch.Frequency;

    private static double Round(double ms) => Math.Round(ms, 1);

    internal static double Median(IReadOnlyList<double> values)
    {
        if (values.Count == 0)
        {
            return 0;
        }
        var sorted = values.OrderBy(v => v).ToArray();
        var mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = false };

    private static void Emit(object line)
    {
        Console.Out.WriteLine(JsonSerializer.Serialize(line, Json));
        Console.Out.Flush();
    }

    internal static void Log(string message) => Console.Error.WriteLine("# " + message);
}

/// <summary>What csc passes when no .editorconfig sets anything: nothing generated by name, no per-tree severities.</summary>
internal sealed class EmptySyntaxTreeOptionsProvider : SyntaxTreeOptionsProvider
{
    public override GeneratedKind IsGenerated(SyntaxTree tree, CancellationToken cancellationToken) => GeneratedKind.Unknown;

    public override bool TryGetDiagnosticValue(SyntaxTree tree, string diagnosticId, CancellationToken cancellationToken, out ReportDiagnostic severity)
    {
        severity = ReportDiagnostic.Default;
        return false;
    }

    public override bool TryGetGlobalDiagnosticValue(string diagnosticId, CancellationToken cancellationToken, out ReportDiagnostic severity)
    {
        severity = ReportDiagnostic.Default;
        return false;
    }
}

/// <summary>Execution times per analyzer per run, and the diagnostics of the last run.</summary>
internal sealed class AnalyzerRun
{
    private readonly ImmutableArray<DiagnosticAnalyzer> _analyzers;
    private readonly List<Dictionary<DiagnosticAnalyzer, double>> _times = new();
    private readonly List<double> _wall = new();
    private Dictionary<string, int> _counts = new(StringComparer.Ordinal);

    public AnalyzerRun(ImmutableArray<DiagnosticAnalyzer> analyzers) => _analyzers = analyzers;

    public void Add(Dictionary<DiagnosticAnalyzer, double> times, ImmutableArray<Diagnostic> diagnostics, double wallMs)
    {
        _times.Add(times);
        _wall.Add(wallMs);
        _counts = diagnostics.GroupBy(d => d.Id).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
    }

    public IEnumerable<double> Runs(DiagnosticAnalyzer analyzer) => _times.Select(t => t.GetValueOrDefault(analyzer));

    public double MedianMs(DiagnosticAnalyzer analyzer) => Program.Median(Runs(analyzer).ToList());

    /// <summary>The median over runs of the sum over analyzers.</summary>
    public double TotalMs(int run) => _times[run].Values.Sum();

    public double MedianTotalMs() => Program.Median(_times.Select(t => t.Values.Sum()).ToList());

    public double MedianWallMs() => Program.Median(_wall);

    public int Count(string id) => _counts.GetValueOrDefault(id);

    public int TotalCount() => _counts.Values.Sum();
}

internal sealed record Options(int Lines, int Runs, int Seed, string? MpAnalyzersPath, string? SonarDir, bool SkipSonar, string? DumpDir, int? WarmupTrees, string? BaselinePath, string? DiagnosticsFile,
    bool Mp0002Only = false, bool S2222Only = false, bool NoCompileTiming = false)
{
    public static Options? Parse(string[] args)
    {
        var lines = 120_000;
        var runs = 3;
        var seed = 20240611;
        string? mp = null, sonar = null, dump = null, baseline = null, diagnostics = null;
        int? warmupTrees = null;
        var skipSonar = false;
        var mp0002Only = false;
        var s2222Only = false;
        var noCompileTiming = false;
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            switch (args[i])
            {
                case "--lines": lines = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--runs": runs = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--seed": seed = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--mp-analyzers": mp = Next(); break;
                case "--baseline-analyzers": baseline = Next(); break;
                case "--sonar-dir": sonar = Next(); break;
                case "--no-sonar": skipSonar = true; break;
                case "--mp0002-only": mp0002Only = true; break;
                case "--s2222-only": s2222Only = true; break;
                case "--no-compile-timing": noCompileTiming = true; break;
                case "--dump": dump = Next(); break;
                case "--dump-diagnostics": diagnostics = Next(); break;
                case "--warmup-trees": warmupTrees = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "-h" or "--help":
                    Console.Error.WriteLine("usage: AnalyzerCost [--lines N (120000)] [--runs N (3)] [--seed N] [--no-sonar] [--mp0002-only] [--s2222-only] [--no-compile-timing] [--mp-analyzers path.dll] [--baseline-analyzers path.dll] [--sonar-dir dir] [--dump dir] [--dump-diagnostics file] [--warmup-trees N (all)]");
                    return null;
                default:
                    Console.Error.WriteLine($"unknown argument {args[i]} (try --help)");
                    return null;
            }
        }
        if (lines < 1 || runs < 1 || warmupTrees < 1)
        {
            Console.Error.WriteLine("--lines, --runs and --warmup-trees must be positive");
            return null;
        }
        return new Options(lines, runs, seed, mp, sonar, skipSonar, dump, warmupTrees, baseline, diagnostics, mp0002Only, s2222Only, noCompileTiming);
    }
}
