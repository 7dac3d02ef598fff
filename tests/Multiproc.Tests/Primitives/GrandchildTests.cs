namespace Multiproc.Tests.Primitives;

public class GrandchildTests
{
    [Fact]
    public void Every_primitive_reaches_a_grandchild_through_a_child()
    {
        using var tmp = new TempDir();
        using var e = new ProcessEvent();
        using var s = new ProcessSemaphore(0, 1);
        using var r = new ProcessRLock();
        using var c = new ProcessCondition();
        using var b = new ProcessBarrier(2);
        using var v = new SharedValue<long>(1);
        using var a = new SharedArray<int>(2);
        var result = tmp.File("result");
        var child = new ChildProcess(() => PrimitiveTargets.PassAllToGrandchild(e, s, r, c, b, v, a, result));
        try
        {
            child.Start();
            var index = b.Wait(TimeSpan.FromSeconds(60)); // the grandchild is the other party
            Assert.InRange(index, 0, 1);
            Wait.Joined(child, TimeSpan.FromSeconds(90));
            Assert.Equal("exit:0", File.ReadAllText(result));
            Assert.True(e.IsSet);
            Assert.Equal(1, s.CurrentCount);
            Assert.True(r.TryAcquire(TimeSpan.Zero));
            r.Release();
            Assert.Equal(6L, v.Value);
            Assert.Equal([0, 7], a.ToArray());
            Assert.False(b.IsBroken);
        }
        finally { Wait.Cleanup(child); }
    }
}
