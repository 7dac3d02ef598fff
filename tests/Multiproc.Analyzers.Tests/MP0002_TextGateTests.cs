using System.Collections.Immutable;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;
using Microsoft.CodeAnalysis.Text;

namespace Multiproc.Analyzers.Tests;

/// <summary>
/// MP0002's text gate (<see cref="LockTextGate"/>) on its own: the words cover every lock method name, the marks are where
/// they should be, and the gate does close what has none (the reports it must keep are in <see cref="MP0002_SpellingTests"/>).
/// </summary>
public class MP0002_TextGateTests
{
    [Fact]
    public void EveryLockMethodNameContainsACallWord()
    {
        foreach (var name in LockApi.CandidateNames)
            Assert.True(LockTextGate.CallWords.Any(w => name.Contains(w, StringComparison.Ordinal)), name);
    }

    [Fact]
    public void TargetTypedNewWithArgumentsIsAMark()
    {
        const string text = "a = new(1); b = new(); c = renew(2); d = new (3); e = new/*c*/(4); f = new Foo(5); g = @new(6); h = new ( ); i = new\n(7);";
        var hits = LockTextGate.TreeHits.Scan(text, Array.Empty<string>());
        foreach (var marked in new[] { "new(1)", "new (3)", "new/*c*/(4)", "new\n(7)" })
        {
            var at = text.IndexOf(marked, StringComparison.Ordinal);
            Assert.True(hits.AnyCreation(new TextSpan(at, marked.Length)), marked);
        }
        foreach (var unmarked in new[] { "new()", "renew(2)", "new Foo(5)", "@new(6)", "new ( )" })
        {
            var at = text.IndexOf(unmarked, StringComparison.Ordinal);
            Assert.False(hits.AnyCreation(new TextSpan(at, unmarked.Length)), unmarked);
        }
        Assert.Equal(0, hits.CallCount);
    }

    [Fact]
    public void EscapesAndFormattingCharactersAreMarksOfBothKinds()
    {
        const string text = "x.Ent\\u0065r(g); y.En\u00ADter(g); z.Plain(g);";
        var hits = LockTextGate.TreeHits.Scan(text, Array.Empty<string>());
        Assert.Equal(2, hits.CallCount);
        Assert.Equal(2, hits.CreationCount);
        Assert.False(hits.AnyCall(new TextSpan(text.IndexOf("z.", StringComparison.Ordinal), 11)));
    }

    [Fact]
    public void MutexAliasesIncludeChains()
    {
        var trees = new[]
        {
            CSharpSyntaxTree.ParseText("global using Owned = System.Threading.Mutex;\nglobal using Text = System.Text.StringBuilder;\n"),
            CSharpSyntaxTree.ParseText("namespace N { using Chained = Owned; using Other = System.IO.File; }\n"),
        };
        var compilation = CSharpCompilation.Create("Aliases", trees, TestReferences.All);
        Assert.Equal(new[] { "Chained", "Owned" }, LockTextGate.MutexAliases(compilation).OrderBy(n => n, StringComparer.Ordinal));
    }

    [Fact]
    public void TypesAndBodiesWithoutMarksAreClosed()
    {
        const string source = """
            using System.Threading;

            class Plain
            {
                private readonly object _g = new();
                int M() => _g.GetHashCode();
            }

            class Locked
            {
                private readonly object _g = new();
                void A() { Monitor.Enter(_g); Monitor.Exit(_g); }
                int B() => 2;
                void C() => Monitor.Exit(_g);
            }
            """;
        var tree = CSharpSyntaxTree.ParseText(source);
        var compilation = CSharpCompilation.Create("Gate", new[] { tree }, TestReferences.All);
        var model = compilation.GetSemanticModel(tree);
        var gate = new LockTextGate(compilation);
        Assert.Null(gate.ForType(compilation.GetTypeByMetadataName("Plain")!, mutex: true));
        var locked = gate.ForType(compilation.GetTypeByMetadataName("Locked")!, mutex: true);
        Assert.NotNull(locked);
        foreach (var (method, expected) in new[] { ("A", true), ("B", false), ("C", true) })
        {
            var syntax = tree.GetRoot().DescendantNodes().OfType<MethodDeclarationSyntax>().Single(m => m.Identifier.ValueText == method);
            locked!.Blocks(ImmutableArray.Create(model.GetOperation(syntax)!), out var calls, out var creations);
            Assert.Equal(expected, calls);
            Assert.False(creations);
        }
    }
}
