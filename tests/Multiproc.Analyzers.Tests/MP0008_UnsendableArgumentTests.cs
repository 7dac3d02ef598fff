using Verify = Multiproc.Analyzers.Tests.Verifiers.CSharpAnalyzerVerifier<Multiproc.Analyzers.MultiprocAnalyzer, Multiproc.Analyzers.Tests.Verifiers.MP0008Rule>;

namespace Multiproc.Analyzers.Tests;

public class MP0008_UnsendableArgumentTests
{
    private static Task Flagged(string parameters, string argumentMarkup, string parameter, string type, string reason, string setup = "", string extraTypes = "") =>
        Verify.VerifyAnalyzerAsync(ProcessSources.SendingProgram(parameters, argumentMarkup, setup, extraTypes),
            Verify.Diagnostic(Descriptors.MP0008_UnsendableArgument).WithLocation(0).WithArguments(parameter, type, reason));

    private static Task NotFlagged(string parameters, string arguments, string setup = "", string extraTypes = "") =>
        Verify.VerifyAnalyzerAsync(ProcessSources.SendingProgram(parameters, arguments, setup, extraTypes));

    [Fact]
    public Task Delegate_IsFlagged() =>
        Flagged("Action<string> log", "{|#0:log|}", "log", "Action<string>", "a delegate is code and captured state of this process, not data",
            setup: "Action<string> log = Console.WriteLine;");

    [Fact]
    public Task Lambda_IsFlagged() =>
        Flagged("Func<int, int> f", "{|#0:x => x + 1|}", "f", "Func<int, int>", "a delegate is code and captured state of this process, not data");

    [Fact]
    public Task Stream_IsFlagged() =>
        Flagged("Stream output", "{|#0:stream|}", "output", "FileStream", "a stream is bound to handles and buffers of this process",
            setup: "var stream = File.OpenWrite(\"out.txt\");");

    [Fact]
    public Task StreamAsObject_IsFlagged() =>
        Flagged("object state", "{|#0:stream|}", "state", "MemoryStream", "a stream is bound to handles and buffers of this process",
            setup: "var stream = new MemoryStream();");

    [Fact]
    public Task Task_IsFlagged() =>
        Flagged("Task<int> pending", "{|#0:pending|}", "pending", "Task<int>", "a task is work running in this process",
            setup: "var pending = Task.FromResult(1);");

    [Fact]
    public Task CancellationToken_IsFlagged() =>
        Flagged("CancellationToken token", "{|#0:cts.Token|}", "token", "CancellationToken", "a cancellation token only signals inside this process",
            setup: "var cts = new CancellationTokenSource();");

    [Fact]
    public Task PointerInsideData_IsFlagged() =>
        Flagged("Buffer buffer", "{|#0:buffer|}", "buffer", "Buffer", "property 'Buffer.Data': a pointer is only meaningful inside the process that made it",
            setup: "var buffer = new Buffer();",
            extraTypes: """
                public sealed unsafe class Buffer { public int Length { get; set; } public int* Data { get; set; } }
                """);

    [Fact]
    public Task ListOfDelegates_IsFlagged() =>
        Flagged("List<Action> actions", "{|#0:actions|}", "actions", "List<Action>", "a delegate is code and captured state of this process, not data",
            setup: "var actions = new List<Action>();");

    [Fact]
    public Task ValueTuple_IsFlagged() =>
        Flagged("(int, string) pair", "{|#0:pair|}", "pair", "(int, string)", "System.Text.Json does not serialize tuple fields (Item1, Item2, …); use a record",
            setup: "var pair = (1, \"a\");");

    [Fact]
    public Task TypeWithoutUsableConstructor_IsFlagged() =>
        Flagged("Order order", "{|#0:order|}", "order", "Order", "'Order' has no public parameterless constructor and no single public constructor System.Text.Json can use",
            setup: "var order = new Order(1, 2);",
            extraTypes: """
                public sealed class Order
                {
                    public Order(int id) { Id = id; }
                    public Order(int id, int qty) { Id = id; Qty = qty; }
                    public int Id { get; set; }
                    public int Qty { get; set; }
                }
                """);

    [Fact]
    public Task GetOnlyAutoPropertyNotInConstructor_IsFlagged() =>
        Flagged("Ticket ticket", "{|#0:ticket|}", "ticket", "Ticket", "property 'Ticket.Seats' has no setter and no constructor parameter, so its value is lost on the way",
            setup: "var ticket = new Ticket();",
            extraTypes: """
                public sealed class Ticket
                {
                    public int Id { get; set; }
                    public List<int> Seats { get; } = new();
                    public int Count { get; private set; }
                }
                """);

    [Fact]
    public Task ConstructorParameterWithoutProperty_IsFlagged() =>
        Flagged("Point point", "{|#0:point|}", "point", "Point", "constructor parameter 'z' of 'Point' matches no public property, so System.Text.Json cannot use the constructor",
            setup: "var point = new Point(1, 2, 3);",
            extraTypes: """
                public sealed class Point
                {
                    public Point(int x, int y, int z) { X = x; Y = y + z; }
                    public int X { get; }
                    public int Y { get; }
                }
                """);

    [Fact]
    public Task InterfaceParameter_IsFlagged() =>
        Flagged("IShape shape", "{|#0:circle|}", "shape", "IShape", "System.Text.Json cannot create an instance of interface 'IShape'",
            setup: "var circle = new Circle();",
            extraTypes: """
                public interface IShape { double Area { get; } }
                public sealed class Circle : IShape { public double R { get; set; } public double Area => Math.PI * R * R; }
                """);

    [Fact]
    public Task PropertyOfUnsendableType_IsFlagged() =>
        Flagged("Job job", "{|#0:job|}", "job", "Job", "property 'Job.Callback': a delegate is code and captured state of this process, not data",
            setup: "var job = new Job();",
            extraTypes: """
                public sealed class Job { public string Name { get; set; } = ""; public Action? Callback { get; set; } }
                """);

    [Fact]
    public Task PrimitivesStringsAndCollections_AreNotFlagged() => NotFlagged(
        "int n, string s, double d, DateTime at, Guid id, int[] xs, List<string> names, Dictionary<string, int> counts, int? maybe, DayOfWeek day, TimeSpan span",
        "1, \"a\", 2.5, DateTime.Now, Guid.NewGuid(), new[] { 1 }, new List<string>(), new Dictionary<string, int>(), null, DayOfWeek.Monday, TimeSpan.Zero");

    [Fact]
    public Task MultiprocPrimitives_AreNotFlagged() => NotFlagged(
        "ProcessLock mutex, ProcessQueue<string> queue, JoinableQueue<int> jobs",
        "mutex, queue, jobs",
        setup: "var mutex = new ProcessLock(); var queue = new ProcessQueue<string>(); var jobs = new JoinableQueue<int>();");

    [Fact]
    public Task PipeEnds_AreNotFlagged() => NotFlagged(
        "PipeEnd<string> end, PipeEnd<int[]> other",
        "pipe.Right, pipe2.Left",
        setup: "var pipe = ProcessPipe.Create<string>(); var pipe2 = ProcessPipe.Create<int[]>(duplex: false);");

    [Fact]
    public Task RoundTrippableUserTypes_AreNotFlagged() => NotFlagged(
        "Person person, Pos pos, Ticket ticket, Shape shape, Stats stats",
        "new Person(\"a\", 1), new Pos(1, 2), new Ticket { Id = 1 }, new Square(), new Stats(3)",
        extraTypes: """
            public record Person(string Name, int Age);
            public readonly record struct Pos(int X, int Y);
            public sealed class Ticket
            {
                public int Id { get; set; }
                public string Label => "T" + Id;          // computed: nothing to lose
                [JsonIgnore] public int Cache { get; }
                [JsonInclude] public int Seats { get; private set; }
            }
            [JsonDerivedType(typeof(Square), "square")]
            public abstract class Shape { }
            public sealed class Square : Shape { public double Side { get; set; } }
            public sealed class Stats
            {
                public Stats(int count) { Count = count; }
                public int Count { get; }
            }
            """);
}
