namespace Multiproc.Tests.Primitives;

public class InProcessSynchronizerTests
{
    [Fact]
    public void An_in_process_synchronizer_sent_to_a_child_is_refused_naming_its_process_counterpart()
    {
        using var slim = new SemaphoreSlim(1);
        using var reset = new ManualResetEventSlim();
        using var barrier = new Barrier(2);
        var cases = new (ChildProcess Process, string Counterpart)[]
        {
            (new ChildProcess(() => PrimitiveTargets.TakeSemaphoreSlim(slim)), "ProcessSemaphore"),
            (new ChildProcess(() => PrimitiveTargets.TakeResetEvent(reset)), "ProcessEvent"),
            (new ChildProcess(() => PrimitiveTargets.TakeThreadBarrier(barrier)), "ProcessBarrier"),
        };
        foreach (var (p, counterpart) in cases)
        {
            var e = Assert.Throws<ArgumentException>(() => p.Start());
            Assert.EndsWith("use a " + counterpart + ".", e.Message.Split(" (Parameter")[0]);
            Assert.Null(p.Pid);
        }
    }
}
