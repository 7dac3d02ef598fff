using Verify = Multiproc.Analyzers.Tests.Verifiers.CSharpAnalyzerVerifier<Multiproc.Analyzers.MultiprocAnalyzer>;

namespace Multiproc.Analyzers.Tests;

/// <summary>
/// MultiprocAnalyzer runs MP0001, MP0009 and MP0013 over one call graph (their own test files check each rule
/// alone), together with every other rule but MP0002: here all of them on, and each of the three switched off by its id
/// while the other two still report.
/// </summary>
public class MultiprocAnalyzerTests
{
    private const string Source = """
        using System;
        using System.IO;
        using Multiproc;

        public static class Program
        {
            static int Counter;

            static void Leaf() => Console.WriteLine("leaf");

            static void Spawner()
            {
                var child = new ChildProcess(() => Leaf());
                child.Start();
                child.Join();
            }

            static void Bump(string path)
            {
                Counter++;
                var n = int.Parse({|#0:File.ReadAllText(path)|});
                {|#1:File.WriteAllText(path, (n + 1).ToString())|};
            }

            public static void Main()
            {
                var p = new ChildProcess(() => Bump("n.txt"));
                p.Start();
                p.Join();
                Console.WriteLine({|#2:Counter|});
                var d = {|#3:new ChildProcess(() => Spawner()) { Daemon = true }|};
                d.Start();
                d.Join();
            }
        }
        """;

    private static readonly DiagnosticResult MP0001 =
        Verify.Diagnostic(Descriptors.MP0001_UnlockedReadModifyWrite).WithLocation(0).WithLocation(1).WithArguments("path");
    private static readonly DiagnosticResult MP0009 =
        Verify.Diagnostic(Descriptors.MP0009_StaticStateWrittenInChild).WithLocation(2).WithArguments("Program.Counter", "Bump");
    private static readonly DiagnosticResult MP0013 =
        Verify.Diagnostic(Descriptors.MP0013_DaemonStartsChildren).WithLocation(3).WithArguments("d", "Spawner");

    [Fact]
    public Task AllThreeRulesReport() => Verify.VerifyAnalyzerAsync(Source, MP0001, MP0009, MP0013);

    [Theory]
    [InlineData("MP0001")]
    [InlineData("MP0009")]
    [InlineData("MP0013")]
    public Task RuleOffInEditorConfig_OthersStillReport(string id) =>
        Verify.VerifyAnalyzerAsync(Source, $"dotnet_diagnostic.{id}.severity = none", Expected(except: id));

    [Theory]
    [InlineData("MP0001")]
    [InlineData("MP0009")]
    [InlineData("MP0013")]
    public async Task RuleOffInCompilationOptions_OthersStillReport(string id)
    {
        var test = new Verify.Test { TestCode = Source };
        test.DisabledDiagnostics.Add(id);
        test.ExpectedDiagnostics.AddRange(Expected(except: id));
        await test.RunAsync(CancellationToken.None);
    }

    [Theory]
    [InlineData("MP0001")]
    [InlineData("MP0009")]
    [InlineData("MP0013")]
    public async Task RuleOffInAnotherFileOnly_StillReportsHere(string id)
    {
        // The rule is off in Other.cs only: it keeps its work, and reports in Test0.cs.
        var test = new Verify.Test();
        test.TestState.Sources.Add(("/0/Test0.cs", Source));
        test.TestState.Sources.Add(("/0/Other.cs", "public static class Other { public static void M() { } }\n"));
        test.TestState.AnalyzerConfigFiles.Add(("/.editorconfig", $"root = true\n\n[Other.cs]\ndotnet_diagnostic.{id}.severity = none\n"));
        test.ExpectedDiagnostics.AddRange(Expected(except: null));
        await test.RunAsync(CancellationToken.None);
    }

    private static DiagnosticResult[] Expected(string? except) =>
        new[] { MP0001, MP0009, MP0013 }.Where(d => d.Id != except).ToArray();
}
