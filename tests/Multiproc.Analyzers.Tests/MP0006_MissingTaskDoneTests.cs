using Verify = Multiproc.Analyzers.Tests.Verifiers.CSharpCodeFixVerifier<Multiproc.Analyzers.MultiprocAnalyzer,Multiproc.Analyzers.Tests.Verifiers.MP0006Rule, Multiproc.CodeFixes.MissingTaskDoneFixer>;

namespace Multiproc.Analyzers.Tests;

public class MP0006_MissingTaskDoneTests
{
    private static string Wrap(string members) => QueueSources.InConsumer("    private static void Work(int item) { }\n\n    private static void Handle(JoinableQueue<int> q, int item) { q.TaskDone(); }\n", members);

    /// <summary>
    /// <c>try { <paramref name="body"/> } finally { <paramref name="queue"/>.TaskDone(); }</c> as the fix writes it, starting
    /// with a line break, indented <paramref name="indent"/> spaces (the body's lines four more).
    /// </summary>
    private static string InFinally(int indent, string queue, params string[] body)
    {
        var pad = new string(' ', indent);
        var lines = string.Concat(body.Select(line => "\n" + pad + "    " + line));
        return $"\n{pad}try\n{pad}{{{lines}\n{pad}}}\n{pad}finally\n{pad}{{\n{pad}    {queue}.TaskDone();\n{pad}}}";
    }

    /// <summary><c>Run(JoinableQueue&lt;int&gt; q)</c> whose body is <c>while (true) { <paramref name="loopBody"/> }</c>, in the class.</summary>
    private static string ConsumerLoop(string loopBody) => Wrap(QueueSources.ConsumerLoop("Run(JoinableQueue<int> q)", loopBody));

    private static DiagnosticResult Expected(int location, string queue = "q") =>
        Verify.Diagnostic(Descriptors.MP0006_MissingTaskDone).WithLocation(location).WithArguments(queue);

    [Fact]
    public async Task ConsumerWithoutTaskDoneIsFlaggedAndFixed()
    {
        await Verify.VerifyCodeFixAsync(ConsumerLoop(@"
            var item = {|#0:q.Get()|};
            Work(item);
            Console.WriteLine(item);"), ConsumerLoop(@"
            var item = q.Get();" + InFinally(12, "q", "Work(item);", "Console.WriteLine(item);")), MissingTaskDoneFixer.EquivalenceKey, Expected(0));
    }

    [Fact]
    public async Task SentinelBreakBeforeTaskDoneIsFlaggedAndFixed()
    {
        await Verify.VerifyCodeFixAsync(ConsumerLoop(@"
            var item = {|#0:q.Get()|};
            if (item < 0)
                break;
            Work(item);
            q.TaskDone();"), ConsumerLoop(@"
            var item = q.Get();" + InFinally(12, "q", "if (item < 0)", "    break;", "Work(item);")), MissingTaskDoneFixer.EquivalenceKey, Expected(0));
    }

    [Fact]
    public async Task ContinueBeforeTaskDoneIsFlagged()
    {
        await Verify.VerifyAnalyzerAsync(ConsumerLoop(@"
            var item = {|#0:q.GetNowait()|};
            if (item == 0)
                continue;
            Work(item);
            q.TaskDone();"), Expected(0));
    }

    [Fact]
    public async Task CaughtExceptionSkippingTaskDoneIsFlagged()
    {
        await Verify.VerifyAnalyzerAsync(ConsumerLoop(@"
            var item = {|#0:q.Get()|};
            try
            {
                Work(item);
                q.TaskDone();
            }
            catch (InvalidOperationException e)
            {
                Console.Error.WriteLine(e);
            }"), Expected(0));
    }

    [Fact]
    public async Task ThrowBeforeTaskDoneIsFlagged()
    {
        await Verify.VerifyAnalyzerAsync(Wrap(@"
    private static readonly JoinableQueue<int> Jobs = new JoinableQueue<int>();

    public static void Run()
    {
        var item = {|#0:Jobs.Get(TimeSpan.FromSeconds(1))|};
        if (item < 0)
            throw new ArgumentOutOfRangeException(nameof(item));
        Work(item);
        Jobs.TaskDone();
    }
"), Expected(0, "Jobs"));
    }

    [Fact]
    public async Task TryGetWithoutTaskDoneIsFlaggedAndFixed()
    {
        await Verify.VerifyCodeFixAsync(Wrap(@"
    public static void Run(JoinableQueue<int> q)
    {
        while ({|#0:q.TryGet(out var item, TimeSpan.FromSeconds(1))|})
        {
            Work(item);
        }
    }
"), Wrap(@"
    public static void Run(JoinableQueue<int> q)
    {
        while (q.TryGet(out var item, TimeSpan.FromSeconds(1)))
        {" + InFinally(12, "q", "Work(item);") + @"
        }
    }
"), MissingTaskDoneFixer.EquivalenceKey, Expected(0));
    }

    [Fact]
    public async Task GetAsyncWithoutTaskDoneIsFlaggedAndFixed()
    {
        await Verify.VerifyCodeFixAsync(Wrap(@"
    public static async Task RunAsync(JoinableQueue<int> q, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            var item = await {|#0:q.GetAsync(ct)|};
            Work(item);
        }
    }
"), Wrap(@"
    public static async Task RunAsync(JoinableQueue<int> q, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            var item = await q.GetAsync(ct);" + InFinally(12, "q", "Work(item);") + @"
        }
    }
"), MissingTaskDoneFixer.EquivalenceKey, Expected(0));
    }

    [Fact]
    public async Task FixAllFixesEveryConsumer()
    {
        await Verify.VerifyFixAllAsync(ConsumerLoop(@"
            var item = {|#0:q.Get()|};
            Work(item);
        }
    }

    public static void Drain(JoinableQueue<int> jobs)
    {
        while ({|#1:jobs.TryGet(out var item)|})
        {
            Work(item);"), ConsumerLoop(@"
            var item = q.Get();" + InFinally(12, "q", "Work(item);") + @"
        }
    }

    public static void Drain(JoinableQueue<int> jobs)
    {
        while (jobs.TryGet(out var item))
        {" + InFinally(12, "jobs", "Work(item);")), MissingTaskDoneFixer.EquivalenceKey, Expected(0), Expected(1, "jobs"));
    }

    [Fact]
    public async Task NegatedTryGetWithoutTaskDoneIsFlaggedAndFixed()
    {
        await Verify.VerifyCodeFixAsync(ConsumerLoop(@"
            if (!{|#0:q.TryGet(out var item)|})
                continue;
            Work(item);"), ConsumerLoop(@"
            if (!q.TryGet(out var item))
                continue;" + InFinally(12, "q", "Work(item);")), MissingTaskDoneFixer.EquivalenceKey, Expected(0));
    }

    [Fact]
    public async Task TakeAsLastStatementGetsTaskDoneAfterIt()
    {
        await Verify.VerifyCodeFixAsync(Wrap(@"
    public static void Skip(JoinableQueue<int> q)
    {
        {|#0:q.Get()|};
    }
"), Wrap(@"
    public static void Skip(JoinableQueue<int> q)
    {
        q.Get();
        q.TaskDone();
    }
"), MissingTaskDoneFixer.EquivalenceKey, Expected(0));
    }

    [Fact]
    public async Task TaskDoneInFinallyIsNotFlagged()
    {
        await Verify.VerifyAnalyzerAsync(ConsumerLoop(@"
            var item = q.Get();" + InFinally(12, "q", "if (item < 0)", "    break;", "Work(item);")));
    }

    [Fact]
    public async Task TaskDoneAfterProcessingOnEveryPathIsNotFlagged()
    {
        await Verify.VerifyAnalyzerAsync(ConsumerLoop(@"
            var item = q.Get();
            if (item < 0)
            {
                q.TaskDone();
                break;
            }
            Work(item);
            q.TaskDone();"));
    }

    [Fact]
    public async Task TaskDoneAfterTryCatchIsNotFlagged()
    {
        await Verify.VerifyAnalyzerAsync(ConsumerLoop(@"
            var item = q.Get();
            try
            {
                Work(item);
            }
            catch (Exception e)
            {
                Console.Error.WriteLine(e);
            }
            q.TaskDone();"));
    }

    [Fact]
    public async Task TryGetFalseBranchIsNotFlagged()
    {
        await Verify.VerifyAnalyzerAsync(ConsumerLoop(@"
            if (!q.TryGet(out var item))
                return;
            Work(item);
            q.TaskDone();"));
    }

    [Fact]
    public async Task QueuePassedOnIsNotFlagged()
    {
        await Verify.VerifyAnalyzerAsync(ConsumerLoop(@"
            var item = q.Get();
            Handle(q, item);"));
    }

    [Fact]
    public async Task ItemReturnedToCallerIsNotFlagged()
    {
        await Verify.VerifyAnalyzerAsync(Wrap(@"
    public static int Next(JoinableQueue<int> q) => q.Get();

    public static async Task<int> NextAsync(JoinableQueue<int> q)
    {
        return await q.GetAsync();
    }
"));
    }

    [Fact]
    public async Task PlainProcessQueueIsNotFlagged()
    {
        await Verify.VerifyAnalyzerAsync(Wrap(@"
    public static void Run(ProcessQueue<int> q)
    {
        while (true)
        {
            var item = q.Get();
            Work(item);
        }
    }
"));
    }

    [Fact]
    public async Task ConsumerLambdaWithoutTaskDoneIsFlagged()
    {
        await Verify.VerifyAnalyzerAsync(Wrap(@"
    public static void Run(JoinableQueue<int> q)
    {
        Action consume = () =>
        {
            while (true)
            {
                var item = {|#0:q.Get()|};
                Work(item);
            }
        };
        consume();
    }
"), Expected(0));
    }
}
