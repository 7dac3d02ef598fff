using Verify = Multiproc.Analyzers.Tests.Verifiers.CSharpCodeFixVerifier<Multiproc.Analyzers.MultiprocAnalyzer,Multiproc.Analyzers.Tests.Verifiers.MP0005Rule, Multiproc.CodeFixes.QueueSizeCheckFixer>;

namespace Multiproc.Analyzers.Tests;

public class MP0005_QueueSizeCheckTests
{
    private const string Head = @"using System;
using System.Collections.Generic;
using System.Threading;
using Multiproc;

public class C
{
    private readonly ProcessQueue<string> _queue = new ProcessQueue<string>(10);

    private static void Work(string item) { }
";

    private static string Wrap(string members) => Head + members + "}\n";

    private static DiagnosticResult Expected(int location, string queue, string property, string call, string replacement) =>
        Verify.Diagnostic(Descriptors.MP0005_QueueSizeCheckDecides).WithLocation(location).WithArguments(queue, property, call, replacement);

    [Fact]
    public async Task NotEmptyGuardingGetIsFlaggedAndFixed()
    {
        await Verify.VerifyCodeFixAsync(Wrap(@"
    public void M(ProcessQueue<string> q)
    {
        if (!{|#0:q.IsEmpty|})
        {
            var item = q.Get();
            Work(item);
        }
    }
"), Wrap(@"
    public void M(ProcessQueue<string> q)
    {
        if (q.TryGet(out var item))
        {
            Work(item);
        }
    }
"), QueueSizeCheckFixer.EquivalenceKey, Expected(0, "q", "IsEmpty", "Get", "TryGet"));
    }

    [Fact]
    public async Task CountLoopGuardingGetWithTimeoutIsFlaggedAndFixed()
    {
        await Verify.VerifyCodeFixAsync(Wrap(@"
    public void M(ProcessQueue<string> q)
    {
        while ({|#0:q.Count|} > 0)
        {
            string item = q.Get(TimeSpan.FromSeconds(1));
            Work(item);
        }
    }
"), Wrap(@"
    public void M(ProcessQueue<string> q)
    {
        while (q.TryGet(out string item, TimeSpan.FromSeconds(1)))
        {
            Work(item);
        }
    }
"), QueueSizeCheckFixer.EquivalenceKey, Expected(0, "q", "Count", "Get", "TryGet"));
    }

    [Fact]
    public async Task NotFullGuardingPutIsFlaggedAndFixed()
    {
        await Verify.VerifyCodeFixAsync(Wrap(@"
    public void M(string item)
    {
        if (!{|#0:_queue.IsFull|})
        {
            _queue.Put(item);
            Console.WriteLine(""sent"");
        }
    }
"), Wrap(@"
    public void M(string item)
    {
        if (_queue.TryPut(item))
        {
            Console.WriteLine(""sent"");
        }
    }
"), QueueSizeCheckFixer.EquivalenceKey, Expected(0, "_queue", "IsFull", "Put", "TryPut"));
    }

    [Fact]
    public async Task EarlyReturnWhenEmptyIsFlaggedAndFixed()
    {
        await Verify.VerifyCodeFixAsync(Wrap(@"
    public void M(ProcessQueue<string> q)
    {
        if ({|#0:q.IsEmpty|})
            return;
        var item = q.GetNowait();
        Work(item);
    }
"), Wrap(@"
    public void M(ProcessQueue<string> q)
    {
        if (!q.TryGet(out var item))
            return;
        Work(item);
    }
"), QueueSizeCheckFixer.EquivalenceKey, Expected(0, "q", "IsEmpty", "GetNowait", "TryGet"));
    }

    [Fact]
    public async Task ContinueWhenEmptyInLoopIsFlagged()
    {
        await Verify.VerifyAnalyzerAsync(Wrap(@"
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
"), Expected(0, "q", "Count", "Get", "TryGet"));
    }

    [Fact]
    public async Task CountBelowLimitGuardingPutIsFlagged()
    {
        await Verify.VerifyAnalyzerAsync(Wrap(@"
    public void M(string item)
    {
        if ({|#0:_queue.Count|} < 10)
            _queue.PutNowait(item);
    }
"), Expected(0, "_queue", "Count", "PutNowait", "TryPut"));
    }

    [Fact]
    public async Task FixAllFixesEveryCheck()
    {
        await Verify.VerifyFixAllAsync(Wrap(@"
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
"), Wrap(@"
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
"), QueueSizeCheckFixer.EquivalenceKey,
            Expected(0, "q", "IsEmpty", "Get", "TryGet"), Expected(1, "_queue", "IsFull", "Put", "TryPut"));
    }

    [Fact]
    public async Task NoFixWhenTheVariableWouldClash()
    {
        var source = Wrap(@"
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
");
        await Verify.VerifyCodeFixAsync(source, source, QueueSizeCheckFixer.EquivalenceKey, Expected(0, "q", "IsEmpty", "Get", "TryGet"));
    }

    [Fact]
    public async Task LoggingTheSizeIsNotFlagged()
    {
        await Verify.VerifyAnalyzerAsync(Wrap(@"
    public void M(ProcessQueue<string> q)
    {
        Console.WriteLine($""{q.Count} items waiting, empty: {q.IsEmpty}"");
        var item = q.Get();
        Work(item);
    }
"));
    }

    [Fact]
    public async Task CheckThatDoesNotDecideTheCallIsNotFlagged()
    {
        await Verify.VerifyAnalyzerAsync(Wrap(@"
    public void M(ProcessQueue<string> q, string item)
    {
        if (q.Count > 5)
            Console.WriteLine(""backlog"");
        q.Put(item);
        var status = q.IsEmpty ? ""idle"" : ""busy"";
        Console.WriteLine(status);
    }
"));
    }

    [Fact]
    public async Task LocalGenericQueueIsNotFlagged()
    {
        await Verify.VerifyAnalyzerAsync(Wrap(@"
    public void M()
    {
        var local = new Queue<string>();
        local.Enqueue(""a"");
        while (local.Count > 0)
            Work(local.Dequeue());
    }
"));
    }

    [Fact]
    public async Task CheckOnAnotherQueueIsNotFlagged()
    {
        await Verify.VerifyAnalyzerAsync(Wrap(@"
    public void M(ProcessQueue<string> results)
    {
        if (!results.IsEmpty)
            Work(_queue.Get());
    }
"));
    }

    [Fact]
    public async Task TryGetIsNotFlagged()
    {
        await Verify.VerifyAnalyzerAsync(Wrap(@"
    public void M(ProcessQueue<string> q)
    {
        while (q.TryGet(out var item, TimeSpan.FromMilliseconds(100)))
            Work(item);
    }
"));
    }
}
