namespace Multiproc.Analyzers.Tests;

/// <summary>
/// Source shapes of the target and pool rules' tests (MP0014, MP0015): a <c>Work</c> class with a method of every shape a
/// target can call (static, generic, by reference, returning a stream or a task), a sendable <c>Worker</c>, an unsendable
/// <c>Holder</c>, a generic <c>Box&lt;T&gt;</c>, and the statements of a case in <c>C.M</c>.
/// </summary>
internal static class PoolSources
{
    public const string Usings = "using System;\nusing System.Collections.Generic;\nusing System.IO;\nusing System.Linq.Expressions;\nusing System.Threading;\nusing System.Threading.Tasks;\nusing Multiproc;\n";

    public const string Types = @"
public static class Work
{
    public static void Run(int n) { }
    public static int Square(int x) => x * x;
    public static int Scale(int x, int factor) => x * factor;
    public static int Twice(int a, int b) => a + b;
    public static long Wide(long x) => x;
    public static T Echo<T>(T value) => value;
    public static void ByRef(ref int n) { }
    public static void ByIn(in int n) { }
    public static int SquareIn(in int x) => x * x;
    public static Stream Open(int x) => Stream.Null;
    public static int Size(Stream s) => 0;
    public static void Keep(Stream s) { }
    public static Task RunAsync(int n) => Task.CompletedTask;
    public static Task<int> SquareAsync(int x) => Task.FromResult(x * x);
    public static Task Pending => Task.CompletedTask;
    public static Worker Make() => new Worker();
}

public class Worker
{
    public int Factor { get; set; }
    public void Run() { }
    public int Apply(int x) => x * Factor;
}

public class Holder
{
    public Holder(Stream s) { }
    public void Run() { }
    public int Count() => 0;
}

public static class Box<T> { public static void Run() { } public static int Square(int x) => x * x; }
";

    /// <summary>The statements of <paramref name="body"/> in <c>C.M</c>, with a pool, items, a worker, a holder and a stream in scope.</summary>
    public static string InMethod(string body) => Usings + Types + @"
public class C
{
    public async Task M(ProcessPool pool, int[] items, Worker worker, Holder holder, Stream stream, Worker[] workers, Stream[] streams, int n, bool flag)
    {
" + body + @"
        await Task.CompletedTask;
    }
}";

    /// <summary><paramref name="members"/> in class <c>C</c>, which has a pool field <c>_pool</c> and a <c>Use(ProcessPool)</c> helper.</summary>
    public static string InClass(string members) => Usings + Types + @"
public class C
{
    private ProcessPool? _pool;
    private static void Use(ProcessPool pool) { }
" + members + @"
}";
}
