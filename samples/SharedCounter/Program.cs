// The tutorial's "方式三", shared data (not locked automatically): 4 processes add to one SharedValue<int>.
// By default each process uses counter.Add(1), an atomic add: no update is lost. With --unsafe each uses
// counter.Value += 1, a read and then a write, like Python's `v.value += 1` without `with v.get_lock():` —
// two processes read the same number, both write number + 1, and one update is lost.
// Run: dotnet run --project samples/SharedCounter [-- --fast] [--unsafe] [--count N]
using Multiproc;
using Multiproc.Samples;

var fast = SampleOptions.Fast(args);
var unsafeAdd = args.Contains("--unsafe");
var perProcess = int.Parse(SampleOptions.Value(args, "--count") ?? (fast ? "1000000" : "10000000"));
const int Processes = 4;

using var counter = new SharedValue<int>();
using var start = new ProcessBarrier(Processes); // all four start adding at the same moment
var workers = new List<ChildProcess>();
for (var i = 0; i < Processes; i++)
{
    var p = new ChildProcess(() => Counter.AddMany(counter, start, perProcess, unsafeAdd));
    p.Start();
    workers.Add(p);
}
foreach (var p in workers) p.Join();

var expected = Processes * perProcess;
var got = counter.Value;
Console.WriteLine($"{Processes} processes x {perProcess:N0} additions with {(unsafeAdd ? "counter.Value += 1 (not atomic)" : "counter.Add(1) (atomic)")}");
Console.WriteLine($"expected {expected:N0}, got {got:N0}");
Console.WriteLine(got == expected
    ? "no update was lost"
    : $"{expected - got:N0} updates were lost: two processes read the same value and both wrote it back plus one");
return 0;

public static class Counter
{
    public static void AddMany(SharedValue<int> counter, ProcessBarrier start, int times, bool unsafeAdd)
    {
        start.Wait();
        if (unsafeAdd)
        {
            for (var i = 0; i < times; i++)
            {
#pragma warning disable MP0016 // deliberately unlocked: this is what --unsafe shows
                counter.Value += 1;
#pragma warning restore MP0016
            }
        }
        else
        {
            for (var i = 0; i < times; i++) counter.Add(1);
        }
    }
}
