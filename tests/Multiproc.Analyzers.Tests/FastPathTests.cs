using System.Collections.Immutable;
using Microsoft.CodeAnalysis.Diagnostics;

namespace Multiproc.Analyzers.Tests;

/// <summary>
/// MP0003, MP0009, MP0010 and MP0012 read linear bodies (one path: no branch, loop or try) without a control flow graph
/// (<see cref="LinearFlow"/>), MP0006 skips the graph when every take is released by the finally right after it, and
/// MP0005 when every size check is the whole condition of an if without else whose branch always falls through; MP0011
/// decides a consumer loop of a simple shape without its graph.
/// Each case here is checked twice: it gives the expected diagnostics, and exactly the same ones (id, place, message, fix
/// properties) as
/// the graph analysis, which the analyzer runs when these fast paths are off.
/// </summary>
public class FastPathTests
{
    public static TheoryData<string, string, string> Cases => new()
    {
        // MP0003
        { "joined", "void M() { var p = new ChildProcess(() => Workers.Work()); p.Start(); p.Join(); }", "" },
        { "never joined", "void M() { var p = new ChildProcess(() => Workers.Work()); p.Start(); }", "MP0003" },
        { "joined before start only", "void M() { var p = new ChildProcess(() => Workers.Work()); p.Join(); p.Start(); }", "MP0003 MP0012" },
        { "returned", "ChildProcess M() { var p = new ChildProcess(() => Workers.Work()); p.Start(); return p; }", "" },
        { "kept", "void M() { var p = new ChildProcess(() => Workers.Work()); _kept.Add(p); p.Start(); }", "" },
        { "reassigned while running", "void M() { var p = new ChildProcess(() => Workers.Work()); p.Start(); p = new ChildProcess(() => Workers.Work()); p.Start(); p.Join(); }", "MP0003" },
        { "using declaration, joined", "async Task M() { using var p = new ChildProcess(() => Workers.Work()); p.Start(); await p.JoinAsync(); }", "" },
        { "using declaration, only disposed", "void M() { using var p = new ChildProcess(() => Workers.Work()); p.Start(); }", "MP0003" },
        { "using statement", "void M() { using (var p = new ChildProcess(() => Workers.Work())) { p.Start(); } Console.WriteLine(); }", "MP0003" },
        { "daemon", "void M() { var p = new ChildProcess(() => Workers.Work()) { Daemon = true }; p.Start(); }", "" },
        { "in a lambda", "void M() { Action a = () => { var p = new ChildProcess(() => Workers.Work()); p.Start(); }; a(); }", "MP0003" },
        { "in a local function", "void M() { Run(); void Run() { var p = new ChildProcess(() => Workers.Work()); p.Start(); } }", "MP0003" },
        { "expression body", "void M(ChildProcess p) => p.Start();", "" },
        { "constructor", "public C(int n) { var p = new ChildProcess(() => Workers.Work()); p.Start(); }", "MP0003" },
        // MP0003 walks a body only when a start is on a local or on a new ChildProcess (StartsLocalOrNew).
        { "started on a creation", "void M() { new ChildProcess(() => Workers.Work()).Start(); }", "MP0003" },
        { "started on a lambda parameter and on a local", "void M(List<ChildProcess> ps) { ps.ForEach(q => q.Start()); var p = new ChildProcess(() => Workers.Work()); p.Start(); }", "MP0003" },
        { "local started in a lambda", "void M() { Action a = () => { var p = new ChildProcess(() => Workers.Work()); p.Start(); }; ps(a); } static void ps(Action a) => a();", "MP0003" },
        { "started on a parameter only", "void M(ChildProcess q) { var p = new ChildProcess(() => Workers.Work()); q.Start(); }", "" },
        { "started through a cast only", "void M() { var p = new ChildProcess(() => Workers.Work()); ((ChildProcess)p).Start(); }", "" },
        // Opaque statements in linear bodies
        { "loop between start and join", "void M(int n) { var p = new ChildProcess(() => Workers.Work()); p.Start(); for (var i = 0; i < n; i++) { Console.WriteLine(i); } p.Join(); }", "" },
        { "loop after start, no join", "void M(int n) { var p = new ChildProcess(() => Workers.Work()); p.Start(); foreach (var c in \"ab\") { if (c == 'a') { continue; } Console.WriteLine(c); } }", "MP0003" },
        { "endless loop after start", "void M() { var p = new ChildProcess(() => Workers.Work()); p.Start(); while (true) { Console.WriteLine(); } }", "MP0003" },
        { "loop that returns", "void M(int n) { var p = new ChildProcess(() => Workers.Work()); p.Start(); for (var i = 0; i < n; i++) { if (i == 3) { return; } } p.Join(); }", "MP0003" },
        { "loop that joins", "void M(int n) { var p = new ChildProcess(() => Workers.Work()); p.Start(); for (var i = 0; i < n; i++) { p.Join(); } }", "MP0003" },
        { "try/catch between start and join", "void M() { var p = new ChildProcess(() => Workers.Work()); p.Start(); try { Console.WriteLine(); } catch (InvalidOperationException) { Console.WriteLine(1); } p.Join(); }", "" },
        { "switch on a constant after join", "int M() { var p = new ChildProcess(() => Workers.Work()); p.Start(); p.Join(); var r = 0; switch (1) { case 2: r = Workers.Counter; break; } return r; }", "MP0009" },
        { "static read in a loop after join", "int M(int n) { var p = new ChildProcess(() => Workers.Work()); p.Start(); p.Join(); var r = 0; for (var i = 0; i < n; i++) { r += Workers.Counter; } return r; }", "MP0009" },
        { "if false after join", "int M() { var p = new ChildProcess(() => Workers.Work()); p.Start(); p.Join(); var r = 0; if (false) { r = Workers.Counter; } return r; }", "MP0009" },
        { "terminate, loop, join", "void M(int n) { var p = new ChildProcess(() => Workers.Work()); p.Start(); p.Terminate(); while (n > 0) { n--; } p.Join(); }", "" },
        { "started twice around a loop", "void M(int n) { var p = new ChildProcess(() => Workers.Work()); p.Start(); if (n > 0) { Console.WriteLine(n); } p.Start(); p.Join(); }", "MP0012" },
        // MP0012
        { "started twice", "void M() { var p = new ChildProcess(() => Workers.Work()); p.Start(); p.Start(); p.Join(); }", "MP0012" },
        { "joined, never started", "void M() { var p = new ChildProcess(() => Workers.Work()); p.Join(); }", "MP0012" },
        { "parameter started", "void M(ChildProcess p) { p.Start(); p.Join(); }", "" },
        { "parameter started twice", "void M(ChildProcess p) { p.Start(); p.Start(); }", "MP0012" },
        { "all started in lambdas", "void M(List<ChildProcess> ps) { ps.ForEach(p => p.Start()); ps.ForEach(p => p.Join()); }", "" },
        { "captured", "void M() { var p = new ChildProcess(() => Workers.Work()); Action a = () => p.Start(); a(); p.Join(); }", "" },
        { "started twice in a lambda", "void M() { Action a = () => { var p = new ChildProcess(() => Workers.Work()); p.Start(); p.Start(); p.Join(); }; a(); }", "MP0012" },
        { "fresh process after join", "void M() { var p = new ChildProcess(() => Workers.Work()); p.Start(); p.Join(); p = new ChildProcess(() => Workers.Work()); p.Join(); }", "MP0012" },
        { "declared, assigned later", "void M() { ChildProcess p; p = new ChildProcess(() => Workers.Work()); p.Start(); p.Join(); }", "" },
        // MP0010
        { "killed and joined", "void M() { var p = new ChildProcess(() => Workers.Work()); p.Start(); p.Kill(); p.Join(); }", "" },
        { "terminated, not joined", "void M() { var p = new ChildProcess(() => Workers.Work()); p.Start(); p.Terminate(); }", "MP0010" },
        { "captured after", "void M() { var p = new ChildProcess(() => Workers.Work()); p.Start(); p.Terminate(); Action a = () => p.Join(); }", "" },
        { "joined in a lambda", "void M(ChildProcess q) { var p = new ChildProcess(() => Workers.Work()); p.Start(); p.Terminate(); Action a = () => q.Join(); }", "MP0010" },
        { "terminated, handed on", "void M() { var p = new ChildProcess(() => Workers.Work()); p.Start(); p.Terminate(); _kept.Add(p); }", "" },
        { "element terminated and joined", "void M(ChildProcess[] ps) { ps[0].Terminate(); ps[1].Join(); }", "" },
        { "element terminated", "void M(ChildProcess[] ps) { ps[0].Terminate(); }", "MP0010" },
        // MP0009
        { "static read after join", "int M() { var p = new ChildProcess(() => Workers.Work()); p.Start(); p.Join(); return Workers.Counter; }", "MP0009" },
        { "static read before join", "int M() { var n = Workers.Counter; var p = new ChildProcess(() => Workers.Work()); p.Start(); p.Join(); return n; }", "" },
        { "static written after join", "void M() { var p = new ChildProcess(() => Workers.Work()); p.Start(); p.Join(); Workers.Counter = 0; }", "" },
        // MP0006
        { "take, then try/finally TaskDone", "void M(JoinableQueue<int> q) { while (true) { var n = q.Get(); try { Workers.Counter += n; } finally { q.TaskDone(); } } }", "" },
        { "take assigned, then try/catch/finally", "void M(JoinableQueue<int> q) { int n; n = q.Get(); try { Workers.Counter += n; } catch (InvalidOperationException) { throw; } finally { Console.WriteLine(); q.TaskDone(); } }", "" },
        { "awaited take, then try/finally", "async Task M(JoinableQueue<int> q) { var n = await q.GetAsync(); try { Workers.Counter += n; } finally { q.TaskDone(); } }", "" },
        { "awaited take with ConfigureAwait", "async Task M(JoinableQueue<int> q) { var n = await q.GetAsync().ConfigureAwait(false); try { Workers.Counter += n; } finally { q.TaskDone(); } }", "" },
        { "finally on another queue", "void M(JoinableQueue<int> q, JoinableQueue<int> r) { var n = q.Get(); try { Workers.Counter += n; } finally { r.TaskDone(); } }", "MP0006" },
        { "a call before the try", "void M(JoinableQueue<int> q) { var n = q.Get(); Console.WriteLine(n); try { } finally { q.TaskDone(); } }", "" },
        { "an early return before the try", "void M(JoinableQueue<int> q) { var n = q.Get(); if (n < 0) return; try { } finally { q.TaskDone(); } }", "MP0006" },
        { "TaskDone only on one branch of the finally", "void M(JoinableQueue<int> q, bool b) { var n = q.Get(); try { } finally { if (b) q.TaskDone(); } }", "MP0006" },
        { "two takes, one leaky", "void M(JoinableQueue<int> q) { var n = q.Get(); try { } finally { q.TaskDone(); } var m = q.Get(); }", "MP0006" },
        { "take in a lambda, released", "void M(JoinableQueue<int> q) { Action a = () => { var n = q.Get(); try { } finally { q.TaskDone(); } }; a(); }", "" },
        { "take in a lambda, leaky", "void M(JoinableQueue<int> q) { Action a = () => { var n = q.Get(); }; a(); }", "MP0006" },
        // MP0005
        { "if not empty, get", "void M(ProcessQueue<int> q) { if (!q.IsEmpty) { Workers.Counter += q.Get(); } }", "MP0005" },
        { "if not full, put, in a loop", "void M(ProcessQueue<int> q) { for (var i = 0; i < 3; i++) { if (!q.IsFull) { q.Put(i); } } }", "MP0005" },
        { "count compared, get then put", "int M(ProcessQueue<int> q) { var n = 0; if (q.Count > 0) { n = q.Get(); q.Put(n); } return n; }", "MP0005" },
        { "if empty, put only", "void M(ProcessQueue<int> q) { if (q.IsEmpty) { q.Put(1); } }", "" },
        { "other queue in the branch", "void M(ProcessQueue<int> q, ProcessQueue<int> r) { if (!q.IsEmpty) { r.Get(); } }", "" },
        { "size only logged", "void M(ProcessQueue<int> q) { Console.WriteLine(q.Count); q.Put(1); }", "" },
        { "get in a lambda in the branch", "void M(ProcessQueue<int> q) { if (!q.IsEmpty) { Func<int> f = () => q.Get(); } }", "" },
        { "nested if in the branch", "void M(ProcessQueue<int> q, bool b) { if (!q.IsEmpty) { if (b) { Console.WriteLine(); } q.Get(); } }", "MP0005" },
        { "early exit", "void M(ProcessQueue<int> q) { if (q.IsEmpty) { return; } q.Get(); }", "MP0005" },
        { "while not empty", "int M(ProcessQueue<int> q) { var sum = 0; while (!q.IsEmpty) { sum += q.Get(); } return sum; }", "MP0005" },
        { "size and TryGet", "void M(ProcessQueue<int> q) { if (q.Count > 0 && q.TryGet(out var x)) { Workers.Counter += x; } }", "" },
        { "with else", "void M(ProcessQueue<int> q) { if (!q.IsEmpty) { q.Get(); } else { q.Put(0); } }", "MP0005" },
        { "after an endless loop", "void M(ProcessQueue<int> q) { while (true) { Console.WriteLine(); } }", "" },
        { "unreachable after a constant", "void M(ProcessQueue<int> q) { if (false) { if (!q.IsEmpty) { q.Get(); } } }", "" },
        { "branch that returns", "void M(ProcessQueue<int> q) { if (!q.IsEmpty) { q.Get(); return; } q.Put(1); }", "MP0005" },
        // MP0011
        { "endless consumer", "void Run(ProcessQueue<int> q) { var p = new ChildProcess(() => Consume(q)); p.Start(); p.Join(); } static void Consume(ProcessQueue<int> q) { while (true) { var n = q.Get(); Console.WriteLine(n); } }", "MP0011" },
        { "endless for(;;) consumer", "void Run(ProcessQueue<int> q) { var p = new ChildProcess(() => Consume(q)); p.Start(); p.Join(); } static void Consume(ProcessQueue<int> q) { Console.WriteLine(); for (;;) { Workers.Counter += q.Get(); } }", "MP0011" },
        { "consumer that breaks out", "void Run(ProcessQueue<int> q) { var p = new ChildProcess(() => Consume(q)); p.Start(); p.Join(); } static void Consume(ProcessQueue<int> q) { while (true) { var n = q.Get(); if (n < 0) { break; } } }", "" },
        { "consumer that returns", "void Run(ProcessQueue<int> q) { var p = new ChildProcess(() => Consume(q)); p.Start(); p.Join(); } static void Consume(ProcessQueue<int> q) { while (true) { var n = q.Get(); if (n < 0) { return; } } }", "" },
        { "break of an inner loop only", "void Run(ProcessQueue<int> q) { var p = new ChildProcess(() => Consume(q)); p.Start(); p.Join(); } static void Consume(ProcessQueue<int> q) { while (true) { var n = q.Get(); for (var i = 0; i < n; i++) { if (i > 3) { break; } } } }", "MP0011" },
        { "return only in a lambda", "void Run(ProcessQueue<int> q) { var p = new ChildProcess(() => Consume(q)); p.Start(); p.Join(); } static void Consume(ProcessQueue<int> q) { while (true) { var n = q.Get(); Func<int> f = () => { return n; }; } }", "MP0011" },
        { "break after a constant", "void Run(ProcessQueue<int> q) { var p = new ChildProcess(() => Consume(q)); p.Start(); p.Join(); } static void Consume(ProcessQueue<int> q) { while (true) { var n = q.Get(); if (false && n < 0) { break; } } }", "MP0011" },
        { "throw inside", "void Run(ProcessQueue<int> q) { var p = new ChildProcess(() => Consume(q)); p.Start(); p.Join(); } static void Consume(ProcessQueue<int> q) { while (true) { var n = q.Get(); if (n < 0) { throw new InvalidOperationException(); } } }", "" },
        { "try inside", "void Run(ProcessQueue<int> q) { var p = new ChildProcess(() => Consume(q)); p.Start(); p.Join(); } static void Consume(ProcessQueue<int> q) { while (true) { try { var n = q.Get(); } catch (InvalidOperationException) { } } }", "MP0011" },
        { "continue inside", "void Run(ProcessQueue<int> q) { var p = new ChildProcess(() => Consume(q)); p.Start(); p.Join(); } static void Consume(ProcessQueue<int> q) { while (true) { var n = q.Get(); if (n < 0) { continue; } Console.WriteLine(n); } }", "MP0011" },
        { "take only nested in an if", "void Run(ProcessQueue<int> q) { var p = new ChildProcess(() => Consume(q, true)); p.Start(); p.Join(); } static void Consume(ProcessQueue<int> q, bool b) { while (true) { if (b) { q.Get(); } } }", "MP0011" },
        { "return inside try/finally", "void Run(JoinableQueue<int> q) { var p = new ChildProcess(() => Consume(q)); p.Start(); p.Join(); } static void Consume(JoinableQueue<int> q) { while (true) { var n = q.Get(); try { if (n < 0) { return; } Workers.Counter += n; } finally { q.TaskDone(); } } }", "" },
        { "endless with try/finally", "void Run(JoinableQueue<int> q) { var p = new ChildProcess(() => Consume(q)); p.Start(); p.Join(); } static void Consume(JoinableQueue<int> q) { while (true) { var n = q.Get(); try { Workers.Counter += n; } finally { q.TaskDone(); } } }", "MP0011" },
        { "return in a catch", "void Run(ProcessQueue<int> q) { var p = new ChildProcess(() => Consume(q)); p.Start(); p.Join(); } static void Consume(ProcessQueue<int> q) { while (true) { var n = q.Get(); try { Workers.Counter += n; } catch (InvalidOperationException) { return; } } }", "" },
        { "break in a catch", "void Run(ProcessQueue<int> q) { var p = new ChildProcess(() => Consume(q)); p.Start(); p.Join(); } static void Consume(ProcessQueue<int> q) { while (true) { var n = q.Get(); try { Console.WriteLine(n); } catch (InvalidOperationException) { break; } } }", "" },
        { "endless with try/catch", "void Run(ProcessQueue<int> q) { var p = new ChildProcess(() => Consume(q)); p.Start(); p.Join(); } static void Consume(ProcessQueue<int> q) { while (true) { try { Console.WriteLine(q.Get()); } catch (InvalidOperationException) { } } }", "MP0011" },
        // MP0009 reads a parent body only when it joins a child and references a static (a superset of its walk's own test).
        { "MP0009: read after join", "void M() { var p = new ChildProcess(() => Workers.Work()); p.Start(); p.Join(); Console.WriteLine(Workers.Counter); }", "MP0009" },
        { "MP0009: read after JoinAsync", "async Task M() { var p = new ChildProcess(() => Workers.Work()); p.Start(); await p.JoinAsync(); Console.WriteLine(Workers.Counter); }", "MP0009" },
        { "MP0009: written in a lambda of the target", "void M() { var p = new ChildProcess(() => Bump()); p.Start(); p.Join(); Console.WriteLine(Workers.Counter); } static void Bump() { Action a = () => Workers.Counter++; a(); }", "MP0009" },
        { "MP0009: joined, no static read", "void M() { var p = new ChildProcess(() => Workers.Work()); p.Start(); p.Join(); Console.WriteLine(_kept.Count); }", "" },
        { "MP0009: static read, no join", "void M() { var p = new ChildProcess(() => Workers.Work()); p.Start(); Console.WriteLine(Workers.Counter); _kept.Add(p); }", "" },
        { "MP0009: only a BCL static after join", "void M() { var p = new ChildProcess(() => Workers.Work()); p.Start(); p.Join(); Console.WriteLine(Environment.NewLine); }", "" },
        // (MP0009 follows the body's own path: a read inside a lambda, or a join inside a local function, is not on it.)
        { "MP0009: read in a lambda after join", "void M() { var p = new ChildProcess(() => Workers.Work()); p.Start(); p.Join(); Func<int> f = () => Workers.Counter; Console.WriteLine(f()); }", "" },
        { "MP0009: join in a local function", "void M() { var p = new ChildProcess(() => Workers.Work()); p.Start(); Wait(); Console.WriteLine(Workers.Counter); void Wait() => p.Join(); }", "" },
        // Not linear: the graph analysis runs in both modes.
        { "joined on one branch", "void M(bool b) { var p = new ChildProcess(() => Workers.Work()); p.Start(); if (b) p.Join(); }", "MP0003" },
        { "early return", "void M(bool b) { var p = new ChildProcess(() => Workers.Work()); p.Start(); if (b) { return; } p.Join(); }", "MP0003" },
        { "started in a loop", "void M() { var p = new ChildProcess(() => Workers.Work()); for (var i = 0; i < 2; i++) { p.Start(); } p.Join(); }", "MP0012 MP0012" },
        { "conditional access", "void M(ChildProcess? q) { var p = new ChildProcess(() => Workers.Work()); p.Start(); q?.Join(); p.Join(); p.Start(); }", "MP0003 MP0012" },
        { "try finally", "void M() { var p = new ChildProcess(() => Workers.Work()); try { p.Start(); } finally { p.Join(); } }", "" },
        { "lambda with a branch", "void M(bool b) { Action a = () => { var p = new ChildProcess(() => Workers.Work()); p.Start(); if (b) p.Join(); }; a(); }", "MP0003" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Fast_path_and_graph_analyses_agree(string name, string member, string expectedIds)
    {
        var source = FastPathComparison.Source(member);
        var fast = await DiagnosticsAsync(source, fastPaths: true);
        var graph = await DiagnosticsAsync(source, fastPaths: false);

        var expected = expectedIds.Split(' ', StringSplitOptions.RemoveEmptyEntries).OrderBy(id => id, StringComparer.Ordinal);
        Assert.True(expected.SequenceEqual(fast.Select(d => d.Id)), $"{name}: expected [{expectedIds}], got [{string.Join(", ", fast)}]");
        Assert.Equal(graph.Select(Describe), fast.Select(Describe));
    }

    private static string Describe(Diagnostic d) => FastPathComparison.Describe(d);

    private static Task<ImmutableArray<Diagnostic>> DiagnosticsAsync(string source, bool fastPaths) =>
        FastPathComparison.DiagnosticsAsync(FastPathComparison.Compile(source), fastPaths,
            "MP0003", "MP0005", "MP0006", "MP0009", "MP0010", "MP0011", "MP0012");
}
