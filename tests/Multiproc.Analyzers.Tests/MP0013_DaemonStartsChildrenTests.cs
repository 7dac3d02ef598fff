using Verify = Multiproc.Analyzers.Tests.Verifiers.CSharpAnalyzerVerifier<Multiproc.Analyzers.MultiprocAnalyzer, Multiproc.Analyzers.Tests.Verifiers.MP0013Rule>;

namespace Multiproc.Analyzers.Tests;

public class MP0013_DaemonStartsChildrenTests
{
    /// <summary>The members between Spawner and Main in most cases: a path to Spawner through two calls, and a target that starts nothing.</summary>
    private const string IndirectAndQuiet = """
            static void Indirect() => Helper();

            static void Helper() => Spawner();

            static void Quiet() => Console.WriteLine("quiet");
        """;

    /// <summary>A program whose Leaf starts nothing and whose Spawner starts Leaf in a child, then <paramref name="members"/>, then Main with <paramref name="main"/>.</summary>
    private static string Program(string main, string members = IndirectAndQuiet) => $$"""
        using System;
        using Multiproc;

        public static class Program
        {
            static void Leaf() => Console.WriteLine("leaf");

            static void Spawner()
            {
                var child = new ChildProcess(() => Leaf());
                child.Start();
                child.Join();
            }

        {{members}}

            public static void Main()
            {
        {{main}}
            }
        }
        """;

    [Fact]
    public async Task DaemonWhoseTargetStartsChild_IsFlagged()
    {
        var source = Program(ProcessSources.StartedAndJoined("d", "{|#0:new ChildProcess(() => Spawner()) { Daemon = true }|}"));
        await Verify.VerifyAnalyzerAsync(source,
            Verify.Diagnostic(Descriptors.MP0013_DaemonStartsChildren).WithLocation(0).WithArguments("d", "Spawner"));
    }

    [Fact]
    public async Task DaemonWhoseTargetStartsChildInALambda_IsFlagged()
    {
        // The Start() is in a lambda of LambdaSpawner: the body's owner (LambdaSpawner) is the starter, handed over at the
        // body's end. Its look-alike, a target whose lambda starts nothing, is the next test.
        var members = IndirectAndQuiet + """

                static void LambdaSpawner()
                {
                    Action run = () => { var c = new ChildProcess(() => Leaf()); c.Start(); c.Join(); };
                    run();
                }
            """;
        var source = Program(ProcessSources.StartedAndJoined("d", "{|#0:new ChildProcess(() => LambdaSpawner()) { Daemon = true }|}"), members);
        await Verify.VerifyAnalyzerAsync(source,
            Verify.Diagnostic(Descriptors.MP0013_DaemonStartsChildren).WithLocation(0).WithArguments("d", "LambdaSpawner"));
    }

    [Fact]
    public async Task DaemonWhoseTargetsLambdaStartsNothing_IsNotFlagged()
    {
        var members = IndirectAndQuiet + """

                static void LambdaQuiet()
                {
                    Action run = () => Console.WriteLine("quiet");
                    run();
                }
            """;
        await Verify.VerifyAnalyzerAsync(Program(ProcessSources.StartedAndJoined("d", "new ChildProcess(() => LambdaQuiet()) { Daemon = true }"), members));
    }

    [Fact]
    public async Task DaemonSetByAssignment_ThroughCallees_IsFlagged()
    {
        var source = Program("""
                    var d = {|#0:new ChildProcess(() => Indirect())|};
                    d.Daemon = true;
                    d.Start();
                    d.Join();
            """);
        await Verify.VerifyAnalyzerAsync(source,
            Verify.Diagnostic(Descriptors.MP0013_DaemonStartsChildren).WithLocation(0).WithArguments("d", "Indirect"));
    }

    [Fact]
    public async Task NonDaemonWhoseTargetStartsChild_IsNotFlagged()
    {
        var source = Program(ProcessSources.StartedAndJoined("p", "new ChildProcess(() => Spawner())"));
        await Verify.VerifyAnalyzerAsync(source);
    }

    [Fact]
    public async Task DaemonFalse_IsNotFlagged()
    {
        var source = Program(ProcessSources.StartedAndJoined("p", "new ChildProcess(() => Spawner()) { Daemon = false }"));
        await Verify.VerifyAnalyzerAsync(source);
    }

    [Fact]
    public async Task DaemonWhoseTargetStartsNothing_IsNotFlagged()
    {
        var source = Program(ProcessSources.StartedAndJoined("d", "new ChildProcess(() => Quiet()) { Daemon = true }"));
        await Verify.VerifyAnalyzerAsync(source);
    }

    [Fact]
    public async Task ParentThatStartsDaemonItself_IsNotConfusedWithTheTarget()
    {
        // Main starts children, but the daemon's target (Leaf) does not.
        var source = Program("""
                    var d = new ChildProcess(() => Leaf()) { Daemon = true };
                    d.Start();
                    var p = new ChildProcess(() => Spawner());
                    p.Start();
                    p.Join();
                    d.Join();
            """);
        await Verify.VerifyAnalyzerAsync(source);
    }

    [Fact]
    public async Task SameLocalNameInAnotherMethod_IsNotConfused()
    {
        // Helper's d is a daemon that starts nothing; Main's d starts children but is not a daemon.
        var source = Program("""
                    var d = new ChildProcess(() => Spawner());
                    d.Start();
                    d.Join();
                    Helper();
            """, members: """
                static void Quiet() => Console.WriteLine("quiet");

                static void Helper()
                {
                    var d = new ChildProcess(() => Quiet());
                    d.Daemon = true;
                    d.Start();
                    d.Join();
                }
            """);
        await Verify.VerifyAnalyzerAsync(source);
    }

    [Fact]
    public async Task DaemonSetInsideLambdaOnTheLocal_IsFlagged()
    {
        var source = Program("""
                    var d = {|#0:new ChildProcess(() => Spawner())|};
                    Action configure = () => { d.Daemon = false; d.Daemon = true; };
                    configure();
                    d.Start();
                    d.Join();
            """);
        await Verify.VerifyAnalyzerAsync(source,
            Verify.Diagnostic(Descriptors.MP0013_DaemonStartsChildren).WithLocation(0).WithArguments("d", "Spawner"));
    }
}
