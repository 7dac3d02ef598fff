namespace Multiproc.Analyzers.Tests;

/// <summary>
/// Source shapes of the process rules' tests (MP0003, MP0004, MP0010, MP0012, MP0013): a class with a
/// <c>Work.Run(int)</c> target around the members or statements a case is about, and the expected diagnostics those
/// rules report, so that a test reads as its case.
/// </summary>
internal static class ProcessSources
{
    public const string Usings = "using System;\nusing System.Threading;\nusing System.Threading.Tasks;\nusing System.Collections.Generic;\nusing Multiproc;\n";

    /// <summary>
    /// <c>Program</c> with statics of every kind (a counter, a list, a property, readonly and const fields) and the child
    /// targets that write or only read them, <paramref name="members"/> after them and <paramref name="main"/> as
    /// <c>Main</c>'s statements (MP0009).
    /// </summary>
    public static string StaticStateProgram(string main, string members = "") => $$"""
        using System;
        using System.Collections.Generic;
        using Multiproc;

        public static class Program
        {
            static int Counter;
            static readonly List<string> Results = new();
            static int Total { get; set; }
            static readonly int Seed;
            const int Limit = 10;

            static Program() { Seed = 42; }

            static void Increment() => Counter++;
            static void Collect(string s) => Results.Add(s);
            static void Indirect() => Helper();
            static void Helper() { Total = Total + 1; }
            static void Local()
            {
                Counter = 5;
                Console.WriteLine(Counter);
            }
            static void ReadOnly() => Console.WriteLine(Seed + Limit);
        {{members}}

            public static void Main()
            {
        {{main}}
            }
        }
        """;

    /// <summary>
    /// <c>Program</c> whose <c>Main</c> runs <paramref name="setup"/> and starts <c>new ChildProcess(() =&gt;
    /// Work(<paramref name="arguments"/>))</c>, <c>Work</c> taking <paramref name="parameters"/>; <paramref name="extraTypes"/>
    /// before it (MP0008: what can be sent to a child).
    /// </summary>
    public static string SendingProgram(string parameters, string arguments, string setup = "", string extraTypes = "") => $$"""
        using System;
        using System.Collections.Generic;
        using System.IO;
        using System.Threading;
        using System.Threading.Tasks;
        using System.Text.Json.Serialization;
        using Multiproc;

        {{extraTypes}}

        public static class Program
        {
            static void Work({{parameters}}) { }

            public static unsafe void Main()
            {
                {{setup}}
                var p = new ChildProcess(() => Work({{arguments}}));
                p.Start();
                p.Join();
            }
        }
        """;

    /// <summary>The usings of the MP0003 cases.</summary>
    public const string LinqUsings = "using System;\nusing System.Collections.Generic;\nusing System.Linq;\nusing System.Threading;\nusing System.Threading.Tasks;\nusing Multiproc;\n\n";

    /// <summary>
    /// <c>class C { static void Work(int i) { } static bool Cond() => true;<paramref name="fields"/></c> on one line, then
    /// <paramref name="members"/> (MP0003's analyzer cases).
    /// </summary>
    public static string OneLineClass(string members, string fields = "") =>
        LinqUsings + "class C { static void Work(int i) { } static bool Cond() => true;" + fields + "\n" + members + "\n}";

    /// <summary>
    /// <c>class C</c> around <paramref name="members"/>, which start with a line break and are indented four spaces (MP0003's
    /// fix cases; no line break at the end).
    /// </summary>
    public static string ClassC(string members) => LinqUsings + "class C\n{" + members + "\n}";

    /// <summary>
    /// Class <c>C</c>, next to <c>Work.Run(int)</c>, around <paramref name="members"/>, which start with a line break and
    /// are indented four spaces (MP0010).
    /// </summary>
    public static string InClass(string members) => @"using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Multiproc;

public static class Work { public static void Run(int n) { } }

public class C
{
" + members + "}\n";

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
