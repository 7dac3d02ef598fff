namespace Multiproc.Analyzers.Tests;

/// <summary>
/// Source shapes of the lock rules' tests (MP0002, MP0007): a program whose <c>Main</c> starts a child with a lock-like
/// object, around the lines a case is about. The text produced is exactly what the tests spelled out before, so markup
/// locations and fixed sources are unchanged.
/// </summary>
internal static class LockSources
{
    /// <summary>
    /// <c>public static class Program { <paramref name="members"/> public static void Main() { <paramref name="main"/> } }</c>;
    /// both parts are written without indentation (raw string literals) and indented here, blank lines left empty.
    /// </summary>
    public static string ChildProgram(string members, string main) =>
        "public static class Program\n{\n" + Indent(members, 4) + "\n\n    public static void Main()\n    {\n" + Indent(main, 8) + "\n    }\n}";

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
