namespace Multiproc.Analyzers.Tests;

/// <summary>
/// Source shapes of the queue rules' tests (MP0005, MP0006, MP0011): the method and loop around the lines a case is
/// about, so that a test reads as those lines. The text produced is exactly what the tests spelled out before, so
/// markup locations and fixed sources are unchanged.
/// </summary>
internal static class QueueSources
{
    /// <summary>
    /// <c>public static void <paramref name="signature"/> { while (true) { <paramref name="loopBody"/> } }</c> as a member
    /// (four-space indented); <paramref name="loopBody"/> starts with a line break and is indented twelve spaces.
    /// </summary>
    public static string ConsumerLoop(string signature, string loopBody) =>
        "\n    public static void " + signature + "\n    {\n        while (true)\n        {" + loopBody + "\n        }\n    }\n";
}
