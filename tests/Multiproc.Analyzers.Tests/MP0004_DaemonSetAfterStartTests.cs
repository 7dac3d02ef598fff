using Verify = Multiproc.Analyzers.Tests.Verifiers.CSharpCodeFixVerifier<Multiproc.Analyzers.MultiprocAnalyzer, Multiproc.Analyzers.Tests.Verifiers.MP0004Rule, Multiproc.CodeFixes.DaemonSetAfterStartFixer>;

namespace Multiproc.Analyzers.Tests;

public class MP0004_DaemonSetAfterStartTests
{
    private const string Usings = "using System;\nusing System.Collections.Generic;\nusing Multiproc;\n\n";

    private static Microsoft.CodeAnalysis.Testing.DiagnosticResult Expected(string name, int location = 0) =>
        Verify.Diagnostic(Descriptors.MP0004_DaemonSetAfterStart).WithLocation(location).WithArguments(name);

    private static Task Check(string members, params Microsoft.CodeAnalysis.Testing.DiagnosticResult[] expected) =>
        Verify.VerifyAnalyzerAsync(Usings + "class C\n{\n    static void Work() { }\n" + members + "\n}\n", expected);

    // ---------------------------------------------------------------- flagged

    [Fact]
    public Task SetRightAfterStart() => Check("""
        static void M()
        {
            var p = new ChildProcess(() => Work());
            p.Start();
            {|#0:p.Daemon = true|};
            p.Join();
        }
        """, Expected("p"));

    [Fact]
    public Task SetOnOneBranchAfterStart() => Check("""
        static void M(bool background)
        {
            var p = new ChildProcess(() => Work());
            p.Start();
            if (background)
            {
                {|#0:p.Daemon = true|};
            }
        }
        """, Expected("p"));

    [Fact]
    public Task StartOnOneBranchThenSet() => Check("""
        static void M(bool early)
        {
            var p = new ChildProcess(() => Work());
            if (early) p.Start();
            {|#0:p.Daemon = true|};
        }
        """, Expected("p"));

    [Fact]
    public Task FieldProcess() => Check("""
        private ChildProcess _worker = new ChildProcess(() => Work());
        void M()
        {
            _worker.Start();
            {|#0:_worker.Daemon = false|};
        }
        """, Expected("_worker"));

    [Fact]
    public Task ParameterProcessSetLaterInLoop() => Check("""
        static void M(ChildProcess p, int n)
        {
            for (var i = 0; i < n; i++)
            {
                if (i == 1) {|#0:p.Daemon = true|};
                if (i == 0) p.Start();
            }
        }
        """, Expected("p"));

    // ---------------------------------------------------------------- not flagged

    [Fact]
    public Task SetBeforeStart() => Check("""
        static void M()
        {
            var p = new ChildProcess(() => Work());
            p.Daemon = true;
            p.Start();
            p.Join();
        }
        """);

    [Fact]
    public Task SetInObjectInitializer() => Check("""
        static void M()
        {
            var p = new ChildProcess(() => Work()) { Daemon = true };
            p.Start();
        }
        """);

    [Fact]
    public Task SetOnAnotherProcess() => Check("""
        static void M()
        {
            var p = new ChildProcess(() => Work());
            var q = new ChildProcess(() => Work());
            p.Start();
            q.Daemon = true;
            q.Start();
        }
        """);

    [Fact]
    public Task ReadAfterStart() => Check("""
        static void M()
        {
            var p = new ChildProcess(() => Work());
            p.Start();
            Console.WriteLine(p.Daemon);
            var d = p.Daemon;
        }
        """);

    [Fact]
    public Task FreshProcessEachLoopIteration() => Check("""
        static void M(int n)
        {
            var all = new List<ChildProcess>();
            for (var i = 0; i < n; i++)
            {
                var p = new ChildProcess(() => Work());
                p.Daemon = true;
                p.Start();
                all.Add(p);
            }
        }
        """);

    [Fact]
    public Task VariableReassignedBeforeSet() => Check("""
        static void M()
        {
            var p = new ChildProcess(() => Work());
            p.Start();
            p = new ChildProcess(() => Work());
            p.Daemon = true;
            p.Start();
        }
        """);

    // ---------------------------------------------------------------- fixes

    [Fact]
    public Task FixMovesAssignmentBeforeStart() => Verify.VerifyCodeFixAsync(Usings + """
        class C
        {
            static void Work() { }

            static void M()
            {
                var p = new ChildProcess(() => Work());
                p.Start();
                Console.WriteLine("started");
                {|#0:p.Daemon = true|};
                p.Join();
            }
        }
        """, Usings + """
        class C
        {
            static void Work() { }

            static void M()
            {
                var p = new ChildProcess(() => Work());
                p.Daemon = true;
                p.Start();
                Console.WriteLine("started");
                p.Join();
            }
        }
        """, DaemonSetAfterStartFixer.EquivalenceKey, Expected("p"));

    [Fact]
    public Task FixIntoEmbeddedStartStatement() => Verify.VerifyCodeFixAsync(Usings + """
        class C
        {
            static void Work() { }

            static void M(bool early)
            {
                var p = new ChildProcess(() => Work());
                if (early) p.Start();
                {|#0:p.Daemon = true|};
            }
        }
        """, Usings + """
        class C
        {
            static void Work() { }

            static void M(bool early)
            {
                var p = new ChildProcess(() => Work());
                if (early)
                {
                    p.Daemon = true;
                    p.Start();
                }
            }
        }
        """, DaemonSetAfterStartFixer.EquivalenceKey, Expected("p"));

    [Fact]
    public Task NoFixForConditionalAssignment()
    {
        var source = Usings + """
            class C
            {
                static void Work() { }

                static void M(bool background)
                {
                    var p = new ChildProcess(() => Work());
                    p.Start();
                    if (background) {|#0:p.Daemon = true|};
                }
            }
            """;
        return Verify.VerifyCodeFixAsync(source, source, DaemonSetAfterStartFixer.EquivalenceKey, Expected("p"));
    }

    [Fact]
    public Task NoFixWhenValueIsComputedAfterStart()
    {
        var source = Usings + """
            class C
            {
                static void Work() { }

                static void M()
                {
                    var p = new ChildProcess(() => Work());
                    p.Start();
                    var background = Environment.ProcessorCount > 1;
                    {|#0:p.Daemon = background|};
                }
            }
            """;
        return Verify.VerifyCodeFixAsync(source, source, DaemonSetAfterStartFixer.EquivalenceKey, Expected("p"));
    }

    [Fact]
    public Task FixAll() => Verify.VerifyFixAllAsync(Usings + """
        class C
        {
            static void Work() { }

            static void A()
            {
                var p = new ChildProcess(() => Work());
                p.Start();
                {|#0:p.Daemon = true|};
            }

            static void B()
            {
                var q = new ChildProcess(() => Work());
                q.Start();
                {|#1:q.Daemon = false|};
                q.Join();
            }
        }
        """, Usings + """
        class C
        {
            static void Work() { }

            static void A()
            {
                var p = new ChildProcess(() => Work());
                p.Daemon = true;
                p.Start();
            }

            static void B()
            {
                var q = new ChildProcess(() => Work());
                q.Daemon = false;
                q.Start();
                q.Join();
            }
        }
        """, DaemonSetAfterStartFixer.EquivalenceKey, Expected("p"), Expected("q", 1));
}
