using System.Collections.Immutable;
using Microsoft.CodeAnalysis.Diagnostics;
using static Multiproc.Analyzers.Tests.LockCases;

namespace Multiproc.Analyzers.Tests;

/// <summary>
/// MP0002's verdicts read from the operation tree without a control flow graph (<c>LockNotReleased.StructuredFlow</c>):
/// the shapes it reads give what the graph gives, and the shapes where the two could differ (a lambda between acquire and
/// release, a <c>with</c> expression, a condition that may be constant, <c>&amp;&amp;</c>, code after a return) give the
/// graph's answer too. <see cref="Tree_and_graph_analyses_agree"/> runs each body both ways (the analyzer with the
/// structured reading off builds a graph for every acquire the finally check leaves) and compares what a user and the fixer see.
/// </summary>
public class MP0002_StructuredFlowTests
{
    private const string Fields = "private readonly ProcessLock _lk = new();\nprivate readonly SemaphoreSlim _sem = new(1, 1);\n";

    [Fact]
    public Task StraightLineWithCallsIsLeakOnException() => Flagged(Fields + """
        void M(int n)
        {
            var before = n + 1;
            {|#0:_lk.Acquire()|};
            Console.WriteLine(before);
            _lk.Release();
        }
        """, LeakOnException("_lk"));

    [Fact]
    public Task StraightLineWithoutCallsIsNotFlagged() => NotFlagged(Fields + """
        int _total;
        void M(int n)
        {
            _lk.Acquire();
            _total += n;
            _lk.Release();
        }
        """);

    [Fact]
    public Task EarlyReturnIsLeak() => Flagged(Fields + """
        int _total;
        bool M(int n)
        {
            {|#0:_lk.Acquire()|};
            if (n > 10)
            {
                return false;
            }
            _total -= n;
            _lk.Release();
            return true;
        }
        """, Leak("_lk"));

    [Fact]
    public Task ReleaseOnEveryBranchIsNotFlagged() => NotFlagged(Fields + """
        int _total;
        bool M(int n)
        {
            _lk.Acquire();
            if (n > 10)
            {
                _lk.Release();
                return false;
            }
            else
            {
                _total -= n;
            }
            _lk.Release();
            return true;
        }
        """);

    [Fact]
    public Task ReleaseOnOneBranchIsLeak() => Flagged(Fields + """
        int _total;
        void M(bool flag)
        {
            {|#0:_sem.Wait()|};
            if (flag)
            {
                _total++;
                _sem.Release();
            }
        }
        """, Leak("_sem"));

    [Fact]
    public Task AwaitedAcquireThenAwaitIsLeakOnException() => Flagged(Fields + """
        int _total;
        async Task M(CancellationToken ct)
        {
            await {|#0:_sem.WaitAsync(ct)|}.ConfigureAwait(false);
            await Task.Delay(10, ct).ConfigureAwait(false);
            _total++;
            _sem.Release();
        }
        """, LeakOnException("_sem"));

    [Fact]
    public Task LambdaBetweenAcquireAndReleaseDoesNotThrowThere() => NotFlagged(Fields + """
        void M()
        {
            _lk.Acquire();
            Action a = () => Console.WriteLine("later");
            _lk.Release();
            a();
        }
        """);

    [Fact]
    public Task AcquireInLambdaBodyNeverReleased() => Flagged(Fields + """
        void M()
        {
            Action a = () =>
            {
                {|#0:_lk.Acquire()|};
                Console.WriteLine("work");
            };
            a();
        }
        """, Leak("_lk"));

    [Fact]
    public Task ConstantLocalConditionTakesOneBranch() => NotFlagged(Fields + """
        void M()
        {
            var release = true;
            _lk.Acquire();
            if (release)
            {
                _lk.Release();
            }
        }
        """);

    [Fact]
    public Task ConditionalAndConditionStillLeak() => Flagged(Fields + """
        void M(int n)
        {
            {|#0:_lk.Acquire()|};
            if (n > 0 && n < 5)
            {
                return;
            }
            _lk.Release();
        }
        """, Leak("_lk"));

    [Fact]
    public Task CodeAfterReturnIsNotOnAnyPath() => NotFlagged(Fields + """
        void M()
        {
            _lk.Acquire();
            _lk.Release();
            return;
            Console.WriteLine("unreachable");
        }
        """);

    [Fact]
    public Task ReleaseInReturnedValueCounts() => NotFlagged(Fields + """
        int M()
        {
            _sem.Wait();
            return _sem.Release();
        }
        """);

    [Fact]
    public Task LoopAfterAcquireIsLeftToTheGraph() => Flagged(Fields + """
        void M(int[] items)
        {
            {|#0:_lk.Acquire()|};
            foreach (var i in items)
            {
                Console.WriteLine(i);
            }
            _lk.Release();
        }
        """, LeakOnException("_lk"));

    public static TheoryData<string, string> BothWays => new()
    {
        { "straight, calls", "void M(int n) { var b = n + 1; _lk.Acquire(); Console.WriteLine(b); _lk.Release(); }" },
        { "straight, no calls", "void M(int n) { _lk.Acquire(); _total += n; _lk.Release(); }" },
        { "never released", "void M() { _lk.Acquire(); Console.WriteLine(); }" },
        { "released in another member", "void Enter() { _lk.Acquire(); } void Exit() { _lk.Release(); }" },
        { "local never released", "void M(ProcessLock lk) { lk.Acquire(); Console.WriteLine(); }" },
        { "early return", "bool M(int n) { _lk.Acquire(); if (n > 10) { return false; } _total -= n; _lk.Release(); return true; }" },
        { "released on every branch", "bool M(int n) { _lk.Acquire(); if (n > 10) { _lk.Release(); return false; } else { _total -= n; } _lk.Release(); return true; }" },
        { "released on one branch", "void M(bool flag) { _sem.Wait(); if (flag) { _total++; _sem.Release(); } }" },
        { "else releases", "void M(bool flag) { Monitor.Enter(_gate); if (flag) { Console.WriteLine(); } else { Monitor.Exit(_gate); } }" },
        { "condition can throw", "void M(string s) { Monitor.Enter(_gate); if (int.Parse(s) > 0) { _total++; } Monitor.Exit(_gate); }" },
        { "awaited", "async Task M(CancellationToken ct) { await _sem.WaitAsync(ct).ConfigureAwait(false); await Task.Delay(10, ct).ConfigureAwait(false); _total++; _sem.Release(); }" },
        { "lambda in between", "void M() { _lk.Acquire(); Action a = () => Console.WriteLine(); _lk.Release(); a(); }" },
        { "release only in a lambda", "void M() { _lk.Acquire(); Action a = () => _lk.Release(); a(); }" },
        { "in a lambda", "void M() { Action a = () => { _lk.Acquire(); Console.WriteLine(); }; a(); }" },
        { "in a local function", "void M() { Run(); void Run() { _sem.Wait(); _total++; } }" },
        { "expression body", "void M() => _lk.Acquire();" },
        { "constructor", "C(int n) { Monitor.Enter(_gate); _total = n; }" },
        { "constant local condition", "void M() { var release = true; _lk.Acquire(); if (release) { _lk.Release(); } }" },
        { "constant comparison", "void M() { var v = 42; _lk.Acquire(); if (v == 42) { _lk.Release(); } }" },
        { "negated parameter", "void M(bool b) { _lk.Acquire(); if (!b) { _lk.Release(); return; } _lk.Release(); }" },
        { "held check", "void M() { Monitor.Enter(_gate); Console.WriteLine(); if (Monitor.IsEntered(_gate)) { Monitor.Exit(_gate); } }" },
        { "&& condition", "void M(int n) { _lk.Acquire(); if (n > 0 && n < 5) { return; } _lk.Release(); }" },
        { "?: between", "void M(int n) { _lk.Acquire(); _total = n > 0 ? n : -n; _lk.Release(); }" },
        { "with between", "void M(R r) { _lk.Acquire(); _r = r with { A = 1 }; _lk.Release(); }" },
        { "initializer with release", "void M() { _sem.Wait(); var h = new Holder { Value = _sem.Release() }; _total = h.Value; }" },
        { "two declarators", "void M() { _sem.Wait(); int a = _sem.Release(), b = int.Parse(\"1\"); _total = a + b; }" },
        { "after return", "void M() { _lk.Acquire(); _lk.Release(); return; Console.WriteLine(); }" },
        { "returned release", "int M() { _sem.Wait(); return _sem.Release(); }" },
        { "statement before is a loop", "void M(int[] xs) { foreach (var x in xs) { _total += x; } _lk.Acquire(); Console.WriteLine(); _lk.Release(); }" },
        { "loop after", "void M(int[] items) { _lk.Acquire(); foreach (var i in items) { Console.WriteLine(i); } _lk.Release(); }" },
        { "try/finally after", "void M() { _lk.Acquire(); Console.WriteLine(); try { _total++; } finally { _lk.Release(); } }" },
        { "nested block", "void M() { { _lk.Acquire(); } Console.WriteLine(); _lk.Release(); }" },
        { "acquire as argument", "void M() { Use(_sem.WaitAsync()); _sem.Release(); }" },
        { "throw after", "void M(int n) { _lk.Acquire(); if (n < 0) { throw new ArgumentException(); } _lk.Release(); }" },
    };

    [Theory]
    [MemberData(nameof(BothWays))]
    public async Task Tree_and_graph_analyses_agree(string name, string member)
    {
        var source = "using System;\nusing System.Threading;\nusing System.Threading.Tasks;\nusing Multiproc;\n\n"
            + "public record R(int A);\npublic class Holder { public int Value { get; set; } }\n"
            + "class C\n{\n" + Fields + "private readonly object _gate = new();\nprivate int _total;\nprivate R? _r;\n"
            + "static void Use(Task t) { }\n" + member + "\n}\n";
        var tree = await DiagnosticsAsync(source, structuredFlow: true);
        var graph = await DiagnosticsAsync(source, structuredFlow: false);
        Assert.True(graph.SequenceEqual(tree), $"{name}: graph [{string.Join(", ", graph)}], tree [{string.Join(", ", tree)}]");
    }

    private static async Task<ImmutableArray<string>> DiagnosticsAsync(string source, bool structuredFlow)
    {
        var compilation = CSharpCompilation.Create("t", new[] { CSharpSyntaxTree.ParseText(source) }, TestReferences.All,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
        var errors = compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        Assert.True(errors.Count == 0, string.Join("\n", errors));
        var diagnostics = await compilation.WithAnalyzers(ImmutableArray.Create<DiagnosticAnalyzer>(new LockNotReleasedAnalyzer(structuredFlow, eagerFixProperties: true)))
            .GetAnalyzerDiagnosticsAsync(CancellationToken.None);
        return diagnostics
            .OrderBy(d => d.Location.SourceSpan.Start).ThenBy(d => d.Descriptor.Title.ToString(), StringComparer.Ordinal)
            .Select(d => $"{d.Id} {d.Location.SourceSpan} {d.GetMessage(System.Globalization.CultureInfo.InvariantCulture)} "
                + string.Join(";", d.Properties.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => p.Key + "=" + p.Value)))
            .ToImmutableArray();
    }
}
