using Verify = Multiproc.Analyzers.Tests.Verifiers.CSharpCodeFixVerifier<
    Multiproc.Analyzers.MultiprocAnalyzer,
    Multiproc.Analyzers.Tests.Verifiers.MP0001Rule,
    Multiproc.CodeFixes.UnlockedFileReadModifyWriteFixer>;
using VerifyAnalyzer = Multiproc.Analyzers.Tests.Verifiers.CSharpAnalyzerVerifier<Multiproc.Analyzers.MultiprocAnalyzer, Multiproc.Analyzers.Tests.Verifiers.MP0001Rule>;

namespace Multiproc.Analyzers.Tests;

public class MP0001_UnlockedFileReadModifyWriteTests
{
    private static readonly string Header = TicketSources.UsingsOf("System", "System.Collections.Generic", "System.IO", "System.Text.Json", "System.Threading", "Multiproc");

    /// <summary>A class whose Buy(path, lk) runs in a child process; <paramref name="members"/> holds Buy and its helpers.</summary>
    private static string InChild(string members) => Header + @"class Tickets
{
    static readonly object Gate = new object();
    static void Main()
    {
        var lk = new ProcessLock();
        var p = new ChildProcess(() => Buy(""tickets.json"", lk));
        p.Start();
        p.Join();
    }
" + members + @"
}
";

    /// <summary>
    /// <c>static void Buy(string path, ProcessLock lk) { <paramref name="body"/> }</c> as a member of <see cref="InChild"/>'s
    /// class, after a line break; the body is written without indentation.
    /// </summary>
    private static string Buy(string body) => "\n    static void Buy(string path, ProcessLock lk)\n    {\n" + LockSources.Indent(body, 8) + "\n    }";

    /// <summary>The read-modify-write of the ticket count, not marked.</summary>
    private static readonly string ReadModifyWrite = TicketSources.ReadModifyWrite(location: null);

    /// <summary><paramref name="acquire"/>, then the read-modify-write in a try block whose finally runs <paramref name="release"/>.</summary>
    private static string TryFinally(string acquire, string release) =>
        acquire + "\ntry\n{\n" + LockSources.Indent(ReadModifyWrite, 4) + "\n}\nfinally\n{\n    " + release + "\n}";

    /// <summary><paramref name="body"/> inside <c>lock (Gate)</c>.</summary>
    private static string InCSharpLock(string body) => "lock (Gate)\n{\n" + LockSources.Indent(body, 4) + "\n}";

    /// <summary>
    /// A class <c>Shop</c> (with <paramref name="fields"/>) whose <c>Sell(path)</c> runs in a child process;
    /// <paramref name="sell"/> is Sell's body, written without indentation.
    /// </summary>
    private static string Shop(string sell, string fields = "") => Header + "class Shop\n{\n" + fields + @"    static void Main()
    {
        var p = new ChildProcess(() => Sell(""stock.txt""));
        p.Start();
        p.Join();
    }

    static void Sell(string path)
    {
" + LockSources.Indent(sell, 8) + "\n    }\n}";

    /// <summary>A class <c>C</c> whose <c>Update(path)</c> adds one to a count in a file (<paramref name="readModifyWrite"/>).</summary>
    private static string Update(string readModifyWrite) =>
        Header + "class C\n{\n    static void Update(string path)\n    {\n" + LockSources.Indent(readModifyWrite, 8) + "\n    }\n}";

    private static DiagnosticResult Unlocked(int location, string file) =>
        Verify.Diagnostic(Descriptors.MP0001_UnlockedReadModifyWrite).WithLocation(location).WithLocation(location + 1).WithArguments(file);

    private static DiagnosticResult LockOnly(int location, string file) =>
        Verify.Diagnostic(Descriptors.MP0001_CSharpLockOnly).WithLocation(location).WithLocation(location + 1).WithArguments(file);

    [Fact]
    public Task ReadAllTextThenWriteAllText() => VerifyAnalyzer.VerifyAnalyzerAsync(InChild(@"
    static void Buy(string path, ProcessLock lk)
    {
        var count = int.Parse({|#0:File.ReadAllText(path)|});
        {|#1:File.WriteAllText(path, (count - 1).ToString())|};
    }"), Unlocked(0, "path"));

    [Fact]
    public Task InOneExpression() => VerifyAnalyzer.VerifyAnalyzerAsync(InChild(@"
    static void Buy(string path, ProcessLock lk)
    {
        {|#1:File.WriteAllText(path, (int.Parse({|#0:File.ReadAllText(path)|}) - 1).ToString())|};
    }"), Unlocked(0, "path"));

    [Fact]
    public Task EqualConstants() => VerifyAnalyzer.VerifyAnalyzerAsync(InChild(@"
    static void Buy(string path, ProcessLock lk)
    {
        var bytes = {|#0:File.ReadAllBytes(""tickets.json"")|};
        bytes[0]--;
        {|#1:File.WriteAllBytes(""tickets.json"", bytes)|};
    }"), Unlocked(0, "tickets.json"));

    [Fact]
    public Task SameField() => VerifyAnalyzer.VerifyAnalyzerAsync(InChild(@"
    static string File1 = ""t.txt"";
    static void Buy(string path, ProcessLock lk)
    {
        var lines = {|#0:File.ReadAllLines(File1)|};
        {|#1:File.WriteAllLines(File1, lines)|};
    }"), Unlocked(0, "File1"));

    [Fact]
    public Task JsonOverStrings() => VerifyAnalyzer.VerifyAnalyzerAsync(InChild(@"
    sealed class Stock { public int Count { get; set; } }
    static void Buy(string path, ProcessLock lk)
    {
        var stock = JsonSerializer.Deserialize<Stock>({|#0:File.ReadAllText(path)|})!;
        stock.Count--;
        {|#1:File.WriteAllText(path, JsonSerializer.Serialize(stock))|};
    }"), Unlocked(0, "path"));

    [Fact]
    public Task JsonOverStreams() => VerifyAnalyzer.VerifyAnalyzerAsync(InChild(@"
    sealed class Stock { public int Count { get; set; } }
    static void Buy(string path, ProcessLock lk)
    {
        Stock stock;
        using (var input = {|#0:File.OpenRead(path)|}) stock = JsonSerializer.Deserialize<Stock>(input)!;
        stock.Count--;
        using var output = {|#1:File.Create(path)|};
        JsonSerializer.Serialize(output, stock);
    }"), Unlocked(0, "path"));

    [Fact]
    public Task StreamReaderAndWriter() => VerifyAnalyzer.VerifyAnalyzerAsync(InChild(@"
    static void Buy(string path, ProcessLock lk)
    {
        string text;
        using (var r = {|#0:new StreamReader(path)|}) text = r.ReadToEnd();
        using (var w = {|#1:new StreamWriter(path)|}) w.Write(text + ""!"");
    }"), Unlocked(0, "path"));

    [Fact]
    public Task FileStreams() => VerifyAnalyzer.VerifyAnalyzerAsync(InChild(@"
    static void Buy(string path, ProcessLock lk)
    {
        int b;
        using (var r = {|#0:new FileStream(path, FileMode.Open, FileAccess.Read)|}) b = r.ReadByte();
        using (var w = {|#1:new FileStream(path, FileMode.Truncate)|}) w.WriteByte((byte)(b - 1));
    }"), Unlocked(0, "path"));

    [Fact]
    public Task InMethodCalledByTarget() => VerifyAnalyzer.VerifyAnalyzerAsync(InChild(@"
    static void Buy(string path, ProcessLock lk) => Decrement(path);
    static void Decrement(string file)
    {
        var n = int.Parse({|#0:File.ReadAllText(file)|});
        {|#1:File.WriteAllText(file, (n - 1).ToString())|};
    }"), Unlocked(0, "file"));

    [Fact]
    public Task CSharpLockGetsItsOwnMessage() =>
        VerifyAnalyzer.VerifyAnalyzerAsync(InChild(Buy(InCSharpLock(TicketSources.ReadModifyWrite()))), LockOnly(0, "path"));

    [Fact]
    public Task LockReleasedBetweenReadAndWrite() => VerifyAnalyzer.VerifyAnalyzerAsync(InChild(@"
    static void Buy(string path, ProcessLock lk)
    {
        lk.Acquire();
        var n = int.Parse({|#0:File.ReadAllText(path)|});
        lk.Release();
        lk.Acquire();
        {|#1:File.WriteAllText(path, (n - 1).ToString())|};
        lk.Release();
    }"), Unlocked(0, "path"));

    [Fact]
    public Task HoldAroundReadOnly() => VerifyAnalyzer.VerifyAnalyzerAsync(InChild(@"
    static void Buy(string path, ProcessLock lk)
    {
        int n;
        using (lk.Hold()) n = int.Parse({|#0:File.ReadAllText(path)|});
        {|#1:File.WriteAllText(path, (n - 1).ToString())|};
    }"), Unlocked(0, "path"));

    [Fact]
    public Task TwoSeparateHolds() => VerifyAnalyzer.VerifyAnalyzerAsync(InChild(@"
    static void Buy(string path, ProcessLock lk)
    {
        int n;
        using (var held = lk.Hold()) n = int.Parse({|#0:File.ReadAllText(path)|});
        using (lk.Hold()) {|#1:File.WriteAllText(path, (n - 1).ToString())|};
    }"), Unlocked(0, "path"));

    [Fact]
    public Task LockedOnOneBranchOnly() => VerifyAnalyzer.VerifyAnalyzerAsync(InChild(@"
    static void Buy(string path, ProcessLock lk)
    {
        if (path.Length > 3) lk.Acquire();
        var n = int.Parse({|#0:File.ReadAllText(path)|});
        {|#1:File.WriteAllText(path, (n - 1).ToString())|};
        lk.Release();
    }"), Unlocked(0, "path"));

    [Fact]
    public Task ScopeAllFlagsParentCode() => VerifyAnalyzer.VerifyAnalyzerAsync(
        Update(TicketSources.ReadModifyWrite(change: "+ 1")), "multiproc.MP0001.scope = all", Unlocked(0, "path"));

    // ---- not flagged ----

    private static Task Clean(string members) => VerifyAnalyzer.VerifyAnalyzerAsync(InChild(members));

    [Fact]
    public Task HoldAroundBoth() => Clean(Buy(TicketSources.Held(lockName: "lk")));

    [Fact]
    public Task UsingDeclarationHold() => Clean(@"
    static void Buy(string path, ProcessLock lk)
    {
        using var held = lk.Hold();
        var n = int.Parse(File.ReadAllText(path));
        File.WriteAllText(path, (n - 1).ToString());
    }");

    [Fact]
    public Task AcquireReleaseInFinally() => Clean(Buy(TryFinally("lk.Acquire();", "lk.Release();")));

    [Fact]
    public Task AcquireReleaseStraight() => Clean(@"
    static void Buy(string path, ProcessLock lk)
    {
        lk.Acquire();
        var n = int.Parse(File.ReadAllText(path));
        File.WriteAllText(path, (n - 1).ToString());
        lk.Release();
    }");

    [Fact]
    public Task NamedMutex() => Clean(Buy(TryFinally(@"using var m = new Mutex(false, ""Global\\tickets"");
m.WaitOne();", "m.ReleaseMutex();")));

    [Fact]
    public Task OneFileStreamWithFileShareNone() => Clean(@"
    static void Buy(string path, ProcessLock lk)
    {
        using var fs = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.None);
        var b = fs.ReadByte();
        fs.Position = 0;
        fs.WriteByte((byte)(b - 1));
    }");

    [Fact]
    public Task DifferentPaths() => Clean(@"
    static void Buy(string path, ProcessLock lk)
    {
        var n = int.Parse(File.ReadAllText(path));
        File.WriteAllText(path + "".bak"", (n - 1).ToString());
        File.WriteAllText(""other.txt"", File.ReadAllText(""tickets.txt""));
    }");

    [Fact]
    public Task ReadOnly() => Clean(@"
    static void Buy(string path, ProcessLock lk)
    {
        Console.WriteLine(File.ReadAllText(path));
        Console.WriteLine(File.ReadAllText(path));
    }");

    [Fact]
    public Task WriteOnly() => Clean(@"
    static void Buy(string path, ProcessLock lk)
    {
        File.WriteAllText(path, ""1"");
        File.WriteAllText(path, ""2"");
    }");

    [Fact]
    public Task WriteThenRead() => Clean(@"
    static void Buy(string path, ProcessLock lk)
    {
        File.WriteAllText(path, ""1"");
        Console.WriteLine(File.ReadAllText(path));
    }");

    [Fact]
    public Task OnlyTheParentRunsIt() => VerifyAnalyzer.VerifyAnalyzerAsync(Header + @"class C
{
    static void Work() { }
    static void Main()
    {
        var p = new ChildProcess(() => Work());
        p.Start();
        p.Join();
        var n = int.Parse(File.ReadAllText(""count.txt""));
        File.WriteAllText(""count.txt"", (n + 1).ToString());
    }
}");

    [Fact]
    public Task ExplicitChildProcessesScope() => VerifyAnalyzer.VerifyAnalyzerAsync(
        Update(TicketSources.ReadModifyWrite(location: null, change: "+ 1")), "multiproc.MP0001.scope = child_processes");

    // ---- fix ----
    // MP0001 is reported from a compilation-end action (only then is it known which methods run in
    // children), so its diagnostics are non-local; the testing library must be told that fixing them is intended.

    private static async Task VerifyCodeFixAsync(string source, string fixedSource, string equivalenceKey, params DiagnosticResult[] expected)
    {
        var test = new Verify.Test
        {
            TestCode = source,
            FixedCode = fixedSource,
            CodeActionEquivalenceKey = equivalenceKey,
            CodeFixTestBehaviors = CodeFixTestBehaviors.SkipLocalDiagnosticCheck,
        };
        test.ExpectedDiagnostics.AddRange(expected);
        await test.RunAsync(CancellationToken.None);
    }

    private static async Task VerifyFixAllAsync(string source, string fixedSource, string equivalenceKey, params DiagnosticResult[] expected)
    {
        var test = new Verify.Test
        {
            TestCode = source,
            FixedCode = fixedSource,
            CodeActionEquivalenceKey = equivalenceKey,
            NumberOfFixAllIterations = 1,
            NumberOfFixAllInDocumentIterations = 1,
            NumberOfFixAllInProjectIterations = 1,
            CodeFixTestBehaviors = CodeFixTestBehaviors.SkipLocalDiagnosticCheck,
        };
        test.ExpectedDiagnostics.AddRange(expected);
        await test.RunAsync(CancellationToken.None);
    }

    [Fact]
    public Task FixWrapsReadToWriteInHoldOfParameter() => VerifyCodeFixAsync(InChild(@"
    static void Buy(string path, ProcessLock lk)
    {
        Console.WriteLine(""buying"");
        var n = int.Parse({|#0:File.ReadAllText(path)|});
        {|#1:File.WriteAllText(path, (n - 1).ToString())|};
        Console.WriteLine(""done"");
    }"), InChild(@"
    static void Buy(string path, ProcessLock lk)
    {
        Console.WriteLine(""buying"");
        using (lk.Hold())
        {
            var n = int.Parse(File.ReadAllText(path));
            File.WriteAllText(path, (n - 1).ToString());
        }

        Console.WriteLine(""done"");
    }"), UnlockedFileReadModifyWriteFixer.EquivalenceKey, Unlocked(0, "path"));

    [Fact]
    public Task FixTakesInLaterUsesOfDeclaredVariables() => VerifyCodeFixAsync(InChild(@"
    static void Buy(string path, ProcessLock lk)
    {
        var n = int.Parse({|#0:File.ReadAllText(path)|});
        {|#1:File.WriteAllText(path, (n - 1).ToString())|};
        Console.WriteLine(n);
    }"), InChild(@"
    static void Buy(string path, ProcessLock lk)
    {
        using (lk.Hold())
        {
            var n = int.Parse(File.ReadAllText(path));
            File.WriteAllText(path, (n - 1).ToString());
            Console.WriteLine(n);
        }
    }"), UnlockedFileReadModifyWriteFixer.EquivalenceKey, Unlocked(0, "path"));

    [Fact]
    public Task FixUsesStaticFieldLock() => VerifyCodeFixAsync(
        Shop(TicketSources.ReadModifyWrite(), StaticDoor), Shop(TicketSources.Held(lockName: "Door"), StaticDoor),
        UnlockedFileReadModifyWriteFixer.EquivalenceKey, Unlocked(0, "path"));

    private const string StaticDoor = "    static readonly ProcessLock Door = new ProcessLock();\n";

    [Fact]
    public Task InLocalFunctionOfTarget() => VerifyAnalyzer.VerifyAnalyzerAsync(InChild(@"
    static void Buy(string path, ProcessLock lk)
    {
        Decrement();
        void Decrement()
        {
            var n = int.Parse({|#0:File.ReadAllText(path)|});
            {|#1:File.WriteAllText(path, (n - 1).ToString())|};
        }
    }"), Unlocked(0, "path"));

    [Fact]
    public Task InLambdaOfTarget() => VerifyAnalyzer.VerifyAnalyzerAsync(InChild(@"
    static void Buy(string path, ProcessLock lk)
    {
        Action decrement = () =>
        {
            var n = int.Parse({|#0:File.ReadAllText(path)|});
            {|#1:File.WriteAllText(path, (n - 1).ToString())|};
        };
        decrement();
    }"), Unlocked(0, "path"));

    [Fact]
    public Task ReadInLoopWrittenAfter() => VerifyAnalyzer.VerifyAnalyzerAsync(InChild(@"
    static void Buy(string path, ProcessLock lk)
    {
        var total = 0;
        for (var i = 0; i < 3; i++) total += int.Parse({|#0:File.ReadAllText(path)|});
        {|#1:File.WriteAllText(path, total.ToString())|};
    }"), Unlocked(0, "path"));

    [Fact]
    public Task FixInsideCSharpLock() => VerifyCodeFixAsync(
        InChild(Buy(InCSharpLock(TicketSources.ReadModifyWrite()))), InChild(Buy(InCSharpLock(TicketSources.Held(lockName: "lk")))),
        UnlockedFileReadModifyWriteFixer.EquivalenceKey, LockOnly(0, "path"));

    [Fact]
    public Task FixUsesLocalLockDeclaredBefore() => VerifyCodeFixAsync(
        Shop(LocalDoor + TicketSources.ReadModifyWrite()), Shop(LocalDoor + TicketSources.Held(lockName: "door")),
        UnlockedFileReadModifyWriteFixer.EquivalenceKey, Unlocked(0, "path"));

    private const string LocalDoor = "using var door = new ProcessLock();\n";

    [Fact]
    public async Task NoFixWithoutProcessLockInScope()
    {
        var source = Shop(TicketSources.ReadModifyWrite());
        var test = new Verify.Test { TestCode = source, FixedCode = source, CodeFixTestBehaviors = CodeFixTestBehaviors.SkipLocalDiagnosticCheck };
        test.ExpectedDiagnostics.Add(Unlocked(0, "path"));
        await test.RunAsync(CancellationToken.None);
    }

    [Fact]
    public Task FixAll() => VerifyFixAllAsync(InChild(@"
    static void Buy(string path, ProcessLock lk)
    {
        var n = int.Parse({|#0:File.ReadAllText(path)|});
        {|#1:File.WriteAllText(path, (n - 1).ToString())|};
        Refund(path, lk);
    }

    static void Refund(string file, ProcessLock gate)
    {
        var text = {|#2:File.ReadAllText(file)|};
        {|#3:File.WriteAllText(file, text + ""+1"")|};
    }"), InChild(@"
    static void Buy(string path, ProcessLock lk)
    {
        using (lk.Hold())
        {
            var n = int.Parse(File.ReadAllText(path));
            File.WriteAllText(path, (n - 1).ToString());
        }

        Refund(path, lk);
    }

    static void Refund(string file, ProcessLock gate)
    {
        using (gate.Hold())
        {
            var text = File.ReadAllText(file);
            File.WriteAllText(file, text + ""+1"");
        }
    }"), UnlockedFileReadModifyWriteFixer.EquivalenceKey, Unlocked(0, "path"), Unlocked(2, "file"));
}
