using System.Buffers;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

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
        var input = new RecordBuffer();
        var functions = new Dictionary<long, WorkerFunction>();
        var kept = new List<(byte[] Spec, WorkerFunction Function)>();
        var done = 0;
        while (true)
        {
            input.Trim();
            tasks.Dequeue(input.Decoder, null, default, out var length);
            var record = input.Span(length);
            var at = 0;
            var kind = PoolRecords.ReadInt(record, ref at);
            if (kind == PoolRecords.Exit) return;
            var chunkId = PoolRecords.ReadLong(record, ref at);
            var callId = PoolRecords.ReadLong(record, ref at);
            var specLength = PoolRecords.ReadInt(record, ref at);
            var spec = record.Slice(at, specLength);
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
                    function = Find(kept, spec) ?? WorkerFunction.Create(spec);
                    functions[callId] = function;
                    if (function.Reusable && Find(kept, spec) is null)
                    {
                        if (kept.Count >= 16) kept.RemoveAt(0);
                        kept.Add((spec.ToArray(), function));
                    }
                }
                function.Run(record[at..], count, output);
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

    /// <summary>A function bound for an earlier call with the same spec, that can serve this one.</summary>
    private static WorkerFunction? Find(List<(byte[] Spec, WorkerFunction Function)> kept, ReadOnlySpan<byte> spec)
    {
        foreach (var (s, f) in kept)
            if (spec.SequenceEqual(s)) return f;
        return null;
    }
}

/// <summary>A pool function bound in the worker: the method, its fixed arguments and where the item goes.</summary>
internal abstract class WorkerFunction
{
    /// <summary>Runs the function over <paramref name="count"/> items and appends the results.</summary>
    public abstract void Run(ReadOnlySpan<byte> items, int count, ArrayBufferWriter<byte> output);

    /// <summary>
    /// True when a later call with the same spec may use this binding: a static method whose other arguments are
    /// immutable values (strings and primitives), so no state of one call can leak into the next.
    /// </summary>
    public bool Reusable { get; private set; }

    public static WorkerFunction Create(ReadOnlySpan<byte> spec)
    {
        var (itemIndex, message) = PoolFunction.Read(spec);
        var (method, instance, args) = TargetCall.Bind(message);
        var reusable = method.IsStatic && args.All(a => a is null or string or int or long or bool or double);
        var function = Create(method, instance, args, itemIndex);
        function.Reusable = reusable;
        return function;
    }

    private static WorkerFunction Create(MethodInfo method, object? instance, object?[] args, int itemIndex)
    {
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

/// <summary>
/// A function of one item. When the item is the only argument of a static method the method is called through its
/// function pointer (no delegate, no reflection, no boxing); a static method of two or three parameters through a
/// delegate bound once over its function pointer (<see cref="BoundCall"/>); raw items and results are then read from
/// the task record and written into the result record in place. Any other call is made by reflection per item until
/// <see cref="BoundCall.CompileAfter"/> items, then through a delegate compiled once.
/// </summary>
internal sealed unsafe class MapFunction<TItem, TResult> : WorkerFunction
{
    private readonly delegate* managed<TItem, TResult> _direct;
    private readonly MethodInfo _method;
    private readonly object? _instance;
    private readonly object?[] _args;
    private readonly int _itemIndex;
    private Func<TItem, TResult>? _bound;
    private long _reflected;
    private bool _compileTried;
    private TItem[] _items = [];
    private TResult[] _results = [];

    public MapFunction(MethodInfo method, object? instance, object?[] args, int itemIndex)
    {
        _method = method;
        _instance = instance;
        _args = args;
        _itemIndex = itemIndex;
        // Exactly (TItem) -> TResult, as PoolFunction.Build checked in the parent and Create read from the method.
        if (method.IsStatic && args.Length == 1 && method.ReturnType == typeof(TResult) && method.GetParameters()[0].ParameterType == typeof(TItem))
            _direct = (delegate* managed<TItem, TResult>)method.MethodHandle.GetFunctionPointer();
        else
            _bound = BoundCall.TryDirect<TItem, TResult>(method, args, itemIndex);
    }

    public override void Run(ReadOnlySpan<byte> data, int count, ArrayBufferWriter<byte> output)
    {
        if (ItemCodec<TItem>.IsRaw && ItemCodec<TResult>.IsRaw)
        {
            if (_direct != null)
            {
                RunRaw(data, count, output);
                return;
            }
            if (_bound is { } bound)
            {
                RunRawBound(bound, data, count, output);
                return;
            }
        }
        if (_items.Length < count) _items = new TItem[count];
        if (_results.Length < count) _results = new TResult[count];
        var items = _items.AsSpan(0, count);
        var results = _results.AsSpan(0, count);
        ItemRun<TItem>.Read(data, items);
        if (_direct != null)
        {
            var f = _direct;
            for (var i = 0; i < items.Length; i++) results[i] = f(items[i]);
        }
        else if (_bound is { } bound)
        {
            for (var i = 0; i < items.Length; i++) results[i] = bound(items[i]);
        }
        else
        {
            for (var i = 0; i < items.Length; i++)
            {
                _args[_itemIndex] = items[i];
                results[i] = (TResult)_method.Invoke(_instance, BindingFlags.DoNotWrapExceptions, null, _args, null)!;
            }
            _args[_itemIndex] = null;
            if ((_reflected += items.Length) >= BoundCall.CompileAfter) CompileOnce();
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

    /// <summary>Many items called by reflection: the rest go through a delegate compiled now (once; a call that cannot be compiled stays reflected).</summary>
    private void CompileOnce()
    {
        if (_compileTried) return;
        _compileTried = true;
        try
        {
            _bound = BoundCall.TryCompile<TItem, TResult>(_method, _instance, _args, _itemIndex);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or NotSupportedException)
        {
        }
    }

    /// <summary>As <see cref="RunRaw"/>, through a bound delegate.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void RunRawBound(Func<TItem, TResult> f, ReadOnlySpan<byte> data, int count, ArrayBufferWriter<byte> output)
    {
        if ((long)data.Length != (long)count * Unsafe.SizeOf<TItem>())
            throw new InvalidDataException($"A pool record holds {data.Length} bytes for {count} items of {typeof(TItem).Name}.");
        var size = count * Unsafe.SizeOf<TResult>();
        var into = output.GetSpan(size);
        ref var item = ref Unsafe.As<byte, TItem>(ref MemoryMarshal.GetReference(data));
        ref var result = ref Unsafe.As<byte, TResult>(ref MemoryMarshal.GetReference(into));
        for (nint i = 0; i < count; i++)
            Unsafe.WriteUnaligned(ref Unsafe.As<TResult, byte>(ref Unsafe.Add(ref result, i)), f(Unsafe.ReadUnaligned<TItem>(ref Unsafe.As<TItem, byte>(ref Unsafe.Add(ref item, i)))));
        output.Advance(size);
    }

    /// <summary>Raw items in, raw results out: straight from the task record into the result record.</summary>
    /// <remarks>Optimized at first call (no tier-0 loop, no on-stack replacement in a fresh worker's first chunk): a generic instantiation made at run time, which no ReadyToRun image holds.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void RunRaw(ReadOnlySpan<byte> data, int count, ArrayBufferWriter<byte> output)
    {
        if ((long)data.Length != (long)count * Unsafe.SizeOf<TItem>())
            throw new InvalidDataException($"A pool record holds {data.Length} bytes for {count} items of {typeof(TItem).Name}.");
        var size = count * Unsafe.SizeOf<TResult>();
        var into = output.GetSpan(size);
        ref var item = ref Unsafe.As<byte, TItem>(ref MemoryMarshal.GetReference(data));
        ref var result = ref Unsafe.As<byte, TResult>(ref MemoryMarshal.GetReference(into));
        var f = _direct;
        // Unaligned: the records pack items after a header of any length.
        for (nint i = 0; i < count; i++)
            Unsafe.WriteUnaligned(ref Unsafe.As<TResult, byte>(ref Unsafe.Add(ref result, i)), f(Unsafe.ReadUnaligned<TItem>(ref Unsafe.As<TItem, byte>(ref Unsafe.Add(ref item, i)))));
        output.Advance(size);
    }
}
