namespace Multiproc.Analyzers.Tests;

/// <summary>
/// Source shapes of the lock rules' tests (MP0002, MP0007): a class <c>C</c> around the members a case is about
/// (MP0002; <see cref="LockCases"/> runs them), or a program whose <c>Main</c> starts a child with a lock-like object
/// (MP0007). The text produced is exactly what the tests spelled out before, so markup
/// locations and fixed sources are unchanged.
/// </summary>
internal static class LockSources
{
    /// <summary>The usings of the MP0002 cases (BCL locks and Multiproc's).</summary>
    public const string Usings = "using System;\nusing System.Threading;\nusing System.Threading.Tasks;\nusing Multiproc;\n\n";

    /// <summary>The usings of the MP0002 cases over the shared primitives and <c>RedisLock</c>.</summary>
    public const string RedisUsings = "using System;\nusing System.Threading.Tasks;\nusing Multiproc;\nusing Multiproc.Redis;\n\n";

    /// <summary>
    /// <c>class C { <paramref name="members"/> }</c> after <paramref name="usings"/>, the members as the analyzer cases write
    /// them (not indented), a line break at the end.
    /// </summary>
    public static string ClassC(string members, string usings = Usings) => usings + "class C\n{\n" + members + "\n}\n";

    /// <summary>
    /// <c>class C { <paramref name="members"/> }</c> after <paramref name="usings"/>, the members indented four spaces and no
    /// line break at the end: the shape of the fix cases, whose fixed source is the same class around the fixed members.
    /// </summary>
    public static string IndentedClassC(string members, string usings = Usings) => usings + "class C\n{\n" + Indent(members, 4) + "\n}";

    /// <summary>
    /// <c>public static class Program { <paramref name="members"/> public static void Main() { <paramref name="main"/> } }</c>;
    /// both parts are written without indentation (raw string literals) and indented here, blank lines left empty.
    /// </summary>
    public static string ChildProgram(string members, string main) =>
        "public static class Program\n{\n" + Indent(members, 4) + "\n\n    public static void Main()\n    {\n" + Indent(main, 8) + "\n    }\n}";

    /// <summary>
    /// <c><paramref name="signature"/> { <paramref name="acquire"/>; try { <paramref name="body"/> } finally { <paramref name="release"/>; } }</c>,
    /// one statement each, as the MP0002 cases write a method (not indented): the shape of every lock released in a
    /// finally block, and of what the try/finally fix writes.
    /// </summary>
    public static string AcquireTryFinally(string signature, string acquire, string body, string release) =>
        $"{signature}\n{{\n    {acquire};\n    try\n    {{\n        {body}\n    }}\n    finally\n    {{\n        {release};\n    }}\n}}";

    /// <summary>Every non-empty line of <paramref name="text"/> indented by <paramref name="spaces"/> spaces.</summary>
    public static string Indent(string text, int spaces)
    {
        var pad = new string(' ', spaces);
        var lines = text.Replace("\r\n", "\n").Split('\n');
        for (var i = 0; i < lines.Length; i++)
            if (lines[i].Length > 0) lines[i] = pad + lines[i];
        return string.Join("\n", lines);
    }
}
