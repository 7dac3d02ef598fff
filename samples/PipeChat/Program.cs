// The tutorial's second way to share data (方式二): a pipe. The parent and a child talk over the two ends of
// ProcessPipe.Create, Python's Pipe(); when the child closes its end, the parent's Receive throws
// EndOfStreamException (Python's EOFError).
// With --shared-end, two children are given the same end, the mistake Python lets through (their messages
// can come out mixed or torn there): here the second child to use the end gets an InvalidOperationException
// naming the first, and every message that arrives is whole.
// Run: dotnet run --project samples/PipeChat [-- --fast] [-- --shared-end]
using Multiproc;
using Multiproc.Samples;

var fast = SampleOptions.Fast(args);
var delay = SampleOptions.Delay(500, fast);

if (args.Contains("--shared-end"))
{
    SharedEnd(delay);
    return;
}

var (parentEnd, childEnd) = ProcessPipe.Create<string>();
var child = new ChildProcess(() => PipeChat.Child(childEnd, delay));
child.Start();
childEnd.Close(); // the child holds its end now; the parent lets go of its copy, or it would never see the end of the stream

foreach (var question in new[] { "hello, child", "what is 6 x 7?", "bye" })
{
    Console.WriteLine($"[parent {Environment.ProcessId}] -> {question}");
    parentEnd.Send(question);
    Console.WriteLine($"[parent {Environment.ProcessId}] <- {parentEnd.Receive()}");
}
try
{
    parentEnd.Receive();
}
catch (EndOfStreamException)
{
    Console.WriteLine("[parent] the child closed its end: EndOfStreamException (Python's EOFError)");
}
parentEnd.Close();
child.Join();

static void SharedEnd(int delay)
{
    var (left, right) = ProcessPipe.Create<string>();
    using var ready = new ProcessQueue<int>();
    using var go = new ProcessQueue<int>();
#pragma warning disable MP0017 // deliberately: one end given to two processes
    var a = new ChildProcess(() => PipeChat.Talker(right, "A", 5, delay, ready, go));
    var b = new ChildProcess(() => PipeChat.Talker(right, "B", 5, delay, ready, go));
#pragma warning restore MP0017
    a.Start();
    b.Start();
    right.Close();
    ready.Get();
    ready.Get();
    go.Put(1); // both children are up: they start talking at once
    go.Put(1);
    var received = 0;
    try
    {
        while (true)
        {
            Console.WriteLine($"[parent] <- {left.Receive()}");
            received++;
        }
    }
    catch (EndOfStreamException)
    {
        Console.WriteLine($"[parent] {received} whole messages, then the end of the stream: both children are done with their end");
    }
    left.Close();
    a.Join();
    b.Join();
    Console.WriteLine("Give each process its own end (ProcessPipe.Create makes two), or use a ProcessQueue for many senders.");
}

public static class PipeChat
{
    public static void Child(PipeEnd<string> end, int delay)
    {
        while (true)
        {
            var question = end.Receive();
            Thread.Sleep(delay);
            var answer = question switch
            {
                "hello, child" => $"hello, parent (from child {Environment.ProcessId})",
                "what is 6 x 7?" => "42",
                _ => "bye",
            };
            end.Send(answer);
            if (answer == "bye") break;
        }
        end.Close();
    }

    public static void Talker(PipeEnd<string> end, string name, int count, int delay, ProcessQueue<int> ready, ProcessQueue<int> go)
    {
        ready.Put(1);
        go.Get();
        try
        {
            for (var i = 1; i <= count; i++)
            {
                end.Send($"message {i} of {count} from {name} (process {Environment.ProcessId})");
                Thread.Sleep(delay);
            }
        }
        catch (InvalidOperationException e)
        {
            Console.WriteLine($"[{name} {Environment.ProcessId}] {e.Message}");
        }
        finally
        {
            end.Close();
        }
    }
}
