namespace Multiproc.Analyzers.Tests;

/// <summary>
/// Source shapes of the queue rules' tests (MP0005, MP0006, MP0011): the method, loop or program around the lines a case
/// is about, so that a test reads as those lines. The text produced is exactly what the tests spelled out before, so
/// markup locations and fixed sources are unchanged.
/// </summary>
internal static class QueueSources
{
    /// <summary>
    /// Class <c>C</c> (a <c>ProcessQueue&lt;string&gt; _queue</c> field and a <c>Work(string)</c> method) around
    /// <paramref name="members"/>, which start with a line break and are indented four spaces (MP0005).
    /// </summary>
    public static string InClass(string members) => @"using System;
using System.Collections.Generic;
using System.Threading;
using Multiproc;

public class C
{
    private readonly ProcessQueue<string> _queue = new ProcessQueue<string>(10);

    private static void Work(string item) { }
" + members + "}\n";

    /// <summary>
    /// Static class <c>Consumer</c> (usings for <c>System</c>, <c>System.Threading</c>, <c>System.Threading.Tasks</c>,
    /// <c>Multiproc</c>) around <paramref name="helpers"/>, then <paramref name="members"/>: the JoinableQueue consumers of
    /// MP0006 and MP0019. Both are four-space indented members; <paramref name="helpers"/> ends with a line break.
    /// </summary>
    public static string InConsumer(string helpers, string members) => @"using System;
using System.Threading;
using System.Threading.Tasks;
using Multiproc;

public static class Consumer
{
" + helpers + members + "}\n";

    /// <summary>The consumer of the MP0011 cases: <c>Consume(q)</c> takes from its queue for ever.</summary>
    public const string Consumer = """
            static void Consume(ProcessQueue<string> q)
            {
                while (true)
                {
                    var item = q.Get();
                    Console.WriteLine(item);
                }
            }
        """;

    /// <summary>
    /// <c>Program</c> with <paramref name="consumer"/> (a member, four-space indented) and a <c>Main</c> whose statements are
    /// <paramref name="main"/> (eight-space indented): the MP0011 cases, where <c>Main</c> starts a consumer.
    /// </summary>
    public static string ConsumerProgram(string main, string consumer = Consumer) => $$"""
        using System;
        using System.Threading;
        using Multiproc;

        public static class Program
        {
        {{consumer}}

            public static void Main()
            {
        {{main}}
            }
        }
        """;

    /// <summary>
    /// <c>public static void <paramref name="signature"/> { while (true) { <paramref name="loopBody"/> } }</c> as a member
    /// (four-space indented); <paramref name="loopBody"/> starts with a line break and is indented twelve spaces.
    /// </summary>
    public static string ConsumerLoop(string signature, string loopBody) =>
        "\n    public static void " + signature + "\n    {\n        while (true)\n        {" + loopBody + "\n        }\n    }\n";
}
