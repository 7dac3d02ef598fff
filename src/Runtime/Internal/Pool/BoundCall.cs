using System.Linq.Expressions;
using System.Reflection;

namespace Multiproc.Internal.Pool;

/// <summary>
/// Binds a pool function whose method takes more than the item (<c>x =&gt; C.Add(x, 7)</c>) or is called on an instance
/// to a <see cref="Func{TItem, TResult}"/> once, in the worker, so that a chunk makes no reflection call per item.
/// </summary>
/// <remarks>
/// <para>Only what <see cref="TargetCall.Bind"/> already resolved is used: the method found by its token, its declared
/// parameter types and the argument values decoded against them. Nothing is read from the wire here.</para>
/// <para>A static method of two or three parameters is called through its function pointer, with the other arguments
/// held unboxed in fields of their declared types: binding costs a generic instantiation, no code emitted. Any other
/// shape (an instance method, more parameters) is compiled from an expression tree, which emits and JIT-compiles a
/// method: about a millisecond, worth it only over many items, so the caller does that after
/// <see cref="CompileAfter"/> items called by reflection.</para>
/// </remarks>
internal static class BoundCall
{
    /// <summary>Items a function calls by reflection before an expression-compiled binding is made for it.</summary>
    public const int CompileAfter = 4096;

    /// <summary>A function-pointer binding for a static method of two or three parameters, or null for other shapes.</summary>
    public static Func<TItem, TResult>? TryDirect<TItem, TResult>(MethodInfo method, object?[] args, int itemIndex)
    {
        if (!method.IsStatic || !Plain(method, out var parameters) || method.ReturnType != typeof(TResult)) return null;
        if ((uint)itemIndex >= (uint)parameters.Length || parameters[itemIndex].ParameterType != typeof(TItem)) return null;
        var types = parameters.Select(p => p.ParameterType).Append(typeof(TResult)).ToArray();
        var binder = parameters.Length switch
        {
            2 => typeof(Static2<,,>).MakeGenericType(types),
            3 => typeof(Static3<,,,>).MakeGenericType(types),
            _ => null,
        };
        if (binder is null) return null;
        var target = Activator.CreateInstance(binder, method.MethodHandle.GetFunctionPointer(), args)!;
        var call = binder.GetMethod("Call" + itemIndex, BindingFlags.Instance | BindingFlags.Public)!;
        return (Func<TItem, TResult>)call.CreateDelegate(typeof(Func<TItem, TResult>), target);
    }

    /// <summary>An expression-compiled binding for any call the pool accepts (the instance and the other arguments as constants).</summary>
    public static Func<TItem, TResult>? TryCompile<TItem, TResult>(MethodInfo method, object? instance, object?[] args, int itemIndex)
    {
        if (!Plain(method, out var parameters) || method.ReturnType != typeof(TResult)) return null;
        if ((uint)itemIndex >= (uint)parameters.Length || parameters[itemIndex].ParameterType != typeof(TItem)) return null;
        if (!method.IsStatic && (instance is null || !method.DeclaringType!.IsInstanceOfType(instance))) return null;
        var item = Expression.Parameter(typeof(TItem), "item");
        var arguments = new Expression[parameters.Length];
        for (var i = 0; i < parameters.Length; i++)
            arguments[i] = i == itemIndex ? item : Expression.Constant(args[i], parameters[i].ParameterType);
        var call = Expression.Call(method.IsStatic ? null : Expression.Constant(instance, method.DeclaringType!), method, arguments);
        return Expression.Lambda<Func<TItem, TResult>>(call, item).Compile();
    }

    /// <summary>A closed, non-generic method whose parameters and result are ordinary values (no by-ref, pointer or ref struct).</summary>
    private static bool Plain(MethodInfo method, out ParameterInfo[] parameters)
    {
        parameters = method.GetParameters();
        if (method.ContainsGenericParameters || method.DeclaringType is not { } declaring || declaring.IsGenericType) return false;
        if (!Ordinary(method.ReturnType)) return false;
        foreach (var p in parameters)
            if (!Ordinary(p.ParameterType)) return false;
        return true;

        static bool Ordinary(Type t) => !t.IsByRef && !t.IsPointer && !t.IsByRefLike && !t.ContainsGenericParameters && t != typeof(void);
    }
}

/// <summary>A static method of two parameters called through its function pointer, one argument fixed.</summary>
internal sealed unsafe class Static2<T0, T1, TResult>(nint function, object?[] args)
{
    private readonly delegate* managed<T0, T1, TResult> _f = (delegate* managed<T0, T1, TResult>)function;
    private readonly T0 _a0 = args[0] is T0 a0 ? a0 : default!;
    private readonly T1 _a1 = args[1] is T1 a1 ? a1 : default!;

    public TResult Call0(T0 item) => _f(item, _a1);

    public TResult Call1(T1 item) => _f(_a0, item);
}

/// <summary>A static method of three parameters called through its function pointer, two arguments fixed.</summary>
internal sealed unsafe class Static3<T0, T1, T2, TResult>(nint function, object?[] args)
{
    private readonly delegate* managed<T0, T1, T2, TResult> _f = (delegate* managed<T0, T1, T2, TResult>)function;
    private readonly T0 _a0 = args[0] is T0 a0 ? a0 : default!;
    private readonly T1 _a1 = args[1] is T1 a1 ? a1 : default!;
    private readonly T2 _a2 = args[2] is T2 a2 ? a2 : default!;

    public TResult Call0(T0 item) => _f(item, _a1, _a2);

    public TResult Call1(T1 item) => _f(_a0, item, _a2);

    public TResult Call2(T2 item) => _f(_a0, _a1, item);
}
