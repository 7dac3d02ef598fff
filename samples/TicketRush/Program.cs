// The tutorial's ticket rush: 50 processes each look at the count in ticket.json without the lock,
// then buy one under a ProcessLock (read, decrement, write back). Nobody is sold a ticket that
// does not exist. Run with --unsafe to skip the lock and watch tickets get oversold.
// Run: dotnet run --project samples/TicketRush [-- --fast] [--tickets N] [--buyers N] [--unsafe]
using System.Text.Json;
using Multiproc;
using Multiproc.Samples;

var fast = SampleOptions.Fast(args);
var tickets = int.Parse(SampleOptions.Value(args, "--tickets") ?? "10");
var buyers = int.Parse(SampleOptions.Value(args, "--buyers") ?? "50");
var useLock = !args.Contains("--unsafe");

var dir = Directory.CreateTempSubdirectory("ticket-rush-").FullName;
var ticketFile = Path.Combine(dir, "ticket.json");
var receipts = Path.Combine(dir, "receipts.txt");
File.WriteAllText(ticketFile, JsonSerializer.Serialize(new Tickets(tickets)));
File.WriteAllText(receipts, "");

using var mutex = new ProcessLock();
var processes = new List<ChildProcess>();
for (var i = 0; i < buyers; i++)
{
    var p = new ChildProcess(() => TicketOffice.Task(mutex, ticketFile, receipts, useLock, fast));
    p.Start();
    processes.Add(p);
}
foreach (var p in processes) p.Join();

var left = JsonSerializer.Deserialize<Tickets>(File.ReadAllText(ticketFile))!.Count;
var sold = File.ReadAllLines(receipts).Length;
Console.WriteLine();
Console.WriteLine($"tickets sold: {sold}");
Console.WriteLine($"tickets left: {left}");
Console.WriteLine(sold > tickets || sold + left != tickets
    ? $"OVERSOLD: {sold} tickets sold for {tickets} seats ({(useLock ? "with" : "without")} the lock)"
    : "no ticket was oversold");
Directory.Delete(dir, recursive: true);
return sold > tickets ? 1 : 0;

public sealed record Tickets(int Count);

public static class TicketOffice
{
    public static void Task(ProcessLock mutex, string ticketFile, string receipts, bool useLock, bool fast)
    {
        Search(ticketFile);
        if (useLock)
        {
            using (mutex.Hold())
                Buy(ticketFile, receipts, fast);
        }
        else
        {
#pragma warning disable MP0001 // deliberately unlocked: the --unsafe mode shows what the lock prevents
            Buy(ticketFile, receipts, fast);
#pragma warning restore MP0001
        }
    }

    /// <summary>Readers that look without the lock see the old or the new file, never a half-written one.</summary>
    public static void WriteAtomically(string path, string text)
    {
        var tmp = path + "." + Environment.ProcessId + ".tmp";
        File.WriteAllText(tmp, text);
        File.Move(tmp, path, overwrite: true);
    }

    public static void Search(string ticketFile)
    {
        var tickets = JsonSerializer.Deserialize<Tickets>(File.ReadAllText(ticketFile))!;
        Console.WriteLine($"{Environment.ProcessId} sees {tickets.Count} tickets left");
    }

    public static void Buy(string ticketFile, string receipts, bool fast)
    {
        var tickets = JsonSerializer.Deserialize<Tickets>(File.ReadAllText(ticketFile))!;
        Thread.Sleep(SampleOptions.Delay(100, fast)); // the network round trip of the tutorial
        if (tickets.Count > 0)
        {
            WriteAtomically(ticketFile, JsonSerializer.Serialize(tickets with { Count = tickets.Count - 1 }));
            File.AppendAllText(receipts, Environment.ProcessId + Environment.NewLine);
            Console.WriteLine($"{Environment.ProcessId} bought a ticket");
        }
        else
        {
            Console.WriteLine($"{Environment.ProcessId} found no ticket left");
        }
    }
}
