using System.Collections.Immutable;
using Microsoft.CodeAnalysis.Diagnostics;

namespace Multiproc.Analyzers.Tests;

/// <summary>
/// MP0002 on lock calls and <c>new Mutex(true, …)</c> spelled in ways a text search for the lock names could miss
/// (a Unicode escape inside a name, an alias of Mutex in this file or a global one in another, target-typed <c>new(…)</c>,
/// a member lock of a partial type declared in another file), in a build (the whole compilation) and the way an IDE asks
/// for one open document. Whatever shape the analyzer takes (an action per operation, or one per syntax tree with a text
/// gate), each case must be reported.
/// </summary>
public class MP0002_SpellingTests
{
    private const string Usings = "using System;\nusing System.Threading;\n\n";

    [Fact]
    public Task EscapeInsideTheMethodName() => Reported(Usings + """
        class C
        {
            static void M(object gate)
            {
                Monitor.Ent\u0065r(gate);
                Console.WriteLine("in");
            }
        }
        """, @"Monitor.Ent\u0065r(gate)");

    [Fact]
    public Task EscapedMutexTypeName() => Reported(Usings + """
        class C
        {
            static void M()
            {
                var m = new \u004Dutex(true);
                Console.WriteLine("in");
            }
        }
        """, @"new \u004Dutex(true)");

    [Fact]
    public Task MutexThroughALocalAlias() => Reported("using System;\nusing Owned = System.Threading.Mutex;\n\n" + """
        class C
        {
            static void M()
            {
                var m = new Owned(true, "x");
                Console.WriteLine("in");
            }
        }
        """, "new Owned(true, \"x\")");

    [Fact]
    public Task MutexThroughAGlobalAliasOfAnotherFile() => Reported("using System;\n\n" + """
        class C
        {
            static void M()
            {
                var m = new Owned(true);
                Console.WriteLine("in");
            }
        }
        """, "new Owned(true)", "global using Owned = System.Threading.Mutex;\n");

    [Fact]
    public Task TargetTypedMutex() => Reported(Usings + """
        class C
        {
            static void M()
            {
                Mutex m = new(true);
                Console.WriteLine("in");
            }
        }
        """, "new(true)");

    [Fact]
    public Task TargetTypedMutexAfterAComment() => Reported(Usings + """
        class C
        {
            static void M()
            {
                Mutex m = new /* owned */ (true);
                Console.WriteLine("in");
            }
        }
        """, "new /* owned */ (true)");

    [Fact]
    public Task TargetTypedMutexIntoAFieldDeclaredInAnotherFile() => Reported(Usings + """
        partial class C
        {
            void M()
            {
                _m = new(true);
                Console.WriteLine("in");
            }
        }
        """, "new(true)", Usings + "partial class C\n{\n    private Mutex? _m;\n}\n");

    [Fact]
    public async Task MemberLockReleasedInThePartOfAnotherFileIsNotReported()
    {
        const string other = Usings + "partial class C\n{\n    private readonly object _gate = new();\n    public void Leave() => Monitor.Exit(_gate);\n}\n";
        Assert.Empty(await Full(Program(), other));
    }

    [Fact]
    public async Task MemberLockReleasedNowhereIsReported()
    {
        const string other = Usings + "partial class C\n{\n    private readonly object _gate = new();\n    public void Leave() => Console.WriteLine(_gate);\n}\n";
        Assert.Equal(new[] { "MP0002 Monitor.Enter(_gate)" }, await Full(Program(), other));
    }

    private static string Program() => Usings + """
        partial class C
        {
            public void Come()
            {
                Monitor.Enter(_gate);
                Console.WriteLine("in");
            }
        }
        """;

    /// <summary>One MP0002 at <paramref name="text"/> in <c>Program.cs</c>, in a build and in the open document's analysis.</summary>
    private static async Task Reported(string program, string text, string other = "")
    {
        var expected = new[] { "MP0002 " + text };
        Assert.Equal(expected, await Full(program, other));
        Assert.Equal(expected, await OneDocument(program, other));
    }

    private static (CSharpCompilation Compilation, SyntaxTree Program) Compile(string program, string other) =>
        PerDocument.Compile(program, other, OutputKind.DynamicallyLinkedLibrary);

    private static async Task<string[]> Full(string program, string other) =>
        Describe(await PerDocument.WithAnalyzer(Compile(program, other).Compilation, new LockNotReleasedAnalyzer()).GetAnalyzerDiagnosticsAsync(CancellationToken.None));

    private static async Task<string[]> OneDocument(string program, string other)
    {
        var (compilation, tree) = Compile(program, other);
        return Describe(await PerDocument.WithAnalyzer(compilation, new LockNotReleasedAnalyzer()).GetAnalyzerSemanticDiagnosticsAsync(compilation.GetSemanticModel(tree), null, CancellationToken.None));
    }

    private static string[] Describe(ImmutableArray<Diagnostic> diagnostics) =>
        diagnostics.Select(d => d.Id + " " + PerDocument.TextAt(d)).OrderBy(s => s, StringComparer.Ordinal).ToArray();
}
