// A CPU-bound job over a process pool: count the primes below a limit, one range ("tile") per task.
// The workers start once and are reused; Map keeps the tiles' order, ImapUnordered reports them as they
// finish, a task that throws comes back as RemoteTaskException, and a worker that dies in a task fails
// only that task (WorkerDiedException) while the pool replaces it and carries on (CPython's Pool hangs).
// Run: dotnet run --project samples/PoolMap [-- --fast] [--limit N] [--processes N]
using System.Diagnostics;
using Multiproc;
using Multiproc.Samples;

var fast = SampleOptions.Fast(args);
var limit = int.Parse(SampleOptions.Value(args, "--limit") ?? (fast ? "2000000" : "20000000"), System.Globalization.CultureInfo.InvariantCulture);
var processes = int.Parse(SampleOptions.Value(args, "--processes") ?? "0", System.Globalization.CultureInfo.InvariantCulture);
const int Tiles = 64;
var tiles = Enumerable.Range(0, Tiles).Select(i => new Tile((long)limit * i / Tiles, (long)limit * (i + 1) / Tiles)).ToList();

var sw = Stopwatch.StartNew();
var sequential = tiles.Sum(t => Primes.Count(t));
var sequentialTime = sw.Elapsed;

using var pool = new ProcessPool(processes);
Console.WriteLine($"pool of {pool.Processes} workers: {string.Join(", ", pool.WorkerPids)}");
pool.Map(Enumerable.Range(0, 4 * pool.Processes), i => Primes.Warm(i), chunkSize: 1); // the workers are up

sw.Restart();
var counts = pool.Map(tiles, t => Primes.Count(t));
var poolTime = sw.Elapsed;
Console.WriteLine($"primes below {limit:N0}: {counts.Sum():N0} with the pool in {poolTime.TotalMilliseconds:F0} ms, {sequential:N0} in this process in {sequentialTime.TotalMilliseconds:F0} ms");

Console.Write("the first tiles to finish: ");
foreach (var (tile, count) in pool.ImapUnordered(tiles.Take(8), t => Primes.CountWithTile(t)))
    Console.Write($"[{tile.From:N0}..{tile.To:N0}) {count}  ");
Console.WriteLine();

var biggest = pool.Apply(() => Primes.LargestBelow(limit));
Console.WriteLine($"the largest prime below {limit:N0}: {biggest:N0}");

try
{
    pool.Map(new[] { new Tile(0, 10), new Tile(20, 10) }, t => Primes.Count(t));
}
catch (RemoteTaskException e)
{
    Console.WriteLine($"a task threw in its worker: {e.RemoteType}: {e.RemoteMessage}");
}

var crash = pool.ApplyAsync(() => Primes.CrashWorker(7));
try
{
    await crash;
}
catch (WorkerDiedException e)
{
    Console.WriteLine($"a worker died in its task (exit code {e.ExitCode}); the pool goes on: {pool.Map(tiles.Take(2), t => Primes.Count(t)).Sum()} primes in the first two tiles");
}

pool.Close();
pool.Join();
Console.WriteLine("all workers have exited");

/// <summary>A half-open range of numbers; travels to the workers as JSON.</summary>
public sealed record Tile(long From, long To);

public static class Primes
{
    public static int Count(Tile t)
    {
        if (t.To < t.From) throw new ArgumentException($"tile [{t.From}..{t.To}) ends before it starts");
        var n = 0;
        for (var x = Math.Max(2, t.From); x < t.To; x++)
            if (IsPrime(x)) n++;
        return n;
    }

    public static int Warm(int i) => i;

    public static (Tile Tile, int Count) CountWithTile(Tile t) => (t, Count(t));

    public static long LargestBelow(long limit)
    {
        for (var x = limit - 1; x >= 2; x--)
            if (IsPrime(x)) return x;
        return 0;
    }

    public static int CrashWorker(int code)
    {
        Environment.Exit(code);
        return 0;
    }

    private static bool IsPrime(long x)
    {
        if (x < 4) return x >= 2;
        if (x % 2 == 0 || x % 3 == 0) return false;
        for (long d = 5; d * d <= x; d += 6)
            if (x % d == 0 || x % (d + 2) == 0) return false;
        return true;
    }
}
