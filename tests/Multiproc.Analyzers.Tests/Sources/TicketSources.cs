namespace Multiproc.Analyzers.Tests;

/// <summary>
/// Source shapes of MP0001's tests (<see cref="MP0001_NoLockFixTests"/>, whose parts the read-modify-write and data-flow
/// cases also use): a class <c>Tickets</c> whose <c>Main</c>
/// starts children that take a ticket from a file, by a read-modify-write that is either flagged (markup
/// <c>{|#n:…|}</c> on the read and the write) or held under a <c>ProcessLock</c>, as the fix writes it. The parts are
/// written without indentation and indented here; the text produced is exactly what the tests spelled out before,
/// so markup locations and fixed sources are unchanged.
/// </summary>
internal static class TicketSources
{
    /// <summary>The usings of the MP0001 fix cases.</summary>
    public const string Usings = "using System;\nusing System.Collections.Generic;\nusing System.IO;\nusing Multiproc;\n\n";

    /// <summary><c>using <paramref name="namespaces"/>;</c>, one a line, then a blank line.</summary>
    public static string UsingsOf(params string[] namespaces) => string.Concat(namespaces.Select(n => "using " + n + ";\n")) + "\n";

    /// <summary>The line the fix puts before the first child's creation.</summary>
    public const string NewLock = "using var fileLock = new ProcessLock();";

    /// <summary>
    /// <c>var <paramref name="count"/> = int.Parse(File.ReadAllText(path)); File.WriteAllText(path, (count change).ToString());</c>,
    /// the read and the write marked at <paramref name="location"/> and the next one, or not marked when it is null.
    /// </summary>
    public static string ReadModifyWrite(string path = "path", int? location = 0, string count = "n", string change = "- 1") =>
        $"var {count} = int.Parse({Mark($"File.ReadAllText({path})", location)});\n"
        + $"{Mark($"File.WriteAllText({path}, ({count} {change}).ToString())", location + 1)};";

    /// <summary>The read-modify-write held under <paramref name="lockName"/>, as the fix writes it.</summary>
    public static string Held(string path = "path", string lockName = "fileLock", string count = "n", string change = "- 1") =>
        $"using ({lockName}.Hold())\n{{\n" + LockSources.Indent(ReadModifyWrite(path, null, count, change), 4) + "\n}";

    /// <summary><c>var p = new ChildProcess(() => <paramref name="call"/>); p.Start(); p.Join();</c></summary>
    public static string OneChild(string call) => $"var p = new ChildProcess(() => {call});\np.Start();\np.Join();";

    /// <summary>
    /// <c><paramref name="modifiers"/> void Buy(<paramref name="parameters"/>) { <paramref name="body"/> }</c>, not indented;
    /// the body is the flagged read-modify-write unless given.
    /// </summary>
    public static string Buy(string parameters = "string path", string? body = null, string modifiers = "static") =>
        $"{modifiers} void Buy({parameters})\n{{\n" + LockSources.Indent(body ?? ReadModifyWrite(), 4) + "\n}";

    /// <summary>The fixed <see cref="Buy"/>: the lock parameter added and the read-modify-write held.</summary>
    public static string BuyFixed(string parameters = "string path, ProcessLock fileLock", string modifiers = "static") =>
        Buy(parameters, Held(), modifiers);

    /// <summary>
    /// The usings, then <paramref name="declaration"/> (<c>class Tickets</c>) around <c>static void Main() { <paramref name="main"/> }</c>
    /// and, after a blank line, <paramref name="members"/>; no line break at the end.
    /// </summary>
    public static string Tickets(string main, string members, string declaration = "class Tickets") =>
        Usings + declaration + "\n{\n    static void Main()\n    {\n" + LockSources.Indent(main, 8) + "\n    }\n\n"
        + LockSources.Indent(members, 4) + "\n}";

    /// <summary>The usings and <c>public static class Parent { public static void Main() { <paramref name="main"/> } }</c>.</summary>
    public static string Parent(string main) =>
        Usings + "public static class Parent\n{\n    public static void Main()\n    {\n" + LockSources.Indent(main, 8) + "\n    }\n}";

    /// <summary>
    /// The usings and <c>public static class <paramref name="type"/> { public static void <paramref name="method"/>(…) { … } }</c>:
    /// the flagged read-modify-write marked at <paramref name="location"/>, or held (the fix) when it is null.
    /// </summary>
    public static string Target(string type, string method, int? location) =>
        Usings + $"public static class {type}\n{{\n    public static void {method}(string path"
        + (location is null ? ", ProcessLock fileLock" : "") + ")\n    {\n"
        + LockSources.Indent(location is { } l ? ReadModifyWrite(location: l) : Held(), 8) + "\n    }\n}";

    private static string Mark(string text, int? location) => location is { } l ? "{|#" + l + ":" + text + "|}" : text;
}
