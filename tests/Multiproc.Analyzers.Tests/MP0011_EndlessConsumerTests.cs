using Verify = Multiproc.Analyzers.Tests.Verifiers.CSharpCodeFixVerifier<
    Multiproc.Analyzers.MultiprocAnalyzer,
    Multiproc.Analyzers.Tests.Verifiers.MP0011Rule,
    Multiproc.CodeFixes.EndlessConsumerFixer>;

namespace Multiproc.Analyzers.Tests;

public class MP0011_EndlessConsumerTests
{
    private const string Consumer = """
            static void Consume(ProcessQueue<string> q)
            {
                while (true)
                {
                    var item = q.Get();
                    Console.WriteLine(item);
                }
            }
        """;

    private static string Program(string main, string consumer = Consumer) => $$"""
        using System;
        using System.Threading;
        using Multiproc;

        public static class Program
        {
        {{consumer}}

            public static void Main()
            {
        {{main}}
            }
        }
        """;

    [Fact]
    public async Task NonDaemonEndlessConsumer_IsFlagged_FixInsertsDaemonAfterDeclaration()
    {
        var source = Program("""
                    var q = new ProcessQueue<string>();
                    var c = {|#0:new ChildProcess(() => Consume(q))|};
                    c.Start();
                    q.Put("x");
            """);
        var fixedSource = Program("""
                    var q = new ProcessQueue<string>();
                    var c = new ChildProcess(() => Consume(q));
                    c.Daemon = true;
                    c.Start();
                    q.Put("x");
            """);
        await Verify.VerifyCodeFixAsync(source, fixedSource, EndlessConsumerFixer.EquivalenceKey,
            Verify.Diagnostic(Descriptors.MP0011_EndlessConsumerNotDaemon).WithLocation(0).WithArguments("c", "Consume"));
    }

    [Fact]
    public async Task ObjectInitializer_FixAddsDaemonToIt()
    {
        var source = Program("""
                    var q = new ProcessQueue<string>();
                    var c = {|#0:new ChildProcess(() => Consume(q)) { Name = "consumer" }|};
                    c.Start();
            """);
        var fixedSource = Program("""
                    var q = new ProcessQueue<string>();
                    var c = new ChildProcess(() => Consume(q)) { Name = "consumer", Daemon = true };
                    c.Start();
            """);
        await Verify.VerifyCodeFixAsync(source, fixedSource, EndlessConsumerFixer.EquivalenceKey,
            Verify.Diagnostic(Descriptors.MP0011_EndlessConsumerNotDaemon).WithLocation(0).WithArguments("c", "Consume"));
    }

    [Fact]
    public async Task ExplicitDaemonFalse_FixTurnsItTrue()
    {
        var source = Program("""
                    var q = new ProcessQueue<string>();
                    var c = {|#0:new ChildProcess(() => Consume(q))|};
                    c.Daemon = false;
                    c.Start();
            """);
        var fixedSource = Program("""
                    var q = new ProcessQueue<string>();
                    var c = new ChildProcess(() => Consume(q));
                    c.Daemon = true;
                    c.Start();
            """);
        await Verify.VerifyCodeFixAsync(source, fixedSource, EndlessConsumerFixer.EquivalenceKey,
            Verify.Diagnostic(Descriptors.MP0011_EndlessConsumerNotDaemon).WithLocation(0).WithArguments("c", "Consume"));
    }

    [Fact]
    public async Task StartedWithoutLocal_FixAddsObjectInitializer()
    {
        var source = Program("""
                    var q = new ProcessQueue<string>();
                    {|#0:new ChildProcess(() => Consume(q))|}.Start();
            """);
        var fixedSource = Program("""
                    var q = new ProcessQueue<string>();
                    new ChildProcess(() => Consume(q)) { Daemon = true }.Start();
            """);
        await Verify.VerifyCodeFixAsync(source, fixedSource, EndlessConsumerFixer.EquivalenceKey,
            Verify.Diagnostic(Descriptors.MP0011_EndlessConsumerNotDaemon).WithLocation(0).WithArguments("Consume", "Consume"));
    }

    [Fact]
    public async Task ForEverLoopWithGetAsync_IsFlagged()
    {
        const string consumer = """
                static async System.Threading.Tasks.Task ConsumeAsync(ProcessQueue<int> q)
                {
                    for (;;)
                    {
                        var item = await q.GetAsync();
                        Console.WriteLine(item);
                    }
                }
            """;
        var source = Program("""
                    var q = new ProcessQueue<int>();
                    var c = {|#0:new ChildProcess(() => ConsumeAsync(q))|};
                    c.Start();
            """, consumer);
        await Verify.VerifyAnalyzerAsync(source,
            Verify.Diagnostic(Descriptors.MP0011_EndlessConsumerNotDaemon).WithLocation(0).WithArguments("c", "ConsumeAsync"));
    }

    [Fact]
    public async Task FixAll_MakesEveryConsumerADaemon()
    {
        var source = Program("""
                    var q = new ProcessQueue<string>();
                    var c1 = {|#0:new ChildProcess(() => Consume(q))|};
                    var c2 = {|#1:new ChildProcess(() => Consume(q)) { Name = "two" }|};
                    c1.Start();
                    c2.Start();
            """);
        var fixedSource = Program("""
                    var q = new ProcessQueue<string>();
                    var c1 = new ChildProcess(() => Consume(q));
                    c1.Daemon = true;
                    var c2 = new ChildProcess(() => Consume(q)) { Name = "two", Daemon = true };
                    c1.Start();
                    c2.Start();
            """);
        await Verify.VerifyFixAllAsync(source, fixedSource, EndlessConsumerFixer.EquivalenceKey,
            Verify.Diagnostic(Descriptors.MP0011_EndlessConsumerNotDaemon).WithLocation(0).WithArguments("c1", "Consume"),
            Verify.Diagnostic(Descriptors.MP0011_EndlessConsumerNotDaemon).WithLocation(1).WithArguments("c2", "Consume"));
    }

    [Fact]
    public async Task DaemonInInitializer_IsNotFlagged()
    {
        var source = Program("""
                    var q = new ProcessQueue<string>();
                    var c = new ChildProcess(() => Consume(q)) { Daemon = true };
                    c.Start();
            """);
        await Verify.VerifyAnalyzerAsync(source);
    }

    [Fact]
    public async Task DaemonSetBeforeStart_IsNotFlagged()
    {
        var source = Program("""
                    var q = new ProcessQueue<string>();
                    var c = new ChildProcess(() => Consume(q));
                    c.Daemon = true;
                    c.Start();
            """);
        await Verify.VerifyAnalyzerAsync(source);
    }

    [Fact]
    public async Task DaemonFromVariable_IsNotFlagged()
    {
        var source = Program("""
                    var q = new ProcessQueue<string>();
                    var daemon = Environment.ProcessorCount > 0;
                    var c = new ChildProcess(() => Consume(q)) { Daemon = daemon };
                    c.Start();
            """);
        await Verify.VerifyAnalyzerAsync(source);
    }

    [Theory]
    [InlineData("if (item is null) break;")]
    [InlineData("if (item is null) return;")]
    [InlineData("if (item is null) throw new InvalidOperationException();")]
    public async Task LoopThatExitsOnSentinel_IsNotFlagged(string exit)
    {
        var consumer = $$"""
                static void Consume(ProcessQueue<string?> q)
                {
                    while (true)
                    {
                        var item = q.Get();
                        {{exit}}
                        Console.WriteLine(item);
                    }
                }
            """;
        var source = Program("""
                    var q = new ProcessQueue<string?>();
                    var c = new ChildProcess(() => Consume(q));
                    c.Start();
                    q.Put(null);
                    c.Join();
            """, consumer);
        await Verify.VerifyAnalyzerAsync(source);
    }

    [Fact]
    public async Task TimeoutCaughtToLeave_IsNotFlagged()
    {
        const string consumer = """
                static void Consume(ProcessQueue<string> q)
                {
                    while (true)
                    {
                        try { Console.WriteLine(q.Get(TimeSpan.FromSeconds(1))); }
                        catch (QueueEmptyException) { return; }
                    }
                }
            """;
        var source = Program("""
                    var q = new ProcessQueue<string>();
                    var c = new ChildProcess(() => Consume(q));
                    c.Start();
                    c.Join();
            """, consumer);
        await Verify.VerifyAnalyzerAsync(source);
    }

    [Fact]
    public async Task EndlessLoopWithoutQueue_IsNotFlagged()
    {
        const string consumer = """
                static void Spin(int ms)
                {
                    while (true) Thread.Sleep(ms);
                }
            """;
        var source = Program("""
                    var c = new ChildProcess(() => Spin(10));
                    c.Start();
            """, consumer);
        await Verify.VerifyAnalyzerAsync(source);
    }

    [Fact]
    public async Task TargetInAnotherFile_IsFlaggedAtCompilationEnd()
    {
        var test = new Verifiers.CSharpAnalyzerVerifier<MultiprocAnalyzer, Verifiers.MP0011Rule>.Test();
        test.TestState.Sources.Add(("/0/Consumers.cs", """
            using System;
            using Multiproc;

            public static class Consumers
            {
                public static void Consume(ProcessQueue<string> q)
                {
                    while (true) Console.WriteLine(q.Get());
                }
            }
            """));
        test.TestState.Sources.Add(("/0/Program.cs", """
            using Multiproc;

            public static class Program
            {
                public static void Main()
                {
                    var q = new ProcessQueue<string>();
                    var c = {|#0:new ChildProcess(() => Consumers.Consume(q))|};
                    c.Start();
                }
            }
            """));
        test.ExpectedDiagnostics.Add(Verify.Diagnostic(Descriptors.MP0011_EndlessConsumerNotDaemon).WithLocation(0).WithArguments("c", "Consume"));
        await test.RunAsync(CancellationToken.None);
    }
}
