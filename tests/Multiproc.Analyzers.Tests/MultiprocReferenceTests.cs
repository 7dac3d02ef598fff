namespace Multiproc.Analyzers.Tests;

/// <summary>
/// How MultiprocAnalyzer decides at compilation start that a compilation references Multiproc: by the reference's file
/// or compilation name (nothing bound), else by the assembly symbols.
/// </summary>
public class MultiprocReferenceTests
{
    private static readonly MetadataReference[] Framework = TestReferences.All
        .Where(r => !string.Equals(Path.GetFileName(r.Display), "Multiproc.dll", StringComparison.OrdinalIgnoreCase)).ToArray();

    private static readonly string MultiprocPath = typeof(Multiproc.ChildProcess).Assembly.Location;

    private static CSharpCompilation Compile(params MetadataReference[] extra) =>
        CSharpCompilation.Create("t", new[] { CSharpSyntaxTree.ParseText("class C { }") }, Framework.Concat(extra),
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));

    [Fact]
    public void WithoutMultiproc_No() => Assert.False(MultiprocTypes.ReferencesMultiproc(Compile()));

    [Fact]
    public void MultiprocDll_Yes() => Assert.True(MultiprocTypes.ReferencesMultiproc(Compile(MetadataReference.CreateFromFile(MultiprocPath))));

    [Fact]
    public void MultiprocUnderAnotherFileName_FoundBySymbols()
    {
        var renamed = MetadataReference.CreateFromImage(File.ReadAllBytes(MultiprocPath), filePath: "/somewhere/Renamed.dll");
        var compilation = Compile(renamed);
        Assert.True(MultiprocTypes.ReferencesMultiproc(compilation));
        Assert.NotNull(MultiprocTypes.For(compilation).ChildProcess);
    }

    [Fact]
    public void ProjectReferenceToMultiproc_Yes()
    {
        var multiprocProject = CSharpCompilation.Create("Multiproc", new[] { CSharpSyntaxTree.ParseText("namespace Multiproc { public sealed class ChildProcess { } }") },
            Framework, new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));
        Assert.True(MultiprocTypes.ReferencesMultiproc(Compile(multiprocProject.ToMetadataReference())));
    }

    [Fact]
    public void OtherDllNamedLikeMultiproc_TypesStayNull()
    {
        // A file named Multiproc.dll that is not the Multiproc assembly: the start check says yes, the types say no,
        // so the rules find nothing to do.
        var other = CSharpCompilation.Create("NotMultiproc", new[] { CSharpSyntaxTree.ParseText("public class X { }") },
            Framework, new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));
        using var image = new MemoryStream();
        Assert.True(other.Emit(image).Success);
        var compilation = Compile(MetadataReference.CreateFromImage(image.ToArray(), filePath: "/x/Multiproc.dll"));
        Assert.True(MultiprocTypes.ReferencesMultiproc(compilation));
        Assert.False(MultiprocTypes.For(compilation).HasMultiproc);
    }
}
