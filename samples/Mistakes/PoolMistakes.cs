using Multiproc;

public static class PoolMistakes
{
    public static int Square(int x) => x * x;

    // MP0014 (an error: the build would fail, so it is disabled around this one method to keep the sample building;
    // remove the pragma to see it): a pool function must be one call to a method that takes the item itself.
    public static List<int> MapsAnExpression(ProcessPool pool, int[] items)
    {
#pragma warning disable MP0014
        return pool.Map(items, x => Square(x + 1));
#pragma warning restore MP0014
    }
}

public static class PoolLifetimeMistakes
{
    // MP0015: a pool created and never disposed: its worker processes keep running (fix: `using var pool = …`).
    public static int LeavesPoolOpen(int[] items)
    {
        var pool = new ProcessPool(2);
        return pool.Map(items, x => PoolMistakes.Square(x)).Sum();
    }
}
