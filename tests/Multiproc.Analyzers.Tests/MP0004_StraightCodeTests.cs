using System.Collections.Immutable;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace Multiproc.Analyzers.Tests;

/// <summary>
/// MP0004 reads a <c>p.Daemon = …</c> statement that only straight-line code of its body precedes without a control flow
/// graph (<see cref="DaemonSetAfterStart.TryFindStartInStraightCode"/>). Each case is checked three ways: whether that reading
/// takes the assignment ("S") or leaves it to the graph ("G"), that the analyzer gives the expected diagnostics, and that
/// they are exactly the graph's (id, place, message, fix properties), which the analyzer runs when its fast paths are off.
/// </summary>
public class MP0004_StraightCodeTests
{
    private const string New = "new ChildProcess(() => Workers.Work())";

    /// <summary>Name, members of C, expected ids, whether the straight reading takes the assignment ("S") or the graph does ("G").</summary>
    public static TheoryData<string, string, string, string> Cases => new()
    {
        // Straight code before the assignment: read without a graph.
        { "set right after start", $"void M() {{ var p = {New}; p.Start(); p.Daemon = true; p.Join(); }}", "MP0004", "S" },
        { "set before start", $"void M() {{ var p = {New}; p.Daemon = true; p.Start(); p.Join(); }}", "", "S" },
        { "a statement between", $"void M() {{ var p = {New}; p.Start(); Console.WriteLine(1); p.Daemon = true; }}", "MP0004", "S" },
        { "value computed after start", $"void M() {{ var p = {New}; p.Start(); var b = Environment.ProcessorCount > 1; p.Daemon = b; }}", "MP0004", "S" },
        { "value is a call", $"void M() {{ var p = {New}; p.Start(); p.Daemon = Environment.ProcessorCount > 1; }}", "MP0004", "S" },
        { "compound assignment", $"void M() {{ var p = {New}; p.Start(); p.Daemon |= true; }}", "MP0004", "S" },
        { "reassigned before set", $"void M() {{ var p = {New}; p.Start(); p = {New}; p.Daemon = true; p.Start(); p.Join(); }}", "", "S" },
        { "declared again in a nested block", $"void M() {{ var q = {New}; q.Start(); {{ var p = {New}; p.Daemon = true; }} }}", "", "S" },
        { "another process started", $"void M() {{ var p = {New}; var q = {New}; p.Start(); q.Daemon = true; q.Start(); }}", "", "S" },
        { "parameter started", "void M(ChildProcess p) { p.Start(); p.Daemon = true; }", "MP0004", "S" },
        { "parameter reassigned", $"void M(ChildProcess p) {{ p.Start(); p = {New}; p.Daemon = true; }}", "", "S" },
        { "parameter never started", "void M(ChildProcess p) { p.Daemon = true; p.Start(); }", "", "S" },
        { "field started", $"private ChildProcess _w = {New}; void M() {{ _w.Start(); _w.Daemon = false; }}", "MP0004", "S" },
        { "field reassigned", $"private ChildProcess _w = {New}; void M() {{ _w.Start(); _w = {New}; _w.Daemon = false; }}", "", "S" },
        { "field of another instance", $"private ChildProcess _w = {New}; void M(C other) {{ other._w.Start(); _w.Daemon = true; }}", "", "S" },
        { "property started", $"ChildProcess Proc {{ get; set; }} = {New}; void M() {{ Proc.Start(); Proc.Daemon = true; }}", "MP0004", "S" },
        { "through a conversion", "void M(object o) { ((ChildProcess)o).Start(); ((ChildProcess)o).Daemon = true; }", "MP0004", "S" },
        { "started in a nested block", $"void M() {{ var p = {New}; {{ p.Start(); }} p.Daemon = true; }}", "MP0004", "S" },
        { "set in a nested block", $"void M() {{ var p = {New}; p.Start(); {{ Console.WriteLine(); p.Daemon = true; }} }}", "MP0004", "S" },
        { "started in a lambda only", $"void M() {{ var p = {New}; Action a = () => p.Start(); p.Daemon = true; a(); }}", "", "S" },
        { "started in a local function only", $"void M() {{ var p = {New}; void Run() {{ p.Start(); }} p.Daemon = true; Run(); }}", "", "S" },
        { "awaited before", "async Task M(ChildProcess p) { p.Start(); await Task.Yield(); p.Daemon = true; }", "MP0004", "S" },
        { "using declaration before", "void M(ChildProcess p) { using var s = new System.IO.MemoryStream(); p.Start(); s.WriteByte(1); p.Daemon = true; }", "MP0004", "S" },
        { "loop between", $"void M(int n) {{ var p = {New}; p.Start(); for (var i = 0; i < n; i++) {{ if (i == 2) {{ break; }} Console.WriteLine(i); }} p.Daemon = true; }}", "MP0004", "S" },
        { "while loop between", $"void M(int n) {{ var p = {New}; p.Start(); while (n > 0) {{ n--; }} p.Daemon = true; }}", "MP0004", "S" },
        { "try/catch between", $"void M() {{ var p = {New}; p.Start(); try {{ Console.WriteLine(); }} catch (InvalidOperationException) {{ Console.WriteLine(1); }} p.Daemon = true; }}", "MP0004", "S" },
        { "try/finally between", $"void M() {{ var p = {New}; p.Start(); try {{ Console.WriteLine(); }} finally {{ Console.WriteLine(1); }} p.Daemon = true; }}", "MP0004", "S" },
        { "if between", $"void M(int n) {{ var p = {New}; p.Start(); if (n > 1) {{ Console.WriteLine(n); }} else {{ n++; }} p.Daemon = true; }}", "MP0004", "S" },
        { "switch between", $"void M(int n) {{ var p = {New}; p.Start(); switch (n) {{ case 1: Console.WriteLine(); break; default: n++; break; }} p.Daemon = true; }}", "MP0004", "S" },
        { "lock between", $"private readonly object _gate = new(); void M() {{ var p = {New}; p.Start(); lock (_gate) {{ Workers.Counter++; }} p.Daemon = true; }}", "MP0004", "S" },
        { "constructor", "public C(ChildProcess p) { p.Start(); p.Daemon = true; }", "MP0004", "S" },
        { "constructor with an initializer", "public C() { } public C(ChildProcess p) : this() { p.Start(); p.Daemon = true; }", "MP0004", "S" },
        { "expression body", "void M(ChildProcess p) => p.Daemon = true;", "", "S" },
        // The first match backwards decides: what runs before the start is not read.
        { "early return before the start", $"void M(bool b) {{ var p = {New}; if (b) {{ return; }} p.Start(); p.Daemon = true; }}", "MP0004", "S" },
        { "if false before the start", $"void M() {{ var p = {New}; if (false) {{ Console.WriteLine(); }} p.Start(); p.Daemon = true; }}", "MP0004", "S" },
        { "reassigned on a branch before the reassignment", $"void M(bool b) {{ var p = {New}; p.Start(); if (b) {{ p.Start(); }} p = {New}; p.Daemon = true; }}", "", "S" },
        // Left to the graph.
        { "set in a lambda", $"void M() {{ Action a = () => {{ var p = {New}; p.Start(); p.Daemon = true; }}; a(); }}", "MP0004", "G" },
        { "set in a local function", $"void M() {{ Run(); void Run() {{ var p = {New}; p.Start(); p.Daemon = true; }} }}", "MP0004", "G" },
        { "set on one branch", $"void M(bool b) {{ var p = {New}; p.Start(); if (b) {{ p.Daemon = true; }} }}", "MP0004", "G" },
        { "started on one branch", $"void M(bool b) {{ var p = {New}; if (b) p.Start(); p.Daemon = true; }}", "MP0004", "G" },
        { "started on both branches, one reassigns", $"void M(bool b) {{ var p = {New}; p.Start(); if (b) {{ p = {New}; }} p.Daemon = true; }}", "MP0004", "G" },
        { "field reassigned on one branch", $"private ChildProcess _w = {New}; private ChildProcess _v = {New}; void M(bool b) {{ _w.Start(); if (b) {{ _w = _v; }} _w.Daemon = true; }}", "MP0004", "G" },
        { "field reassigned in a loop", $"private ChildProcess _w = {New}; private ChildProcess[] _all = new ChildProcess[2]; void M() {{ _w.Start(); foreach (var x in _all) {{ _w = x; }} _w.Daemon = true; }}", "MP0004", "G" },
        { "early return between", $"void M(bool b) {{ var p = {New}; p.Start(); if (b) {{ return; }} p.Daemon = true; }}", "MP0004", "G" },
        { "set after a return", $"void M() {{ var p = {New}; p.Start(); return; p.Daemon = true; }}", "", "G" },
        { "set in a loop, started after", $"void M(int n) {{ var p = {New}; for (var i = 0; i < n; i++) {{ p.Daemon = true; p.Start(); }} }}", "MP0004", "G" },
        { "label before, goto after", $"void M(int n) {{ var p = {New}; again: Console.WriteLine(n); p.Daemon = true; p.Start(); if (n-- > 0) {{ goto again; }} }}", "MP0004", "G" },
        { "endless loop between", $"void M() {{ var p = {New}; p.Start(); while (true) {{ Console.WriteLine(); }} p.Daemon = true; }}", "MP0004", "G" },
        { "if false between", $"void M() {{ var p = {New}; p.Start(); if (false) {{ Console.WriteLine(); }} p.Daemon = true; }}", "MP0004", "G" },
        { "conditional before", $"void M(bool b) {{ var p = {New}; p.Start(); var q = b ? p : null; p.Daemon = true; }}", "MP0004", "G" },
        { "two matches in a statement", $"static void Both(object a, object b) {{ }} void M() {{ var p = {New}; p.Start(); Both(p = {New}, p = {New}); p.Daemon = true; }}", "", "G" },
        { "the set's statement reassigns", $"void M() {{ var p = {New}; p.Start(); p.Daemon = (p = {New}) != null; }}", "MP0004", "G" },
        { "using statement before", $"void M() {{ var p = {New}; p.Start(); using (var s = new System.IO.MemoryStream()) {{ s.WriteByte(1); }} p.Daemon = true; }}", "MP0004", "G" },
        { "set in a using statement", $"void M() {{ var p = {New}; p.Start(); using (var s = new System.IO.MemoryStream()) {{ p.Daemon = true; }} }}", "MP0004", "G" },
        { "process used in an if before", $"void M() {{ var p = {New}; p.Start(); if (p.IsAlive) {{ Console.WriteLine(); }} p.Daemon = true; }}", "MP0004", "G" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Straight_reading_and_graph_agree(string name, string members, string expectedIds, string reading)
    {
        var compilation = FastPathComparison.Compile(FastPathComparison.Source(members));
        Assert.True((reading == "S") == IsReadStraight(compilation), $"{name}: expected the {(reading == "S" ? "straight reading" : "graph")}");

        var fast = await FastPathComparison.DiagnosticsAsync(compilation, fastPaths: true, "MP0004");
        var graph = await FastPathComparison.DiagnosticsAsync(compilation, fastPaths: false, "MP0004");
        var expected = expectedIds.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(expected.SequenceEqual(fast.Select(d => d.Id)), $"{name}: expected [{expectedIds}], got [{string.Join(", ", fast)}]");
        Assert.Equal(graph.Select(FastPathComparison.Describe), fast.Select(FastPathComparison.Describe));
    }

    /// <summary>Whether <see cref="DaemonSetAfterStart.TryFindStartInStraightCode"/> answers for the one <c>….Daemon = …</c> of the source.</summary>
    private static bool IsReadStraight(CSharpCompilation compilation)
    {
        var tree = compilation.SyntaxTrees.Single();
        var syntax = tree.GetRoot().DescendantNodes().OfType<AssignmentExpressionSyntax>()
            .Single(a => a.Left is MemberAccessExpressionSyntax { Name.Identifier.Text: "Daemon" });
        var assignment = (IAssignmentOperation)compilation.GetSemanticModel(tree).GetOperation(syntax)!;
        var key = SymbolKey.From(((IPropertyReferenceOperation)assignment.Target).Instance)!.Value;
        return DaemonSetAfterStart.TryFindStartInStraightCode(assignment, key, MultiprocTypes.For(compilation), out _);
    }
}
