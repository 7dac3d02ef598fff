using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Multiproc.Analyzers;

/// <summary>
/// MP0014 (error): a <c>new ChildProcess(…)</c> target or a <c>ProcessPool</c> call (<c>Apply</c>, <c>ApplyAsync</c>,
/// <c>Map</c>, <c>MapAsync</c>, <c>Imap</c>, <c>ImapUnordered</c>) that the runtime rejects with
/// <see cref="System.ArgumentException"/>: the compile-time image of <c>TargetCall.Parse</c>/<c>CheckMethod</c>/<c>BuildMessage</c>
/// and <c>PoolFunction.Build</c>, check for check, in their order, with their messages (one diagnostic per target: the
/// runtime throws at the first).
/// </summary>
/// <remarks>
/// Only the target's shape is this rule's: the argument values that cannot be sent are MP0008's (ChildProcess targets).
/// The receiver of an instance method, a pool function's items and results are sent by the runtime as well, and checked
/// when the call is made, so they are here. A call on a call result (<c>() =&gt; Make().Run()</c>) and arguments computed
/// in the parent (<c>() =&gt; Work(Compute(x))</c>) are accepted by the runtime (it evaluates them in the parent), so they
/// are not flagged. Per operation: no flow graph.
/// </remarks>
internal sealed class TargetCannotRunInChild
{
    private readonly MultiprocTypes _types;
    private readonly Sendability _sendability;

    public TargetCannotRunInChild(Compilation compilation, MultiprocTypes types)
    {
        _types = types;
        _sendability = new Sendability(compilation, types);
    }

    /// <summary>The pool methods whose expression argument is a function or call that runs in a worker.</summary>
    public static bool IsPoolCallName(string name) =>
        name is "Apply" or "ApplyAsync" or "Map" or "MapAsync" or "Imap" or "ImapUnordered";

    /// <summary>Checks the target of a <c>new ChildProcess(…)</c>.</summary>
    public void ChildProcessCreated(OperationAnalysisContext ctx, IObjectCreationOperation creation)
    {
        if (creation.Arguments.Length == 0 || LambdaOf(creation.Arguments[0].Value) is not { } lambda) return;
        if (BodyOf(lambda) is not { } body) return;
        var stripped = ChildProcessSites.StripConversions(body)!;
        if (AsCall(stripped) is not { } call)
        {
            Report(ctx, body, $"A ChildProcess target must be one method call, like () => Worker(x, y); got '{body.Syntax}'.");
            return;
        }
        if (MethodProblem(call) is { } why) { Report(ctx, call, why); return; }
        if (RefProblem(call) is { } byRef) { Report(ctx, byRef.At, byRef.Message); return; }
        if (ReceiverProblem(call) is { } receiver) Report(ctx, receiver.At, receiver.Message);
    }

    /// <summary>Checks the function or call of a ProcessPool <c>Apply</c>/<c>Map</c>/<c>Imap</c> call.</summary>
    public void Invoked(OperationAnalysisContext ctx, IInvocationOperation invocation)
    {
        var method = invocation.TargetMethod;
        if (!IsPoolCallName(method.Name) || !_types.IsProcessPool(method.ContainingType)) return;
        IArgumentOperation? functionArgument = null;
        foreach (var a in invocation.Arguments)
            if (a.Parameter?.Name is "call" or "function") functionArgument = a;
        if (functionArgument is null || LambdaOf(functionArgument.Value) is not { } lambda) return;
        if (BodyOf(lambda) is not { } body) return;
        var item = lambda.Symbol.Parameters.Length == 1 ? lambda.Symbol.Parameters[0] : null;
        var function = lambda.Syntax.ToString();

        if (body is IConversionOperation { Conversion.IsIdentity: false } conversion && AsCall(conversion.Operand) is { } converted)
        {
            var from = Name(converted.Type);
            var to = Name(conversion.Type);
            Report(ctx, body, $"The pool function '{function}' converts the method's result ({from} to {to}); the result travels as the method's own return type, so declare the method to return {to} or map to {from}.");
            return;
        }
        if (AsCall(body) is not { } call)
        {
            Report(ctx, body, item is null
                ? $"A pool task must be one method call, like () => Worker.Compute(x, y); got '{body.Syntax}'."
                : $"A pool function must be one method call whose arguments are the item and values that can be sent, like x => Worker.Compute(x, y); got '{body.Syntax}'.");
            return;
        }
        if (MethodProblem(call) is { } why) { Report(ctx, call, why); return; }
        var target = call.TargetMethod;
        var resultIsVoid = lambda.Symbol.ReturnsVoid;
        if (!target.ReturnsVoid && !resultIsVoid && RuntimeUnsendable(target.ReturnType) is { } whyResult)
        {
            Report(ctx, call, $"The results of {Describe(target)} cannot come back from a worker process: {Name(target.ReturnType)} {whyResult}.");
            return;
        }

        if (item is not null)
        {
            IArgumentOperation? itemArgument = null;
            foreach (var argument in call.Arguments)
            {
                if (argument.Parameter is null || argument.ArgumentKind == ArgumentKind.DefaultValue) continue;
                var value = argument.Value;
                if (IsItem(value, item))
                {
                    if (itemArgument is not null)
                    {
                        Report(ctx, value, $"The pool function '{function}' passes the item twice; pass it once and let {target.Name} use it twice.");
                        return;
                    }
                    itemArgument = argument;
                }
                else if (value is IConversionOperation c && IsItem(c.Operand, item))
                {
                    Report(ctx, value, $"Parameter '{argument.Parameter.Name}' of {Describe(target)} is {Name(value.Type)}, the items are {Name(item.Type)}; the item travels as it is, so make the parameter {Name(item.Type)}.");
                    return;
                }
                else if (Mentions(value, item))
                {
                    Report(ctx, value, $"Argument '{argument.Parameter.Name}' of {Describe(target)} is computed from the item ('{value.Syntax}'); a pool function passes the item itself: do the computation inside {target.Name}.");
                    return;
                }
            }
            if (call.Instance is { } instance && Mentions(instance, item))
            {
                Report(ctx, instance, $"The pool function '{function}' calls {target.Name} on the item; make it a static method that takes the item.");
                return;
            }
            if (itemArgument is null)
            {
                Report(ctx, call, $"The pool function '{function}' does not pass the item to {target.Name}; pass it as an argument, like x => {target.ContainingType.Name}.{target.Name}(x).");
                return;
            }
            if (RuntimeUnsendable(item.Type) is { } whyItem)
            {
                Report(ctx, itemArgument.Value, $"Items of type {Name(item.Type)} cannot be sent to a worker process: {Name(item.Type)} {whyItem}.");
                return;
            }
        }
        if (RefProblem(call) is { } byRef) { Report(ctx, byRef.At, byRef.Message); return; }
        if (ReceiverProblem(call) is { } receiver) Report(ctx, receiver.At, receiver.Message);
    }

    private static void Report(OperationAnalysisContext ctx, IOperation at, string message) =>
        ctx.ReportDiagnostic(Diagnostic.Create(Descriptors.MP0014_TargetCannotRunInChild, at.Syntax.GetLocation(), message));

    /// <summary>The lambda an <c>Expression&lt;…&gt;</c> argument was written as, or null (an expression built elsewhere).</summary>
    private static IAnonymousFunctionOperation? LambdaOf(IOperation value)
    {
        while (value is IConversionOperation conversion) value = conversion.Operand;
        if (value is IDelegateCreationOperation delegateCreation) value = delegateCreation.Target;
        return value as IAnonymousFunctionOperation;
    }

    /// <summary>The body expression of an expression-bodied lambda (an expression tree has no other kind).</summary>
    private static IOperation? BodyOf(IAnonymousFunctionOperation lambda)
    {
        if (lambda.Syntax is not LambdaExpressionSyntax { ExpressionBody: not null } || lambda.Body.Operations.Length == 0) return null;
        return lambda.Body.Operations[0] switch
        {
            IReturnOperation { ReturnedValue: { } value } => value,
            IExpressionStatementOperation statement => statement.Operation,
            _ => null,
        };
    }

    /// <summary>
    /// The method call an expression tree would hold (a <c>MethodCallExpression</c>), or null. Calling a delegate as
    /// <c>f()</c> is an <c>InvocationExpression</c> in the tree, not a method call; <c>f.Invoke()</c> is one.
    /// </summary>
    private static IInvocationOperation? AsCall(IOperation operation)
    {
        if (operation is not IInvocationOperation invocation) return null;
        if (invocation.TargetMethod.MethodKind == MethodKind.DelegateInvoke
            && invocation.Syntax is InvocationExpressionSyntax { Expression: not MemberAccessExpressionSyntax { Name.Identifier.ValueText: "Invoke" } })
            return null;
        return invocation;
    }

    /// <summary><c>TargetCall.CheckMethod</c>: generic methods and methods of generic types; compiler-generated ones.</summary>
    private static string? MethodProblem(IInvocationOperation call)
    {
        var m = call.TargetMethod;
        if (m.IsGenericMethod || InGenericType(m.ContainingType))
            return $"The target '{m.Name}' is generic or declared in a generic type; call it through a non-generic method.";
        if (m.MethodKind is MethodKind.LocalFunction or MethodKind.AnonymousFunction || m.Name.Contains('<')
            || m.ContainingType.GetAttributes().Any(a => a.AttributeClass is { Name: "CompilerGeneratedAttribute", ContainingNamespace.Name: "CompilerServices" }))
            return $"The target '{m.Name}' is compiler-generated (a lambda or local function); make it a named method.";
        return null;
    }

    private static bool InGenericType(INamedTypeSymbol? type)
    {
        for (var t = type; t is not null; t = t.ContainingType)
            if (t.IsGenericType) return true;
        return false;
    }

    /// <summary><c>TargetCall.BuildMessage</c>: a parameter passed by reference (<c>ref</c>, <c>out</c>, <c>in</c>).</summary>
    private static (IOperation At, string Message)? RefProblem(IInvocationOperation call)
    {
        var m = call.TargetMethod;
        foreach (var p in m.Parameters)
        {
            if (p.RefKind == RefKind.None) continue;
            IOperation at = call;
            foreach (var a in call.Arguments)
                if (SymbolEqualityComparer.Default.Equals(a.Parameter, p) && a.ArgumentKind != ArgumentKind.DefaultValue) at = a.Value;
            return (at, $"Parameter '{p.Name}' of {Describe(m)} is passed by reference; a child process cannot write back to the parent.");
        }
        return null;
    }

    /// <summary><c>TargetCall.BuildMessage</c>: the instance of an instance method is sent; it must be sendable.</summary>
    private (IOperation At, string Message)? ReceiverProblem(IInvocationOperation call)
    {
        var m = call.TargetMethod;
        if (m.IsStatic || call.Instance is not { } instance) return null;
        var declared = m.ContainingType;
        var actual = ChildProcessSites.StripConversions(instance)?.Type;
        var why = _sendability.WhyNot(declared) ?? (actual is null ? null : _sendability.WhyNot(actual));
        if (why is null) return null;
        IOperation at = instance.IsImplicit ? call : instance;
        return (at, $"Cannot send the instance of {declared.Name} that {Describe(m)} is called on to a child process: {why}.");
    }

    private static bool IsItem(IOperation value, IParameterSymbol item) =>
        value is IParameterReferenceOperation reference && SymbolEqualityComparer.Default.Equals(reference.Parameter, item);

    private static bool Mentions(IOperation operation, IParameterSymbol item)
    {
        foreach (var d in operation.DescendantsAndSelf())
            if (IsItem(d, item)) return true;
        return false;
    }

    private static string Describe(IMethodSymbol m) => $"{m.ContainingType?.Name}.{m.Name}";

    private static string Name(ITypeSymbol? type) => type?.Name is { Length: > 0 } name ? name : type?.ToDisplayString() ?? "?";

    /// <summary>
    /// <c>TargetCall.Unsendable</c>, the list the runtime checks a pool's item and result types against when the call is
    /// made (no System.Text.Json round trip there): the reason as the runtime words it, after the type's name.
    /// </summary>
    private static string? RuntimeUnsendable(ITypeSymbol type)
    {
        if (IsMultiproc(type, "ISharedObject") || Implements(type, "Multiproc", "ISharedObject")) return null;
        if (type.TypeKind == TypeKind.Delegate) return "is a delegate (code and captured state stay in this process)";
        if (type.TypeKind is TypeKind.Pointer or TypeKind.FunctionPointer || type.SpecialType is SpecialType.System_IntPtr or SpecialType.System_UIntPtr)
            return "is a pointer into this process's memory";
        if (type.IsRefLikeType) return "is a ref struct";
        if (Inherits(type, "System.IO", "Stream") || Inherits(type, "System.IO", "TextReader") || Inherits(type, "System.IO", "TextWriter"))
            return "is an open stream of this process";
        if (Inherits(type, "System.Threading.Tasks", "Task") || IsNamed(type.OriginalDefinition, "System.Threading.Tasks", "ValueTask"))
            return "is a task of this process";
        if (IsNamed(type, "System.Threading", "CancellationToken") || IsNamed(type, "System.Threading", "CancellationTokenSource"))
            return "is a cancellation token of this process";
        if (Inherits(type, "System.Threading", "WaitHandle") || IsNamed(type, "System.Threading", "SemaphoreSlim") || IsNamed(type, "System.Threading", "ReaderWriterLockSlim")
            || IsNamed(type, "System.Threading", "Lock") || IsNamed(type, "System.Threading", "SpinLock") || IsNamed(type, "System.Threading", "Barrier")
            || IsNamed(type, "System.Threading", "CountdownEvent") || IsNamed(type, "System.Threading", "ManualResetEventSlim"))
            return "only synchronizes threads of one process (each child would get its own copy); use a " + ProcessCounterpart(type);
        if (Inherits(type, "System.Threading", "Thread") || Inherits(type, "System.Diagnostics", "Process") || Inherits(type, "System.Net.Sockets", "Socket")
            || Inherits(type, "System.IO.Pipes", "PipeStream") || IsMultiproc(type, "ChildProcess") || Inherits(type, "System.Reflection", "MemberInfo")
            || Inherits(type, "System.Reflection", "Assembly") || Inherits(type, "System.Runtime.InteropServices", "SafeHandle"))
            return "is bound to this process";
        return null;
    }

    private static string ProcessCounterpart(ITypeSymbol t)
    {
        if (IsNamed(t, "System.Threading", "ManualResetEventSlim") || Inherits(t, "System.Threading", "EventWaitHandle")) return "ProcessEvent";
        if (IsNamed(t, "System.Threading", "SemaphoreSlim") || IsNamed(t, "System.Threading", "Semaphore")) return "ProcessSemaphore";
        if (IsNamed(t, "System.Threading", "Barrier") || IsNamed(t, "System.Threading", "CountdownEvent")) return "ProcessBarrier";
        return "ProcessLock";
    }

    private static bool IsMultiproc(ITypeSymbol type, string name) => IsNamed(type, "Multiproc", name);

    private static bool Implements(ITypeSymbol type, string ns, string name) => type.AllInterfaces.Any(i => IsNamed(i, ns, name));

    private static bool Inherits(ITypeSymbol? type, string ns, string name)
    {
        for (var t = type; t is not null; t = t.BaseType)
            if (IsNamed(t.OriginalDefinition, ns, name)) return true;
        return false;
    }

    private static bool IsNamed(ITypeSymbol type, string ns, string name) =>
        type.Name == name && type.ContainingType is null && type.ContainingNamespace?.ToDisplayString() == ns;
}
