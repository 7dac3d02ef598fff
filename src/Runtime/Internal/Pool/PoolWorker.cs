using System.Buffers;
using System.Reflection;

namespace Multiproc.Internal.Pool;

/// <summary>
/// What a pool worker process runs (its <see cref="ChildProcess"/> target): take a task from its own ring,
/// run it, put the result (or the exception, as text) on the pool's result ring; exit on an exit record or
/// after <c>maxTasks</c> tasks.
/// </summary>
internal static class PoolWorker
{
    /// <summary>The worker's loop. A method of Multiproc itself, found in the child by its token like any target.</summary>
    public static void Run(string taskRing, string resultRing, int slot, int generation, int maxTasks)
    {
        using var tasks = SharedRing.Attach(taskRing);
        using var results = SharedRing.Attach(resultRing);
        var output = new ArrayBufferWriter<byte>(4096);
        var functions = new Dictionary<long, WorkerFunction>();
        var done = 0;
        while (true)
        {
            tasks.Dequeue(PoolRecords.CopyDecoder, null, default, out var record);
            var at = 0;
            var kind = PoolRecords.ReadInt(record, ref at);
            if (kind == PoolRecords.Exit) return;
            var chunkId = PoolRecords.ReadLong(record, ref at);
            var callId = PoolRecords.ReadLong(record, ref at);
            var specLength = PoolRecords.ReadInt(record, ref at);
            var spec = record.AsSpan(at, specLength);
            at += specLength;
            var count = PoolRecords.ReadInt(record, ref at);

            output.ResetWrittenCount();
            if (output.Capacity > 1 << 22) output = new ArrayBufferWriter<byte>(4096);
            PoolRecords.WriteResultHeader(output, PoolRecords.Ok, slot, generation, chunkId);
            PoolRecords.WriteInt(output, count);
            try
            {
                if (!functions.TryGetValue(callId, out var function))
                {
                    if (functions.Count >= 16) functions.Clear();
                    function = WorkerFunction.Create(spec);
                    functions[callId] = function;
                }
                function.Run(record.AsSpan(at), count, output);
            }
            catch (Exception e)
            {
                output.ResetWrittenCount();
                PoolRecords.WriteResultHeader(output, PoolRecords.Error, slot, generation, chunkId);
                PoolRecords.WriteString(output, e.GetType().FullName ?? e.GetType().Name);
                PoolRecords.WriteString(output, e.Message);
                PoolRecords.WriteString(output, e.StackTrace ?? "");
            }
            results.Enqueue(output.WrittenSpan, 0, null, default);
            if (maxTasks > 0 && ++done >= maxTasks) return;
        }
    }
}

/// <summary>A pool function bound in the worker: the method, its fixed arguments and where the item goes.</summary>
internal abstract class WorkerFunction
{
    /// <summary>Runs the function over <paramref name="count"/> items and appends the results.</summary>
    public abstract void Run(ReadOnlySpan<byte> items, int count, ArrayBufferWriter<byte> output);

    public static WorkerFunction Create(ReadOnlySpan<byte> spec)
    {
        var (itemIndex, message) = PoolFunction.Read(spec);
        var (method, instance, args) = TargetCall.Bind(message);
        var result = method.ReturnType;
        Type type;
        if (itemIndex < 0)
        {
            type = result == typeof(void) ? typeof(ApplyFunction<byte>) : typeof(ApplyFunction<>).MakeGenericType(result);
        }
        else
        {
            var parameters = method.GetParameters();
            if (itemIndex >= parameters.Length) throw new InvalidDataException("Bad item index in a pool function spec.");
            type = typeof(MapFunction<,>).MakeGenericType(parameters[itemIndex].ParameterType, result);
        }
        return (WorkerFunction)Activator.CreateInstance(type, method, instance, args, itemIndex)!;
    }
}

/// <summary>A call with no item (<c>Apply</c>): one result, or none for a method returning void.</summary>
internal sealed class ApplyFunction<TResult>(MethodInfo method, object? instance, object?[] args, int itemIndex) : WorkerFunction
{
    private readonly bool _void = method.ReturnType == typeof(void);

    public override void Run(ReadOnlySpan<byte> items, int count, ArrayBufferWriter<byte> output)
    {
        _ = itemIndex;
        var value = method.Invoke(instance, BindingFlags.DoNotWrapExceptions, null, args, null);
        if (value is Task task) task.GetAwaiter().GetResult();
        if (_void) return;
        ItemRun<TResult>.WriteOne(output, (TResult)value!);
    }
}

/// <summary>A function of one item: a delegate when the item is the only argument of a static method, else a reflection call.</summary>
internal sealed class MapFunction<TItem, TResult> : WorkerFunction
{
    private readonly Func<TItem, TResult>? _direct;
    private readonly MethodInfo _method;
    private readonly object? _instance;
    private readonly object?[] _args;
    private readonly int _itemIndex;
    private TItem[] _items = [];
    private TResult[] _results = [];

    public MapFunction(MethodInfo method, object? instance, object?[] args, int itemIndex)
    {
        _method = method;
        _instance = instance;
        _args = args;
        _itemIndex = itemIndex;
        if (method.IsStatic && args.Length == 1) _direct = method.CreateDelegate<Func<TItem, TResult>>();
    }

    public override void Run(ReadOnlySpan<byte> data, int count, ArrayBufferWriter<byte> output)
    {
        if (_items.Length < count) _items = new TItem[count];
        if (_results.Length < count) _results = new TResult[count];
        var items = _items.AsSpan(0, count);
        var results = _results.AsSpan(0, count);
        ItemRun<TItem>.Read(data, items);
        if (_direct is { } f)
        {
            for (var i = 0; i < items.Length; i++) results[i] = f(items[i]);
        }
        else
        {
            for (var i = 0; i < items.Length; i++)
            {
                _args[_itemIndex] = items[i];
                results[i] = (TResult)_method.Invoke(_instance, BindingFlags.DoNotWrapExceptions, null, _args, null)!;
            }
        }
        ItemRun<TResult>.Write(output, results);
        if (count > 4096)
        {
            // Large chunks are not kept alive between tasks.
            _items = [];
            _results = [];
        }
        else
        {
            items.Clear();
            results.Clear();
        }
    }
}
