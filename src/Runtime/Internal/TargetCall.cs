using System.IO.Pipes;
using System.Linq.Expressions;
using System.Net.Sockets;
using System.Reflection;
using System.Text.Json;

namespace Multiproc.Internal;

/// <summary>
/// Turns a target expression (<c>() =&gt; M(a, b)</c>) into a method and argument values evaluated
/// in the parent, checks that each value can be sent, and serializes it against the parameter's
/// declared type.
/// </summary>
internal static class TargetCall
{
    /// <summary>Finds the called method; throws <see cref="ArgumentException"/> for anything but one method call.</summary>
    public static MethodCallExpression Parse(LambdaExpression target, string paramName)
    {
        ArgumentNullException.ThrowIfNull(target, paramName);
        var body = target.Body;
        while (body is UnaryExpression { NodeType: ExpressionType.Convert or ExpressionType.ConvertChecked } u) body = u.Operand;
        if (body is not MethodCallExpression call)
            throw new ArgumentException($"A ChildProcess target must be one method call, like () => Worker(x, y); got '{target.Body}'.", paramName);
        CheckMethod(call.Method, paramName);
        return call;
    }

    /// <summary>Rejects generic and compiler-generated methods (lambdas, local functions): a child cannot find them.</summary>
    public static void CheckMethod(MethodInfo m, string paramName)
    {
        if (ReferenceEquals(_lastChecked?.Method, m)) return;
        if (m.IsGenericMethod || m.DeclaringType is null || m.DeclaringType.ContainsGenericParameters || m.DeclaringType.IsGenericType)
            throw new ArgumentException($"The target '{m.Name}' is generic or declared in a generic type; call it through a non-generic method.", paramName);
        if (m.DeclaringType.IsDefined(typeof(System.Runtime.CompilerServices.CompilerGeneratedAttribute)) || m.Name.Contains('<'))
            throw new ArgumentException($"The target '{m.Name}' is compiler-generated (a lambda or local function); make it a named method.", paramName);
        _lastChecked = new CheckedMethod(m, m.Module.Assembly.GetName().Name!);
    }

    /// <summary>
    /// The last target method that passed <see cref="CheckMethod"/>, with its assembly's simple name. A program
    /// usually starts one target many times (the runtime hands out one <see cref="MethodInfo"/> per method), and
    /// the custom-attribute look-up and <c>GetName()</c> are reflection the parent would otherwise repeat, and
    /// JIT-compile at tier 1, at every start.
    /// </summary>
    private sealed class CheckedMethod(MethodInfo method, string assembly)
    {
        public readonly MethodInfo Method = method;
        public readonly string Assembly = assembly;
    }

    private static volatile CheckedMethod? _lastChecked;

    private static string AssemblyNameOf(MethodInfo m) =>
        _lastChecked is { } c && ReferenceEquals(c.Method, m) ? c.Assembly : m.Module.Assembly.GetName().Name!;

    /// <summary>Evaluates the target's instance and arguments now and serializes them.</summary>
    /// <param name="call">The target call.</param>
    /// <param name="itemIndex">A parameter that is not evaluated now (a pool function's item), or −1.</param>
    public static StartMessage BuildMessage(MethodCallExpression call, int itemIndex = -1)
    {
        var method = call.Method;
        var parameters = method.GetParameters();
        var args = new string?[parameters.Length];
        for (var i = 0; i < parameters.Length; i++)
        {
            var p = parameters[i];
            if (p.ParameterType.IsByRef || p.IsOut)
                throw new ArgumentException($"Parameter '{p.Name}' of {Describe(method)} is passed by reference; a child process cannot write back to the parent.", p.Name);
            if (i == itemIndex) continue;
            var value = Evaluate(call.Arguments[i]);
            args[i] = Serialize(value, p.ParameterType, $"argument '{p.Name}' of {Describe(method)}", p.Name);
        }
        string? instance = null;
        if (!method.IsStatic)
        {
            var self = Evaluate(call.Object!);
            instance = Serialize(self, method.DeclaringType!, $"the instance of {method.DeclaringType!.Name} that {Describe(method)} is called on", "target");
        }
        return new StartMessage
        {
            Assembly = AssemblyNameOf(method),
            MethodToken = method.MetadataToken,
            Instance = instance,
            Arguments = args,
        };
    }

    internal static string Describe(MethodInfo m) => $"{m.DeclaringType?.Name}.{m.Name}";

    private static object? Evaluate(Expression e)
    {
        switch (e)
        {
            case ConstantExpression c:
                return c.Value;
            case MemberExpression { Member: FieldInfo f, Expression: null }:
                return f.GetValue(null);
            case MemberExpression { Member: FieldInfo f, Expression: ConstantExpression closure }:
                return f.GetValue(closure.Value);
            case UnaryExpression { NodeType: ExpressionType.Convert, Operand: var operand } when !e.Type.IsValueType && !operand.Type.IsValueType:
                return Evaluate(operand);
            default:
                var lambda = Expression.Lambda<Func<object?>>(Expression.Convert(e, typeof(object)));
                return lambda.Compile(preferInterpretation: true)();
        }
    }

    /// <summary>Serializes <paramref name="value"/> as <paramref name="declared"/>, after checking that it can travel and comes back equal.</summary>
    internal static string? Serialize(object? value, Type declared, string what, string? paramName)
    {
        if (Unsendable(declared) is { } whyDeclared)
            throw new ArgumentException($"Cannot send {what} to a child process: {declared.Name} {whyDeclared}.", paramName);
        if (value is null) return null;
        var actual = value.GetType();
        if (Unsendable(actual) is { } whyActual)
            throw new ArgumentException($"Cannot send {what} to a child process: {actual.Name} {whyActual}.", paramName);
        if (actual == typeof(object))
            throw new ArgumentException($"Cannot send {what} to a child process: a bare object (such as one used with 'lock') would be a separate copy in the child, so it excludes nothing across processes; use a ProcessLock.", paramName);
        if (value is ISharedObject shared)
        {
            string handle;
            try
            {
                handle = shared.Handle;
            }
            catch (ObjectDisposedException e)
            {
                throw new ObjectDisposedException($"Cannot send {what} to a child process: the {actual.Name} was disposed.", e);
            }
            SendScope.Current?.Sent.Add(shared);
            return RawTag + handle;
        }
        if (IsRaw(declared) && actual == declared) return RawTag + FormatRaw(value);

        string json;
        try
        {
            json = JsonSerializer.Serialize(value, declared, WireJson.Options);
            var scope = SendScope.Current;
            if (scope is not null) scope.Checking = true;
            string again;
            try
            {
                var back = JsonSerializer.Deserialize(json, declared, WireJson.Options);
                again = JsonSerializer.Serialize(back, declared, WireJson.Options);
            }
            finally
            {
                if (scope is not null) scope.Checking = false;
            }
            if (again != json)
                throw new ArgumentException(
                    $"Cannot send {what} to a child process: {actual.Name} does not round-trip through System.Text.Json (sent {Truncate(json)}, the child would get {Truncate(again)}); give it settable properties or a constructor whose parameters match them.",
                    paramName);
        }
        catch (ObjectDisposedException e)
        {
            throw new ObjectDisposedException($"Cannot send {what} to a child process: it holds a disposed Multiproc primitive ({e.Message}).", e);
        }
        catch (Exception e) when (e is NotSupportedException or JsonException or InvalidOperationException)
        {
            throw new ArgumentException($"Cannot send {what} to a child process: {actual.Name} does not round-trip through System.Text.Json ({e.Message}).", paramName, e);
        }
        return JsonTag + json;
    }

    // Each argument is tagged: 'r' raw text for strings, primitives and Multiproc handles (decoded
    // without System.Text.Json, so a child that needs no JSON never pays for its start-up), 'j' JSON.
    private const char RawTag = 'r';
    private const char JsonTag = 'j';

    private static bool IsRaw(Type t) =>
        t == typeof(string) || t == typeof(int) || t == typeof(long) || t == typeof(bool) || t == typeof(double) || typeof(ISharedObject).IsAssignableFrom(t);

    private static string FormatRaw(object value) => value switch
    {
        string s => s,
        double d => d.ToString("R", System.Globalization.CultureInfo.InvariantCulture),
        bool b => b ? "1" : "0",
        IFormattable f => f.ToString(null, System.Globalization.CultureInfo.InvariantCulture),
        _ => throw new InvalidOperationException(),
    };

    private static object? Decode(string? encoded, Type type)
    {
        if (encoded is null || encoded.Length == 0) return null;
        var body = encoded[1..];
        if (encoded[0] == JsonTag) return JsonSerializer.Deserialize(body, type, WireJson.Options);
        if (encoded[0] != RawTag) throw new InvalidDataException("Bad argument encoding.");
        if (typeof(ISharedObject).IsAssignableFrom(type)) return SharedObjects.Attach(type, body);
        if (type == typeof(string)) return body;
        if (type == typeof(int)) return checked((int)ParseInteger(body));
        if (type == typeof(long)) return ParseInteger(body);
        if (type == typeof(bool)) return body == "1";
        if (type == typeof(double)) return double.Parse(body, System.Globalization.CultureInfo.InvariantCulture);
        throw new InvalidDataException($"{type} is not sent as raw text.");
    }

    /// <summary>
    /// What <c>long.ToString(InvariantCulture)</c> wrote, read back by hand: long.Parse would initialize
    /// globalization (loading ICU) in a child that may never need it.
    /// </summary>
    internal static long ParseInteger(string s)
    {
        var negative = s.Length > 0 && s[0] == '-';
        var start = negative ? 1 : 0;
        if (s.Length == start || s.Length - start > 19) throw new InvalidDataException($"Bad integer argument '{s}'.");
        ulong value = 0;
        for (var i = start; i < s.Length; i++)
        {
            var d = s[i] - '0';
            if ((uint)d > 9) throw new InvalidDataException($"Bad integer argument '{s}'.");
            value = checked(value * 10 + (ulong)d);
        }
        return negative
            ? value <= 9223372036854775808UL ? (long)(0UL - value) : throw new InvalidDataException($"Bad integer argument '{s}'.")
            : checked((long)value);
    }

    private static string Truncate(string s) => s.Length <= 200 ? s : s[..200] + "…";

    /// <summary>Why values of <paramref name="t"/> can never reach another process, or null.</summary>
    internal static string? Unsendable(Type t)
    {
        if (typeof(ISharedObject).IsAssignableFrom(t)) return null;
        if (typeof(Delegate).IsAssignableFrom(t)) return "is a delegate (code and captured state stay in this process)";
        if (t.IsPointer || t == typeof(IntPtr) || t == typeof(UIntPtr)) return "is a pointer into this process's memory";
        if (t.IsByRefLike) return "is a ref struct";
        if (typeof(Stream).IsAssignableFrom(t) || typeof(TextReader).IsAssignableFrom(t) || typeof(TextWriter).IsAssignableFrom(t))
            return "is an open stream of this process";
        if (typeof(Task).IsAssignableFrom(t) || t == typeof(ValueTask) || (t.IsGenericType && t.GetGenericTypeDefinition() == typeof(ValueTask<>)))
            return "is a task of this process";
        if (t == typeof(CancellationToken) || t == typeof(CancellationTokenSource)) return "is a cancellation token of this process";
        if (typeof(WaitHandle).IsAssignableFrom(t) || t == typeof(SemaphoreSlim) || t == typeof(ReaderWriterLockSlim)
            || t.FullName == "System.Threading.Lock" || t == typeof(SpinLock) || t == typeof(Barrier) || t == typeof(CountdownEvent) || t == typeof(ManualResetEventSlim))
            return "only synchronizes threads of one process (each child would get its own copy); use a " + ProcessCounterpart(t);
        if (typeof(Thread).IsAssignableFrom(t) || typeof(System.Diagnostics.Process).IsAssignableFrom(t) || typeof(Socket).IsAssignableFrom(t)
            || typeof(PipeStream).IsAssignableFrom(t) || typeof(ChildProcess).IsAssignableFrom(t) || typeof(MemberInfo).IsAssignableFrom(t)
            || typeof(Assembly).IsAssignableFrom(t) || typeof(System.Runtime.InteropServices.SafeHandle).IsAssignableFrom(t))
            return "is bound to this process";
        return null;
    }

    /// <summary>The Multiproc primitive that does across processes what in-process synchronizer <paramref name="t"/> does in one.</summary>
    internal static string ProcessCounterpart(Type t)
    {
        if (t == typeof(ManualResetEventSlim) || typeof(EventWaitHandle).IsAssignableFrom(t)) return nameof(ProcessEvent);
        if (t == typeof(SemaphoreSlim) || t == typeof(Semaphore)) return nameof(ProcessSemaphore);
        if (t == typeof(Barrier) || t == typeof(CountdownEvent)) return nameof(ProcessBarrier);
        return nameof(ProcessLock);
    }

    /// <summary>In the child: binds the message to its method, instance and argument values.</summary>
    public static (MethodInfo Method, object? Instance, object?[] Args) Bind(StartMessage message)
    {
        // By simple name: parsing a full display name would initialize globalization (ICU) in every child.
        var assembly = System.Reflection.Assembly.Load(new AssemblyName { Name = message.Assembly });
        MethodBase? found = null;
        foreach (var module in assembly.GetModules())
        {
            try { found = module.ResolveMethod(message.MethodToken); break; }
            catch (ArgumentException) { }
        }
        if (found is not MethodInfo method)
            throw new InvalidOperationException($"The target method (token 0x{message.MethodToken:x8}) was not found in {message.Assembly}.");
        var parameters = method.GetParameters();
        if (parameters.Length != message.Arguments.Length)
            throw new InvalidOperationException($"The target {method.Name} takes {parameters.Length} arguments, {message.Arguments.Length} were sent.");
        var args = new object?[parameters.Length];
        for (var i = 0; i < parameters.Length; i++)
            args[i] = Decode(message.Arguments[i], parameters[i].ParameterType);
        object? instance = null;
        if (!method.IsStatic)
        {
            instance = Decode(message.Instance, method.DeclaringType!);
            if (instance is null) throw new InvalidOperationException($"The instance for {method.Name} was not sent.");
        }
        return (method, instance, args);
    }
}
