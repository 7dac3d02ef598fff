using Verify = Multiproc.Analyzers.Tests.Verifiers.CSharpCodeFixVerifier<Multiproc.Analyzers.MultiprocAnalyzer, Multiproc.Analyzers.Tests.Verifiers.MP0019Rule, Multiproc.CodeFixes.TaskDoneNotInFinallyFixer>;
using BothRules = Multiproc.Analyzers.Tests.Verifiers.CSharpAnalyzerVerifier<Multiproc.Analyzers.MultiprocAnalyzer>;

namespace Multiproc.Analyzers.Tests;

public class MP0019_TaskDoneNotInFinallyTests
{
    private static string Wrap(string members) => QueueSources.InConsumer("    private static void Process(int item) { }\n", members);

    private static string ConsumerLoop(string loopBody) => Wrap(QueueSources.ConsumerLoop("Run(JoinableQueue<int> q)", loopBody));

    private static DiagnosticResult Expected(int location, string queue = "q") =>
        Verify.Diagnostic(Descriptors.MP0019_TaskDoneNotInFinally).WithLocation(location).WithArguments(queue);

    [Fact]
    public Task TutorialConsumerIsFlaggedAndFixed() => Verify.VerifyCodeFixAsync(ConsumerLoop(@"
            var item = {|#0:q.Get()|};
            Process(item);
            q.TaskDone();
            Console.WriteLine(""next"");"), ConsumerLoop(@"
            var item = q.Get();
            try
            {
                Process(item);
            }
            finally
            {
                q.TaskDone();
            }
            Console.WriteLine(""next"");"), TaskDoneNotInFinallyFixer.EquivalenceKey, Expected(0));

    [Fact]
    public Task SentinelWithItsOwnTaskDoneThenWorkIsFlagged() => Verify.VerifyAnalyzerAsync(ConsumerLoop(@"
            var item = {|#0:q.Get()|};
            if (item < 0) { q.TaskDone(); break; }
            Process(item);
            q.TaskDone();"), Expected(0));

    [Fact]
    public Task AwaitedTakeWithThrowingConversionIsFlagged() => Verify.VerifyAnalyzerAsync(Wrap(@"
    public static async Task RunAsync(JoinableQueue<object> q)
    {
        var item = await {|#0:q.GetAsync()|};
        var n = (string)item;
        q.TaskDone();
    }"), Expected(0));

    [Fact]
    public Task ObjectCreationBetweenIsFlagged() => Verify.VerifyAnalyzerAsync(Wrap(@"
    public static void Run(JoinableQueue<int> q)
    {
        q.Get();
        var list = new System.Collections.Generic.List<int>(-1);
        q.TaskDone();
    }".Replace("q.Get()", "{|#0:q.Get()|}")), Expected(0));

    [Fact]
    public Task TaskDoneInFinallyIsNotFlagged() => Verify.VerifyAnalyzerAsync(ConsumerLoop(@"
            var item = q.Get();
            try
            {
                Process(item);
            }
            finally
            {
                q.TaskDone();
            }"));

    [Fact]
    public Task NothingThatCanThrowBetweenIsNotFlagged() => Verify.VerifyAnalyzerAsync(ConsumerLoop(@"
            var item = q.Get();
            var doubled = item * 2;
            var ok = item > 0 && doubled is not 4;
            Func<int> later = () => Int32.Parse(""1"");
            q.TaskDone();
            Process(doubled);"));

    [Fact]
    public Task NothingBetweenIsNotFlagged() => Verify.VerifyAnalyzerAsync(ConsumerLoop(@"
            var item = q.Get();
            q.TaskDone();
            Process(item);"));

    [Fact]
    public Task TakeInsideTryIsLeftToMp0006() => Verify.VerifyAnalyzerAsync(Wrap(@"
    public static void Run(JoinableQueue<int> q)
    {
        try
        {
            var item = q.Get();
            Process(item);
            q.TaskDone();
        }
        catch (Exception e) { Console.WriteLine(e); q.TaskDone(); }
    }"));

    [Fact]
    public Task Mp0006ShapesAreNotReportedTwice() => BothRules.VerifyAnalyzerAsync(ConsumerLoop(@"
            var item = {|#0:q.Get()|};
            if (item < 0)
                break;
            Process(item);
            q.TaskDone();") + "\npublic static class Other\n{\n    public static void Run(JoinableQueue<int> q)\n    {\n        var item = {|#1:q.Get()|};\n        Console.WriteLine(item);\n    }\n}\n",
        BothRules.Diagnostic(Descriptors.MP0006_MissingTaskDone).WithLocation(0).WithArguments("q"),
        BothRules.Diagnostic(Descriptors.MP0006_MissingTaskDone).WithLocation(1).WithArguments("q"));

    [Fact]
    public Task OtherQueueTaskDoneDoesNotCount() => Verify.VerifyAnalyzerAsync(Wrap(@"
    public static void Run(JoinableQueue<int> q, JoinableQueue<int> r)
    {
        var item = q.Get();
        Process(item);
        r.TaskDone();
    }"));
}
