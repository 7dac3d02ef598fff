using Microsoft.CodeAnalysis.Operations;

namespace Multiproc.Analyzers.Tests;

/// <summary>
/// <c>CallGraph.Record</c>'s shortcuts give the answer the long way gives: a property of an anonymous type is passed over
/// before anything is asked of it, because its getter has no declaring syntax (so the long way never recorded it either);
/// the properties and methods of this compilation that have a body are recorded.
/// </summary>
public class CallGraphTests
{
    private const string Source = """
        using System.Linq;

        class Holder
        {
            public int Plain => 1;
            public int Auto { get; set; }
            public int SetOnly { set { } }
        }

        record Point(int X, int Y);

        class Program
        {
            static int Helper() => 2;

            static int Main()
            {
                var a = new { Month = 3, Tags = new[] { "x" } };
                var q = new[] { 1, 2 }.Select(i => new { Value = i }).Where(x => x.Value > 0).Sum(x => x.Value);
                var h = new Holder();
                h.SetOnly = 4;
                var p = new Point(1, 2);
                return a.Month + a.Tags.Length + q + h.Plain + h.Auto + p.X + Helper() + "s".Length;
            }
        }
        """;

    private static (CSharpCompilation Compilation, List<IOperation> Operations) CompileMain()
    {
        var tree = CSharpSyntaxTree.ParseText(Source, new CSharpParseOptions(LanguageVersion.CSharp12));
        var compilation = CSharpCompilation.Create("CallGraphTests", new[] { tree }, TestReferences.All,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
        Assert.Empty(compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error));
        var model = compilation.GetSemanticModel(tree);
        var main = tree.GetRoot().DescendantNodes().OfType<Microsoft.CodeAnalysis.CSharp.Syntax.MethodDeclarationSyntax>()
            .Single(m => m.Identifier.ValueText == "Main");
        var body = model.GetOperation(main)!;
        return (compilation, body.DescendantsAndSelf().Where(o => CallGraph.CalleeKinds.Contains(o.Kind)).ToList());
    }

    /// <summary>What <c>Record</c> keeps of <paramref name="operation"/>, as the names of the recorded methods.</summary>
    private static List<string> Recorded(CallGraph graph, IOperation operation)
    {
        List<IMethodSymbol>? callees = null;
        graph.Record(operation, ref callees);
        return callees?.Select(m => m.ContainingType.Name + "." + m.Name).ToList() ?? new List<string>();
    }

    [Fact]
    public void AnAnonymousTypesPropertyIsPassedOver_ItsGetterHasNoDeclaringSyntax()
    {
        var (compilation, operations) = CompileMain();
        var graph = new CallGraph(compilation.Assembly);
        var anonymous = operations.OfType<IPropertyReferenceOperation>().Where(r => r.Property.ContainingType.IsAnonymousType).ToList();
        // The initializers' targets (Month, Tags, Value), then a.Month, a.Tags and x.Value twice.
        Assert.Equal(7, anonymous.Count);
        foreach (var reference in anonymous)
        {
            // What the shortcut relies on: the long way (the property's declarator found, then its getter asked) keeps nothing,
            // because the getter is synthesized.
            Assert.False(reference.Property.DeclaringSyntaxReferences.IsEmpty);
            Assert.True(reference.Property.GetMethod!.DeclaringSyntaxReferences.IsEmpty);
            Assert.Empty(Recorded(graph, reference));
        }
    }

    [Fact]
    public void PropertiesAndMethodsOfThisCompilation_AreRecorded_MetadataOnesAreNot()
    {
        var (compilation, operations) = CompileMain();
        var graph = new CallGraph(compilation.Assembly);
        var recorded = operations.Where(o => o is not IPropertyReferenceOperation { Property.ContainingType.IsAnonymousType: true })
            .SelectMany(o => Recorded(graph, o)).ToList();
        // h.Plain, h.Auto (getters), h.SetOnly (its setter), p.X (a record's positional property), Helper(), and the constructors
        // of Holder (implicit: no declaring syntax) and Point; nothing of the BCL ("s".Length, Select, Where, Sum).
        Assert.Contains("Holder.get_Plain", recorded);
        Assert.Contains("Holder.get_Auto", recorded);
        Assert.Contains("Holder.set_SetOnly", recorded);
        Assert.Contains("Point.get_X", recorded);
        Assert.Contains("Program.Helper", recorded);
        Assert.Contains("Point..ctor", recorded);
        Assert.DoesNotContain(recorded, r => r.StartsWith("String.", StringComparison.Ordinal) || r.StartsWith("Enumerable.", StringComparison.Ordinal));
    }
}
