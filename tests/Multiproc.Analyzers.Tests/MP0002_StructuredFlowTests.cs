using static Multiproc.Analyzers.Tests.LockCases;

namespace Multiproc.Analyzers.Tests;

/// <summary>
/// MP0002's verdicts read from the operation tree without a control flow graph (<c>LockNotReleased.StructuredFlow</c>):
/// the shapes it reads give what the graph gives, and the shapes where the two could differ (a lambda between acquire and
/// release, a <c>with</c> expression, a condition that may be constant, <c>&amp;&amp;</c>, code after a return) give the
/// graph's answer too.
/// </summary>
public class MP0002_StructuredFlowTests
{
    private const string Fields = "private readonly ProcessLock _lk = new();\nprivate readonly SemaphoreSlim _sem = new(1, 1);\n";

    [Fact]
    public Task StraightLineWithCallsIsLeakOnException() => Flagged(Fields + """
        void M(int n)
        {
            var before = n + 1;
            {|#0:_lk.Acquire()|};
            Console.WriteLine(before);
            _lk.Release();
        }
        """, LeakOnException("_lk"));

    [Fact]
    public Task StraightLineWithoutCallsIsNotFlagged() => NotFlagged(Fields + """
        int _total;
        void M(int n)
        {
            _lk.Acquire();
            _total += n;
            _lk.Release();
        }
        """);

    [Fact]
    public Task EarlyReturnIsLeak() => Flagged(Fields + """
        int _total;
        bool M(int n)
        {
            {|#0:_lk.Acquire()|};
            if (n > 10)
            {
                return false;
            }
            _total -= n;
            _lk.Release();
            return true;
        }
        """, Leak("_lk"));

    [Fact]
    public Task ReleaseOnEveryBranchIsNotFlagged() => NotFlagged(Fields + """
        int _total;
        bool M(int n)
        {
            _lk.Acquire();
            if (n > 10)
            {
                _lk.Release();
                return false;
            }
            else
            {
                _total -= n;
            }
            _lk.Release();
            return true;
        }
        """);

    [Fact]
    public Task ReleaseOnOneBranchIsLeak() => Flagged(Fields + """
        int _total;
        void M(bool flag)
        {
            {|#0:_sem.Wait()|};
            if (flag)
            {
                _total++;
                _sem.Release();
            }
        }
        """, Leak("_sem"));

    [Fact]
    public Task AwaitedAcquireThenAwaitIsLeakOnException() => Flagged(Fields + """
        int _total;
        async Task M(CancellationToken ct)
        {
            await {|#0:_sem.WaitAsync(ct)|}.ConfigureAwait(false);
            await Task.Delay(10, ct).ConfigureAwait(false);
            _total++;
            _sem.Release();
        }
        """, LeakOnException("_sem"));

    [Fact]
    public Task LambdaBetweenAcquireAndReleaseDoesNotThrowThere() => NotFlagged(Fields + """
        void M()
        {
            _lk.Acquire();
            Action a = () => Console.WriteLine("later");
            _lk.Release();
            a();
        }
        """);

    [Fact]
    public Task AcquireInLambdaBodyNeverReleased() => Flagged(Fields + """
        void M()
        {
            Action a = () =>
            {
                {|#0:_lk.Acquire()|};
                Console.WriteLine("work");
            };
            a();
        }
        """, Leak("_lk"));

    [Fact]
    public Task ConstantLocalConditionTakesOneBranch() => NotFlagged(Fields + """
        void M()
        {
            var release = true;
            _lk.Acquire();
            if (release)
            {
                _lk.Release();
            }
        }
        """);

    [Fact]
    public Task ConditionalAndConditionStillLeak() => Flagged(Fields + """
        void M(int n)
        {
            {|#0:_lk.Acquire()|};
            if (n > 0 && n < 5)
            {
                return;
            }
            _lk.Release();
        }
        """, Leak("_lk"));

    [Fact]
    public Task CodeAfterReturnIsNotOnAnyPath() => NotFlagged(Fields + """
        void M()
        {
            _lk.Acquire();
            _lk.Release();
            return;
            Console.WriteLine("unreachable");
        }
        """);

    [Fact]
    public Task ReleaseInReturnedValueCounts() => NotFlagged(Fields + """
        int M()
        {
            _sem.Wait();
            return _sem.Release();
        }
        """);

    [Fact]
    public Task LoopAfterAcquireIsLeftToTheGraph() => Flagged(Fields + """
        void M(int[] items)
        {
            {|#0:_lk.Acquire()|};
            foreach (var i in items)
            {
                Console.WriteLine(i);
            }
            _lk.Release();
        }
        """, LeakOnException("_lk"));
}
