using Verify = Multiproc.Analyzers.Tests.Verifiers.CSharpAnalyzerVerifier<Multiproc.Analyzers.MultiprocAnalyzer, Multiproc.Analyzers.Tests.Verifiers.MP0009Rule>;

namespace Multiproc.Analyzers.Tests;

public class MP0009_StaticStateInChildTests
{
    private static DiagnosticResult Written(string field, string target) =>
        Verify.Diagnostic(Descriptors.MP0009_StaticStateWrittenInChild).WithLocation(0).WithArguments(field, target);

    private static Task Flagged(string main, DiagnosticResult expected, string members = "") =>
        Verify.VerifyAnalyzerAsync(ProcessSources.StaticStateProgram(main, members), expected);

    private static Task NotFlagged(string main) => Verify.VerifyAnalyzerAsync(ProcessSources.StaticStateProgram(main));

    [Fact]
    public Task CounterIncrementedInChildReadAfterJoin_IsFlagged() => Flagged("""
                    var p = new ChildProcess(() => Increment());
                    p.Start();
                    p.Join();
                    Console.WriteLine({|#0:Counter|});
            """, Written("Program.Counter", "Increment"));

    [Fact]
    public Task StaticListFilledInChild_IsFlagged() => Flagged("""
                    var ps = new List<ChildProcess>();
                    foreach (var s in new[] { "a", "b" })
                    {
                        var p = new ChildProcess(() => Collect(s));
                        p.Start();
                        ps.Add(p);
                    }
                    foreach (var p in ps) p.Join();
                    Console.WriteLine({|#0:Results|}.Count);
            """, Written("Program.Results", "Collect"));

    [Fact]
    public Task PropertyWrittenThroughCallee_IsFlagged() => Flagged("""
                    var p = new ChildProcess(() => Indirect());
                    p.Start();
                    p.Join();
                    if ({|#0:Total|} > 0) Console.WriteLine("done");
            """, Written("Program.Total", "Indirect"));

    [Fact]
    public Task ReadAfterJoinAsync_IsFlagged() => Flagged("""
                    Run().GetAwaiter().GetResult();
            """, Written("Program.Counter", "Increment"), """
                static async System.Threading.Tasks.Task Run()
                {
                    var p = new ChildProcess(() => Increment());
                    p.Start();
                    await p.JoinAsync();
                    Console.WriteLine({|#0:Counter|});
                }
            """);

    [Fact]
    public Task ReadBeforeJoinOnly_IsNotFlagged() => NotFlagged("""
                    var p = new ChildProcess(() => Increment());
                    Console.WriteLine(Counter);
                    p.Start();
                    p.Join();
            """);

    [Fact]
    public Task WrittenAndReadOnlyInsideChild_IsNotFlagged() => NotFlagged("""
                    var p = new ChildProcess(() => Local());
                    p.Start();
                    p.Join();
                    Console.WriteLine("joined");
            """);

    [Fact]
    public Task ReadonlyAndConstInitialisation_IsNotFlagged() => NotFlagged("""
                    var p = new ChildProcess(() => ReadOnly());
                    p.Start();
                    p.Join();
                    Console.WriteLine(Seed + Limit);
            """);

    [Fact]
    public Task StaticNotWrittenByThisChild_IsNotFlagged() => NotFlagged("""
                    var p = new ChildProcess(() => Collect("x"));
                    p.Start();
                    p.Join();
                    Console.WriteLine(Counter);
            """);

    [Fact]
    public Task ParentAssignsAfterJoin_IsNotARead() => NotFlagged("""
                    var p = new ChildProcess(() => Increment());
                    p.Start();
                    p.Join();
                    Counter = 0;
            """);
}
