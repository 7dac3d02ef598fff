using Verify5 = Multiproc.Analyzers.Tests.Verifiers.CSharpCodeFixVerifier<Multiproc.Analyzers.MultiprocAnalyzer, Multiproc.Analyzers.Tests.Verifiers.MP0005Rule, Multiproc.CodeFixes.QueueSizeCheckFixer>;
using Verify6 = Multiproc.Analyzers.Tests.Verifiers.CSharpCodeFixVerifier<Multiproc.Analyzers.MultiprocAnalyzer, Multiproc.Analyzers.Tests.Verifiers.MP0006Rule, Multiproc.CodeFixes.MissingTaskDoneFixer>;

namespace Multiproc.Analyzers.Tests;

/// <summary>MP0005 and MP0006 over Multiproc.Redis's RedisQueue&lt;T&gt; and RedisJoinableQueue&lt;T&gt; (issue 15).</summary>
public class MP0005_MP0006_RedisQueueTests
{
    private static string Wrap(string members) => """
        using System;
        using Multiproc;
        using Multiproc.Redis;

        public static class C
        {
            private static void Work(int item) { }

        """ + members + "}\n";

    [Theory]
    [InlineData("RedisQueue")]
    [InlineData("RedisJoinableQueue")]
    public Task MP0005_SizeCheckGuardingGet_IsFlaggedAndFixed(string queue) => Verify5.VerifyCodeFixAsync(Wrap($$"""
            public static void M({{queue}}<int> q)
            {
                if (!{|#0:q.IsEmpty|})
                {
                    var item = q.Get();
                    Work(item);
                }
            }

        """), Wrap($$"""
            public static void M({{queue}}<int> q)
            {
                if (q.TryGet(out var item))
                {
                    Work(item);
                }
            }

        """), QueueSizeCheckFixer.EquivalenceKey,
        Verify5.Diagnostic(Descriptors.MP0005_QueueSizeCheckDecides).WithLocation(0).WithArguments("q", "IsEmpty", "Get", "TryGet"));

    [Fact]
    public Task MP0005_TryGetAndTryPut_AreNotFlagged() => Verify5.VerifyAnalyzerAsync(Wrap("""
            public static void M(RedisQueue<int> q)
            {
                if (q.TryGet(out var item)) Work(item);
                if (!q.TryPut(1)) Console.WriteLine("full");
                Console.WriteLine(q.Count);
            }

        """));

    [Fact]
    public Task MP0006_TakeWithoutTaskDone_IsFlaggedAndFixed() => Verify6.VerifyCodeFixAsync(Wrap("""
            public static void Run(RedisJoinableQueue<int> q)
            {
                var item = {|#0:q.Get()|};
                Work(item);
                Console.WriteLine(item);
            }

        """), Wrap("""
            public static void Run(RedisJoinableQueue<int> q)
            {
                var item = q.Get();
                try
                {
                    Work(item);
                    Console.WriteLine(item);
                }
                finally
                {
                    q.TaskDone();
                }
            }

        """), MissingTaskDoneFixer.EquivalenceKey,
        Verify6.Diagnostic(Descriptors.MP0006_MissingTaskDone).WithLocation(0).WithArguments("q"));

    [Fact]
    public Task MP0006_TaskDoneInFinally_AndPlainRedisQueue_AreNotFlagged() => Verify6.VerifyAnalyzerAsync(Wrap("""
            public static void Run(RedisJoinableQueue<int> q, RedisQueue<int> plain)
            {
                var item = q.Get();
                try
                {
                    Work(item);
                }
                finally
                {
                    q.TaskDone();
                }
                Work(plain.Get());
            }

        """));
}
