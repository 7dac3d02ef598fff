using System.Collections.Immutable;
using Microsoft.CodeAnalysis.Diagnostics;
using Multiproc.Analyzers.Tests.Verifiers;

namespace Multiproc.Analyzers.Tests;

/// <summary>
/// MP0009 and MP0013 the way an IDE asks for an open document (<see cref="PerDocument.OneTreeAsync"/>): when the child
/// targets a type creates, and everything they reach, are in that type (one file), its symbol-end action reports them, so
/// one-tree analysis shows them and a build reports each exactly once; a target in another type, or one that reaches
/// into another type, stays a compilation-end diagnostic (absent from one-tree analysis, once in a build).
/// </summary>
public class MP0009_MP0013_PerDocumentTests
{
    private static string StaticWrite(string target, string read = "Counter", string members = "") => $$"""
        using System;
        using Multiproc;

        class Program
        {
            static int Counter;

            static void Increment() => Counter++;
            static void IncrementAndCall() { Counter++; Console.WriteLine(Other.Two()); }
        {{members}}

            static void Main()
            {
                var p = new ChildProcess(() => {{target}}());
                p.Start();
                p.Join();
                Console.WriteLine({{read}});
            }
        }

        static class Worker
        {
            public static void Increment() => Program2.Counter++;
        }

        static class Program2
        {
            public static int Counter;
            public static void Show() => Console.WriteLine(Counter);
        }
        """;

    private static string Daemon(string target) => $$"""
        using System;
        using Multiproc;

        class Program
        {
            static void Leaf() => Console.WriteLine("leaf");

            static void Spawner()
            {
                var child = new ChildProcess(() => Leaf());
                child.Start();
                child.Join();
            }

            static void SpawnerAndCall()
            {
                Console.WriteLine(Other.Two());
                Spawner();
            }

            static void Main()
            {
                var d = new ChildProcess(() => {{target}}()) { Daemon = true };
                d.Start();
                d.Join();
            }
        }

        static class Spawners
        {
            static void Leaf() => Console.WriteLine("leaf");

            public static void Spawner()
            {
                var child = new ChildProcess(() => Leaf());
                child.Start();
                child.Join();
            }
        }
        """;

    private static ImmutableArray<Diagnostic> Of(ImmutableArray<Diagnostic> diagnostics, string id) =>
        diagnostics.Where(d => d.Id == id).ToImmutableArray();

    /// <summary>
    /// <paramref name="id"/> is reported exactly once by one-tree analysis of <paramref name="source"/> and exactly once
    /// in a build, at the same place; the one-tree diagnostic is returned.
    /// </summary>
    private static async Task<Diagnostic> ShowsInOneTreeAndOnceInBuildAsync(string source, string id)
    {
        var oneTree = Assert.Single(Of(await PerDocument.OneTreeAsync(source), id));
        var full = Assert.Single(Of(await PerDocument.FullAsync(source), id));
        Assert.Equal(oneTree.Location.SourceSpan, full.Location.SourceSpan);
        return oneTree;
    }

    /// <summary>
    /// <paramref name="id"/> is absent from one-tree analysis of <paramref name="source"/> (it waits for compilation end)
    /// and reported exactly once in a build; that one diagnostic is returned.
    /// </summary>
    private static async Task<Diagnostic> WaitsForCompilationEndAsync(string source, string id)
    {
        Assert.Empty(Of(await PerDocument.OneTreeAsync(source), id));
        return Assert.Single(Of(await PerDocument.FullAsync(source), id));
    }

    /// <summary><paramref name="id"/> is reported neither by one-tree analysis of <paramref name="source"/> nor in a build.</summary>
    private static async Task NotReportedEitherWayAsync(string source, string id)
    {
        Assert.Empty(Of(await PerDocument.OneTreeAsync(source), id));
        Assert.Empty(Of(await PerDocument.FullAsync(source), id));
    }

    [Fact]
    public async Task MP0009_SingleType_ShowsInOneTreeAnalysis_AndOnceInBuild()
    {
        var oneTree = await ShowsInOneTreeAndOnceInBuildAsync(StaticWrite("Increment"), RuleIdentifiers.StaticStateWrittenInChild);
        Assert.Equal("Counter", PerDocument.TextAt(oneTree));
        Assert.Contains("Program.Counter", oneTree.GetMessage());
    }

    [Fact]
    public async Task MP0009_TargetReadingAnAnonymousTypesProperty_ShowsInOneTreeAnalysis()
    {
        // An anonymous type's getter is synthesized (no declaring syntax): the call graph records no callee outside the
        // type for a.Step, so the type still decides (its look-alike, a call into Other.cs, is the next test).
        var members = "    static void IncrementAnonymous() { var a = new { Step = 1 }; Counter += a.Step; }";
        var oneTree = await ShowsInOneTreeAndOnceInBuildAsync(StaticWrite("IncrementAnonymous", members: members), RuleIdentifiers.StaticStateWrittenInChild);
        Assert.Equal("Counter", PerDocument.TextAt(oneTree));
    }

    [Fact]
    public Task MP0009_TargetReachingAnotherFile_WaitsForCompilationEnd() =>
        WaitsForCompilationEndAsync(StaticWrite("IncrementAndCall"), RuleIdentifiers.StaticStateWrittenInChild);

    [Fact]
    public async Task MP0009_TargetInAnotherType_WaitsForCompilationEnd()
    {
        // Worker (same file, another type) writes Program2.Counter, which Main reads after the join.
        var full = await WaitsForCompilationEndAsync(StaticWrite("Worker.Increment", read: "Program2.Counter"), RuleIdentifiers.StaticStateWrittenInChild);
        Assert.Contains("Program2.Counter", full.GetMessage());
    }

    [Fact]
    public Task MP0009_NoWriteInChild_IsNotReportedEitherWay() =>
        NotReportedEitherWayAsync(StaticWrite("Show", members: "    static void Show() => Console.WriteLine(Counter);"), RuleIdentifiers.StaticStateWrittenInChild);

    [Fact]
    public async Task MP0013_SingleType_ShowsInOneTreeAnalysis_AndOnceInBuild()
    {
        var oneTree = await ShowsInOneTreeAndOnceInBuildAsync(Daemon("Spawner"), RuleIdentifiers.DaemonStartsChildren);
        Assert.StartsWith("new ChildProcess(() => Spawner())", PerDocument.TextAt(oneTree));
        Assert.DoesNotContain(WellKnownDiagnosticTags.CompilationEnd, oneTree.Descriptor.CustomTags);
    }

    [Fact]
    public Task MP0013_TargetReachingAnotherFile_WaitsForCompilationEnd() =>
        WaitsForCompilationEndAsync(Daemon("SpawnerAndCall"), RuleIdentifiers.DaemonStartsChildren);

    [Fact]
    public Task MP0013_TargetInAnotherType_WaitsForCompilationEnd() =>
        WaitsForCompilationEndAsync(Daemon("Spawners.Spawner"), RuleIdentifiers.DaemonStartsChildren);

    [Fact]
    public Task MP0013_NonDaemon_IsNotReportedEitherWay() =>
        NotReportedEitherWayAsync(Daemon("Spawner").Replace(" { Daemon = true }", ""), RuleIdentifiers.DaemonStartsChildren);
}
