using Verify = Multiproc.Analyzers.Tests.Verifiers.CSharpCodeFixVerifier<Multiproc.Analyzers.MultiprocAnalyzer, Multiproc.Analyzers.Tests.Verifiers.MP0011Rule, Multiproc.CodeFixes.EndlessConsumerFixer>;

namespace Multiproc.Analyzers.Tests;

public class MP0011_EndlessConsumerTests
{
    private static DiagnosticResult NotDaemon(string process, string target, int location = 0) =>
        Verify.Diagnostic(Descriptors.MP0011_EndlessConsumerNotDaemon).WithLocation(location).WithArguments(process, target);

    private static Task Flagged(string main, DiagnosticResult expected, string consumer = QueueSources.Consumer) =>
        Verify.VerifyAnalyzerAsync(QueueSources.ConsumerProgram(main, consumer), expected);

    private static Task NotFlagged(string main, string consumer = QueueSources.Consumer) =>
        Verify.VerifyAnalyzerAsync(QueueSources.ConsumerProgram(main, consumer));

    private static Task Fixed(string main, string fixedMain, DiagnosticResult expected) =>
        Verify.VerifyCodeFixAsync(QueueSources.ConsumerProgram(main), QueueSources.ConsumerProgram(fixedMain), EndlessConsumerFixer.EquivalenceKey, expected);

    /// <summary>A consumer made a daemon before it starts: what the fix writes when Daemon was set false, and a compliant case.</summary>
    private const string DaemonSetBeforeStart = """
                    var q = new ProcessQueue<string>();
                    var c = new ChildProcess(() => Consume(q));
                    c.Daemon = true;
                    c.Start();
            """;

    [Fact]
    public Task NonDaemonEndlessConsumer_IsFlagged_FixInsertsDaemonAfterDeclaration() => Fixed("""
                    var q = new ProcessQueue<string>();
                    var c = {|#0:new ChildProcess(() => Consume(q))|};
                    c.Start();
                    q.Put("x");
            """, """
                    var q = new ProcessQueue<string>();
                    var c = new ChildProcess(() => Consume(q));
                    c.Daemon = true;
                    c.Start();
                    q.Put("x");
            """, NotDaemon("c", "Consume"));

    [Fact]
    public Task ObjectInitializer_FixAddsDaemonToIt() => Fixed("""
                    var q = new ProcessQueue<string>();
                    var c = {|#0:new ChildProcess(() => Consume(q)) { Name = "consumer" }|};
                    c.Start();
            """, """
                    var q = new ProcessQueue<string>();
                    var c = new ChildProcess(() => Consume(q)) { Name = "consumer", Daemon = true };
                    c.Start();
            """, NotDaemon("c", "Consume"));

    [Fact]
    public Task ExplicitDaemonFalse_FixTurnsItTrue() => Fixed("""
                    var q = new ProcessQueue<string>();
                    var c = {|#0:new ChildProcess(() => Consume(q))|};
                    c.Daemon = false;
                    c.Start();
            """, DaemonSetBeforeStart, NotDaemon("c", "Consume"));

    [Fact]
    public Task StartedWithoutLocal_FixAddsObjectInitializer() => Fixed("""
                    var q = new ProcessQueue<string>();
                    {|#0:new ChildProcess(() => Consume(q))|}.Start();
            """, """
                    var q = new ProcessQueue<string>();
                    new ChildProcess(() => Consume(q)) { Daemon = true }.Start();
            """, NotDaemon("Consume", "Consume"));

    [Fact]
    public Task ForEverLoopWithGetAsync_IsFlagged()
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
        return Flagged("""
                    var q = new ProcessQueue<int>();
                    var c = {|#0:new ChildProcess(() => ConsumeAsync(q))|};
                    c.Start();
            """, NotDaemon("c", "ConsumeAsync"), consumer);
    }

    [Fact]
    public Task FixAll_MakesEveryConsumerADaemon() => Verify.VerifyFixAllAsync(QueueSources.ConsumerProgram("""
                    var q = new ProcessQueue<string>();
                    var c1 = {|#0:new ChildProcess(() => Consume(q))|};
                    var c2 = {|#1:new ChildProcess(() => Consume(q)) { Name = "two" }|};
                    c1.Start();
                    c2.Start();
            """), QueueSources.ConsumerProgram("""
                    var q = new ProcessQueue<string>();
                    var c1 = new ChildProcess(() => Consume(q));
                    c1.Daemon = true;
                    var c2 = new ChildProcess(() => Consume(q)) { Name = "two", Daemon = true };
                    c1.Start();
                    c2.Start();
            """), EndlessConsumerFixer.EquivalenceKey, NotDaemon("c1", "Consume"), NotDaemon("c2", "Consume", 1));

    [Fact]
    public Task DaemonInInitializer_IsNotFlagged() => NotFlagged("""
                    var q = new ProcessQueue<string>();
                    var c = new ChildProcess(() => Consume(q)) { Daemon = true };
                    c.Start();
            """);

    [Fact]
    public Task DaemonSetBeforeStart_IsNotFlagged() => NotFlagged(DaemonSetBeforeStart);

    [Fact]
    public Task DaemonFromVariable_IsNotFlagged() => NotFlagged("""
                    var q = new ProcessQueue<string>();
                    var daemon = Environment.ProcessorCount > 0;
                    var c = new ChildProcess(() => Consume(q)) { Daemon = daemon };
                    c.Start();
            """);

    [Theory]
    [InlineData("if (item is null) break;")]
    [InlineData("if (item is null) return;")]
    [InlineData("if (item is null) throw new InvalidOperationException();")]
    public Task LoopThatExitsOnSentinel_IsNotFlagged(string exit)
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
        return NotFlagged("""
                    var q = new ProcessQueue<string?>();
                    var c = new ChildProcess(() => Consume(q));
                    c.Start();
                    q.Put(null);
                    c.Join();
            """, consumer);
    }

    [Fact]
    public Task TimeoutCaughtToLeave_IsNotFlagged()
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
        return NotFlagged("""
                    var q = new ProcessQueue<string>();
                    var c = new ChildProcess(() => Consume(q));
                    c.Start();
                    c.Join();
            """, consumer);
    }

    [Fact]
    public Task EndlessLoopWithoutQueue_IsNotFlagged()
    {
        const string consumer = """
                static void Spin(int ms)
                {
                    while (true) Thread.Sleep(ms);
                }
            """;
        return NotFlagged("""
                    var c = new ChildProcess(() => Spin(10));
                    c.Start();
            """, consumer);
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
        test.ExpectedDiagnostics.Add(NotDaemon("c", "Consume"));
        await test.RunAsync(CancellationToken.None);
    }
}
