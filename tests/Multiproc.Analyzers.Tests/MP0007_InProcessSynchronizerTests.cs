using Verify = Multiproc.Analyzers.Tests.Verifiers.CSharpCodeFixVerifier<Multiproc.Analyzers.MultiprocAnalyzer, Multiproc.Analyzers.Tests.Verifiers.MP0007Rule, Multiproc.CodeFixes.InProcessSynchronizerFixer>;

namespace Multiproc.Analyzers.Tests;

public class MP0007_InProcessSynchronizerTests
{
    private const string Usings = """
        using System;
        using System.Threading;
        using Multiproc;

        """;

    /// <summary>The usings, then <see cref="LockSources.ChildProgram"/>: the members of <c>Program</c> and the body of its <c>Main</c>.</summary>
    private static string ChildProgram(string members, string main) => Usings + LockSources.ChildProgram(members, main);

    private static Microsoft.CodeAnalysis.Testing.DiagnosticResult Expected(int location, string name, string kind) =>
        Verify.Diagnostic(Descriptors.MP0007_InProcessSynchronizerSentToChild).WithLocation(location).WithArguments(name, kind, InProcessSynchronizer.Replacement(kind));

    [Fact]
    public async Task LockObjectUsedByTarget_IsFlagged_FixUsesProcessLockOnBothSides()
    {
        var source = ChildProgram(
            members: """
                static void Worker(object gate, int id)
                {
                    lock (gate)
                    {
                        Console.WriteLine(id);
                    }
                }
                """,
            main: """
                var gate = new object();
                var p = new ChildProcess(() => Worker({|#0:gate|}, 1));
                p.Start();
                p.Join();
                """);
        var fixedSource = ChildProgram(
            members: """
                static void Worker(ProcessLock gate, int id)
                {
                    using (gate.Hold())
                    {
                        Console.WriteLine(id);
                    }
                }
                """,
            main: """
                var gate = new ProcessLock();
                var p = new ChildProcess(() => Worker(gate, 1));
                p.Start();
                p.Join();
                """);
        await Verify.VerifyCodeFixAsync(source, fixedSource, InProcessSynchronizerFixer.EquivalenceKey,
            Expected(0, "gate", "an object used in a lock statement"));
    }

    [Fact]
    public async Task LockObjectLockedByParent_IsFlagged_FixChangesLocalAndLocks()
    {
        var source = ChildProgram(
            members: """
                static void Worker(object token) => Console.WriteLine(token);
                """,
            main: """
                object sync = new object();
                var p = new ChildProcess(() => Worker({|#0:sync|}));
                p.Start();
                lock (sync)
                {
                    Console.WriteLine("parent");
                }
                p.Join();
                """);
        var fixedSource = ChildProgram(
            members: """
                static void Worker(object token) => Console.WriteLine(token);
                """,
            main: """
                ProcessLock sync = new ProcessLock();
                var p = new ChildProcess(() => Worker(sync));
                p.Start();
                using (sync.Hold())
                {
                    Console.WriteLine("parent");
                }
                p.Join();
                """);
        await Verify.VerifyCodeFixAsync(source, fixedSource, InProcessSynchronizerFixer.EquivalenceKey,
            Expected(0, "sync", "an object used in a lock statement"));
    }

    [Fact]
    public async Task FixAll_SharedLockPassedToSeveralChildren()
    {
        var source = ChildProgram(
            members: """
                static void Worker(object gate, int id)
                {
                    lock (gate) { Console.WriteLine(id); }
                }
                """,
            main: """
                var gate = new object();
                var a = new ChildProcess(() => Worker({|#0:gate|}, 1));
                var b = new ChildProcess(() => Worker({|#1:gate|}, 2));
                a.Start(); b.Start();
                a.Join(); b.Join();
                """);
        var fixedSource = ChildProgram(
            members: """
                static void Worker(ProcessLock gate, int id)
                {
                    using (gate.Hold()) { Console.WriteLine(id); }
                }
                """,
            main: """
                var gate = new ProcessLock();
                var a = new ChildProcess(() => Worker(gate, 1));
                var b = new ChildProcess(() => Worker(gate, 2));
                a.Start(); b.Start();
                a.Join(); b.Join();
                """);
        await Verify.VerifyFixAllAsync(source, fixedSource, InProcessSynchronizerFixer.EquivalenceKey,
            Expected(0, "gate", "an object used in a lock statement"),
            Expected(1, "gate", "an object used in a lock statement"));
    }

    [Fact]
    public async Task ThreadingLock_IsFlagged_FixUsesProcessLock()
    {
        var source = ChildProgram(
            members: """
                static void Worker(Lock gate)
                {
                    lock (gate) { Console.WriteLine("child"); }
                }
                """,
            main: """
                Lock gate = new();
                var p = new ChildProcess(() => Worker({|#0:gate|}));
                p.Start();
                p.Join();
                """);
        var fixedSource = ChildProgram(
            members: """
                static void Worker(ProcessLock gate)
                {
                    using (gate.Hold()) { Console.WriteLine("child"); }
                }
                """,
            main: """
                ProcessLock gate = new ProcessLock();
                var p = new ChildProcess(() => Worker(gate));
                p.Start();
                p.Join();
                """);
        await Verify.VerifyCodeFixAsync(source, fixedSource, InProcessSynchronizerFixer.EquivalenceKey,
            Expected(0, "gate", "System.Threading.Lock"));
    }

    [Fact]
    public async Task PublicTarget_ParameterCannotChange_NoFix()
    {
        var source = ChildProgram(
            members: """
                public static void Worker(object gate) { lock (gate) { } }
                """,
            main: """
                var gate = new object();
                var p = new ChildProcess(() => Worker({|#0:gate|}));
                p.Start();
                p.Join();
                """);
        await Verify.VerifyCodeFixAsync(source, source, InProcessSynchronizerFixer.EquivalenceKey,
            Expected(0, "gate", "an object used in a lock statement"));
    }

    [Theory]
    [InlineData("SemaphoreSlim", "new SemaphoreSlim(1, 1)", "SemaphoreSlim")]
    [InlineData("ReaderWriterLockSlim", "new ReaderWriterLockSlim()", "ReaderWriterLockSlim")]
    [InlineData("Lock", "new Lock()", "System.Threading.Lock")]
    [InlineData("Mutex", "new Mutex()", "an unnamed Mutex")]
    [InlineData("Mutex", "new Mutex(false, null)", "an unnamed Mutex")]
    public async Task InProcessSynchronizerTypes_AreFlagged(string type, string creation, string kind)
    {
        var source = Usings + $$"""
            public static class Program
            {
                static void Worker({{type}} sync) { }

                public static void Main()
                {
                    var sync = {{creation}};
                    var p = new ChildProcess(() => Worker({|#0:sync|}));
                    p.Start();
                    p.Join();
                }
            }
            """;
        await Verify.VerifyAnalyzerAsync(source, Expected(0, "sync", kind));
    }

    [Theory]
    [InlineData("ManualResetEventSlim", "new ManualResetEventSlim()", "ProcessEvent")]
    [InlineData("ManualResetEvent", "new ManualResetEvent(false)", "ProcessEvent")]
    [InlineData("AutoResetEvent", "new AutoResetEvent(false)", "ProcessEvent")]
    [InlineData("Barrier", "new Barrier(3)", "ProcessBarrier")]
    [InlineData("SemaphoreSlim", "new SemaphoreSlim(2)", "ProcessSemaphore")]
    [InlineData("Semaphore", "new Semaphore(1, 1)", "ProcessSemaphore")]
    [InlineData("CountdownEvent", "new CountdownEvent(3)", "JoinableQueue (Join waits for every TaskDone, as Wait waits for every Signal) or a ProcessBarrier")]
    [InlineData("ReaderWriterLockSlim", "new ReaderWriterLockSlim()", "ProcessLock")]
    public async Task Synchronizers_NameTheirMultiprocCounterpart(string type, string creation, string replacement)
    {
        var source = Usings + $$"""
            public static class Program
            {
                static void Worker({{type}} sync) { }

                public static void Main()
                {
                    var sync = {{creation}};
                    var p = new ChildProcess(() => Worker({|#0:sync|}));
                    p.Start();
                    p.Join();
                }
            }
            """;
        await Verify.VerifyAnalyzerAsync(source,
            Verify.Diagnostic(Descriptors.MP0007_InProcessSynchronizerSentToChild).WithLocation(0).WithArguments("sync", type, replacement));
    }

    [Fact]
    public async Task MonitorLockedField_IsFlagged_WithoutFix()
    {
        var source = ChildProgram(
            members: """
                static readonly object Sync = new();

                static void Worker(object sync)
                {
                    Monitor.Enter(sync);
                    try { Console.WriteLine("x"); } finally { Monitor.Exit(sync); }
                }
                """,
            main: """
                var p = new ChildProcess(() => Worker({|#0:Sync|}));
                p.Start();
                p.Join();
                """);
        await Verify.VerifyCodeFixAsync(source, source, InProcessSynchronizerFixer.EquivalenceKey,
            Expected(0, "Sync", "an object locked with Monitor"));
    }

    [Fact]
    public async Task LockedStaticField_IsFlagged()
    {
        var source = ChildProgram(
            members: """
                static readonly object Gate = new();

                static void Worker(object gate) => Console.WriteLine(gate);

                static void Touch() { lock (Gate) { } }
                """,
            main: """
                var p = new ChildProcess(() => Worker({|#0:Gate|}));
                p.Start();
                p.Join();
                """);
        await Verify.VerifyAnalyzerAsync(source, Expected(0, "Gate", "an object used in a lock statement"));
    }

    [Fact]
    public async Task LockObjectAlsoUsedOtherwise_IsFlagged_WithoutFix()
    {
        var source = ChildProgram(
            members: """
                static void Worker(object gate) { lock (gate) { } }
                """,
            main: """
                var gate = new object();
                Console.WriteLine(gate.GetHashCode());
                var p = new ChildProcess(() => Worker({|#0:gate|}));
                p.Start();
                p.Join();
                """);
        await Verify.VerifyCodeFixAsync(source, source, InProcessSynchronizerFixer.EquivalenceKey,
            Expected(0, "gate", "an object used in a lock statement"));
    }

    [Fact]
    public async Task ProcessLock_IsNotFlagged()
    {
        var source = ChildProgram(
            members: """
                static void Worker(ProcessLock gate) { using (gate.Hold()) { } }
                """,
            main: """
                var gate = new ProcessLock();
                var p = new ChildProcess(() => Worker(gate));
                p.Start();
                p.Join();
                """);
        await Verify.VerifyAnalyzerAsync(source);
    }

    [Fact]
    public async Task NamedMutex_IsNotFlagged()
    {
        var source = ChildProgram(
            members: """
                static void Worker(string name) { using var m = Mutex.OpenExisting(name); }
                """,
            main: """
                var mutex = new Mutex(false, "Global\\tickets");
                var p = new ChildProcess(() => Worker("Global\\tickets"));
                p.Start();
                p.Join();
                mutex.Dispose();
                """);
        await Verify.VerifyAnalyzerAsync(source);
    }

    [Fact]
    public async Task PlainObjectNeverLocked_IsNotFlagged()
    {
        var source = ChildProgram(
            members: """
                static void Worker(object payload) => Console.WriteLine(payload);
                """,
            main: """
                var payload = new object();
                var p = new ChildProcess(() => Worker(payload));
                p.Start();
                p.Join();
                """);
        await Verify.VerifyAnalyzerAsync(source);
    }

    /// <summary>
    /// The lock uses of a body are found once for its creations (<c>InProcessSynchronizer.BodyLockUses</c>): two creations
    /// of one body (one in a nested lambda) each get their own answer from it, and another body gets its own uses, not the
    /// first body's (it would miss <c>lock (mine)</c>).
    /// </summary>
    [Fact]
    public async Task LockUses_AreFoundPerBody_ForEveryCreationOfIt()
    {
        var source = ChildProgram(
            members: """
                static void Worker(object token) => Console.WriteLine(token);

                static void Other()
                {
                    var mine = new object();
                    var q = new ChildProcess(() => Worker({|#2:mine|}));
                    q.Start();
                    lock (mine) { Console.WriteLine("other"); }
                    q.Join();
                }
                """,
            main: """
                var a = new object();
                var b = new object();
                var c = new object();
                var p1 = new ChildProcess(() => Worker({|#0:a|}));
                var p2 = new ChildProcess(() => Worker(b));
                Action later = () => { var p3 = new ChildProcess(() => Worker({|#1:c|})); p3.Start(); p3.Join(); };
                p1.Start();
                p2.Start();
                lock (a) { Console.WriteLine("parent"); }
                Monitor.Enter(c);
                Monitor.Exit(c);
                p1.Join();
                p2.Join();
                later();
                Other();
                """);
        await Verify.VerifyAnalyzerAsync(source,
            Expected(0, "a", "an object used in a lock statement"),
            Expected(1, "c", "an object locked with Monitor"),
            Expected(2, "mine", "an object used in a lock statement"));
    }

    [Fact]
    public async Task LockUsedOnlyInsideParent_NotPassed_IsNotFlagged()
    {
        var source = ChildProgram(
            members: """
                static void Worker(int id) => Console.WriteLine(id);
                """,
            main: """
                var gate = new object();
                var p = new ChildProcess(() => Worker(1));
                lock (gate) { p.Start(); }
                p.Join();
                """);
        await Verify.VerifyAnalyzerAsync(source);
    }

    [Fact]
    public async Task TargetInAnotherFileLocksItsParameter_IsFlaggedAtCompilationEnd()
    {
        var test = new Verifiers.CSharpAnalyzerVerifier<MultiprocAnalyzer, Verifiers.MP0007Rule>.Test();
        test.TestState.Sources.Add(("/0/Workers.cs", """
            using System;

            public static class Workers
            {
                public static void Work(object gate) { lock (gate) { Console.WriteLine("in"); } }
            }
            """));
        test.TestState.Sources.Add(("/0/Program.cs", """
            using Multiproc;

            public static class Program
            {
                public static void Main()
                {
                    var gate = new object();
                    var p = new ChildProcess(() => Workers.Work({|#0:gate|}));
                    p.Start();
                    p.Join();
                }
            }
            """));
        test.ExpectedDiagnostics.Add(Expected(0, "gate", "an object used in a lock statement"));
        await test.RunAsync(CancellationToken.None);
    }
}
