using System.Collections.Immutable;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Multiproc.Analyzers.Tests;

/// <summary>
/// The loop shapes MP0006 and MP0005 read without a control flow graph: MP0006 reads endless loops (<c>while (true)</c>,
/// <c>do … while (true)</c>, <c>for (;;)</c>) and the breaks and continues of loops (<see cref="StructuredFlow"/> with loop
/// jumps), MP0005 a size check that is the whole condition of a <c>while</c> loop or the left operand of an if's
/// <c>&amp;&amp;</c> (<see cref="QueueSizeCheck.TryAnalyzeIfShapes"/>). Each case, and each look-alike left to the graph, is
/// checked three ways: whether the reading takes the body ("S") or leaves it to the graph ("G"), that the analyzer gives the
/// expected diagnostics, and that they are exactly the graph analysis's (id, place, message, fix properties), which the
/// analyzer runs when its fast paths are off.
/// </summary>
public class LoopShapeFastPathTests
{
    private const string Q = "JoinableQueue<int> q";

    /// <summary>MP0006: name, member, expected ids, whether the body's takes are read without a graph ("S") or not ("G").</summary>
    public static TheoryData<string, string, string, string> TakeCases => new()
    {
        // endless consumers
        { "endless consumer, return before TaskDone", $"void M({Q}) {{ while (true) {{ var n = q.Get(); if (n < 0) {{ return; }} Workers.Counter += n; q.TaskDone(); }} }}", "MP0006", "S" },
        { "endless consumer, released", $"void M({Q}) {{ while (true) {{ var n = q.Get(); Workers.Counter += n; q.TaskDone(); }} }}", "", "S" },
        { "endless consumer, never released", $"void M({Q}) {{ while (true) {{ var n = q.Get(); Workers.Counter += n; }} }}", "MP0006", "S" },
        { "endless consumer, released on one branch", $"void M({Q}) {{ while (true) {{ var n = q.Get(); if (n > 0) {{ q.TaskDone(); }} }} }}", "MP0006", "S" },
        { "awaited take in an endless loop", $"async Task M({Q}) {{ while (true) {{ var n = await q.GetAsync(); if (n < 0) {{ return; }} q.TaskDone(); }} }}", "MP0006", "S" },
        { "do loop, endless", $"void M({Q}) {{ do {{ var n = q.Get(); if (n < 0) {{ return; }} q.TaskDone(); }} while (true); }}", "MP0006", "S" },
        { "do loop, endless, released", $"void M({Q}) {{ do {{ var n = q.Get(); q.TaskDone(); }} while (true); }}", "", "S" },
        { "for (;;) consumer, released", $"void M({Q}) {{ for (;;) {{ var n = q.Get(); Workers.Counter += n; q.TaskDone(); }} }}", "", "S" },
        { "for (;;) consumer, return before TaskDone", $"void M({Q}) {{ for (;;) {{ var n = q.Get(); if (n < 0) {{ return; }} q.TaskDone(); }} }}", "MP0006", "S" },
        { "endless consumer in a lambda", $"void M({Q}) {{ Action a = () => {{ while (true) {{ var n = q.Get(); if (n < 0) {{ return; }} q.TaskDone(); }} }}; a(); }}", "MP0006", "S" },
        { "two takes, both released", $"void M({Q}) {{ while (true) {{ var a = q.Get(); var b = q.Get(); q.TaskDone(); q.TaskDone(); }} }}", "", "S" },
        { "second take only on a branch", $"void M({Q}, bool c) {{ while (true) {{ var a = q.Get(); if (c) {{ q.Get(); }} q.TaskDone(); }} }}", "", "S" },
        // code around an endless loop
        { "take before an endless loop", $"void M({Q}) {{ var n = q.Get(); while (true) {{ Console.WriteLine(n); }} }}", "MP0006", "S" },
        { "take before for (;;)", $"void M({Q}) {{ var n = q.Get(); for (;;) {{ Console.WriteLine(n); }} }}", "", "S" },
        { "TaskDone after an endless loop", $"void M({Q}) {{ var n = q.Get(); while (true) {{ Console.WriteLine(n); }} q.TaskDone(); }}", "", "S" },
        { "take after an endless loop", $"void M({Q}) {{ while (true) {{ Console.WriteLine(); }} var n = q.Get(); }}", "", "S" },
        { "take after for (;;)", $"void M({Q}) {{ for (;;) {{ Console.WriteLine(); }} var n = q.Get(); }}", "", "S" },
        { "take after an endless loop with a break", $"void M({Q}) {{ while (true) {{ if (Workers.Counter > 0) {{ break; }} }} var n = q.Get(); }}", "MP0006", "S" },
        { "take after for (;;) with a break", $"void M({Q}) {{ for (;;) {{ if (Workers.Counter > 0) {{ break; }} }} var n = q.Get(); if (n > 0) {{ q.TaskDone(); }} }}", "MP0006", "S" },
        { "take after an endless do loop", $"void M({Q}) {{ do {{ Console.WriteLine(); }} while (true); var n = q.Get(); }}", "", "S" },
        // break and continue
        { "break before TaskDone", $"void M({Q}) {{ while (true) {{ var n = q.Get(); if (n < 0) {{ break; }} q.TaskDone(); }} }}", "MP0006", "S" },
        { "break after TaskDone", $"void M({Q}) {{ while (true) {{ var n = q.Get(); q.TaskDone(); if (n < 0) {{ break; }} }} Console.WriteLine(); }}", "", "S" },
        { "break, TaskDone after the loop", $"void M({Q}) {{ while (true) {{ var n = q.Get(); if (n < 0) {{ break; }} q.TaskDone(); }} q.TaskDone(); }}", "", "S" },
        { "continue before TaskDone", $"void M({Q}) {{ while (true) {{ var n = q.Get(); if (n == 0) {{ continue; }} q.TaskDone(); }} }}", "MP0006", "S" },
        { "continue after TaskDone", $"void M({Q}) {{ while (true) {{ var n = q.Get(); q.TaskDone(); if (n == 0) {{ continue; }} Console.WriteLine(n); }} }}", "", "S" },
        { "continue in a for loop", $"void M({Q}) {{ for (var i = 0; i < 9; i++) {{ var n = q.Get(); if (n == 0) {{ continue; }} q.TaskDone(); }} }}", "MP0006", "S" },
        { "continue to a TaskDone increment", $"void M({Q}) {{ for (var i = 0; i < 9; q.TaskDone()) {{ q.Get(); if (i++ > 3) {{ continue; }} Console.WriteLine(i); }} }}", "", "S" },
        { "continue in a do loop", $"void M({Q}) {{ do {{ var n = q.Get(); if (n == 0) {{ continue; }} q.TaskDone(); }} while (Workers.Counter > 0); }}", "MP0006", "S" },
        { "break out of a foreach before TaskDone", $"void M({Q}, int[] xs) {{ foreach (var x in xs) {{ var n = q.Get(); if (n == x) {{ break; }} q.TaskDone(); }} }}", "MP0006", "S" },
        { "break out of a foreach, TaskDone after", $"void M({Q}, List<int> xs) {{ foreach (var x in xs) {{ var n = q.Get(); if (n == x) {{ break; }} q.TaskDone(); }} q.TaskDone(); }}", "", "S" },
        { "continue in a foreach", $"void M({Q}, List<int> xs) {{ foreach (var x in xs) {{ var n = q.Get(); if (n == x) {{ continue; }} q.TaskDone(); }} }}", "MP0006", "S" },
        // nested loops
        { "inner loop releases and breaks", $"void M({Q}) {{ while (true) {{ var n = q.Get(); while (n > 0) {{ if (n == 5) {{ q.TaskDone(); break; }} n--; }} }} }}", "MP0006", "S" },
        { "nested endless loops", $"void M({Q}) {{ while (true) {{ var n = q.Get(); while (true) {{ if (n > 0) {{ break; }} n++; }} q.TaskDone(); }} }}", "", "S" },
        { "inner endless loop never left", $"void M({Q}) {{ while (true) {{ var n = q.Get(); while (true) {{ Console.WriteLine(n); }} }} }}", "MP0006", "S" },
        { "opaque inner loop with a break", $"void M({Q}) {{ while (true) {{ var n = q.Get(); for (var i = 0; i < n; i++) {{ if (i > 3) {{ break; }} Console.WriteLine(i); }} q.TaskDone(); }} }}", "", "S" },
        { "opaque switch with a break", $"void M({Q}) {{ while (true) {{ var n = q.Get(); switch (n) {{ case 0: Console.WriteLine(); break; }} q.TaskDone(); }} }}", "", "S" },
        // ConfigureAwait between the take and the try whose finally releases it
        { "ConfigureAwait, then try/finally", $"async Task<int> M({Q}) {{ var n = await q.GetAsync().ConfigureAwait(false); try {{ return n * 2; }} finally {{ q.TaskDone(); }} }}", "", "S" },
        { "ConfigureAwait in a try/catch", $"async Task M({Q}) {{ try {{ var n = await q.GetAsync().ConfigureAwait(false); try {{ Workers.Counter += n; }} finally {{ q.TaskDone(); }} }} catch (InvalidOperationException) {{ }} }}", "MP0006", "G" },
        { "ConfigureAwait in a lambda in a try/catch", $"void M({Q}) {{ try {{ Func<Task> f = async () => {{ var n = await q.GetAsync().ConfigureAwait(false); try {{ Workers.Counter += n; }} finally {{ q.TaskDone(); }} }}; f(); }} catch (InvalidOperationException) {{ }} }}", "", "S" },
        { "ConfigureAwait, a call before the try", $"async Task M({Q}) {{ var n = await q.GetAsync().ConfigureAwait(false); Console.WriteLine(n); try {{ }} finally {{ q.TaskDone(); }} }}", "", "G" },
        // left to the graph
        { "throw before TaskDone", $"void M({Q}) {{ while (true) {{ var n = q.Get(); if (n < 0) {{ throw new InvalidOperationException(); }} q.TaskDone(); }} }}", "MP0006", "G" },
        { "try/finally around TaskDone, after a statement", $"void M({Q}) {{ while (true) {{ var n = q.Get(); Console.WriteLine(n); try {{ Workers.Counter += n; }} finally {{ q.TaskDone(); }} }} }}", "", "G" },
        { "TaskDone in a switch", $"void M({Q}) {{ while (true) {{ var n = q.Get(); switch (n) {{ case 0: q.TaskDone(); break; }} }} }}", "MP0006", "G" },
        { "return from a foreach in an endless loop", $"void M({Q}, int[] xs) {{ while (true) {{ var n = q.Get(); foreach (var x in xs) {{ if (x == n) {{ return; }} }} q.TaskDone(); }} }}", "MP0006", "G" },
        { "goto", $"void M({Q}) {{ int n; again: n = q.Get(); if (n > 0) {{ goto again; }} q.TaskDone(); }}", "MP0006", "G" },
        { "while (false)", $"void M({Q}) {{ while (false) {{ q.Get(); }} }}", "", "G" },
        { "constant operand of &&", $"void M({Q}, bool b) {{ if (b && false) {{ var n = q.Get(); }} }}", "", "G" },
        { "constant operand of || in a loop", $"void M({Q}, bool b) {{ while (b || true) {{ Console.WriteLine(); }} var n = q.Get(); }}", "", "G" },
        { "TryGet in an endless loop", $"void M({Q}) {{ while (true) {{ if (q.TryGet(out var n)) {{ Console.WriteLine(n); }} }} }}", "MP0006", "G" },
    };

    /// <summary>MP0005: name, member, expected ids, whether the size checks are read without a graph ("S") or not ("G").</summary>
    public static TheoryData<string, string, string, string> SizeCases => new()
    {
        { "drain", "int M(ProcessQueue<int> q) { var sum = 0; while (!q.IsEmpty) { sum += q.Get(); } if (q.Count > 0 && q.TryGet(out var extra)) { sum += extra; } return sum; }", "MP0005", "S" },
        { "while not empty", "int M(ProcessQueue<int> q) { var sum = 0; while (!q.IsEmpty) { sum += q.Get(); } return sum; }", "MP0005", "S" },
        { "while not full, put", "void M(ProcessQueue<int> q) { var i = 0; while (!q.IsFull) { q.Put(i++); } }", "MP0005", "S" },
        { "while count, put then get", "void M(ProcessQueue<int> q) { while (q.Count > 0) { q.Put(1); q.Get(); } }", "MP0005", "S" },
        { "while count, nothing decided", "void M(ProcessQueue<int> q, ProcessQueue<int> r) { while (q.Count > 0) { r.Get(); } }", "", "S" },
        { "while not empty in an if, put after", "void M(ProcessQueue<int> q, bool b) { if (b) { while (!q.IsEmpty) { q.Get(); } } q.Put(1); }", "MP0005", "S" },
        { "while not empty, get in a lambda", "void M(ProcessQueue<int> q) { while (!q.IsEmpty) { Func<int> f = () => q.Get(); f(); } }", "", "S" },
        { "&&: get on the right", "void M(ProcessQueue<int> q) { if (q.Count > 0 && q.Get() > 0) { Console.WriteLine(); } }", "MP0005", "S" },
        { "&&: get in the branch", "void M(ProcessQueue<int> q, bool b) { if (!q.IsEmpty && b) { q.Get(); } }", "MP0005", "S" },
        { "&&: TryGet only", "void M(ProcessQueue<int> q) { if (q.Count > 0 && q.TryGet(out var x)) { Workers.Counter += x; } }", "", "S" },
        // left to the graph
        { "while not empty, get after the loop", "void M(ProcessQueue<int> q) { while (!q.IsEmpty) { Console.WriteLine(); } q.Get(); }", "MP0005", "G" },
        { "while not empty, nothing in the loop, get after", "void M(ProcessQueue<int> q, bool b) { while (!q.IsEmpty) { Console.WriteLine(); } if (b) { q.Get(); } }", "MP0005", "G" },
        { "while count, put after the loop", "void M(ProcessQueue<int> q) { while (q.Count > 0) { q.Get(); } q.Put(1); }", "MP0005", "G" },
        { "while not empty in a for loop", "void M(ProcessQueue<int> q) { for (var i = 0; i < 3; i++) { while (!q.IsEmpty) { q.Get(); } } }", "MP0005", "G" },
        { "while not empty, put in an outer loop", "void M(ProcessQueue<int> q, int n) { while (n-- > 0) { q.Put(n); while (q.Count > 0) { Console.WriteLine(); } } }", "MP0005", "G" },
        { "while not empty with a break", "void M(ProcessQueue<int> q) { while (!q.IsEmpty) { if (q.Get() < 0) { break; } } }", "MP0005", "G" },
        { "while not empty with a return", "void M(ProcessQueue<int> q) { while (!q.IsEmpty) { if (q.Get() < 0) { return; } } }", "MP0005", "G" },
        { "while not empty with a nested loop", "void M(ProcessQueue<int> q) { while (!q.IsEmpty) { for (var i = 0; i < 2; i++) { q.Get(); } } }", "MP0005", "G" },
        { "do loop", "void M(ProcessQueue<int> q) { do { q.Get(); } while (!q.IsEmpty); }", "MP0005", "G" },
        { "&& with an else", "void M(ProcessQueue<int> q, bool b) { if (!q.IsEmpty && b) { q.Get(); } else { q.Put(1); } }", "MP0005", "G" },
        { "check on the right of &&", "void M(ProcessQueue<int> q, bool b) { if (b && !q.IsEmpty) { q.Get(); } }", "MP0005", "G" },
        { "check on the left of ||", "void M(ProcessQueue<int> q, bool b) { if (q.IsEmpty || b) { return; } q.Get(); }", "MP0005", "G" },
        { "&&: constant on the right", "void M(ProcessQueue<int> q) { if (!q.IsEmpty && false) { q.Get(); } }", "MP0005", "G" },
        { "if shape under a constant operand", "void M(ProcessQueue<int> q, bool b) { if (b && false) { if (!q.IsEmpty) { q.Get(); } } }", "", "G" },
        { "while shape under a constant operand", "void M(ProcessQueue<int> q, bool b) { if (b && false) { while (!q.IsEmpty) { q.Get(); } } }", "", "G" },
        { "&&: ?: with a get on the right", "void M(ProcessQueue<int> q, bool b) { if (q.Count > 0 && (b ? q.Get() : 0) > 0) { q.Put(1); } }", "MP0005", "G" },
    };

    [Theory]
    [MemberData(nameof(TakeCases))]
    public async Task Mp0006_loop_readings_and_graph_agree(string name, string member, string expectedIds, string reading)
    {
        var compilation = FastPathComparison.Compile(FastPathComparison.Source(member));
        var (body, types) = BodyOfM(compilation);
        Assert.True((reading == "S") == TakesReadWithoutGraph(body, types), $"{name}: expected the {(reading == "S" ? "structured reading" : "graph")}");
        await AssertSameDiagnostics(name, compilation, expectedIds, "MP0006");
    }

    [Theory]
    [MemberData(nameof(SizeCases))]
    public async Task Mp0005_loop_readings_and_graph_agree(string name, string member, string expectedIds, string reading)
    {
        var compilation = FastPathComparison.Compile(FastPathComparison.Source(member));
        var (body, types) = BodyOfM(compilation);
        Assert.True((reading == "S") == QueueSizeCheck.TryAnalyzeIfShapes(body, types, _ => { }), $"{name}: expected the {(reading == "S" ? "shape reading" : "graph")}");
        await AssertSameDiagnostics(name, compilation, expectedIds, "MP0005");
    }

    /// <summary>What the analyzer does for MP0006's takes before it builds a graph (MultiprocAnalyzer's body end).</summary>
    private static bool TakesReadWithoutGraph(IOperation body, MultiprocTypes types)
    {
        if (MissingTaskDone.AllTakesReleasedByFinally(body, types)) return true;
        if (MissingTaskDone.HasTryGetTake(body, types)) return false;
        var takes = body.Syntax.DescendantNodes().OfType<InvocationExpressionSyntax>()
            .Where(i => i.Expression is MemberAccessExpressionSyntax { Name.Identifier.Text: "Get" or "GetNowait" or "GetAsync" })
            .Select(i => i.Span).ToList();
        return StructuredFlow.Of(body, span => takes.Any(span.Contains), types, loopJumps: true) is not null;
    }

    private static (IOperation Body, MultiprocTypes Types) BodyOfM(CSharpCompilation compilation)
    {
        var tree = compilation.SyntaxTrees.Single();
        var method = tree.GetRoot().DescendantNodes().OfType<MethodDeclarationSyntax>().Single(m => m.Identifier.Text == "M");
        return (compilation.GetSemanticModel(tree).GetOperation(method)!, MultiprocTypes.For(compilation));
    }

    private static async Task AssertSameDiagnostics(string name, CSharpCompilation compilation, string expectedIds, string id)
    {
        var fast = await FastPathComparison.DiagnosticsAsync(compilation, fastPaths: true, id);
        var graph = await FastPathComparison.DiagnosticsAsync(compilation, fastPaths: false, id);
        var expected = expectedIds.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(expected.SequenceEqual(fast.Select(d => d.Id)), $"{name}: expected [{expectedIds}], got [{string.Join(", ", fast)}]");
        Assert.Equal(graph.Select(FastPathComparison.Describe), fast.Select(FastPathComparison.Describe));
    }
}
