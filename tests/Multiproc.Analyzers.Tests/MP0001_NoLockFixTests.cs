using static Multiproc.Analyzers.Tests.TicketSources;
using Verify = Multiproc.Analyzers.Tests.Verifiers.CSharpCodeFixVerifier<Multiproc.Analyzers.MultiprocAnalyzer, Multiproc.Analyzers.Tests.Verifiers.MP0001Rule, Multiproc.CodeFixes.UnlockedFileReadModifyWriteNoLockFixer>;

namespace Multiproc.Analyzers.Tests;

/// <summary>
/// MP0001's fix when no ProcessLock is in scope (<see cref="UnlockedFileReadModifyWriteNoLockFixer"/>): a parameter
/// on the child's methods, the read-modify-write held, a lock created in the parent and passed at every call. The
/// testing library compiles every fixed solution and fails on any compiler error or remaining diagnostic.
/// </summary>
public class MP0001_NoLockFixTests
{
    private const string Key = UnlockedFileReadModifyWriteNoLockFixer.EquivalenceKey;

    private static DiagnosticResult Unlocked(int location, string file) =>
        Verify.Diagnostic(Descriptors.MP0001_UnlockedReadModifyWrite).WithLocation(location).WithLocation(location + 1).WithArguments(file);

    /// <summary>
    /// Fixes <paramref name="sources"/> (file name, text) one diagnostic at a time and, unless <paramref name="batchFixed"/>
    /// differs, with Fix All in document, project and solution; each must give <paramref name="fixedSources"/>.
    /// MP0001 is a compilation-end diagnostic (non-local): the library is told that fixing it is intended.
    /// </summary>
    private static async Task VerifyAsync((string Name, string Text)[] sources, (string Name, string Text)[] fixedSources,
        DiagnosticResult[] expected, (string Name, string Text)[]? batchFixed = null, DiagnosticResult[]? fixedExpected = null,
        int? incremental = null, int documentIterations = 1, bool noFix = false, bool exe = false)
    {
        var fixAll = noFix ? 0 : 1;
        var test = new Verify.Test
        {
            CodeActionEquivalenceKey = Key,
            CodeFixTestBehaviors = CodeFixTestBehaviors.SkipLocalDiagnosticCheck,
            NumberOfFixAllIterations = fixAll,
            NumberOfFixAllInDocumentIterations = noFix ? 0 : documentIterations,
            NumberOfFixAllInProjectIterations = fixAll,
        };
        if (noFix) incremental = 0;
        if (exe) test.TestState.OutputKind = OutputKind.ConsoleApplication;
        if (incremental is { } n) test.NumberOfIncrementalIterations = n;
        test.TestState.Sources.AddRange(sources.Select(s => (s.Name, Microsoft.CodeAnalysis.Text.SourceText.From(s.Text))));
        test.FixedState.Sources.AddRange(fixedSources.Select(s => (s.Name, Microsoft.CodeAnalysis.Text.SourceText.From(s.Text))));
        if (fixedExpected is not null)
        {
            test.FixedState.ExpectedDiagnostics.AddRange(fixedExpected);
            test.FixedState.MarkupHandling = MarkupMode.Allow;
        }
        if (batchFixed is not null)
            test.BatchFixedState.Sources.AddRange(batchFixed.Select(s => (s.Name, Microsoft.CodeAnalysis.Text.SourceText.From(s.Text))));
        test.ExpectedDiagnostics.AddRange(expected);
        await test.RunAsync(CancellationToken.None);
    }

    /// <summary>One document; a null <paramref name="fixedSource"/> says that no fix is offered.</summary>
    private static Task VerifyAsync(string source, string? fixedSource, params DiagnosticResult[] expected) =>
        VerifyAsync([("Program.cs", source)], [("Program.cs", fixedSource ?? source)], expected,
            fixedExpected: fixedSource is null ? expected : null, noFix: fixedSource is null);

    [Fact]
    public Task TargetInTheSameType() => VerifyAsync(
        Tickets(OneChild("""Buy("tickets.txt")"""), Buy()),
        Tickets(NewLock + "\n" + OneChild("""Buy("tickets.txt", fileLock)"""), BuyFixed()),
        Unlocked(0, "path"));

    private static readonly string ParentOfShop = Parent(OneChild("""Shop.Sell("stock.txt")"""));

    private static readonly string ParentOfShopFixed = Parent(NewLock + "\n" + OneChild("""Shop.Sell("stock.txt", fileLock)"""));

    [Fact]
    public Task TargetInAnotherDocumentGetsItsUsing() => VerifyAsync(
        [("Parent.cs", ParentOfShop), ("Shop.cs", """
        using System.IO;

        public static class Shop
        {
            public static void Sell(string path)
            {
                var n = int.Parse({|#0:File.ReadAllText(path)|});
                {|#1:File.WriteAllText(path, (n - 1).ToString())|};
            }
        }
        """)],
        [("Parent.cs", ParentOfShopFixed), ("Shop.cs", """
        using System.IO;
        using Multiproc;

        public static class Shop
        {
            public static void Sell(string path, ProcessLock fileLock)
            {
                using (fileLock.Hold())
                {
                    var n = int.Parse(File.ReadAllText(path));
                    File.WriteAllText(path, (n - 1).ToString());
                }
            }
        }
        """)],
        [Unlocked(0, "path")]);

    [Fact]
    public Task EveryMethodOnTheChainTakesTheLock() => VerifyAsync(
        Tickets(OneChild("""Run("tickets.txt", 3)"""), """
            static void Run(string path, int times)
            {
                for (var i = 0; i < times; i++) Step(path);
            }

            static void Step(string path) => Buy(path);
            """ + "\n\n" + Buy()),
        Tickets(NewLock + "\n" + OneChild("""Run("tickets.txt", 3, fileLock)"""), """
            static void Run(string path, int times, ProcessLock fileLock)
            {
                for (var i = 0; i < times; i++) Step(path, fileLock);
            }

            static void Step(string path, ProcessLock fileLock) => Buy(path, fileLock);
            """ + "\n\n" + BuyFixed()),
        Unlocked(0, "path"));

    /// <summary>The <c>Main</c> of a parent that starts children in a loop, <paramref name="before"/> the loop.</summary>
    private static string LoopMain(string before, string call) => before + $$"""
        for (var i = 0; i < 4; i++)
        {
            var p = new ChildProcess(() => {{call}});
            p.Start();
            all.Add(p);
        }
        foreach (var p in all) p.Join();
        """;

    [Fact]
    public Task OneLockForAStraightAndALoopCreation() => VerifyAsync(
        Tickets(LoopMain("""
            var path = "tickets.txt";
            var first = new ChildProcess(() => Buy(path));
            first.Start();
            var all = new List<ChildProcess> { first };

            """, "Buy(path)"), Buy()),
        Tickets(LoopMain($$"""
            var path = "tickets.txt";
            {{NewLock}}
            var first = new ChildProcess(() => Buy(path, fileLock));
            first.Start();
            var all = new List<ChildProcess> { first };

            """, "Buy(path, fileLock)"), BuyFixed()),
        Unlocked(0, "path"));

    [Fact]
    public Task LoopCreationGetsTheLockBeforeTheLoop() => VerifyAsync(
        Tickets(LoopMain("var all = new List<ChildProcess>();\n", """Buy("tickets.txt")"""), Buy()),
        Tickets(LoopMain("var all = new List<ChildProcess>();\n" + NewLock + "\n", """Buy("tickets.txt", fileLock)"""), BuyFixed()),
        Unlocked(0, "path"));

    [Fact]
    public Task StaticCallWithArgumentsAndAnOptionalParameter() => VerifyAsync(Usings + """
        static class Counter
        {
            public static void Add(string path, int by, bool verbose = false)
            {
                var n = int.Parse({|#0:File.ReadAllText(path)|});
                {|#1:File.WriteAllText(path, (n + by).ToString())|};
                if (verbose) Console.WriteLine(n + by);
            }
        }

        class Program
        {
            static void Main(string[] args)
            {
                var p = new ChildProcess(() => Counter.Add(args[0], 2, true));
                p.Start();
                p.Join();
            }
        }
        """, Usings + """
        static class Counter
        {
            public static void Add(string path, int by, ProcessLock fileLock, bool verbose = false)
            {
                using (fileLock.Hold())
                {
                    var n = int.Parse(File.ReadAllText(path));
                    File.WriteAllText(path, (n + by).ToString());
                    if (verbose) Console.WriteLine(n + by);
                }
            }
        }

        class Program
        {
            static void Main(string[] args)
            {
                using var fileLock = new ProcessLock();
                var p = new ChildProcess(() => Counter.Add(args[0], 2, fileLock, true));
                p.Start();
                p.Join();
            }
        }
        """, Unlocked(0, "path"));

    [Fact]
    public Task LockInScopeInTheParentIsPassed() => VerifyAsync(
        Tickets("using var gate = new ProcessLock();\n" + OneChild("""Buy("tickets.txt")"""), Buy()),
        Tickets("using var gate = new ProcessLock();\n" + OneChild("""Buy("tickets.txt", gate)"""), BuyFixed()),
        Unlocked(0, "path"));

    [Fact]
    public Task TakenNameGetsANumber() => VerifyAsync(
        Tickets("var fileLock = \"not a lock\";\n" + OneChild("Buy(fileLock)"), Buy("string fileLock", ReadModifyWrite("fileLock"))),
        Tickets("var fileLock = \"not a lock\";\nusing var fileLock2 = new ProcessLock();\n" + OneChild("Buy(fileLock, fileLock2)"),
            Buy("string fileLock, ProcessLock fileLock2", Held("fileLock", "fileLock2"))),
        Unlocked(0, "fileLock"));

    [Fact]
    public Task TopLevelProgramGetsTheLockBesideTheCreation() => VerifyAsync([("Program.cs", Usings + """
        var path = args[0];
        var all = new List<ChildProcess>();

        // four buyers
        for (var i = 0; i < 4; i++)
        {
            var p = new ChildProcess(() => Office.Buy(path));
            p.Start();
            all.Add(p);
        }
        foreach (var p in all) p.Join();

        public static class Office
        {
            public static void Buy(string path)
            {
                var n = int.Parse({|#0:File.ReadAllText(path)|});
                {|#1:File.WriteAllText(path, (n - 1).ToString())|};
            }
        }
        """)], [("Program.cs", Usings + """
        var path = args[0];
        var all = new List<ChildProcess>();

        // four buyers
        using var fileLock = new ProcessLock();
        for (var i = 0; i < 4; i++)
        {
            var p = new ChildProcess(() => Office.Buy(path, fileLock));
            p.Start();
            all.Add(p);
        }
        foreach (var p in all) p.Join();

        public static class Office
        {
            public static void Buy(string path, ProcessLock fileLock)
            {
                using (fileLock.Hold())
                {
                    var n = int.Parse(File.ReadAllText(path));
                    File.WriteAllText(path, (n - 1).ToString());
                }
            }
        }
        """)], [Unlocked(0, "path")], exe: true);

    [Fact]
    public Task ParentCallingTheMethodItselfPassesItsLockToo() => VerifyAsync(
        Tickets("""
            Console.WriteLine("opening");
            var p = new ChildProcess(() => Buy("tickets.txt"));
            p.Start();
            Buy("tickets.txt");
            p.Join();
            """, Buy()),
        Tickets($$"""
            Console.WriteLine("opening");
            {{NewLock}}
            var p = new ChildProcess(() => Buy("tickets.txt", fileLock));
            p.Start();
            Buy("tickets.txt", fileLock);
            p.Join();
            """, BuyFixed()),
        Unlocked(0, "path"));

    /// <summary>The members of a child target that holds its own lock, then calls <c><paramref name="buy"/></c>.</summary>
    private static string TaskWithALock(string buy) => $$"""
        static void Task(ProcessLock mutex, string path)
        {
            using (mutex.Hold()) Console.WriteLine("searching");
            {{buy}};
        }
        """ + "\n\n";

    [Fact]
    public Task ACallerWithALockPassesItAndStaysAsItIs() => VerifyAsync(
        Tickets("using var mutex = new ProcessLock();\n" + OneChild("""Task(mutex, "tickets.txt")"""), TaskWithALock("Buy(path)") + Buy()),
        Tickets("using var mutex = new ProcessLock();\n" + OneChild("""Task(mutex, "tickets.txt")"""), TaskWithALock("Buy(path, mutex)") + BuyFixed()),
        Unlocked(0, "path"));

    [Fact]
    public Task NoFixForAMethodUsedAsADelegate() => VerifyAsync(
        Tickets("Action<string> buy = Buy;\n" + OneChild("""Buy("tickets.txt")""") + "\nbuy(\"tickets.txt\");", Buy()),
        null, Unlocked(0, "path"));

    /// <summary>A target whose local function <c>Decrement</c> holds <paramref name="readModifyWrite"/>.</summary>
    private static string InALocalFunction(string readModifyWrite) =>
        "Decrement();\n\nvoid Decrement()\n{\n" + LockSources.Indent(readModifyWrite, 4) + "\n}";

    [Fact]
    public Task ReadInALocalFunctionOfTheTarget() => VerifyAsync(
        Tickets(OneChild("""Buy("tickets.txt")"""), Buy(body: InALocalFunction(ReadModifyWrite()))),
        Tickets(NewLock + "\n" + OneChild("""Buy("tickets.txt", fileLock)"""), Buy("string path, ProcessLock fileLock", InALocalFunction(Held()))),
        Unlocked(0, "path"));

    [Fact]
    public Task NoFixForAnInterfaceImplementation() => VerifyAsync(
        Tickets(OneChild("""Run("tickets.txt")"""), "static void Run(string path) => new Tickets().Buy(path);\n\n" + Buy(modifiers: "public"),
            declaration: "interface IBuyer { void Buy(string path); }\n\nclass Tickets : IBuyer"),
        null, Unlocked(0, "path"));

    // ---- Fix All ----

    /// <summary>A <c>Main</c> that starts children <c>a</c> and <c>b</c> on <paramref name="a"/> and <paramref name="b"/>, then joins both.</summary>
    private static string TwoChildren(string a, string b) =>
        $"var a = new ChildProcess(() => {a});\nvar b = new ChildProcess(() => {b});\na.Start();\nb.Start();\na.Join();\nb.Join();";

    private static readonly string TwoTargetsParent = Parent(TwoChildren("""Box.Buy("tickets.txt")""", """Stock.Sell("stock.txt")"""));

    private static readonly string TwoTargetsParentFixed =
        Parent(NewLock + "\n" + TwoChildren("""Box.Buy("tickets.txt", fileLock)""", """Stock.Sell("stock.txt", fileLock)"""));

    [Fact]
    public Task FixAllOverTwoTargetsInTwoDocuments() => VerifyAsync(
        [("Parent.cs", TwoTargetsParent), ("Box.cs", Target("Box", "Buy", 0)), ("Stock.cs", Target("Stock", "Sell", 2))],
        [("Parent.cs", TwoTargetsParentFixed), ("Box.cs", Target("Box", "Buy", null)), ("Stock.cs", Target("Stock", "Sell", null))],
        [Unlocked(0, "path"), Unlocked(2, "path")], documentIterations: 2);

    /// <summary>
    /// A target that takes a ticket and then adds a receipt: <paramref name="tickets"/> and <paramref name="receipts"/>
    /// are the two read-modify-writes (flagged or held), <c>Main</c> passes a new lock when <paramref name="fixedMain"/>.
    /// </summary>
    private static string TwoInOneTarget(bool fixedMain, string tickets, string receipts) => Tickets(
        fixedMain ? NewLock + "\n" + OneChild("""Buy("tickets.txt", "receipts.txt", fileLock)""") : OneChild("""Buy("tickets.txt", "receipts.txt")"""),
        Buy(fixedMain ? "string tickets, string receipts, ProcessLock fileLock" : "string tickets, string receipts",
            tickets + (fixedMain ? "\n\n" : "\n") + "Console.WriteLine(\"sold\");\n" + receipts));

    [Fact]
    public Task FixAllAddsOneParameterForTwoReadsInOneTarget() => VerifyAsync(
        [("Program.cs", TwoInOneTarget(false, ReadModifyWrite("tickets"), ReadModifyWrite("receipts", 2, "sold", "+ 1")))],
        // One at a time, the first fix adds the parameter; the second read then has a lock in scope, which is
        // the other MP0001 fix's case (UnlockedFileReadModifyWriteFixer), not this one's.
        [("Program.cs", TwoInOneTarget(true, Held("tickets"), ReadModifyWrite("receipts", 0, "sold", "+ 1")))],
        [Unlocked(0, "tickets"), Unlocked(2, "receipts")],
        batchFixed: [("Program.cs", TwoInOneTarget(true, Held("tickets"), Held("receipts", count: "sold", change: "+ 1")))],
        fixedExpected: [Unlocked(0, "receipts")], incremental: 1);

    // ---- no fix ----

    [Fact]
    public Task NoFixForAVirtualTarget() => VerifyAsync(
        Tickets("var t = new Tickets();\n" + OneChild("""t.Buy("tickets.txt")"""), Buy(modifiers: "public virtual")),
        null, Unlocked(0, "path"));

    // ---- the fixed program runs ----

    /// <summary>The tutorial's starting point: four children take 25 tickets each from one file, with no lock.</summary>
    private const string TicketRush = """
        using System;
        using System.Collections.Generic;
        using System.IO;
        using System.Threading;
        using Multiproc;

        public static class Program
        {
            public static int Main(string[] args)
            {
                var path = args[0];
                var buyers = new List<ChildProcess>();
                for (var i = 0; i < 4; i++)
                {
                    var p = new ChildProcess(() => Buyer.Run(path, 25));
                    p.Start();
                    buyers.Add(p);
                }
                var failed = 0;
                foreach (var p in buyers)
                {
                    if (!p.Join(TimeSpan.FromSeconds(120))) { p.Terminate(); p.Join(); failed++; }
                    else if (p.ExitCode != 0) failed++;
                }
                return failed;
            }
        }

        public static class Buyer
        {
            public static void Run(string path, int tickets)
            {
                for (var i = 0; i < tickets; i++) Buy(path);
            }

            private static void Buy(string path)
            {
                var left = int.Parse(File.ReadAllText(path));
                Thread.Sleep(1); // the window in which another buyer reads the same count
                File.WriteAllText(path, (left - 1).ToString());
            }
        }
        """;

    [Fact]
    public async Task FixedTicketRushRunsAndLosesNoTicket()
    {
        var ct = CancellationToken.None;
        using var workspace = new AdhocWorkspace();
        var projectId = ProjectId.CreateNewId();
        var solution = workspace.CurrentSolution.AddProject(ProjectInfo.Create(projectId, VersionStamp.Default, "TicketRush", "TicketRush",
            LanguageNames.CSharp,
            compilationOptions: new CSharpCompilationOptions(OutputKind.ConsoleApplication, nullableContextOptions: NullableContextOptions.Enable),
            parseOptions: new CSharpParseOptions(LanguageVersion.CSharp12),
            metadataReferences: TestReferences.All));
        var documentId = DocumentId.CreateNewId(projectId);
        solution = solution.AddDocument(documentId, "Program.cs", TicketRush);

        // The analyzer reports the read-modify-write; the fix (what the IDE applies) is applied to the solution.
        var diagnostics = await MP0001Of(solution.GetProject(projectId)!, ct);
        var diagnostic = Assert.Single(diagnostics);
        var actions = new List<Microsoft.CodeAnalysis.CodeActions.CodeAction>();
        var context = new Microsoft.CodeAnalysis.CodeFixes.CodeFixContext(solution.GetDocument(documentId)!, diagnostic, (a, _) => actions.Add(a), ct);
        await new UnlockedFileReadModifyWriteNoLockFixer().RegisterCodeFixesAsync(context);
        var action = Assert.Single(actions);
        var apply = Assert.Single((await action.GetOperationsAsync(ct)).OfType<Microsoft.CodeAnalysis.CodeActions.ApplyChangesOperation>());
        var fixedProject = apply.ChangedSolution.GetProject(projectId)!;
        var fixedText = (await fixedProject.GetDocument(documentId)!.GetTextAsync(ct)).ToString();
        Assert.Contains("using var fileLock = new ProcessLock();", fixedText);
        Assert.Contains("using (fileLock.Hold())", fixedText);
        Assert.Empty(await MP0001Of(fixedProject, ct));

        // Compiled with no error and run as real processes: 4 × 25 tickets taken from 100, none lost.
        var compilation = (await fixedProject.GetCompilationAsync(ct))!;
        var dir = Directory.CreateTempSubdirectory("mp0001-fixed-").FullName;
        try
        {
            var emitted = compilation.Emit(Path.Combine(dir, "TicketRush.dll"), cancellationToken: ct);
            Assert.True(emitted.Success, string.Join("\n", emitted.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error)));
            var runtime = Path.GetDirectoryName(typeof(Multiproc.ChildProcess).Assembly.Location)!;
            foreach (var file in new[] { "Multiproc.dll", "Multiproc.Child.dll" })
                File.Copy(Path.Combine(runtime, file), Path.Combine(dir, file));
            File.WriteAllText(Path.Combine(dir, "TicketRush.runtimeconfig.json"), $$"""
                { "runtimeOptions": { "tfm": "net{{Environment.Version.ToString(2)}}", "framework": { "name": "Microsoft.NETCore.App", "version": "{{Environment.Version}}" } } }
                """);
            // The deps file a build writes (the children's launcher runs the app under it).
            var tfm = ".NETCoreApp,Version=v" + Environment.Version.ToString(2);
            File.WriteAllText(Path.Combine(dir, "TicketRush.deps.json"), $$"""
                {
                  "runtimeTarget": { "name": "{{tfm}}" },
                  "targets": { "{{tfm}}": {
                    "TicketRush/1.0.0": { "dependencies": { "Multiproc": "1.0.0" }, "runtime": { "TicketRush.dll": {} } },
                    "Multiproc/1.0.0": { "runtime": { "Multiproc.dll": {} } } } },
                  "libraries": {
                    "TicketRush/1.0.0": { "type": "project", "serviceable": false, "sha512": "" },
                    "Multiproc/1.0.0": { "type": "project", "serviceable": false, "sha512": "" } }
                }
                """);
            var tickets = Path.Combine(dir, "tickets.txt");
            File.WriteAllText(tickets, "100");

            var dotnet = Path.Combine(Path.GetDirectoryName(typeof(object).Assembly.Location)!, "..", "..", "..", "dotnet");
            var start = new System.Diagnostics.ProcessStartInfo(Path.GetFullPath(dotnet)) { RedirectStandardOutput = true, RedirectStandardError = true };
            start.ArgumentList.Add(Path.Combine(dir, "TicketRush.dll"));
            start.ArgumentList.Add(tickets);
            using var run = System.Diagnostics.Process.Start(start)!;
            var stdout = run.StandardOutput.ReadToEndAsync();
            var stderr = run.StandardError.ReadToEndAsync();
            using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(180)))
            {
                try { await run.WaitForExitAsync(timeout.Token); }
                catch (OperationCanceledException)
                {
                    run.Kill(entireProcessTree: true);
                    Assert.Fail("the fixed program did not end within 180 s");
                }
            }
            Assert.True(run.ExitCode == 0, $"exit code {run.ExitCode}\n{await stdout}\n{await stderr}");
            Assert.Equal("0", File.ReadAllText(tickets).Trim());
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static async Task<Diagnostic[]> MP0001Of(Project project, CancellationToken ct)
    {
        var compilation = (await project.GetCompilationAsync(ct))!;
        var withAnalyzers = Microsoft.CodeAnalysis.Diagnostics.DiagnosticAnalyzerExtensions.WithAnalyzers(compilation, [new MultiprocAnalyzer()], project.AnalyzerOptions);
        return (await withAnalyzers.GetAnalyzerDiagnosticsAsync(ct)).Where(d => d.Id == RuleIdentifiers.UnlockedFileReadModifyWrite).ToArray();
    }
}
