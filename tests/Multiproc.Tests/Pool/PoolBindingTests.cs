using Multiproc.Internal.Pool;

namespace Multiproc.Tests.Pool;

/// <summary>An object a pool function is called on (it travels as JSON).</summary>
public sealed class Scaler
{
    public int Factor { get; set; }

    public long Scale(int x) => (long)x * Factor;
}

/// <summary>Pool functions with arguments besides the item, run in worker processes.</summary>
public static class BindingTargets
{
    public static long SubFrom(long from, int x) => from - x;

    public static int Affine(int a, int x, int b) => a * x + b;

    public static double Mix(double x, int n, double y) => x * n + y;

    public static string Wrap(string prefix, string item, string? suffix) => prefix + item + (suffix ?? "!");

    public static int OrDefault(int x, int? fallback) => x < 0 ? fallback ?? -1 : x;

    public static long Four(int a, int b, int x, int c) => a * 1000L + b * 100L + x * 10L + c;

    public static int ThrowAt(int at, int x) =>
        x == at ? throw new ArgumentOutOfRangeException(nameof(x), x, $"item {x} refused") : x;
}

/// <summary>
/// Pool functions that pass more than the item are bound once in the worker (a function pointer for static methods of
/// two or three parameters, a compiled delegate after many items otherwise) and give what the method gives.
/// </summary>
public class PoolBindingTests
{
    [Fact]
    public void Static_functions_of_two_and_three_parameters_give_the_methods_results_wherever_the_item_is()
    {
        var pool = new ProcessPool(2);
        try
        {
            var items = Enumerable.Range(-500, 20_000).ToList();
            var seven = 7L;
            Assert.Equal(items.Select(x => x + 7L), Bounded.Run(() => pool.Map(items, x => PoolTargets.Add(x, seven))));
            Assert.Equal(items.Select(x => 100L - x), Bounded.Run(() => pool.Map(items, x => BindingTargets.SubFrom(100, x))));
            Assert.Equal(items.Select(x => 3 * x + 4), Bounded.Run(() => pool.Map(items, x => BindingTargets.Affine(3, x, 4))));
            var doubles = items.Select(x => x / 4.0).ToArray();
            Assert.Equal(doubles.Select(x => x * 3 + 0.5), Bounded.Run(() => pool.Map(doubles, x => BindingTargets.Mix(x, 3, 0.5))));
            Assert.Equal(items.Select(x => x < 0 ? 9 : x), Bounded.Run(() => pool.Map(items, x => BindingTargets.OrDefault(x, 9))));
            Assert.Equal(items.Select(x => x < 0 ? -1 : x), Bounded.Run(() => pool.Map(items, x => BindingTargets.OrDefault(x, null))));
            var words = Enumerable.Range(0, 3000).Select(i => "w" + i).ToList();
            Assert.Equal(words.Select(w => "<" + w + ">"), Bounded.Run(() => pool.Map(words, w => BindingTargets.Wrap("<", w, ">"))));
            Assert.Equal(words.Select(w => "<" + w + "!"), Bounded.Run(() => pool.Map(words, w => BindingTargets.Wrap("<", w, null))));
            // Small calls and Imap take the same bound path.
            Assert.Equal([107L], Bounded.Run(() => pool.Map([100], x => PoolTargets.Add(x, seven))));
            Assert.Equal(new[] { 1, 4, 7 }, Bounded.Run(() => pool.Imap([0, 1, 2], x => BindingTargets.Affine(3, x, 1)).ToList()));
        }
        finally
        {
            Bounded.Dispose(pool);
        }
    }

    [Fact]
    public void Other_shapes_give_the_same_results_before_and_after_they_are_compiled()
    {
        var pool = new ProcessPool(1);
        try
        {
            // One chunk per call below the compile threshold, then past it (the worker keeps the reflected function).
            var items = Enumerable.Range(0, 30_000).ToList();
            Assert.Equal(items.Select(x => 1000L + 200 + x * 10L + 3), Bounded.Run(() => pool.Map(items, x => BindingTargets.Four(1, 2, x, 3), chunkSize: 1000)));
            var scaler = new Scaler { Factor = 3 };
            Assert.Equal(items.Select(x => 3L * x), Bounded.Run(() => pool.Map(items, x => scaler.Scale(x), chunkSize: 1000)));
            Assert.Equal(items.Select(x => 3L * x), Bounded.Run(() => pool.Map(items, x => scaler.Scale(x))));
        }
        finally
        {
            Bounded.Dispose(pool);
        }
    }

    [Fact]
    public void A_bound_function_that_throws_fails_with_the_workers_exception_as_text()
    {
        var pool = new ProcessPool(2);
        try
        {
            var e = Assert.Throws<RemoteTaskException>(() => Bounded.Run(() => pool.Map(Enumerable.Range(0, 10_000), x => BindingTargets.ThrowAt(4321, x))));
            Assert.Equal("System.ArgumentOutOfRangeException", e.RemoteType);
            Assert.Contains("item 4321 refused", e.RemoteMessage);
            Assert.Contains("ThrowAt", e.RemoteStackTrace);
            Assert.Equal([1, 2], Bounded.Run(() => pool.Map([1, 2], x => BindingTargets.ThrowAt(-1, x))));
        }
        finally
        {
            Bounded.Dispose(pool);
        }
    }

    [Fact]
    public void BoundCall_binds_static_methods_of_two_and_three_parameters_without_compiling_and_compiles_the_rest()
    {
        var add = typeof(PoolTargets).GetMethod(nameof(PoolTargets.Add))!;
        var bound = BoundCall.TryDirect<int, long>(add, [null, 7L], 0);
        Assert.NotNull(bound);
        Assert.Equal(12L, bound!(5));
        var affine = typeof(BindingTargets).GetMethod(nameof(BindingTargets.Affine))!;
        Assert.Equal(3 * 5 + 4, BoundCall.TryDirect<int, int>(affine, [3, null, 4], 1)!(5));
        var wrap = typeof(BindingTargets).GetMethod(nameof(BindingTargets.Wrap))!;
        Assert.Equal("<a!", BoundCall.TryDirect<string, string>(wrap, ["<", null, null], 1)!("a"));
        // Not the item's type at that place, or not a shape bound by function pointer: null (the caller reflects or compiles).
        Assert.Null(BoundCall.TryDirect<int, long>(add, [null, 7L], 1));
        var four = typeof(BindingTargets).GetMethod(nameof(BindingTargets.Four))!;
        Assert.Null(BoundCall.TryDirect<int, long>(four, [1, 2, null, 3], 2));
        Assert.Equal(1234L, BoundCall.TryCompile<int, long>(four, null, [1, 2, null, 4], 2)!(3));
        var scale = typeof(Scaler).GetMethod(nameof(Scaler.Scale))!;
        Assert.Null(BoundCall.TryDirect<int, long>(scale, [null], 0));
        Assert.Equal(50L, BoundCall.TryCompile<int, long>(scale, new Scaler { Factor = 5 }, [null], 0)!(10));
        Assert.Null(BoundCall.TryCompile<int, long>(scale, null, [null], 0));
    }
}
