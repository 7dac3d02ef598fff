using System.Collections.Immutable;
using Microsoft.CodeAnalysis.Diagnostics;
using Verify = Multiproc.Analyzers.Tests.Verifiers.CSharpCodeFixVerifier<
    Multiproc.Analyzers.LockNotReleasedAnalyzer,
    Multiproc.CodeFixes.LockNotReleasedFixer>;

namespace Multiproc.Analyzers.Tests;

/// <summary>
/// MP0002's fix properties are computed by the fixer (<c>LockNotReleased.FixPropertiesAt</c>), not reported by the analyzer:
/// on a set of sources with every fix kind (Hold, Lock, TryFinally), <c>new Mutex(true, …)</c> (LockVariable), an await in the
/// region, the region closed by a release (ReleaseStart) or by the end of the block, and no fix at all, the fixer's entry
/// point gives what the analyzer's eager switch reports (<see cref="FixPropertiesAgreement"/>, which every
/// <see cref="LockCases"/> case runs too), and each case has the properties stated here. The fixer still takes properties a
/// diagnostic carries (an analyzer that computed them), with the same fixes.
/// </summary>
public class MP0002_FixPropertiesTests
{
    private const string Fields = "private readonly ProcessLock _lk = new();\nprivate readonly object _sync = new();\nprivate readonly SemaphoreSlim _sem = new(1, 1);\n";

    /// <summary>Name, the members of class <c>C</c>, and the properties of its one diagnostic (ReleaseStart as "@" when present).</summary>
    public static TheoryData<string, string, string> Cases => new()
    {
        { "hold, released", """
            void M()
            {
                _lk.Acquire();
                Console.WriteLine("in");
                _lk.Release();
                Console.WriteLine("out");
            }
            """, "FixKind=Hold;ReleaseName=Release;ReleaseStart=@;ReleaseTakesLock=false" },
        { "hold, never released", """
            void M()
            {
                _lk.Acquire();
                Console.WriteLine("in");
            }
            """, "FixKind=Hold;ReleaseName=Release;ReleaseTakesLock=false" },
        { "lock, Monitor pair", """
            void M()
            {
                Monitor.Enter(_sync);
                Console.WriteLine("in");
                Monitor.Exit(_sync);
            }
            """, "FixKind=Lock;ReleaseName=Exit;ReleaseStart=@;ReleaseTakesLock=true" },
        { "Monitor pair around an await: try/finally", """
            async Task M()
            {
                Monitor.Enter(_sync);
                await Task.Delay(1);
                Monitor.Exit(_sync);
            }
            """, "FixKind=TryFinally;ReleaseName=Exit;ReleaseStart=@;ReleaseTakesLock=true" },
        { "Monitor without Exit: try/finally", """
            void M(bool b)
            {
                Monitor.Enter(_sync);
                if (b) return;
                Console.WriteLine("in");
            }
            """, "FixKind=TryFinally;ReleaseName=Exit;ReleaseTakesLock=true" },
        { "awaited WaitAsync with ConfigureAwait", """
            async Task M(CancellationToken ct)
            {
                await _sem.WaitAsync(ct).ConfigureAwait(false);
                await Task.Delay(10, ct).ConfigureAwait(false);
                _sem.Release();
            }
            """, "FixKind=TryFinally;ReleaseName=Release;ReleaseStart=@;ReleaseTakesLock=false" },
        { "new Mutex(true), no release", """
            void M()
            {
                var m = new Mutex(true);
                Console.WriteLine("work");
            }
            """, "FixKind=TryFinally;LockVariable=m;ReleaseName=ReleaseMutex;ReleaseTakesLock=false" },
        { "using var new Mutex(true, name), released", """
            void M()
            {
                using var m = new Mutex(true, "tickets");
                Console.WriteLine("work");
                m.ReleaseMutex();
                Console.WriteLine("after");
            }
            """, "FixKind=TryFinally;LockVariable=m;ReleaseName=ReleaseMutex;ReleaseStart=@;ReleaseTakesLock=false" },
        { "legacy reader lock", """
            void M(ReaderWriterLock rw)
            {
                rw.AcquireReaderLock(1000);
                Console.WriteLine("read");
            }
            """, "FixKind=TryFinally;ReleaseName=ReleaseReaderLock;ReleaseTakesLock=false" },
        { "in a lambda's block", """
            void M()
            {
                Action a = () =>
                {
                    _lk.Acquire();
                    Console.WriteLine("work");
                };
                a();
            }
            """, "FixKind=Hold;ReleaseName=Release;ReleaseTakesLock=false" },
        { "in a lambda of a field initializer", """
            private static readonly object Gate = new();
            private static readonly Action Run = () =>
            {
                Monitor.Enter(Gate);
                Console.WriteLine("work");
                Monitor.Exit(Gate);
            };
            """, "FixKind=Lock;ReleaseName=Exit;ReleaseStart=@;ReleaseTakesLock=true" },
        { "no fix: new Mutex with out createdNew", """
            void M()
            {
                using var m = new Mutex(true, "tickets", out bool created);
                Console.WriteLine(created);
            }
            """, "" },
        { "no fix: TryEnter with ref lockTaken", """
            void M()
            {
                bool taken = false;
                Monitor.TryEnter(_sync, 10, ref taken);
                if (taken) Console.WriteLine("in");
            }
            """, "" },
        { "no fix: a region local used after the release", """
            void M()
            {
                _lk.Acquire();
                var value = Environment.TickCount;
                Console.WriteLine(value);
                _lk.Release();
                Console.WriteLine(value);
            }
            """, "" },
        { "no fix: a release in a branch of the region", """
            void M(bool ok)
            {
                _lk.Acquire();
                if (ok) _lk.Release();
            }
            """, "" },
        { "no fix: the acquire is not a statement of a block", """
            void M(bool ok)
            {
                if (ok) _lk.Acquire();
                Console.WriteLine("in");
            }
            """, "" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Fixer_computes_what_the_analyzer_reported(string name, string members, string expected)
    {
        var described = await FixPropertiesAgreement.AssertAgreeAsync(Source(members));
        var single = Assert.Single(described);
        var properties = single[(single.IndexOf(" | ", StringComparison.Ordinal) + 3)..];
        Assert.True(expected == ReleaseStartAsMarker(properties), $"{name}: {properties}");
    }

    [Fact]
    public async Task The_cases_cover_every_kind_and_property()
    {
        var all = new List<string>();
        foreach (var row in Cases)
            all.AddRange(await FixPropertiesAgreement.AssertAgreeAsync(Source((string)row[1])));
        foreach (var needed in new[] { "FixKind=Hold", "FixKind=Lock", "FixKind=TryFinally", "LockVariable=", "ReleaseStart=", "ReleaseTakesLock=true", "ReleaseTakesLock=false" })
            Assert.Contains(all, d => d.Contains(needed, StringComparison.Ordinal));
        Assert.Contains(all, d => d.EndsWith(" | ", StringComparison.Ordinal));                                       // no fix
        Assert.Contains(all, d => d.Contains("FixKind=", StringComparison.Ordinal) && !d.Contains("ReleaseStart=", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_analyzer_reports_no_properties()
    {
        var compilation = Compile(Source("""
            void M()
            {
                _lk.Acquire();
                Console.WriteLine("in");
                _lk.Release();
            }
            """));
        var diagnostics = await compilation.WithAnalyzers(ImmutableArray.Create<DiagnosticAnalyzer>(new LockNotReleasedAnalyzer())).GetAnalyzerDiagnosticsAsync(CancellationToken.None);
        Assert.Empty(Assert.Single(diagnostics).Properties);
    }

    /// <summary>Nodes that are not an MP0002 acquire give no properties: the release, another call, the lock argument, the method.</summary>
    [Theory]
    [InlineData("Monitor.Exit(_sync)")]
    [InlineData("Console.WriteLine(\"in\")")]
    [InlineData("_sync")]
    [InlineData("void M()")]
    public void Nothing_at_a_node_that_is_not_an_acquire(string text)
    {
        var compilation = Compile(Source("""
            void M()
            {
                Monitor.Enter(_sync);
                Console.WriteLine("in");
                Monitor.Exit(_sync);
            }
            """));
        var tree = compilation.SyntaxTrees.Single();
        var model = compilation.GetSemanticModel(tree);
        var start = tree.GetText().ToString().LastIndexOf(text, StringComparison.Ordinal);
        var node = tree.GetRoot().FindNode(new Microsoft.CodeAnalysis.Text.TextSpan(start, text.Length), getInnermostNodeForTie: true);
        if (text == "void M()") node = node.FirstAncestorOrSelf<Microsoft.CodeAnalysis.CSharp.Syntax.MethodDeclarationSyntax>()!;
        Assert.Empty(LockNotReleased.FixPropertiesAt(model, node, CancellationToken.None));

        // The same lookup at the acquire does give them (the test above is not vacuous).
        var acquire = tree.GetText().ToString().IndexOf("Monitor.Enter(_sync)", StringComparison.Ordinal);
        var at = tree.GetRoot().FindNode(new Microsoft.CodeAnalysis.Text.TextSpan(acquire, "Monitor.Enter(_sync)".Length), getInnermostNodeForTie: true);
        Assert.Equal("Lock", LockNotReleased.FixPropertiesAt(model, at, CancellationToken.None)[LockNotReleased.FixKindProperty]);
    }

    // A diagnostic that carries the properties (an analyzer that computed them) is fixed from them, the same way.

    [Fact]
    public Task Fix_from_reported_properties() => EagerFixAsync(LockSources.IndentedClassC("""
        static void M(ProcessLock lk)
        {
            {|#0:lk.Acquire()|};
            Console.WriteLine("in");
            lk.Release();
            Console.WriteLine("out");
        }
        """), LockSources.IndentedClassC("""
        static void M(ProcessLock lk)
        {
            using (lk.Hold())
            {
                Console.WriteLine("in");
            }
            Console.WriteLine("out");
        }
        """), LockNotReleasedFixer.HoldEquivalenceKey, fixAll: false,
        Verify.Diagnostic(Descriptors.MP0002_LockNotReleasedOnException).WithLocation(0).WithArguments("lk"));

    [Fact]
    public Task Fix_mutex_creation_from_reported_properties() => EagerFixAsync(LockSources.IndentedClassC("""
        static void M()
        {
            var m = {|#0:new Mutex(true)|};
            Console.WriteLine("work");
        }
        """), LockSources.IndentedClassC(LockSources.AcquireTryFinally("static void M()", "var m = new Mutex(true)", "Console.WriteLine(\"work\");", "m.ReleaseMutex()")),
        LockNotReleasedFixer.TryFinallyEquivalenceKey, fixAll: false,
        Verify.Diagnostic(Descriptors.MP0002_LockNotReleased).WithLocation(0).WithArguments("m"));

    [Fact]
    public Task Fix_all_from_reported_properties() => EagerFixAsync(LockSources.Usings + """
        class C
        {
            static void A(object gate)
            {
                {|#0:Monitor.Enter(gate)|};
                Console.WriteLine("a");
                Monitor.Exit(gate);
            }

            static void B(object other)
            {
                {|#1:Monitor.Enter(other)|};
                Console.WriteLine("b");
                Monitor.Exit(other);
            }
        }
        """, LockSources.Usings + """
        class C
        {
            static void A(object gate)
            {
                lock (gate)
                {
                    Console.WriteLine("a");
                }
            }

            static void B(object other)
            {
                lock (other)
                {
                    Console.WriteLine("b");
                }
            }
        }
        """, LockNotReleasedFixer.LockEquivalenceKey, fixAll: true,
        Verify.Diagnostic(Descriptors.MP0002_LockNotReleasedOnException).WithLocation(0).WithArguments("gate"),
        Verify.Diagnostic(Descriptors.MP0002_LockNotReleasedOnException).WithLocation(1).WithArguments("other"));

    /// <summary>The fix test of the MP0002 cases, with the analyzer's eager switch on: its diagnostics carry the properties.</summary>
    private sealed class EagerTest : Verify.Test
    {
        protected override IEnumerable<DiagnosticAnalyzer> GetDiagnosticAnalyzers() =>
            [new LockNotReleasedAnalyzer(structuredFlow: true, eagerFixProperties: true)];
    }

    /// <summary>Like <see cref="LockCases.Fixed"/> and <see cref="LockCases.FixedAll"/> (Fix All in document, project and solution with <paramref name="fixAll"/>).</summary>
    private static Task EagerFixAsync(string source, string fixedSource, string equivalenceKey, bool fixAll, params DiagnosticResult[] expected)
    {
        var test = new EagerTest { TestCode = source, FixedCode = fixedSource, CodeActionEquivalenceKey = equivalenceKey };
        if (fixAll)
        {
            test.NumberOfFixAllIterations = 1;
            test.NumberOfFixAllInDocumentIterations = 1;
            test.NumberOfFixAllInProjectIterations = 1;
        }
        test.ExpectedDiagnostics.AddRange(expected);
        return test.RunAsync(CancellationToken.None);
    }

    private static string Source(string members) => LockSources.ClassC(Fields + members);

    private static CSharpCompilation Compile(string source) =>
        CSharpCompilation.Create("t", new[] { CSharpSyntaxTree.ParseText(source, new CSharpParseOptions(LanguageVersion.CSharp12)) }, TestReferences.All,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));

    /// <summary>The properties with ReleaseStart's position written "@" (the cases state whether it is there, not where).</summary>
    private static string ReleaseStartAsMarker(string properties) =>
        System.Text.RegularExpressions.Regex.Replace(properties, "ReleaseStart=[0-9]+", "ReleaseStart=@");
}
