namespace Multiproc.Tests.Primitives;

public class SharedValueTests
{
    [Fact]
    public void Four_processes_adding_one_10000_times_each_end_at_exactly_40000()
    {
        using var v = new SharedValue<long>();
        var ps = Enumerable.Range(0, 4).Select(_ => new ChildProcess(() => PrimitiveTargets.AddMany(v, 10_000))).ToList();
        try
        {
            ps.ForEach(p => p.Start());
            ps.ForEach(p => Wait.Joined(p, TimeSpan.FromSeconds(120)));
            Assert.All(ps, p => Assert.Equal(0, p.ExitCode));
            Assert.Equal(40_000L, v.Value);
        }
        finally { Wait.Cleanup([.. ps]); }
    }

    [Fact]
    public void Plus_equals_under_the_values_lock_loses_nothing()
    {
        using var v = new SharedValue<int>(100);
        var ps = Enumerable.Range(0, 3).Select(_ => new ChildProcess(() => PrimitiveTargets.AddUnderLock(v, 2_000))).ToList();
        try
        {
            ps.ForEach(p => p.Start());
            ps.ForEach(p => Wait.Joined(p, TimeSpan.FromSeconds(120)));
            Assert.Equal(6_100, v.Value);
        }
        finally { Wait.Cleanup([.. ps]); }
    }

    [Fact]
    public void Atomic_operations_and_values_of_other_types()
    {
        using var i = new SharedValue<int>(5);
        Assert.Equal(8, i.Add(3));
        Assert.True(i.CompareExchange(8, 10));
        Assert.False(i.CompareExchange(8, 11));
        Assert.Equal(10, i.Value);
        Assert.Equal("10", i.ToString());
        using var l = new SharedValue<long>(long.MaxValue - 1);
        Assert.Equal(long.MaxValue, l.Add(1));
        Assert.True(l.CompareExchange(long.MaxValue, -1));
        Assert.Equal(-1, l.Value);
        using var d = new SharedValue<double>(0.5);
        Assert.Equal(2.0, d.Add(1.5));
        Assert.Equal(2.0, d.Value);
        using var b = new SharedValue<bool>();
        b.Value = true;
        Assert.True(b.Value);
        using var big = new SharedValue<Big>(new Big(1, 2, 3));
        Assert.Equal(new Big(1, 2, 3), big.Value);
    }

    [Fact]
    public void A_value_larger_than_8_bytes_written_by_a_child_is_read_whole()
    {
        using var big = new SharedValue<Big>();
        var child = new ChildProcess(() => PrimitiveTargets.WriteBig(big, 40));
        try
        {
            child.Start();
            Wait.Joined(child);
            Assert.Equal(new Big(40, 41, 42), big.Value);
        }
        finally { Wait.Cleanup(child); }
    }
}
