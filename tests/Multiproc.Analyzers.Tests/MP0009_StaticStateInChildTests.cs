using Verify = Multiproc.Analyzers.Tests.Verifiers.CSharpAnalyzerVerifier<Multiproc.Analyzers.MultiprocAnalyzer, Multiproc.Analyzers.Tests.Verifiers.MP0009Rule>;

namespace Multiproc.Analyzers.Tests;

public class MP0009_StaticStateInChildTests
{
    private static string Program(string main, string members = "") => $$"""
        using System;
        using System.Collections.Generic;
        using Multiproc;

        public static class Program
        {
            static int Counter;
            static readonly List<string> Results = new();
            static int Total { get; set; }
            static readonly int Seed;
            const int Limit = 10;

            static Program() { Seed = 42; }

            static void Increment() => Counter++;
            static void Collect(string s) => Results.Add(s);
            static void Indirect() => Helper();
            static void Helper() { Total = Total + 1; }
            static void Local()
            {
                Counter = 5;
                Console.WriteLine(Counter);
            }
            static void ReadOnly() => Console.WriteLine(Seed + Limit);
        {{members}}

            public static void Main()
            {
        {{main}}
            }
        }
        """;

    [Fact]
    public async Task CounterIncrementedInChildReadAfterJoin_IsFlagged()
    {
        var source = Program("""
                    var p = new ChildProcess(() => Increment());
                    p.Start();
                    p.Join();
                    Console.WriteLine({|#0:Counter|});
            """);
        await Verify.VerifyAnalyzerAsync(source,
            Verify.Diagnostic(Descriptors.MP0009_StaticStateWrittenInChild).WithLocation(0).WithArguments("Program.Counter", "Increment"));
    }

    [Fact]
    public async Task StaticListFilledInChild_IsFlagged()
    {
        var source = Program("""
                    var ps = new List<ChildProcess>();
                    foreach (var s in new[] { "a", "b" })
                    {
                        var p = new ChildProcess(() => Collect(s));
                        p.Start();
                        ps.Add(p);
                    }
                    foreach (var p in ps) p.Join();
                    Console.WriteLine({|#0:Results|}.Count);
            """);
        await Verify.VerifyAnalyzerAsync(source,
            Verify.Diagnostic(Descriptors.MP0009_StaticStateWrittenInChild).WithLocation(0).WithArguments("Program.Results", "Collect"));
    }

    [Fact]
    public async Task PropertyWrittenThroughCallee_IsFlagged()
    {
        var source = Program("""
                    var p = new ChildProcess(() => Indirect());
                    p.Start();
                    p.Join();
                    if ({|#0:Total|} > 0) Console.WriteLine("done");
            """);
        await Verify.VerifyAnalyzerAsync(source,
            Verify.Diagnostic(Descriptors.MP0009_StaticStateWrittenInChild).WithLocation(0).WithArguments("Program.Total", "Indirect"));
    }

    [Fact]
    public async Task ReadAfterJoinAsync_IsFlagged()
    {
        var source = Program("""
                    Run().GetAwaiter().GetResult();
            """, """
                static async System.Threading.Tasks.Task Run()
                {
                    var p = new ChildProcess(() => Increment());
                    p.Start();
                    await p.JoinAsync();
                    Console.WriteLine({|#0:Counter|});
                }
            """);
        await Verify.VerifyAnalyzerAsync(source,
            Verify.Diagnostic(Descriptors.MP0009_StaticStateWrittenInChild).WithLocation(0).WithArguments("Program.Counter", "Increment"));
    }

    [Fact]
    public async Task ReadBeforeJoinOnly_IsNotFlagged()
    {
        var source = Program("""
                    var p = new ChildProcess(() => Increment());
                    Console.WriteLine(Counter);
                    p.Start();
                    p.Join();
            """);
        await Verify.VerifyAnalyzerAsync(source);
    }

    [Fact]
    public async Task WrittenAndReadOnlyInsideChild_IsNotFlagged()
    {
        var source = Program("""
                    var p = new ChildProcess(() => Local());
                    p.Start();
                    p.Join();
                    Console.WriteLine("joined");
            """);
        await Verify.VerifyAnalyzerAsync(source);
    }

    [Fact]
    public async Task ReadonlyAndConstInitialisation_IsNotFlagged()
    {
        var source = Program("""
                    var p = new ChildProcess(() => ReadOnly());
                    p.Start();
                    p.Join();
                    Console.WriteLine(Seed + Limit);
            """);
        await Verify.VerifyAnalyzerAsync(source);
    }

    [Fact]
    public async Task StaticNotWrittenByThisChild_IsNotFlagged()
    {
        var source = Program("""
                    var p = new ChildProcess(() => Collect("x"));
                    p.Start();
                    p.Join();
                    Console.WriteLine(Counter);
            """);
        await Verify.VerifyAnalyzerAsync(source);
    }

    [Fact]
    public async Task ParentAssignsAfterJoin_IsNotARead()
    {
        var source = Program("""
                    var p = new ChildProcess(() => Increment());
                    p.Start();
                    p.Join();
                    Counter = 0;
            """);
        await Verify.VerifyAnalyzerAsync(source);
    }
}
