using System.Collections.Immutable;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;

namespace Multiproc.Analyzers.Tests;

/// <summary>
/// MP0003, MP0010 and MP0012 (and MP0006, for takes that are not TryGet) read a body of ifs, loops and returns that is not linear from its operation tree
/// (<see cref="StructuredFlow"/>, <see cref="FlowGraph.Structured"/>) instead of building its control flow graph. Each
/// case is checked three ways: whether the structured reading takes the body (or leaves it to the graph), that the
/// analyzer gives the expected diagnostics, and that they are exactly the graph analysis's (id, place, message, fix
/// properties), which the analyzer runs when its fast paths are off.
/// </summary>
public class StructuredFlowTests
{
    private const string New = "new ChildProcess(() => Workers.Work())";

    /// <summary>Name, member, expected ids, whether the structured reading takes the body ("S") or leaves it to the graph ("G").</summary>
    public static TheoryData<string, string, string, string> Cases => new()
    {
        // if / else
        { "joined on one branch", $"void M(bool b) {{ var p = {New}; p.Start(); if (b) p.Join(); }}", "MP0003", "S" },
        { "joined on both branches", $"void M(bool b) {{ var p = {New}; p.Start(); if (b) {{ p.Join(); }} else {{ p.Join(); }} }}", "", "S" },
        { "early return", $"void M(bool b) {{ var p = {New}; p.Start(); if (b) {{ return; }} p.Join(); }}", "MP0003", "S" },
        { "joined then returned on one branch", $"int M(bool wait) {{ var p = {New}; p.Start(); if (wait) {{ p.Join(); return p.ExitCode ?? -1; }} return 0; }}", "MP0003", "S" },
        { "both branches return", $"int M(bool b) {{ var p = {New}; p.Start(); if (b) {{ p.Join(); return 1; }} else {{ return 0; }} }}", "MP0003", "S" },
        { "else if chain", $"void M(int n) {{ var p = {New}; p.Start(); if (n == 1) {{ p.Join(); }} else if (n == 2) {{ p.Kill(); p.Join(); }} else {{ p.Terminate(); }} }}", "MP0010", "S" },
        { "started on one branch, joined after", $"void M(bool b) {{ var p = {New}; if (b) {{ p.Start(); }} p.Join(); }}", "MP0012", "S" },
        { "started on both branches, twice on one", $"void M(bool b) {{ var p = {New}; p.Start(); if (b) {{ p.Start(); }} p.Join(); }}", "MP0012", "S" },
        { "awaited join on one branch", $"async Task M(bool b) {{ var p = {New}; p.Start(); if (b) {{ await p.JoinAsync(); }} }}", "MP0003", "S" },
        { "handed on by a return on one branch", $"ChildProcess? M(bool b) {{ var p = {New}; p.Start(); if (b) {{ return p; }} p.Join(); return null; }}", "", "S" },
        // MP0010
        { "terminated unless joined in time", $"void M() {{ var p = {New}; p.Start(); if (!p.Join(TimeSpan.FromSeconds(1))) {{ p.Terminate(); }} Console.WriteLine(p.IsAlive); }}", "MP0010", "S" },
        { "terminated on a branch, joined after", $"void M(bool b) {{ var p = {New}; p.Start(); if (b) {{ p.Terminate(); }} p.Join(); }}", "", "S" },
        { "killed on one branch, joined on the other", $"void M(bool b) {{ var p = {New}; p.Start(); if (b) {{ p.Kill(); }} else {{ p.Join(); }} }}", "MP0010", "S" },
        { "elements terminated then joined by foreach", "void M(List<ChildProcess> ps) { foreach (var q in ps) { q.Terminate(); } foreach (var q in ps) { q.Join(); } }", "", "S" },
        { "elements terminated by foreach only", "void M(List<ChildProcess> ps) { foreach (var q in ps) { q.Terminate(); } }", "MP0010", "S" },
        { "elements terminated then joined by for", "void M(ChildProcess[] ps) { for (var i = 0; i < ps.Length; i++) { ps[i].Terminate(); } for (var i = 0; i < ps.Length; i++) { ps[i].Join(); } }", "", "S" },
        // loops
        { "started in a loop, never joined", $"void M(int n) {{ for (var i = 0; i < n; i++) {{ var p = {New}; p.Start(); }} }}", "MP0003", "S" },
        { "declared in a loop, assigned, started", $"void M(int n) {{ for (var i = 0; i < n; i++) {{ ChildProcess p; p = {New}; p.Start(); }} }}", "MP0003", "S" },
        { "started in a loop, kept, joined by foreach", $"void M(int n) {{ var all = new List<ChildProcess>(); for (var i = 0; i < n; i++) {{ var p = {New}; all.Add(p); p.Start(); }} foreach (var q in all) {{ q.Join(); }} }}", "", "S" },
        { "started and joined in a loop", $"void M(int n) {{ for (var i = 0; i < n; i++) {{ var p = {New}; p.Start(); p.Join(); }} }}", "", "S" },
        { "one process started in a loop", $"void M() {{ var p = {New}; for (var i = 0; i < 2; i++) {{ p.Start(); }} p.Join(); }}", "MP0012 MP0012", "S" },
        { "parameter started in a while loop", "void M(ChildProcess p, int n) { while (n-- > 0) { p.Start(); } }", "MP0012", "S" },
        { "joined in a while loop", $"void M(int n) {{ var p = {New}; p.Start(); while (n > 0) {{ n--; p.Join(); }} }}", "MP0003", "S" },
        { "replaced in a while loop", $"void M(int n) {{ var p = {New}; p.Start(); while (n-- > 0) {{ p.Join(); p = {New}; p.Start(); }} p.Join(); }}", "", "S" },
        { "joined in a do loop", $"void M(int n) {{ var p = {New}; p.Start(); do {{ p.Join(); n--; }} while (n > 0); }}", "", "S" },
        { "do loop that returns", $"void M(int n) {{ var p = {New}; p.Start(); do {{ p.Join(); return; }} while (n > 0); }}", "", "S" },
        { "started in a do loop", $"void M(int n) {{ var p = {New}; do {{ p.Start(); n--; }} while (n > 0); p.Join(); }}", "MP0012", "S" },
        { "foreach variable started twice", "void M(List<ChildProcess> ps) { foreach (var q in ps) { q.Start(); q.Start(); } }", "MP0012", "S" },
        { "foreach variable started then joined", "void M(ChildProcess[] ps) { foreach (var q in ps) { q.Start(); q.Join(); } }", "", "S" },
        { "foreach variable joined before start", "void M(List<ChildProcess> ps) { foreach (var q in ps) { q.Join(); q.Start(); } }", "", "S" },
        // The graph's finally region around a foreach continues to the end of the function on every path through it.
        { "return from a foreach", $"void M(int[] xs) {{ var p = {New}; p.Start(); foreach (var x in xs) {{ if (x == 0) {{ p.Join(); return; }} }} p.Join(); }}", "MP0003", "G" },
        { "return from a foreach, not joined", $"void M(int[] xs) {{ var p = {New}; p.Start(); foreach (var x in xs) {{ if (x == 0) {{ return; }} }} p.Join(); }}", "MP0003", "G" },
        { "return from a for loop", $"void M(int[] xs) {{ var p = {New}; p.Start(); for (var i = 0; i < xs.Length; i++) {{ if (xs[i] == 0) {{ p.Join(); return; }} }} p.Join(); }}", "", "S" },
        { "opaque loop with break in a loop", $"void M(int n) {{ for (var i = 0; i < n; i++) {{ var p = {New}; p.Start(); while (n > i) {{ if (n == 3) {{ break; }} n--; }} p.Join(); }} }}", "", "S" },
        { "opaque foreach in a foreach", "void M(List<ChildProcess> ps, int[] xs) { foreach (var q in ps) { q.Start(); foreach (var x in xs) { if (x > 0) { continue; } Console.WriteLine(x); } q.Join(); } }", "", "S" },
        { "nested loops", $"void M(int n) {{ for (var i = 0; i < n; i++) {{ for (var j = 0; j < i; j++) {{ var p = {New}; p.Start(); if (j > 1) {{ p.Join(); }} }} }} }}", "MP0003", "S" },
        { "started on the first pass only", $"void M(int n) {{ var p = {New}; for (var i = 0; i < n; i++) {{ if (i == 0) {{ p.Start(); }} }} p.Join(); }}", "MP0012 MP0012", "S" },
        // nested functions and opaque statements
        { "lambda with a branch", "void M(bool b) { Action a = () => { var p = new ChildProcess(() => Workers.Work()); p.Start(); if (b) p.Join(); }; a(); }", "MP0003", "S" },
        { "local function after the return", $"int M(bool b) {{ var p = {New}; p.Start(); if (b) {{ return Run(p); }} p.Join(); return 0; static int Run(ChildProcess q) {{ q.Join(); return 1; }} }}", "", "S" },
        { "local function with a loop", $"void M() {{ Run(3); void Run(int n) {{ for (var i = 0; i < n; i++) {{ var p = {New}; p.Start(); }} }} }}", "MP0003", "S" },
        { "opaque loop and switch around a branch", $"void M(int n, bool b) {{ var p = {New}; p.Start(); for (var i = 0; i < n; i++) {{ Console.WriteLine(i); }} switch (n) {{ case 1: Console.WriteLine(); break; }} if (b) {{ p.Join(); }} }}", "MP0003", "S" },
        // conditional operators in steps
        { "?: with inert branches", $"void M(bool b) {{ var p = {New}; p.Start(); var t = b ? 1 : 2; if (t > 1) {{ p.Join(); }} }}", "MP0003", "S" },
        { "?. with an inert access", $"void M(string? s, bool b) {{ var p = {New}; p.Start(); var l = s?.Length; if (b) {{ p.Join(); }} }}", "MP0003", "S" },
        { "|| with the process on the left", $"void M(bool b) {{ var p = {New}; p.Start(); if (p.IsAlive || b) {{ p.Join(); }} }}", "MP0003", "S" },
        { "?? on a property of the process", $"int M(bool b) {{ var p = {New}; p.Start(); if (b) {{ p.Join(); }} return p.ExitCode ?? 0; }}", "MP0003", "S" },
        // MP0006
        { "take, early return before TaskDone", "int M(JoinableQueue<int> q) { var item = q.Get(); if (item < 3) { return 0; } q.TaskDone(); return item; }", "MP0006", "S" },
        { "take, TaskDone on both branches", "void M(JoinableQueue<int> q, bool b) { var n = q.Get(); if (b) { q.TaskDone(); } else { Console.WriteLine(n); q.TaskDone(); } }", "", "S" },
        { "take, TaskDone after an if", "void M(JoinableQueue<int> q, bool b) { var n = q.GetNowait(); if (b) { Console.WriteLine(n); } q.TaskDone(); }", "", "S" },
        { "take returned", "int M(JoinableQueue<int> q, bool b) { if (b) { return q.Get(); } return 0; }", "", "S" },
        { "awaited take returned", "async Task<int> M(JoinableQueue<int> q) { return await q.GetAsync(); }", "", "S" },
        { "takes released in a loop", "void M(JoinableQueue<int> q, int n) { for (var i = 0; i < n; i++) { var x = q.Get(); Console.WriteLine(x); q.TaskDone(); } }", "", "S" },
        { "takes in a loop, never released", "void M(JoinableQueue<int> q, int n) { while (n-- > 0) { q.Get(); } }", "MP0006", "S" },
        { "take released on the next pass only", "void M(JoinableQueue<int> q, int n) { for (var i = 0; i < n; i++) { if (i > 0) { q.TaskDone(); } q.Get(); } }", "MP0006", "S" },
        { "TaskDone only in a lambda", "void M(JoinableQueue<int> q) { var n = q.Get(); Action a = () => q.TaskDone(); a(); }", "", "S" },
        { "take in a lambda with a branch", "void M(JoinableQueue<int> q, bool b) { Func<int> f = () => { var n = q.Get(); if (b) { q.TaskDone(); } return n; }; f(); }", "MP0006", "S" },
        { "TaskDone on another queue", "void M(JoinableQueue<int> q, JoinableQueue<int> r, bool b) { var n = q.Get(); if (b) { r.TaskDone(); } }", "MP0006", "S" },
        { "queue handed on", "void M(JoinableQueue<int> q, bool b) { var n = q.Get(); if (b) { Pass(q); } } static void Pass(JoinableQueue<int> q) { }", "", "S" },
        { "TryGet", "void M(JoinableQueue<int> q, bool b) { if (q.TryGet(out var n)) { Console.WriteLine(n); } if (b) { q.TaskDone(); } }", "MP0006", "G" },
        { "take and TaskDone in an opaque-looking loop", "int M(JoinableQueue<int> q, int n) { var sum = 0; for (var i = 0; i < n; i++) { sum += q.Get(); q.TaskDone(); } return sum; }", "", "S" },
        { "take, TaskDone in a try of its own", "void M(JoinableQueue<int> q, bool b) { var n = q.Get(); if (b) { Console.WriteLine(n); } try { Console.WriteLine(); q.TaskDone(); } finally { Console.WriteLine(); } }", "", "G" },
        { "take on one side of ?:", "void M(JoinableQueue<int> q, bool b) { var n = b ? q.Get() : 0; if (n > 0) { q.TaskDone(); } }", "MP0006", "G" },
        { "take with try/catch", "void M(JoinableQueue<int> q) { var n = q.Get(); try { Console.WriteLine(n); q.TaskDone(); } catch (InvalidOperationException) { } }", "MP0006", "G" },
        // left to the graph
        { "join on the right of &&", $"void M(bool b) {{ var p = {New}; p.Start(); if (b && p.Join(TimeSpan.FromSeconds(1))) {{ Console.WriteLine(); }} }}", "MP0003", "G" },
        { "?: between creations", $"void M(bool b) {{ var p = b ? {New} : {New}; p.Start(); if (b) {{ p.Join(); }} }}", "MP0003", "G" },
        { "?? choosing a process", $"void M(ChildProcess? q, bool b) {{ var p = q ?? {New}; p.Start(); if (b) {{ p.Join(); }} }}", "", "G" },
        { "conditional access join", $"void M(ChildProcess? q, bool b) {{ var p = {New}; p.Start(); q?.Join(); if (b) {{ p.Join(); }} p.Start(); }}", "MP0003 MP0003 MP0012", "G" },
        { "constant condition", $"void M() {{ var p = {New}; p.Start(); if (true) {{ p.Join(); }} }}", "MP0003", "G" },
        { "endless loop with break", $"void M() {{ var p = {New}; p.Start(); while (true) {{ if (p.Join(TimeSpan.FromSeconds(1))) {{ break; }} }} }}", "MP0003", "G" },
        { "continue in a loop", $"void M(int n) {{ for (var i = 0; i < n; i++) {{ var p = {New}; p.Start(); if (i > 2) {{ continue; }} p.Join(); }} }}", "MP0003", "G" },
        { "code after both branches return", $"void M(bool b) {{ var p = {New}; p.Start(); if (b) {{ return; }} else {{ return; }} p.Join(); }}", "MP0003", "G" },
        { "try/finally", $"void M(bool b) {{ var p = {New}; try {{ p.Start(); if (b) {{ Console.WriteLine(); }} }} finally {{ p.Join(); }} }}", "", "G" },
        { "using statement", $"void M(bool b) {{ using (var p = {New}) {{ p.Start(); if (b) {{ p.Join(); }} }} }}", "MP0003", "G" },
        { "switch on the process", $"void M(int n) {{ var p = {New}; p.Start(); switch (n) {{ case 1: p.Join(); break; }} }}", "MP0003", "G" },
        { "throw on a branch", $"void M(bool b) {{ var p = {New}; p.Start(); p.Terminate(); if (b) {{ throw new InvalidOperationException(); }} p.Join(); }}", "MP0010", "G" },
        { "deconstructing foreach", "void M(List<(ChildProcess, int)> ps) { foreach (var (q, n) in ps) { q.Start(); q.Start(); } }", "MP0012", "G" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Structured_and_graph_analyses_agree(string name, string member, string expectedIds, string reading)
    {
        var source = FastPathComparison.Source(member);
        var compilation = Compile(source);
        Assert.True((reading == "S") == IsReadStructured(compilation), $"{name}: expected the {(reading == "S" ? "structured reading" : "graph")}");

        var fast = await DiagnosticsAsync(compilation, fastPaths: true);
        var graph = await DiagnosticsAsync(compilation, fastPaths: false);
        var expected = expectedIds.Split(' ', StringSplitOptions.RemoveEmptyEntries).OrderBy(id => id, StringComparer.Ordinal);
        Assert.True(expected.SequenceEqual(fast.Select(d => d.Id)), $"{name}: expected [{expectedIds}], got [{string.Join(", ", fast)}]");
        Assert.Equal(graph.Select(Describe), fast.Select(Describe));
    }

    /// <summary>
    /// Whether <see cref="StructuredFlow.Of(IOperation, Func{Microsoft.CodeAnalysis.Text.TextSpan, bool}, MultiprocTypes)"/>
    /// takes the body of <c>M</c>, entering the nested functions that call Start, Join, JoinAsync, Terminate or Kill (what
    /// the analyzer enters, and the takes from a queue).
    /// </summary>
    private static bool IsReadStructured(CSharpCompilation compilation)
    {
        var tree = compilation.SyntaxTrees.Single();
        var method = tree.GetRoot().DescendantNodes().OfType<MethodDeclarationSyntax>().Single(m => m.Identifier.Text == "M");
        var body = compilation.GetSemanticModel(tree).GetOperation(method)!;
        var calls = method.DescendantNodes().OfType<InvocationExpressionSyntax>()
            .Where(i => i.Expression is MemberAccessExpressionSyntax { Name.Identifier.Text: "Start" or "Join" or "JoinAsync" or "Terminate" or "Kill" or "Get" or "GetNowait" or "GetAsync" })
            .Select(i => i.Span).ToList();
        var types = MultiprocTypes.For(compilation);
        var flows = StructuredFlow.Of(body, span => calls.Any(span.Contains), types);
        // MP0006 leaves a body with a TryGet take to the graph.
        return flows is not null && !MissingTaskDone.HasTryGetTake(body, types);
    }

    private static string Describe(Diagnostic d) => FastPathComparison.Describe(d);

    private static CSharpCompilation Compile(string source) => FastPathComparison.Compile(source);

    private static Task<ImmutableArray<Diagnostic>> DiagnosticsAsync(CSharpCompilation compilation, bool fastPaths) =>
        FastPathComparison.DiagnosticsAsync(compilation, fastPaths, "MP0003", "MP0006", "MP0009", "MP0010", "MP0012");
}
