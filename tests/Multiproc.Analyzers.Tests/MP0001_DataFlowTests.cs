using VerifyAnalyzer = Multiproc.Analyzers.Tests.Verifiers.CSharpAnalyzerVerifier<Multiproc.Analyzers.MultiprocAnalyzer, Multiproc.Analyzers.Tests.Verifiers.MP0001Rule>;

namespace Multiproc.Analyzers.Tests;

/// <summary>
/// MP0001's data flow: a write is a read-modify-write when the value it writes derives from the read (through
/// <c>with</c>, initializers, collection expressions, interpolation, tuples, JSON documents, dictionary updates,
/// LINQ, a helper that returns the read). Each shape has its compliant look-alikes: the written value does not
/// derive from the read, another path is written, or a ProcessLock is held from the read to the write.
/// </summary>
public class MP0001_DataFlowTests
{
    private static readonly string Header = TicketSources.UsingsOf("System", "System.Collections.Generic", "System.IO", "System.Linq", "System.Text.Json", "System.Text.Json.Nodes", "Multiproc");

    /// <summary>A class whose Buy(path, other, lk) runs in a child process; <paramref name="members"/> holds Buy and its helpers.</summary>
    private static string InChild(string members) => Header + @"class Tickets
{
    record Ticket(int Count, string Name);
    sealed class Stock { public int Count { get; set; } public List<string> Names { get; set; } = new(); }
    static void Main()
    {
        using var lk = new ProcessLock();
        var p = new ChildProcess(() => Buy(""tickets.json"", ""other.json"", lk));
        p.Start();
        p.Join();
    }
" + members + @"
}
";

    private static string Buy(string body) => InChild(@"
    static void Buy(string path, string other, ProcessLock lk)
    {
" + body + @"
    }");

    private static DiagnosticResult Unlocked(string file = "path") =>
        VerifyAnalyzer.Diagnostic(Descriptors.MP0001_UnlockedReadModifyWrite).WithLocation(0).WithLocation(1).WithArguments(file);

    /// <summary>The flagged shapes: the read is #0, the write #1.</summary>
    public static TheoryData<string, string> Flagged => new()
    {
        { "With", @"
        var t = JsonSerializer.Deserialize<Ticket>({|#0:File.ReadAllText(path)|})!;
        if (t.Count > 0) {|#1:File.WriteAllText(path, JsonSerializer.Serialize(t with { Count = t.Count - 1 }))|};" },
        { "ObjectInitializer", @"
        var s = JsonSerializer.Deserialize<Stock>({|#0:File.ReadAllText(path)|})!;
        var next = new Stock { Count = s.Count - 1 };
        {|#1:File.WriteAllText(path, JsonSerializer.Serialize(next))|};" },
        { "CollectionInitializer", @"
        var lines = {|#0:File.ReadAllLines(path)|};
        var next = new List<string> { lines[0], ""sold"" };
        {|#1:File.WriteAllLines(path, next)|};" },
        { "CollectionExpression", @"
        string[] lines = {|#0:File.ReadAllLines(path)|};
        string[] next = [.. lines, ""sold""];
        {|#1:File.WriteAllLines(path, next)|};" },
        { "InterpolatedString", @"
        var n = int.Parse({|#0:File.ReadAllText(path)|});
        {|#1:File.WriteAllText(path, $""{n - 1}"")|};" },
        { "Tuple", @"
        var (count, name) = (int.Parse({|#0:File.ReadAllText(path)|}), ""t"");
        {|#1:File.WriteAllText(path, (count - 1).ToString())|};" },
        { "TupleElement", @"
        var pair = (Count: int.Parse({|#0:File.ReadAllText(path)|}), Name: ""t"");
        {|#1:File.WriteAllText(path, (pair.Count - 1).ToString())|};" },
        { "JsonNode", @"
        var node = JsonNode.Parse({|#0:File.ReadAllText(path)|})!;
        node[""count""] = (int)node[""count""]! - 1;
        {|#1:File.WriteAllText(path, node.ToJsonString())|};" },
        { "JsonDocument", @"
        using var doc = JsonDocument.Parse({|#0:File.ReadAllText(path)|});
        var count = doc.RootElement.GetProperty(""count"").GetInt32();
        {|#1:File.WriteAllText(path, JsonSerializer.Serialize(new { count = count - 1 }))|};" },
        { "DictionaryIndexer", @"
        var counts = new Dictionary<string, int>();
        foreach (var line in {|#0:File.ReadAllLines(path)|})
        {
            var parts = line.Split('=');
            counts[parts[0]] = int.Parse(parts[1]);
        }
        counts[""a""] = counts[""a""] - 1;
        {|#1:File.WriteAllLines(path, counts.Select(kv => kv.Key + ""="" + kv.Value))|};" },
        { "ListAdd", @"
        var kept = new List<string>();
        foreach (var line in {|#0:File.ReadLines(path)|}) kept.Add(line.Trim());
        {|#1:File.WriteAllLines(path, kept)|};" },
        { "Linq", @"
        {|#1:File.WriteAllLines(path, {|#0:File.ReadAllLines(path)|}.Where(l => l != ""sold""))|};" },
        { "LinqThroughVariable", @"
        var lines = {|#0:File.ReadAllLines(path)|};
        var left = lines.Where(l => l.Length > 0).Select(l => l.ToUpperInvariant()).ToArray();
        {|#1:File.WriteAllLines(path, left)|};" },
        { "TryParseOut", @"
        int.TryParse({|#0:File.ReadAllText(path)|}, out var n);
        {|#1:File.WriteAllText(path, (n - 1).ToString())|};" },
    };

    [Theory]
    [MemberData(nameof(Flagged))]
    public Task FlaggedShape(string name, string body)
    {
        _ = name;
        return VerifyAnalyzer.VerifyAnalyzerAsync(Buy(body), Unlocked());
    }

    [Fact]
    public Task HelperReturnsTheRead() => VerifyAnalyzer.VerifyAnalyzerAsync(InChild(@"
    static string Load(string file) => File.ReadAllText(file);
    static void Buy(string path, string other, ProcessLock lk)
    {
        var n = int.Parse({|#0:Load(path)|});
        {|#1:File.WriteAllText(path, (n - 1).ToString())|};
    }"), Unlocked());

    [Fact]
    public Task HelperReturnsTheReadInABlockBody() => VerifyAnalyzer.VerifyAnalyzerAsync(InChild(@"
    static Ticket Load(string file)
    {
        return JsonSerializer.Deserialize<Ticket>(File.ReadAllText(file))!;
    }
    static void Buy(string path, string other, ProcessLock lk)
    {
        var t = {|#0:Load(path)|};
        {|#1:File.WriteAllText(path, JsonSerializer.Serialize(t with { Count = t.Count - 1 }))|};
    }"), Unlocked());

    // ---- compliant look-alikes ----

    /// <summary>Per shape: the written value does not derive from the read.</summary>
    public static TheoryData<string, string> NotDerived => new()
    {
        { "With", @"
        var t = JsonSerializer.Deserialize<Ticket>(File.ReadAllText(path))!;
        var fresh = new Ticket(10, ""new"");
        if (t.Count == 0) File.WriteAllText(path, JsonSerializer.Serialize(fresh with { Count = 10 }));" },
        { "ObjectInitializer", @"
        var s = JsonSerializer.Deserialize<Stock>(File.ReadAllText(path))!;
        Console.WriteLine(s.Count);
        File.WriteAllText(path, JsonSerializer.Serialize(new Stock { Count = 10 }));" },
        { "CollectionInitializer", @"
        var lines = File.ReadAllLines(path);
        Console.WriteLine(lines.Length);
        File.WriteAllLines(path, new List<string> { ""reset"" });" },
        { "CollectionExpression", @"
        var lines = File.ReadAllLines(path);
        Console.WriteLine(lines.Length);
        string[] next = [""a"", ""b""];
        File.WriteAllLines(path, next);" },
        { "InterpolatedString", @"
        var n = int.Parse(File.ReadAllText(path));
        Console.WriteLine(n);
        var now = DateTime.UtcNow;
        File.WriteAllText(path, $""{now:O}"");" },
        { "Tuple", @"
        var (count, name) = (int.Parse(File.ReadAllText(path)), ""t"");
        var fresh = (Count: 10, Name: name);
        Console.WriteLine(count);
        File.WriteAllText(path, fresh.Count.ToString());" },
        { "JsonNode", @"
        var node = JsonNode.Parse(File.ReadAllText(path))!;
        Console.WriteLine(node[""count""]);
        var fresh = new JsonObject { [""count""] = 10 };
        File.WriteAllText(path, fresh.ToJsonString());" },
        { "JsonDocument", @"
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        Console.WriteLine(doc.RootElement.GetProperty(""count"").GetInt32());
        File.WriteAllText(path, JsonSerializer.Serialize(new { count = 10 }));" },
        { "DictionaryIndexer", @"
        var seen = new Dictionary<string, int>();
        foreach (var line in File.ReadAllLines(path)) Console.WriteLine(line);
        seen[""a""] = 1;
        File.WriteAllLines(path, seen.Select(kv => kv.Key + ""="" + kv.Value));" },
        { "Linq", @"
        var lines = File.ReadAllLines(path);
        Console.WriteLine(lines.Count(l => l.Length > 0));
        File.WriteAllLines(path, Enumerable.Range(0, 3).Select(i => i.ToString()));" },
        { "ReadOnlyChecked", @"
        if (File.ReadAllText(path).Length == 0) File.WriteAllText(path, ""0"");" },
        { "HelperReturnsOtherThing", @"
        var n = int.Parse(File.ReadAllText(path));
        Console.WriteLine(n);
        File.WriteAllText(path, Fresh());
    }
    static string Fresh() { return ""10"";" },
    };

    [Theory]
    [MemberData(nameof(NotDerived))]
    public Task WrittenValueNotDerived(string name, string body)
    {
        _ = name;
        return VerifyAnalyzer.VerifyAnalyzerAsync(Buy(body));
    }

    /// <summary>Per shape: the read and the write are of different paths.</summary>
    [Theory]
    [MemberData(nameof(Flagged))]
    public Task OtherPathWritten(string name, string body)
    {
        _ = name;
        var otherPath = body.Replace("{|#0:", "").Replace("{|#1:", "").Replace("|}", "")
            .Replace("File.WriteAllText(path", "File.WriteAllText(other").Replace("File.WriteAllLines(path", "File.WriteAllLines(other");
        return VerifyAnalyzer.VerifyAnalyzerAsync(Buy(otherPath));
    }

    /// <summary>Per shape: a ProcessLock held from before the read to after the write.</summary>
    [Theory]
    [MemberData(nameof(Flagged))]
    public Task UnderHold(string name, string body)
    {
        _ = name;
        var held = body.Replace("{|#0:", "").Replace("{|#1:", "").Replace("|}", "");
        return VerifyAnalyzer.VerifyAnalyzerAsync(Buy("        using (lk.Hold())\n        {" + held + "\n        }"));
    }

    [Fact]
    public Task HelperReadsAnotherPath() => VerifyAnalyzer.VerifyAnalyzerAsync(InChild(@"
    static string Load(string file) => File.ReadAllText(file);
    static void Buy(string path, string other, ProcessLock lk)
    {
        var n = int.Parse(Load(other));
        File.WriteAllText(path, (n - 1).ToString());
    }"));

    [Fact]
    public Task HelperUnderHold() => VerifyAnalyzer.VerifyAnalyzerAsync(InChild(@"
    static string Load(string file) => File.ReadAllText(file);
    static void Buy(string path, string other, ProcessLock lk)
    {
        using (lk.Hold())
        {
            var n = int.Parse(Load(path));
            File.WriteAllText(path, (n - 1).ToString());
        }
    }"));
}
