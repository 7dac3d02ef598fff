using System.Linq.Expressions;
using System.Reflection;

namespace Multiproc.Internal.Pool;

/// <summary>
/// A pool function (<c>x =&gt; C.M(x, other)</c>) or an applied call (<c>() =&gt; C.M(a, b)</c>), checked and
/// serialized once per call: the method (assembly and token, as for a <see cref="ChildProcess"/> target), the
/// values of every argument but the item, and which parameter takes the item (−1 for none).
/// </summary>
internal static class PoolFunction
{
    /// <summary>
    /// Checks <paramref name="function"/> by the rules of <see cref="ChildProcess"/> targets and returns its spec:
    /// <c>[int itemIndex][frame of the start message]</c>.
    /// </summary>
    /// <exception cref="ArgumentException">It is not one call to a named, non-generic method whose arguments are the item and values that can be sent.</exception>
    public static byte[] Build(LambdaExpression function, Type? itemType, Type resultType, string paramName)
    {
        ArgumentNullException.ThrowIfNull(function, paramName);
        var body = function.Body;
        if (body is UnaryExpression { NodeType: ExpressionType.Convert or ExpressionType.ConvertChecked } conv && conv.Operand is MethodCallExpression)
            throw new ArgumentException(
                $"The pool function '{function}' converts the method's result ({conv.Operand.Type.Name} to {conv.Type.Name}); the result travels as the method's own return type, so declare the method to return {conv.Type.Name} or map to {conv.Operand.Type.Name}.", paramName);
        if (body is not MethodCallExpression call)
            throw new ArgumentException(
                itemType is null
                    ? $"A pool task must be one method call, like () => Worker.Compute(x, y); got '{function.Body}'."
                    : $"A pool function must be one method call whose arguments are the item and values that can be sent, like x => Worker.Compute(x, y); got '{function.Body}'.",
                paramName);
        var method = call.Method;
        TargetCall.CheckMethod(method, paramName);
        if (method.ReturnType != resultType && !(resultType == typeof(void) && method.ReturnType != typeof(void)))
            throw new ArgumentException($"{TargetCall.Describe(method)} returns {method.ReturnType.Name}, not {resultType.Name}.", paramName);
        if (TargetCall.Unsendable(method.ReturnType) is { } whyResult && method.ReturnType != typeof(void) && resultType != typeof(void))
            throw new ArgumentException($"The results of {TargetCall.Describe(method)} cannot come back from a worker process: {method.ReturnType.Name} {whyResult}.", paramName);

        var itemIndex = -1;
        if (itemType is not null)
        {
            var item = function.Parameters[0];
            for (var i = 0; i < call.Arguments.Count; i++)
            {
                var a = call.Arguments[i];
                if (a == item)
                {
                    if (itemIndex >= 0)
                        throw new ArgumentException($"The pool function '{function}' passes the item twice; pass it once and let {method.Name} use it twice.", paramName);
                    itemIndex = i;
                }
                else if (a is UnaryExpression { NodeType: ExpressionType.Convert or ExpressionType.ConvertChecked } c && c.Operand == item)
                {
                    throw new ArgumentException(
                        $"Parameter '{method.GetParameters()[i].Name}' of {TargetCall.Describe(method)} is {a.Type.Name}, the items are {item.Type.Name}; the item travels as it is, so make the parameter {item.Type.Name}.", paramName);
                }
                else if (Mentions(a, item))
                {
                    throw new ArgumentException(
                        $"Argument '{method.GetParameters()[i].Name}' of {TargetCall.Describe(method)} is computed from the item ('{a}'); a pool function passes the item itself: do the computation inside {method.Name}.", paramName);
                }
            }
            if (call.Object is not null && Mentions(call.Object, item))
                throw new ArgumentException($"The pool function '{function}' calls {method.Name} on the item; make it a static method that takes the item.", paramName);
            if (itemIndex < 0)
                throw new ArgumentException($"The pool function '{function}' does not pass the item to {method.Name}; pass it as an argument, like x => {method.DeclaringType?.Name}.{method.Name}(x).", paramName);
            if (TargetCall.Unsendable(itemType) is { } whyItem)
                throw new ArgumentException($"Items of type {itemType.Name} cannot be sent to a worker process: {itemType.Name} {whyItem}.", paramName);
        }

        var message = TargetCall.BuildMessage(call, itemIndex);
        var frame = Wire.Frame(message);
        var spec = new byte[4 + frame.Length];
        BitConverter.TryWriteBytes(spec, itemIndex);
        frame.CopyTo(spec, 4);
        return spec;
    }

    private static bool Mentions(Expression e, ParameterExpression p)
    {
        var finder = new Finder(p);
        finder.Visit(e);
        return finder.Found;
    }

    private sealed class Finder(ParameterExpression p) : ExpressionVisitor
    {
        public bool Found;

        protected override Expression VisitParameter(ParameterExpression node)
        {
            if (node == p) Found = true;
            return node;
        }
    }

    /// <summary>In the worker: the item index and the start message of a spec.</summary>
    public static (int ItemIndex, StartMessage Message) Read(ReadOnlySpan<byte> spec)
    {
        var itemIndex = BitConverter.ToInt32(spec);
        var length = BitConverter.ToInt32(spec[4..]);
        if (length < 0 || length > spec.Length - 8) throw new InvalidDataException("Bad pool function spec.");
        return (itemIndex, Wire.Decode(spec.Slice(8, length)));
    }
}
