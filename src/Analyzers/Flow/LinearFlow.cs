namespace Multiproc.Analyzers;

/// <summary>
/// A function (method body, lambda, local function) whose code runs on one path, in the order of its operation tree:
/// its steps are the statements it runs, in order. No branch, loop, <c>try</c>, <c>lock</c>, <c>switch</c>,
/// <c>goto</c>, <c>throw</c>, <c>?:</c>, <c>??</c>, <c>?.</c>, <c>&amp;&amp;</c> or <c>||</c>, and a <c>return</c>
/// only as its last statement; <c>using</c> statements and declarations are allowed (their disposal runs at the end of
/// their scope on the one path), and so are <c>await</c>s. An if, loop, switch, try or lock statement that has nothing
/// to do with processes and always ends at its end is one opaque step (<see cref="IsOpaque"/>).
/// </summary>
/// <remarks>
/// <para>
/// The graph rules (MP0003, MP0009, MP0010, MP0012) ask path questions that a linear function answers by reading its
/// steps in order, so they skip the control flow graph there and run their one analysis over the linear mode of
/// <see cref="FlowGraph"/> (<see cref="FlowGraph.Linear"/>, built from these steps): building the graph is most of what they cost, and most
/// bodies that start and join a process are linear (<c>var p = new ChildProcess(…); p.Start(); p.Join();</c>).
/// </para>
/// <para>
/// Implicit exceptions are not paths for those rules outside try regions (see <see cref="FlowGraph"/>), and a
/// linear function has no try region, so its one path is the only one. Nested functions are not part of the path: the
/// steps' operations are walked with <see cref="ForEachOutsideFunctions"/>, which does not enter them, as a graph does not.
/// </para>
/// </remarks>
internal sealed class LinearFlow
{
    private LinearFlow(IOperation root, List<IOperation> steps)
    {
        Root = root;
        Steps = steps;
    }

    /// <summary>The function: a method or constructor body, or an anonymous function or local function operation.</summary>
    public IOperation Root { get; }

    /// <summary>The statements the function runs, in order (a constructor initializer first, nested blocks flattened).</summary>
    public IReadOnlyList<IOperation> Steps { get; }

    /// <summary>
    /// The body of <paramref name="context"/> and the nested functions in it that <paramref name="worthEntering"/> accepts
    /// (by the span of their syntax; nested ones in those, too), each as a linear function; null when the body has no
    /// single executable root or one of them is not linear (then the rules build graphs).
    /// </summary>
    public static List<LinearFlow>? Of(OperationBlockAnalysisContext context, Func<TextSpan, bool> worthEntering, MultiprocTypes types)
    {
        if (BlockGate.SingleExecutableRoot(context.OperationBlocks) is not { } body) return null;

        var result = new List<LinearFlow>();
        var pending = new Stack<IOperation>();
        pending.Push(body);
        while (pending.Count > 0)
        {
            var function = pending.Pop();
            var steps = new List<IOperation>();
            var nested = new List<IOperation>();
            if (!AddFunction(function, steps, nested, types)) return null;
            result.Add(new LinearFlow(function, steps));
            foreach (var n in nested)
                if (worthEntering(n.Syntax.Span)) pending.Push(n);
        }
        return result;
    }

    /// <summary>Calls <paramref name="action"/> for <paramref name="operation"/> and its descendants, not entering nested functions.</summary>
    public static void ForEachOutsideFunctions<TState>(IOperation operation, TState state, Action<IOperation, TState> action)
    {
        if (operation.Kind is OperationKind.AnonymousFunction or OperationKind.LocalFunction) return;
        action(operation, state);
        foreach (var child in operation.ChildOperations) ForEachOutsideFunctions(child, state, action);
    }

    /// <summary>Whether <paramref name="operation"/> or a descendant outside nested functions satisfies <paramref name="predicate"/>.</summary>
    public static bool AnyOutsideFunctions(IOperation operation, Func<IOperation, bool> predicate)
    {
        if (operation.Kind is OperationKind.AnonymousFunction or OperationKind.LocalFunction) return false;
        if (predicate(operation)) return true;
        foreach (var child in operation.ChildOperations)
            if (AnyOutsideFunctions(child, predicate)) return true;
        return false;
    }

    /// <summary>A loop with no condition or a constant one (a foreach loop has neither): code after it or in it may be unreachable.</summary>
    public static bool LoopConditionIsConstant(ILoopOperation loop) => loop switch
    {
        IWhileLoopOperation w => w.Condition is null || w.Condition.ConstantValue.HasValue,
        IForLoopOperation f => f.Condition is null || f.Condition.ConstantValue.HasValue,
        _ => false,
    };

    private static bool AddFunction(IOperation function, List<IOperation> steps, List<IOperation> nested, MultiprocTypes types)
    {
        switch (function)
        {
            case IMethodBodyOperation method:
                if (method.BlockBody is not null && method.ExpressionBody is not null) return false;
                return AddBlock(method.BlockBody ?? method.ExpressionBody, steps, nested, types, last: true);
            case IConstructorBodyOperation constructor:
                if (constructor.BlockBody is not null && constructor.ExpressionBody is not null) return false;
                if (constructor.Initializer is { } initializer && !AddStep(initializer, steps, nested)) return false;
                return AddBlock(constructor.BlockBody ?? constructor.ExpressionBody, steps, nested, types, last: true);
            case IBlockOperation block:
                return AddBlock(block, steps, nested, types, last: true);
            case IAnonymousFunctionOperation lambda:
                return AddBlock(lambda.Body, steps, nested, types, last: true);
            case ILocalFunctionOperation local:
                if (local.Body is not null && local.IgnoredBody is not null) return false;
                return AddBlock(local.Body ?? local.IgnoredBody, steps, nested, types, last: true);
            default:
                return false;
        }
    }

    /// <summary>The statements of a block; <paramref name="last"/>: nothing runs after it in the function (a return may end it).</summary>
    private static bool AddBlock(IBlockOperation? block, List<IOperation> steps, List<IOperation> nested, MultiprocTypes types, bool last)
    {
        if (block is null) return true;
        var operations = block.Operations;
        for (var i = 0; i < operations.Length; i++)
            if (!AddStatement(operations[i], steps, nested, types, last && i == operations.Length - 1)) return false;
        return true;
    }

    private static bool AddStatement(IOperation statement, List<IOperation> steps, List<IOperation> nested, MultiprocTypes types, bool last)
    {
        switch (statement)
        {
            case IBlockOperation inner:
                return AddBlock(inner, steps, nested, types, last);
            case IUsingOperation @using:
                // The resources, then the body; the disposal at the end of the body is no Start, Join or read.
                return AddStep(@using.Resources, steps, nested) && AddStatement(@using.Body, steps, nested, types, last: false);
            case IReturnOperation { Kind: OperationKind.Return } ret:
                return last && AddStep(ret, steps, nested);
            case ILocalFunctionOperation localFunction:
                nested.Add(localFunction);
                return true;
            case IExpressionStatementOperation or IVariableDeclarationGroupOperation or IUsingDeclarationOperation or IEmptyOperation:
                return AddStep(statement, steps, nested);
            case IConditionalOperation or ILoopOperation or ISwitchOperation or ITryOperation or ILockOperation when IsOpaque(statement, types):
                // Branches the rules cannot tell apart: one step, run or not, that always ends at its end.
                steps.Add(statement);
                return true;
            default:
                // Labels, goto/break/continue, throw, yield, an early return, or a statement that is not opaque.
                return false;
        }
    }

    /// <summary>
    /// A statement with branches inside (if, loop, switch, try, lock) that the rules reading linear functions cannot tell
    /// apart from a plain step: it names no ChildProcess variable, creates no ChildProcess, calls nothing named Start,
    /// Join, JoinAsync, Terminate or Kill (nested functions included), and it always ends at its end, so whatever follows
    /// it stays on the one path: no return, throw, goto, label or yield, and no boolean constant (no <c>while (true)</c>,
    /// no <c>if (false)</c>), loop without a condition or switch on a constant (a graph leaves out code they make
    /// unreachable, where MP0009 would otherwise see a read). A break or continue in it can only leave a loop or switch
    /// within it, since a linear function has none around it.
    /// </summary>
    internal static bool IsOpaque(IOperation statement, MultiprocTypes types)
    {
        // The statement and its descendants (nested functions included), one switch on the kind each: each case's kind is
        // its one interface, and most operations are of none of these kinds.
        switch (statement.Kind)
        {
            case OperationKind.None:
            case OperationKind.Return:
            case OperationKind.YieldBreak:
            case OperationKind.YieldReturn:
            case OperationKind.Throw:
            case OperationKind.Labeled:
            case OperationKind.Invalid:
                return false;
            case OperationKind.Branch:
                if (((IBranchOperation)statement).BranchKind is not (BranchKind.Break or BranchKind.Continue)) return false;
                break;
            case OperationKind.Loop:
                if (statement is IForLoopOperation { Condition: null }) return false;
                break;
            case OperationKind.Switch:
                if (((ISwitchOperation)statement).Value.ConstantValue.HasValue) return false;
                break;
            case OperationKind.Invocation:
                if (((IInvocationOperation)statement).TargetMethod.Name is "Start" or "Join" or "JoinAsync" or "Terminate" or "Kill") return false;
                break;
            case OperationKind.LocalReference:
                if (types.IsChildProcess(((ILocalReferenceOperation)statement).Local.Type)) return false;
                break;
            case OperationKind.ParameterReference:
                if (types.IsChildProcess(((IParameterReferenceOperation)statement).Parameter.Type)) return false;
                break;
            case OperationKind.ObjectCreation:
                if (types.IsChildProcess(((IObjectCreationOperation)statement).Type)) return false;
                break;
        }
        if (statement.ConstantValue is { HasValue: true, Value: bool }) return false;
        foreach (var child in statement.ChildOperations)
            if (!IsOpaque(child, types)) return false;
        return true;
    }

    private static bool AddStep(IOperation step, List<IOperation> steps, List<IOperation> nested)
    {
        if (!IsStraight(step, nested)) return false;
        steps.Add(step);
        return true;
    }

    /// <summary>Whether evaluating the operation takes one path (its nested functions are collected, not entered).</summary>
    private static bool IsStraight(IOperation operation, List<IOperation> nested) => IsStraight(operation, nested, strict: false);

    /// <summary>
    /// Whether evaluating the operation takes one path: no <c>?:</c>, <c>??</c>, <c>?.</c>, <c>&amp;&amp;</c>, <c>||</c>,
    /// switch expression, throw, jump, loop, try, switch, lock or yield inside, nothing invalid. Nested functions are not
    /// entered (added to <paramref name="nested"/> when given). <paramref name="strict"/> also refuses what a control flow
    /// graph rewrites or leaves by (<c>with</c>, <c>using</c>, <c>return</c>), for a caller that reads a statement as the
    /// graph would (MP0002's structured reading).
    /// </summary>
    internal static bool IsStraight(IOperation operation, List<IOperation>? nested, bool strict)
    {
        if (operation.Kind is OperationKind.AnonymousFunction or OperationKind.LocalFunction)
        {
            nested?.Add(operation);
            return true;
        }
        if (RefusesNode(operation, strict)) return false;
        foreach (var child in operation.ChildOperations)
            if (!IsStraight(child, nested, strict)) return false;
        return true;
    }

    /// <summary>
    /// Whether <see cref="IsStraight(IOperation, List{IOperation}?, bool)"/> refuses this operation itself, its children
    /// aside: a branch of its own (conditional, coalesce, <c>?.</c>, switch expression, <c>&amp;&amp;</c>/<c>||</c>), a
    /// throw, a statement (loop, try, jump, label, switch, lock, yield), something invalid, and with
    /// <paramref name="strict"/> what a graph rewrites or leaves by (<c>with</c>, <c>using</c>, <c>return</c>). Nested
    /// functions are the caller's to handle. Shared with MP0002's one-walk structured reading.
    /// </summary>
    internal static bool RefusesNode(IOperation operation, bool strict)
    {
        switch (operation.Kind)
        {
            case OperationKind.Conditional:
            case OperationKind.Coalesce:
            case OperationKind.CoalesceAssignment:
            case OperationKind.ConditionalAccess:
            case OperationKind.SwitchExpression:
            case OperationKind.Throw:
            case OperationKind.Invalid:
            case OperationKind.None:
            // Statements cannot sit in an expression outside a nested function; refused all the same.
            case OperationKind.Loop:
            case OperationKind.Try:
            case OperationKind.Branch:
            case OperationKind.Labeled:
            case OperationKind.Switch:
            case OperationKind.Lock:
            case OperationKind.YieldReturn:
            case OperationKind.YieldBreak:
                return true;
            case OperationKind.With:
            case OperationKind.Using:
            case OperationKind.UsingDeclaration:
            case OperationKind.Return:
                return strict;
            case OperationKind.Binary:
                return ((IBinaryOperation)operation).OperatorKind is BinaryOperatorKind.ConditionalAnd or BinaryOperatorKind.ConditionalOr;
            default:
                return false;
        }
    }
}
