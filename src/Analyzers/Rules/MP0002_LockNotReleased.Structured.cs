namespace Multiproc.Analyzers;

internal static partial class LockNotReleased
{
    /// <summary>
    /// <see cref="LockFlow"/>'s verdict read from the operation tree, with no control flow graph, for the shapes where the
    /// two are the same by construction: an acquire that returns only once the lock is held (<see cref="AcquireCondition.None"/>),
    /// alone in a statement of the function's own body (<c>lk.Acquire();</c>, <c>await sem.WaitAsync().ConfigureAwait(false);</c>),
    /// after straight statements only (so it runs), followed by expression statements, declarations, blocks, <c>if</c>/<c>else</c>
    /// and <c>return</c>, with no try, loop, switch, using, lock, jump, label or throw, no <c>?:</c>, <c>??</c>, <c>?.</c>,
    /// <c>&amp;&amp;</c>, <c>||</c> or switch expression, no condition that may be constant or that asks whether the lock is held.
    /// Anything else returns null and the graph decides.
    /// </summary>
    /// <remarks>
    /// Why the answers match: with no try region there is no finally, no exception edge and no protected block, so
    /// <see cref="LockFlow"/> only carries held / not held from statement to statement, through both edges of each condition
    /// (none is pruned: no condition may be constant) to the returns and the end. Each statement is one step of the graph or,
    /// where the graph splits it (several declarators, initializers, interpolated string handlers), a release in it makes
    /// this path give up, so "can throw" and "releases" are asked of the same operations. Nested functions are not entered,
    /// as the graph does not enter them; a <c>with</c> expression (which the graph turns into a clone call) gives up.
    /// This is the shape of most methods that acquire and do not release in a finally (the cases MP0002 reports), which
    /// otherwise each cost a graph.
    /// </remarks>
    private sealed class StructuredFlow
    {
        private const int Unreached = -1;

        private readonly LockApi _api;
        private readonly LockCall _call;
        private readonly SymbolKey _key;
        private bool _leak;
        private bool _leakOnException;
        private bool _giveUp;
        private bool _released;

        private StructuredFlow(LockApi api, LockCall call, SymbolKey key)
        {
            _api = api;
            _call = call;
            _key = key;
        }

        /// <summary>
        /// The verdict, the function's body and whether a release of the lock was met (then <see cref="HasAnyReleaseIn"/> is
        /// true without its walk), or null when the shape is not one this reads (then build the graph).
        /// </summary>
        public static (Verdict Verdict, IOperation Function, bool Released)? Run(IOperation acquire, LockCall call, SymbolKey key, LockApi api)
        {
            if (call.Condition != AcquireCondition.None || acquire is not IInvocationOperation) return null;

            IOperation value = acquire;
            while (value.Parent is IConversionOperation or IAwaitOperation or IParenthesizedOperation
                || value.Parent is IInvocationOperation { TargetMethod.Name: "ConfigureAwait" } configure && configure.Instance == value)
            {
                value = value.Parent;
            }
            if (value.Parent is not IExpressionStatementOperation statement || statement.Parent is not IBlockOperation body) return null;
            if (FunctionOf(body) is not { } function) return null;

            var flow = new StructuredFlow(api, call, key);
            var operations = body.Operations;
            var index = -1;
            for (var i = 0; i < operations.Length; i++)
            {
                var op = operations[i];
                if (op == statement)
                {
                    index = i;
                    break;
                }
                // Before the acquire: straight statements only, so that the acquire runs (the state is "not held" there).
                switch (op)
                {
                    case ILocalFunctionOperation or IEmptyOperation:
                        continue;
                    case IExpressionStatementOperation or IVariableDeclarationGroupOperation when IsStraight(op):
                        continue;
                    default:
                        return null;
                }
            }
            if (index < 0 || !IsStraight(statement)) return null;

            var s = flow.Statements(operations, index + 1, Held);
            if (flow._giveUp) return null;
            if (s > 0) flow._leak = true; // the end of the body
            var verdict = flow._leak ? Verdict.Leak : flow._leakOnException ? Verdict.LeakOnException : Verdict.Ok;
            return (verdict, function, flow._released);
        }

        /// <summary>
        /// The function whose body <paramref name="body"/> is (the operation the graph of the acquire is built for, or the
        /// lambda or local function inside one), or null when it is not a body this reads.
        /// </summary>
        private static IOperation? FunctionOf(IBlockOperation body)
        {
            switch (body.Parent)
            {
                case IMethodBodyOperation method when method.BlockBody is null || method.ExpressionBody is null:
                    return method.Parent is null ? method : null;
                case IConstructorBodyOperation constructor when constructor.BlockBody is null || constructor.ExpressionBody is null:
                    return constructor.Parent is null ? constructor : null;
                case IAnonymousFunctionOperation lambda:
                    return FlowHelpers.Root(lambda) is IMethodBodyOperation or IConstructorBodyOperation ? lambda : null;
                case ILocalFunctionOperation local when local.IgnoredBody is null:
                    return FlowHelpers.Root(local) is IMethodBodyOperation or IConstructorBodyOperation ? local : null;
                default:
                    return null;
            }
        }

        private int Statements(ImmutableArray<IOperation> operations, int start, int s)
        {
            for (var i = start; i < operations.Length && !_giveUp; i++) s = Statement(operations[i], s);
            return s;
        }

        /// <summary>The state after <paramref name="statement"/> (held, not held, or <see cref="Unreached"/>) from state <paramref name="s"/>.</summary>
        private int Statement(IOperation statement, int s)
        {
            switch (statement)
            {
                case ILocalFunctionOperation or IEmptyOperation:
                    return s;
                case IBlockOperation block:
                    return Statements(block.Operations, 0, s);
                case IExpressionStatementOperation or IVariableDeclarationGroupOperation:
                    return Step(statement, s);
                case IConditionalOperation { Condition: var condition } conditional:
                {
                    var scan = Scan(condition, s > 0);
                    if (scan.NotStraight || MayBeConstant(condition) || IsHeldCheckPeeled(condition))
                    {
                        _giveUp = true;
                        return s;
                    }
                    if (s > 0)
                    {
                        if (scan.Release)
                        {
                            _giveUp = true;
                            return s;
                        }
                        if (scan.CanThrow) _leakOnException = true;
                    }
                    var whenTrue = Statement(conditional.WhenTrue, s);
                    var whenFalse = conditional.WhenFalse is { } otherwise ? Statement(otherwise, s) : s;
                    return whenTrue < 0 ? whenFalse : whenFalse < 0 ? whenTrue : whenTrue | whenFalse;
                }
                case IReturnOperation { Kind: OperationKind.Return } ret:
                    if (ret.ReturnedValue is { } returned) s = Step(returned, s);
                    if (s > 0) _leak = true;
                    return Unreached;
                default:
                    _giveUp = true;
                    return s;
            }
        }

        /// <summary>One step of the graph: a release clears the state; anything else that can throw while held is a leak on exception.</summary>
        private int Step(IOperation operation, int s)
        {
            var scan = Scan(operation, s > 0);
            if (scan.NotStraight)
            {
                _giveUp = true;
                return s;
            }
            if (s <= 0) return s;
            if (scan.Release)
            {
                // The graph may split this statement into several steps, some before the release that can throw.
                if (scan.Split || operation is IVariableDeclarationGroupOperation group && (group.Declarations.Length != 1 || group.Declarations[0].Declarators.Length != 1))
                    _giveUp = true;
                _released = true;
                return 0;
            }
            if (scan.CanThrow) _leakOnException = true;
            return s;
        }

        /// <summary>What one walk of an operation (nested functions not entered) finds: see <see cref="Walk"/>.</summary>
        private struct StepScan
        {
            /// <summary>Not straight (<see cref="LinearFlow.IsStraight(IOperation, List{IOperation}?, bool)"/>, strict): the walk stopped there.</summary>
            public bool NotStraight;
            /// <summary>A release of the lock.</summary>
            public bool Release;
            /// <summary>Something that can throw (an invocation, creation, await, array element, dynamic operation).</summary>
            public bool CanThrow;
            /// <summary>Something the graph splits a statement at (initializers, anonymous objects, interpolated string handlers, tuples, deconstructions).</summary>
            public bool Split;
        }

        private StepScan Scan(IOperation operation, bool flow)
        {
            var scan = default(StepScan);
            Walk(operation, flow, ref scan);
            return scan;
        }

        /// <summary>
        /// One walk instead of three (straight, releases, can throw): the same operations, the nested functions not entered,
        /// each one's <see cref="IOperation.Kind"/> read once. With <paramref name="flow"/> false only straightness is asked.
        /// </summary>
        private void Walk(IOperation operation, bool flow, ref StepScan scan)
        {
            if (operation.Kind is OperationKind.AnonymousFunction or OperationKind.LocalFunction) return;
            if (LinearFlow.RefusesNode(operation, strict: true))
            {
                scan.NotStraight = true;
                return;
            }
            switch (operation.Kind)
            {
                case OperationKind.Invocation:
                    if (flow)
                    {
                        scan.CanThrow = true;
                        if (!scan.Release && _api.IsReleaseOf((IInvocationOperation)operation, _call, _key)) scan.Release = true;
                    }
                    break;
                case OperationKind.ObjectCreation:
                case OperationKind.Await:
                case OperationKind.ArrayElementReference:
                case OperationKind.DynamicInvocation:
                case OperationKind.DynamicMemberReference:
                case OperationKind.DynamicIndexerAccess:
                case OperationKind.DynamicObjectCreation:
                    scan.CanThrow = true;
                    break;
                case OperationKind.ObjectOrCollectionInitializer:
                case OperationKind.AnonymousObjectCreation:
                case OperationKind.InterpolatedStringHandlerCreation:
                case OperationKind.Tuple:
                case OperationKind.DeconstructionAssignment:
                    scan.Split = true;
                    break;
            }
            foreach (var child in operation.ChildOperations)
            {
                Walk(child, flow, ref scan);
                if (scan.NotStraight) return;
            }
        }

        /// <summary>
        /// A condition <see cref="LockFlow"/> might find constant (and then follow one edge only): a constant, a local, a
        /// comparison of constants and locals, under any number of <c>!</c>.
        /// </summary>
        private static bool MayBeConstant(IOperation condition)
        {
            var op = Peel(condition);
            if (op is null || op.ConstantValue.HasValue || op is ILocalReferenceOperation) return true;
            return op is IBinaryOperation binary && IsConstantOrLocal(binary.LeftOperand) && IsConstantOrLocal(binary.RightOperand);
        }

        private static bool IsConstantOrLocal(IOperation operand) =>
            operand.ConstantValue.HasValue || SymbolKey.StripConversions(operand) is ILocalReferenceOperation;

        private bool IsHeldCheckPeeled(IOperation condition) => LockApi.IsHeldCheck(Peel(condition), _call.Family, _key);

        private static IOperation? Peel(IOperation? operation)
        {
            operation = SymbolKey.StripConversions(operation);
            while (operation is IUnaryOperation { OperatorKind: UnaryOperatorKind.Not } not) operation = SymbolKey.StripConversions(not.Operand);
            return operation;
        }

        /// <summary>Whether the operation runs on one path as the graph sees it (<see cref="LinearFlow.IsStraight(IOperation, List{IOperation}?, bool)"/>, strict).</summary>
        private static bool IsStraight(IOperation operation) => LinearFlow.IsStraight(operation, nested: null, strict: true);

        /// <summary>Whether the function (outside its nested functions) releases the lock anywhere (<see cref="HasAnyRelease"/> on its graph).</summary>
        public static bool HasAnyReleaseIn(IOperation function, LockApi api, LockCall call, SymbolKey key)
        {
            IOperation? body = function switch
            {
                IAnonymousFunctionOperation lambda => lambda.Body,
                ILocalFunctionOperation local => local.Body,
                _ => function,
            };
            return body is not null && AnyOutsideFunctionsBelow(body, d => d is IInvocationOperation inv && api.IsReleaseOf(inv, call, key));
        }

        /// <summary><see cref="LinearFlow.AnyOutsideFunctions"/> for a root that is itself a function's body (entered).</summary>
        private static bool AnyOutsideFunctionsBelow(IOperation root, Func<IOperation, bool> predicate)
        {
            if (predicate(root)) return true;
            foreach (var child in root.ChildOperations)
                if (LinearFlow.AnyOutsideFunctions(child, predicate)) return true;
            return false;
        }
    }
}
