namespace Multiproc.Tests.Primitives;

public class SharedArrayTests
{
    [Fact]
    public void A_child_fills_the_array_and_the_parent_reads_it()
    {
        using var a = new SharedArray<long>(100);
        Assert.Equal(100, a.Length);
        var child = new ChildProcess(() => PrimitiveTargets.FillSquares(a));
        try
        {
            child.Start();
            Wait.Joined(child);
            Assert.Equal(Enumerable.Range(0, 100).Select(i => (long)i * i), a.ToArray());
            Assert.Equal(99L * 99, a[99]);
        }
        finally { Wait.Cleanup(child); }
    }

    [Fact]
    public void Element_updates_under_the_arrays_lock_lose_nothing()
    {
        using var a = new SharedArray<int>([1, 2, 3]);
        var ps = Enumerable.Range(0, 3).Select(_ => new ChildProcess(() => PrimitiveTargets.AddToEveryElementUnderLock(a, 500))).ToList();
        try
        {
            ps.ForEach(p => p.Start());
            ps.ForEach(p => Wait.Joined(p, TimeSpan.FromSeconds(120)));
            Assert.Equal([1_501, 1_502, 1_503], a.ToArray());
        }
        finally { Wait.Cleanup([.. ps]); }
    }

    [Fact]
    public void Bounds_and_lengths_are_checked()
    {
        using var a = new SharedArray<byte>(3);
        Assert.Equal(new byte[3], a.ToArray());
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => a[3]);
        Assert.Equal("index", e.ParamName);
        Assert.Throws<ArgumentOutOfRangeException>(() => a[-1] = 1);
        Assert.Throws<ArgumentOutOfRangeException>(() => new SharedArray<int>(-1));
        using var empty = new SharedArray<int>(0);
        Assert.Empty(empty.ToArray());
        using var big = new SharedArray<Big>([new Big(1, 2, 3), new Big(4, 5, 6)]);
        big[1] = new Big(7, 8, 9);
        Assert.Equal([new Big(1, 2, 3), new Big(7, 8, 9)], big.ToArray());
    }
}
