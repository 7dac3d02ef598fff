namespace Multiproc.Analyzers.Tests;

/// <summary>
/// Source shapes of the process rules' tests (MP0003, MP0004, MP0010, MP0012, MP0013): a class with a
/// <c>Work.Run(int)</c> target around the members or statements a case is about, and the expected diagnostics those
/// rules report, so that a test reads as its case.
/// </summary>
internal static class ProcessSources
{
    public const string Usings = "using System;\nusing System.Threading;\nusing System.Threading.Tasks;\nusing System.Collections.Generic;\nusing Multiproc;\n";

    /// <summary>The statements of <paramref name="body"/> (indented eight spaces) in <c>C.M(bool flag)</c>, next to <c>Work.Run(int)</c>.</summary>
    public static string InMethod(string body) => Usings + @"
public static class Work { public static void Run(int n) { } }

public class C
{
    public void M(bool flag)
    {
" + body + @"
    }
}";

    /// <summary>
    /// <c>var <paramref name="variable"/> = <paramref name="creation"/>;</c> then its <c>Start()</c> and <c>Join()</c>, one
    /// statement a line, each indented <paramref name="indent"/> spaces (no line break at the end).
    /// </summary>
    public static string StartedAndJoined(string variable, string creation, int indent = 8)
    {
        var pad = new string(' ', indent);
        return pad + "var " + variable + " = " + creation + ";\n" + pad + variable + ".Start();\n" + pad + variable + ".Join();";
    }
}
