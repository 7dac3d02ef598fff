using Verify = Multiproc.Analyzers.Tests.Verifiers.CSharpCodeFixVerifier<Multiproc.Analyzers.MultiprocAnalyzer,Multiproc.Analyzers.Tests.Verifiers.MP0005Rule, Multiproc.CodeFixes.QueueSizeCheckFixer>;

namespace Multiproc.Analyzers.Tests;

public class MP0005_QueueSizeCheckTests
{
    private static readonly RuleCases<MP0005Rule, QueueSizeCheckFixer> Cases = new(QueueSources.InClass, QueueSizeCheckFixer.EquivalenceKey);

    private static DiagnosticResult Expected(int location, string queue, string property, string call, string replacement) =>
        Verify.Diagnostic(Descriptors.MP0005_QueueSizeCheckDecides).WithLocation(location).WithArguments(queue, property, call, replacement);

    [Fact]
    public Task NotEmptyGuardingGetIsFlaggedAndFixed() => Cases.Fixed(@"
    public void M(ProcessQueue<string> q)
    {
        if (!{|#0:q.IsEmpty|})
        {
            var item = q.Get();
            Work(item);
        }
    }
", @"
    public void M(ProcessQueue<string> q)
    {
        if (q.TryGet(out var item))
        {
            Work(item);
        }
    }
", Expected(0, "q", "IsEmpty", "Get", "TryGet"));

    [Fact]
    public Task CountLoopGuardingGetWithTimeoutIsFlaggedAndFixed() => Cases.Fixed(@"
    public void M(ProcessQueue<string> q)
    {
        while ({|#0:q.Count|} > 0)
        {
            string item = q.Get(TimeSpan.FromSeconds(1));
            Work(item);
        }
    }
", @"
    public void M(ProcessQueue<string> q)
    {
        while (q.TryGet(out string item, TimeSpan.FromSeconds(1)))
        {
            Work(item);
        }
    }
", Expected(0, "q", "Count", "Get", "TryGet"));

    [Fact]
    public Task NotFullGuardingPutIsFlaggedAndFixed() => Cases.Fixed(@"
    public void M(string item)
    {
        if (!{|#0:_queue.IsFull|})
        {
            _queue.Put(item);
            Console.WriteLine(""sent"");
        }
    }
", @"
    public void M(string item)
    {
        if (_queue.TryPut(item))
        {
            Console.WriteLine(""sent"");
        }
    }
", Expected(0, "_queue", "IsFull", "Put", "TryPut"));

    [Fact]
    public Task EarlyReturnWhenEmptyIsFlaggedAndFixed() => Cases.Fixed(@"
    public void M(ProcessQueue<string> q)
    {
        if ({|#0:q.IsEmpty|})
            return;
        var item = q.GetNowait();
        Work(item);
    }
", @"
    public void M(ProcessQueue<string> q)
    {
        if (!q.TryGet(out var item))
            return;
        Work(item);
    }
", Expected(0, "q", "IsEmpty", "GetNowait", "TryGet"));

    [Fact]
    public Task ContinueWhenEmptyInLoopIsFlagged() => Cases.Flagged(@"
    public void M(ProcessQueue<string> q, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            if ({|#0:q.Count|} == 0)
            {
                Thread.Sleep(10);
                continue;
            }
            Work(q.Get());
        }
    }
", Expected(0, "q", "Count", "Get", "TryGet"));

    [Fact]
    public Task CountBelowLimitGuardingPutIsFlagged() => Cases.Flagged(@"
    public void M(string item)
    {
        if ({|#0:_queue.Count|} < 10)
            _queue.PutNowait(item);
    }
", Expected(0, "_queue", "Count", "PutNowait", "TryPut"));

    [Fact]
    public Task FixAllFixesEveryCheck() => Cases.FixedAll(@"
    public void M(ProcessQueue<string> q, string item)
    {
        if (!{|#0:q.IsEmpty|})
        {
            var first = q.Get();
            Work(first);
        }
        if (!{|#1:_queue.IsFull|})
        {
            _queue.Put(item);
        }
    }
", @"
    public void M(ProcessQueue<string> q, string item)
    {
        if (q.TryGet(out var first))
        {
            Work(first);
        }
        if (_queue.TryPut(item))
        {
        }
    }
",
        Expected(0, "q", "IsEmpty", "Get", "TryGet"), Expected(1, "_queue", "IsFull", "Put", "TryPut"));

    [Fact]
    public Task NoFixWhenTheVariableWouldClash() => Cases.NotFixed(@"
    public void M(ProcessQueue<string> q)
    {
        if (!{|#0:q.IsEmpty|})
        {
            var item = q.Get();
            Work(item);
        }
        var other = new[] { ""a"" };
        foreach (var item in other)
            Work(item);
    }
", Expected(0, "q", "IsEmpty", "Get", "TryGet"));

    [Fact]
    public Task LoggingTheSizeIsNotFlagged() => Cases.NotFlagged(@"
    public void M(ProcessQueue<string> q)
    {
        Console.WriteLine($""{q.Count} items waiting, empty: {q.IsEmpty}"");
        var item = q.Get();
        Work(item);
    }
");

    [Fact]
    public Task CheckThatDoesNotDecideTheCallIsNotFlagged() => Cases.NotFlagged(@"
    public void M(ProcessQueue<string> q, string item)
    {
        if (q.Count > 5)
            Console.WriteLine(""backlog"");
        q.Put(item);
        var status = q.IsEmpty ? ""idle"" : ""busy"";
        Console.WriteLine(status);
    }
");

    [Fact]
    public Task LocalGenericQueueIsNotFlagged() => Cases.NotFlagged(@"
    public void M()
    {
        var local = new Queue<string>();
        local.Enqueue(""a"");
        while (local.Count > 0)
            Work(local.Dequeue());
    }
");

    [Fact]
    public Task CheckOnAnotherQueueIsNotFlagged() => Cases.NotFlagged(@"
    public void M(ProcessQueue<string> results)
    {
        if (!results.IsEmpty)
            Work(_queue.Get());
    }
");

    [Fact]
    public Task TryGetIsNotFlagged() => Cases.NotFlagged(@"
    public void M(ProcessQueue<string> q)
    {
        while (q.TryGet(out var item, TimeSpan.FromMilliseconds(100)))
            Work(item);
    }
");
}
