using System.Globalization;
using System.Text;

namespace AnalyzerCost;

/// <summary>
/// Generates, from a fixed seed, a corpus of ordinary C# (LINQ, string work, loops, exceptions,
/// async, pattern matching, collections) sprinkled with the code the Multiproc rules look at:
/// <c>ProcessLock</c>, <c>Monitor</c>, <c>lock</c>, <c>SemaphoreSlim</c>, <c>ReaderWriterLockSlim</c>,
/// file read-modify-writes, <c>ChildProcess</c> lifecycles and <c>ProcessQueue</c>/<c>JoinableQueue</c>
/// use, each both right and wrong. Every file compiles against the .NET reference assemblies
/// and Multiproc.dll.
/// </summary>
internal sealed class CorpusGenerator
{
    private readonly Random _random;
    private int _nextId;

    public CorpusGenerator(int seed) => _random = new Random(seed);

    /// <summary>Returns (file name, text) pairs totalling at least <paramref name="targetLines"/> lines.</summary>
    public List<(string Path, string Text)> Generate(int targetLines)
    {
        var files = new List<(string, string)> { ("Shared.cs", SharedFile) };
        var lines = CountLines(SharedFile);
        var fileCount = Math.Max(1, (int)Math.Round(targetLines / 1200.0));
        var perFile = Math.Max(200, (targetLines - lines) / fileCount + 1);
        for (var f = 0; lines < targetLines; f++)
        {
            var text = GenerateFile(f, perFile);
            files.Add(($"F{f:000}.cs", text));
            lines += CountLines(text);
        }
        return files;
    }

    public static int CountLines(string text)
    {
        var n = 0;
        foreach (var c in text)
        {
            if (c == '\n')
            {
                n++;
            }
        }
        return n;
    }

    private string GenerateFile(int f, int targetLines)
    {
        var sb = new StringBuilder();
        sb.Append(FileHeader.Replace("@F@", f.ToString("000", CultureInfo.InvariantCulture), StringComparison.Ordinal));
        sb.Append(WorkersClass);
        var lines = CountLines(sb.ToString());
        var c = 0;
        while (lines < targetLines)
        {
            var cls = GenerateClass(f, c++);
            sb.Append(cls);
            lines += CountLines(cls);
        }
        return sb.ToString();
    }

    private string GenerateClass(int f, int c)
    {
        var sb = new StringBuilder();
        sb.Append(ClassHeader
            .Replace("@NAME@", $"Service{f:000}_{c:00}", StringComparison.Ordinal)
            .Replace("@K1@", _random.Next(1, 100).ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal));
        var methods = _random.Next(10, 16);
        for (var m = 0; m < methods; m++)
        {
            // About one method in six touches locks, files, processes or queues; the rest is ordinary code.
            var template = _random.Next(100) < 17
                ? PatternMethods[_random.Next(PatternMethods.Length)]
                : OrdinaryMethods[_random.Next(OrdinaryMethods.Length)];
            sb.Append(Fill(template));
        }
        sb.Append("}\n\n");
        return sb.ToString();
    }

    private string Fill(string template) => template
        .Replace("@ID@", (_nextId++).ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)
        .Replace("@K1@", _random.Next(2, 60).ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)
        .Replace("@K2@", _random.Next(1, 9).ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)
        .Replace("@YEAR@", _random.Next(2000, 2025).ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal);

    private const string SharedFile = """
        using System;
        using System.Collections.Generic;

        namespace Corpus.Shared;

        public sealed record Order(int Id, string Customer, decimal Amount, DateTime When, string[] Tags);

        public enum Status
        {
            New,
            Pending,
            Shipped,
            Cancelled,
        }

        public sealed class ValidationException : Exception
        {
            public ValidationException(string message) : base(message) { }

            public ValidationException(string message, Exception inner) : base(message, inner) { }

            public IReadOnlyList<string> Fields { get; init; } = Array.Empty<string>();
        }

        """;

    private const string FileHeader = """
        using System;
        using System.Collections.Generic;
        using System.Globalization;
        using System.IO;
        using System.Linq;
        using System.Text;
        using System.Threading;
        using System.Threading.Tasks;
        using Corpus.Shared;
        using Multiproc;

        namespace Corpus.F@F@;

        """;

    // Static child targets: the methods that run in child processes.
    private const string WorkersClass = """
        public static class Workers
        {
            private static readonly object Gate = new();

            public static int Counter;

            public static void BuyTicket(string path, ProcessLock lk)
            {
                using (lk.Hold())
                {
                    var text = File.ReadAllText(path);
                    var left = int.Parse(text.Trim(), CultureInfo.InvariantCulture);
                    if (left > 0)
                    {
                        File.WriteAllText(path, (left - 1).ToString(CultureInfo.InvariantCulture));
                    }
                }
            }

            public static void BuyTicketUnlocked(string path)
            {
                var text = File.ReadAllText(path);
                var left = int.Parse(text.Trim(), CultureInfo.InvariantCulture);
                if (left > 0)
                {
                    File.WriteAllText(path, (left - 1).ToString(CultureInfo.InvariantCulture));
                }
            }

            public static void BuyTicketThreadLock(string path)
            {
                lock (Gate)
                {
                    var lines = File.ReadAllLines(path).ToList();
                    lines.Add(DateTime.UtcNow.ToString("O", CultureInfo.InvariantCulture));
                    File.WriteAllLines(path, lines);
                }
            }

            public static void BuyTicketAcquired(string path, ProcessLock lk)
            {
                lk.Acquire();
                try
                {
                    var bytes = File.ReadAllBytes(path);
                    bytes[0]++;
                    File.WriteAllBytes(path, bytes);
                }
                finally
                {
                    lk.Release();
                }
            }

            public static void BuyTicketMutex(string path)
            {
                using var mutex = new Mutex(false, "corpus-tickets");
                mutex.WaitOne();
                try
                {
                    var text = File.ReadAllText(path);
                    File.WriteAllText(path, text + "+");
                }
                finally
                {
                    mutex.ReleaseMutex();
                }
            }

            public static void Consume(ProcessQueue<string> q)
            {
                while (true)
                {
                    var item = q.Get();
                    Console.WriteLine(item.ToUpperInvariant());
                }
            }

            public static void ConsumeUntilNull(ProcessQueue<string?> q)
            {
                while (true)
                {
                    var item = q.Get();
                    if (item is null)
                    {
                        break;
                    }
                    Console.WriteLine(item.Length);
                }
            }

            public static void Work(JoinableQueue<int> q)
            {
                while (true)
                {
                    var n = q.Get();
                    if (n < 0)
                    {
                        return;
                    }
                    Counter += n;
                    q.TaskDone();
                }
            }

            public static void WorkDone(JoinableQueue<int> q)
            {
                while (true)
                {
                    var n = q.Get();
                    try
                    {
                        if (n < 0)
                        {
                            return;
                        }
                        Counter += n;
                    }
                    finally
                    {
                        q.TaskDone();
                    }
                }
            }

            public static void Compute(int n)
            {
                for (var i = 0; i < n; i++)
                {
                    Counter += i % 7;
                }
            }

            public static void Spawner(int n)
            {
                var p = new ChildProcess(() => Compute(n));
                p.Start();
                p.Join();
            }

            public static void Poll(ProcessQueue<int> q)
            {
                if (!q.IsEmpty)
                {
                    Counter += q.Get();
                }
            }

            public static void PollSafely(ProcessQueue<int> q)
            {
                if (q.TryGet(out var value, TimeSpan.FromMilliseconds(10)))
                {
                    Counter += value;
                }
            }

            public static void Produce(ProcessQueue<int> q, int count)
            {
                for (var i = 0; i < count; i++)
                {
                    if (!q.IsFull)
                    {
                        q.Put(i);
                    }
                }
            }

            public static void UseSemaphore(SemaphoreSlim semaphore)
            {
                semaphore.Wait();
                try
                {
                    Counter++;
                }
                finally
                {
                    semaphore.Release();
                }
            }

            public static void UseStream(Stream stream) => Counter += (int)stream.Length;

            public static void UseLock(ProcessLock lk)
            {
                using var _ = lk.Hold();
                Counter++;
            }
        }


        """;

    private const string ClassHeader = """
        public sealed class @NAME@ : IDisposable
        {
            private readonly List<Order> _orders = new();
            private readonly Dictionary<string, int> _counts = new(StringComparer.Ordinal);
            private readonly object _gate = new();
            private readonly SemaphoreSlim _sem = new(1, 1);
            private readonly ReaderWriterLockSlim _rw = new();
            private readonly ProcessLock _lk = new();
            private int _total = @K1@;

            public int Total => _total;

            public IReadOnlyList<Order> Orders => _orders;

            public void Add(Order order) => _orders.Add(order ?? throw new ArgumentNullException(nameof(order)));

            public void Dispose()
            {
                _sem.Dispose();
                _rw.Dispose();
                _lk.Dispose();
            }


        """;

    private static readonly string[] OrdinaryMethods =
    [
        """
            public IReadOnlyList<(string Customer, decimal Total)> TopCustomers@ID@(int count)
            {
                var threshold = @K1@m;
                var query = _orders
                    .Where(o => o.Amount > threshold && o.Tags.Length > 0)
                    .GroupBy(o => o.Customer)
                    .Select(g => (Customer: g.Key, Total: g.Sum(o => o.Amount)))
                    .OrderByDescending(t => t.Total)
                    .ThenBy(t => t.Customer, StringComparer.Ordinal)
                    .Take(count)
                    .ToList();
                return query;
            }


        """,
        """
            public Dictionary<int, string[]> TagsByMonth@ID@()
            {
                var result =
                    from o in _orders
                    where o.When.Year >= @YEAR@
                    group o by o.When.Month into m
                    orderby m.Key
                    select new { Month = m.Key, Tags = m.SelectMany(x => x.Tags).Distinct().ToArray() };
                return result.ToDictionary(x => x.Month, x => x.Tags);
            }


        """,
        """
            public string Describe@ID@(IEnumerable<string> words, char separator)
            {
                var sb = new StringBuilder();
                foreach (var word in words)
                {
                    if (string.IsNullOrWhiteSpace(word))
                    {
                        continue;
                    }
                    var trimmed = word.Trim().ToUpperInvariant();
                    if (trimmed.Length > @K1@)
                    {
                        trimmed = trimmed.Substring(0, @K1@) + "...";
                    }
                    if (sb.Length > 0)
                    {
                        sb.Append(separator);
                    }
                    sb.Append(trimmed);
                }
                var text = sb.ToString();
                var parts = text.Split(separator, StringSplitOptions.RemoveEmptyEntries);
                return $"{parts.Length} parts: {string.Join(", ", parts.Reverse())}";
            }


        """,
        """
            public long Checksum@ID@(int[] data)
            {
                long acc = @K1@;
                for (var i = 0; i < data.Length; i++)
                {
                    var v = data[i];
                    if ((v & 1) == 0)
                    {
                        acc += v * 31L;
                    }
                    else if (v % 3 == 0)
                    {
                        acc ^= v;
                    }
                    else
                    {
                        acc -= v / 2;
                    }
                }
                var j = 0;
                while (j < data.Length && acc > 0)
                {
                    acc = (acc * 17 + data[j]) % 1_000_000_007L;
                    j += @K2@;
                }
                return acc;
            }


        """,
        """
            public int ParseAll@ID@(IEnumerable<string> inputs)
            {
                var ok = 0;
                foreach (var input in inputs)
                {
                    try
                    {
                        var value = int.Parse(input, CultureInfo.InvariantCulture);
                        if (value < 0)
                        {
                            throw new ArgumentOutOfRangeException(nameof(inputs), value, "negative");
                        }
                        _total += value;
                        ok++;
                    }
                    catch (FormatException ex) when (ex.Message.Length > @K1@)
                    {
                        _counts[input] = _counts.TryGetValue(input, out var c) ? c + 1 : 1;
                    }
                    catch (OverflowException)
                    {
                        _total = int.MaxValue;
                    }
                    finally
                    {
                        _counts["seen"] = _counts.GetValueOrDefault("seen") + 1;
                    }
                }
                return ok;
            }


        """,
        """
            public async Task<int> FetchAndSum@ID@(IEnumerable<int> ids, CancellationToken ct)
            {
                var tasks = ids.Select(async id =>
                {
                    await Task.Delay(id % 3, ct).ConfigureAwait(false);
                    return id * @K1@;
                }).ToList();
                var values = await Task.WhenAll(tasks).ConfigureAwait(false);
                var sum = 0;
                foreach (var v in values)
                {
                    sum = unchecked(sum + v);
                }
                return sum;
            }


        """,
        """
            public static string Classify@ID@(object? value) => value switch
            {
                null => "null",
                int i when i > @K1@ => "big int",
                int i => $"int {i}",
                string { Length: 0 } => "empty",
                string s => s.Length > 10 ? s[..10] : s,
                Order { Amount: > 100m } o => $"large order {o.Id}",
                IEnumerable<int> seq => $"seq of {seq.Count()}",
                _ => value.GetType().Name,
            };


        """,
        """
            public Dictionary<string, List<int>> Index@ID@(IReadOnlyList<string> lines)
            {
                var index = new Dictionary<string, List<int>>(StringComparer.OrdinalIgnoreCase);
                for (var n = 0; n < lines.Count; n++)
                {
                    foreach (var token in lines[n].Split(' ', ',', ';'))
                    {
                        if (token.Length < @K2@)
                        {
                            continue;
                        }
                        if (!index.TryGetValue(token, out var list))
                        {
                            list = new List<int>();
                            index.Add(token, list);
                        }
                        list.Add(n);
                    }
                }
                return index;
            }


        """,
        """
            public async Task<string[]> ReadHeaders@ID@(string path, CancellationToken ct)
            {
                using var reader = new StreamReader(path);
                var result = new List<string>();
                string? line;
                while ((line = await reader.ReadLineAsync(ct).ConfigureAwait(false)) is not null)
                {
                    if (line.StartsWith('#'))
                    {
                        result.Add(line.TrimStart('#').Trim());
                    }
                }
                return result.ToArray();
            }


        """,
        """
            public Status Advance@ID@(Status status, Order order)
            {
                if (order.Amount < 0)
                {
                    throw new ValidationException($"order {order.Id} has a negative amount")
                    {
                        Fields = new[] { nameof(Order.Amount) },
                    };
                }
                var next = status switch
                {
                    Status.New => order.Tags.Contains("prepaid") ? Status.Shipped : Status.Pending,
                    Status.Pending when order.When < DateTime.UtcNow.AddDays(-@K1@) => Status.Cancelled,
                    Status.Pending => Status.Shipped,
                    _ => status,
                };
                _counts[next.ToString()] = _counts.GetValueOrDefault(next.ToString()) + 1;
                return next;
            }


        """,
        """
            public string Report@ID@()
            {
                var sb = new StringBuilder();
                sb.AppendLine("customer,count,sum,avg");
                foreach (var g in _orders.GroupBy(o => o.Customer).OrderBy(g => g.Key, StringComparer.Ordinal))
                {
                    var count = g.Count();
                    var sum = g.Sum(o => o.Amount);
                    var avg = count == 0 ? 0m : sum / count;
                    sb.Append(g.Key.Replace(",", ";", StringComparison.Ordinal))
                      .Append(',').Append(count.ToString(CultureInfo.InvariantCulture))
                      .Append(',').Append(sum.ToString("F2", CultureInfo.InvariantCulture))
                      .Append(',').AppendLine(avg.ToString("F2", CultureInfo.InvariantCulture));
                }
                return sb.ToString();
            }


        """,
        """
            public int[] Primes@ID@(int limit)
            {
                var sieve = new bool[limit + 1];
                var primes = new List<int>();
                for (var i = 2; i <= limit; i++)
                {
                    if (sieve[i])
                    {
                        continue;
                    }
                    primes.Add(i);
                    for (long k = (long)i * i; k <= limit; k += i)
                    {
                        sieve[k] = true;
                    }
                }
                return primes.Where(p => p % @K2@ != 0 || p == @K2@).ToArray();
            }


        """,
        """
            public async IAsyncEnumerable<Order> Stream@ID@([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct = default)
            {
                foreach (var order in _orders.Where(o => o.Id % @K2@ == 0))
                {
                    ct.ThrowIfCancellationRequested();
                    await Task.Yield();
                    yield return order with { Amount = Math.Round(order.Amount * 1.@K1@m, 2) };
                }
            }


        """,
        """
            public bool TryLoad@ID@(string path, out IReadOnlyList<Order> loaded)
            {
                loaded = Array.Empty<Order>();
                try
                {
                    var rows = File.ReadLines(path)
                        .Skip(1)
                        .Select(line => line.Split(','))
                        .Where(cells => cells.Length >= 3)
                        .Select((cells, i) => new Order(
                            i,
                            cells[0],
                            decimal.Parse(cells[1], CultureInfo.InvariantCulture),
                            DateTime.Parse(cells[2], CultureInfo.InvariantCulture),
                            cells.Skip(3).ToArray()))
                        .ToList();
                    loaded = rows;
                    return rows.Count > 0;
                }
                catch (IOException ex)
                {
                    Console.Error.WriteLine($"cannot read {path}: {ex.Message}");
                    return false;
                }
                catch (FormatException ex)
                {
                    throw new ValidationException($"bad data in {path}", ex);
                }
            }


        """,
    ];

    private static readonly string[] PatternMethods =
    [
        // --- ProcessLock ---
        """
            public void Deposit@ID@(int amount)
            {
                using (_lk.Hold())
                {
                    _total += amount;
                }
            }


        """,
        """
            public int Withdraw@ID@(int amount)
            {
                _lk.Acquire();
                try
                {
                    if (_total < amount)
                    {
                        throw new InvalidOperationException("insufficient funds");
                    }
                    _total -= amount;
                    return _total;
                }
                finally
                {
                    _lk.Release();
                }
            }


        """,
        """
            public void Transfer@ID@(int amount)
            {
                _lk.Acquire();
                _counts["transfer"] = _counts.GetValueOrDefault("transfer") + amount;
                _total += int.Parse(amount.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
                _lk.Release();
            }


        """,
        """
            public bool TryReserve@ID@(int seats)
            {
                _lk.Acquire();
                if (seats > @K1@)
                {
                    return false;
                }
                _total -= seats;
                _lk.Release();
                return true;
            }


        """,
        """
            public bool TryHold@ID@()
            {
                if (!_lk.TryAcquire(TimeSpan.FromMilliseconds(@K1@)))
                {
                    return false;
                }
                try
                {
                    _total++;
                    return true;
                }
                finally
                {
                    _lk.Release();
                }
            }


        """,
        // --- Monitor and lock ---
        """
            public void Record@ID@(string key)
            {
                var taken = false;
                try
                {
                    Monitor.Enter(_gate, ref taken);
                    _counts[key] = _counts.GetValueOrDefault(key) + 1;
                }
                finally
                {
                    if (taken)
                    {
                        Monitor.Exit(_gate);
                    }
                }
            }


        """,
        """
            public void Bump@ID@(string key)
            {
                Monitor.Enter(_gate);
                _counts[key] = _counts[key] + 1;
                Monitor.Exit(_gate);
            }


        """,
        """
            public void Conditional@ID@(bool flag)
            {
                Monitor.Enter(_gate);
                if (flag)
                {
                    _total++;
                    Monitor.Exit(_gate);
                }
            }


        """,
        """
            public bool Rewrite@ID@(string key)
            {
                _rw.EnterWriteLock();
                if (!_counts.ContainsKey(key))
                {
                    return false;
                }
                _counts[key] = @K1@;
                _rw.ExitWriteLock();
                return true;
            }


        """,
        """
            public int Snapshot@ID@()
            {
                lock (_gate)
                {
                    return _counts.Values.Sum() + _total;
                }
            }


        """,
        // --- SemaphoreSlim and ReaderWriterLockSlim ---
        """
            public async Task<int> Guarded@ID@(CancellationToken ct)
            {
                await _sem.WaitAsync(ct).ConfigureAwait(false);
                try
                {
                    await Task.Yield();
                    return ++_total;
                }
                finally
                {
                    _sem.Release();
                }
            }


        """,
        """
            public async Task Unguarded@ID@(CancellationToken ct)
            {
                await _sem.WaitAsync(ct).ConfigureAwait(false);
                await Task.Delay(@K2@, ct).ConfigureAwait(false);
                _total++;
                _sem.Release();
            }


        """,
        """
            public void Maybe@ID@(bool flag)
            {
                _sem.Wait();
                if (flag)
                {
                    _total++;
                    _sem.Release();
                }
            }


        """,
        """
            public bool TryWork@ID@()
            {
                if (!_sem.Wait(TimeSpan.FromMilliseconds(@K1@)))
                {
                    return false;
                }
                try
                {
                    _total++;
                }
                finally
                {
                    _sem.Release();
                }
                return true;
            }


        """,
        """
            public int ReadTotal@ID@()
            {
                _rw.EnterReadLock();
                try
                {
                    return _total + _counts.Count;
                }
                finally
                {
                    _rw.ExitReadLock();
                }
            }


        """,
        // --- files ---
        """
            public void AppendParent@ID@(string path)
            {
                var text = File.ReadAllText(path);
                File.WriteAllText(path, text + Environment.NewLine + _total.ToString(CultureInfo.InvariantCulture));
            }


        """,
        // --- ChildProcess ---
        """
            public void RunOne@ID@(string path)
            {
                var p = new ChildProcess(() => Workers.BuyTicket(path, _lk));
                p.Start();
                p.Join();
            }


        """,
        """
            public void Rush@ID@(string path)
            {
                for (var i = 0; i < @K1@; i++)
                {
                    var p = new ChildProcess(() => Workers.BuyTicketUnlocked(path));
                    p.Start();
                }
            }


        """,
        """
            public void RushOk@ID@(string path)
            {
                var buyers = new List<ChildProcess>();
                for (var i = 0; i < @K1@; i++)
                {
                    var p = new ChildProcess(() => Workers.BuyTicket(path, _lk), $"buyer-{i}");
                    buyers.Add(p);
                    p.Start();
                }
                foreach (var b in buyers)
                {
                    b.Join();
                }
            }


        """,
        """
            public void RushThreadLock@ID@(string path)
            {
                var buyers = Enumerable.Range(0, @K1@)
                    .Select(i => new ChildProcess(() => Workers.BuyTicketThreadLock(path)))
                    .ToList();
                buyers.ForEach(b => b.Start());
                buyers.ForEach(b => b.Join());
            }


        """,
        """
            public void RushMutex@ID@(string path, bool acquired)
            {
                var p = acquired
                    ? new ChildProcess(() => Workers.BuyTicketAcquired(path, _lk))
                    : new ChildProcess(() => Workers.BuyTicketMutex(path));
                try
                {
                    p.Start();
                }
                finally
                {
                    p.Join();
                }
            }


        """,
        """
            public void Background@ID@(ProcessQueue<string> q)
            {
                var p = new ChildProcess(() => Workers.Consume(q));
                p.Start();
                p.Daemon = true;
            }


        """,
        """
            public void BackgroundOk@ID@(ProcessQueue<string> q)
            {
                var p = new ChildProcess(() => Workers.Consume(q)) { Daemon = true };
                p.Start();
                Console.WriteLine(p.Daemon);
            }


        """,
        """
            public void Consumer@ID@(ProcessQueue<string> q)
            {
                var p = new ChildProcess(() => Workers.Consume(q), "consumer-@ID@");
                p.Start();
                p.Join();
            }


        """,
        """
            public void Stop@ID@(int n)
            {
                var p = new ChildProcess(() => Workers.Compute(n));
                p.Start();
                if (!p.Join(TimeSpan.FromSeconds(@K2@)))
                {
                    p.Terminate();
                }
                Console.WriteLine(p.IsAlive);
            }


        """,
        """
            public void Kill@ID@(int n)
            {
                var p = new ChildProcess(() => Workers.Compute(n));
                p.Start();
                p.Kill();
                p.Join();
                Console.WriteLine(p.ExitCode);
            }


        """,
        """
            public int Branchy@ID@(int n, bool wait)
            {
                var p = new ChildProcess(() => Workers.Compute(n));
                p.Start();
                if (wait)
                {
                    p.Join();
                    return p.ExitCode ?? -1;
                }
                return 0;
            }


        """,
        """
            public int ComputeStatic@ID@(int n)
            {
                var p = new ChildProcess(() => Workers.Compute(n));
                p.Start();
                p.Join();
                return Workers.Counter;
            }


        """,
        """
            public void Share@ID@()
            {
                var p = new ChildProcess(() => Workers.UseSemaphore(_sem));
                p.Start();
                p.Join();
                var q = new ChildProcess(() => Workers.UseStream(Stream.Null));
                q.Start();
                q.Join();
                var r = new ChildProcess(() => Workers.UseLock(_lk));
                r.Start();
                r.Join();
            }


        """,
        """
            public void Twice@ID@(int n)
            {
                var p = new ChildProcess(() => Workers.Compute(n));
                p.Start();
                p.Start();
                p.Join();
            }


        """,
        """
            public void DaemonSpawner@ID@(int n)
            {
                var p = new ChildProcess(() => Workers.Spawner(n)) { Daemon = true };
                p.Start();
                p.Join();
            }


        """,
        """
            public async Task RunAsync@ID@(int n, CancellationToken ct)
            {
                using var p = new ChildProcess(() => Workers.Compute(n));
                p.Start();
                await p.JoinAsync(ct).ConfigureAwait(false);
            }


        """,
        """
            public ChildProcess StartDetached@ID@(int n)
            {
                var p = new ChildProcess(() => Workers.Compute(n + @K1@));
                p.Start();
                return p;
            }


        """,
        // --- queues ---
        """
            public void Pipeline@ID@(int items)
            {
                using var q = new JoinableQueue<int>();
                var workers = Enumerable.Range(0, @K2@)
                    .Select(_ => new ChildProcess(() => Workers.WorkDone(q)) { Daemon = true })
                    .ToList();
                workers.ForEach(w => w.Start());
                for (var i = 0; i < items; i++)
                {
                    q.Put(i);
                }
                q.Join();
            }


        """,
        """
            public void PipelineLeaky@ID@(int items)
            {
                using var q = new JoinableQueue<int>(@K1@);
                var w = new ChildProcess(() => Workers.Work(q)) { Daemon = true };
                w.Start();
                for (var i = 0; i < items; i++)
                {
                    q.Put(i, TimeSpan.FromSeconds(1));
                }
                q.Join();
            }


        """,
        """
            public int Drain@ID@(ProcessQueue<int> q)
            {
                var sum = 0;
                while (!q.IsEmpty)
                {
                    sum += q.Get();
                }
                if (q.Count > 0 && q.TryGet(out var extra))
                {
                    sum += extra;
                }
                return sum;
            }


        """,
        """
            public void Producers@ID@(int count)
            {
                using var q = new ProcessQueue<int>(@K1@);
                var producer = new ChildProcess(() => Workers.Produce(q, count));
                var poller = new ChildProcess(() => Workers.Poll(q));
                var safe = new ChildProcess(() => Workers.PollSafely(q));
                producer.Start();
                poller.Start();
                safe.Start();
                producer.Join();
                poller.Join();
                safe.Join();
            }


        """,
        """
            public async Task<int> TakeOne@ID@(JoinableQueue<int> q, CancellationToken ct)
            {
                var item = await q.GetAsync(ct).ConfigureAwait(false);
                try
                {
                    return item * @K2@;
                }
                finally
                {
                    q.TaskDone();
                }
            }


        """,
        """
            public int TakeLeaky@ID@(JoinableQueue<int> q)
            {
                var item = q.Get();
                if (item < @K1@)
                {
                    return 0;
                }
                q.TaskDone();
                return item;
            }


        """,
        """
            public void Nones@ID@()
            {
                using var q = new ProcessQueue<string?>();
                var c = new ChildProcess(() => Workers.ConsumeUntilNull(q));
                c.Start();
                foreach (var word in new[] { "a", "b", "c" })
                {
                    q.Put(word);
                }
                q.Put(null);
                c.Join();
            }


        """,
    ];
}
