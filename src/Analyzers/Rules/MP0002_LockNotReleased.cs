using System.Collections.Concurrent;

namespace Multiproc.Analyzers;

/// <summary>
/// MP0002: a lock acquired and not released on every path, exceptions included. Hosted by
/// <see cref="LockNotReleasedAnalyzer"/>, which calls <see cref="AnalyzeInvocation"/> for every invocation of a type.
/// </summary>
internal static class LockNotReleased
{
    /// <summary>Diagnostic property: which fix applies (<see cref="FixHold"/>, <see cref="FixLock"/>, <see cref="FixTryFinally"/>); absent when none.</summary>
    public const string FixKindProperty = "FixKind";
    /// <summary>Diagnostic property: span start of the release statement that closes the region (absent: end of block).</summary>
    public const string ReleaseStartProperty = "ReleaseStart";
    /// <summary>Diagnostic property: name of the matching release method.</summary>
    public const string ReleaseNameProperty = "ReleaseName";
    /// <summary>Diagnostic property: "true" when the release takes the lock object as its argument (Monitor.Exit).</summary>
    public const string ReleaseTakesLockArgumentProperty = "ReleaseTakesLock";

    public const string FixHold = "Hold";
    public const string FixLock = "Lock";
    public const string FixTryFinally = "TryFinally";

    private const int Held = 1;
    private const int Conditional = 2;

    /// <summary>Per type: member locks released somewhere in the type, and reports that depend on that.</summary>
    internal sealed class TypeState
    {
        private readonly ConcurrentDictionary<ISymbol, byte> _releasedMembers = new(SymbolEqualityComparer.Default);
        private readonly ConcurrentBag<(ISymbol Member, Diagnostic Diagnostic)> _pending = new();

        public void AddReleased(ISymbol member) => _releasedMembers.TryAdd(member, 0);

        public void AddPending(ISymbol member, Diagnostic diagnostic) => _pending.Add((member, diagnostic));

        public void Flush(SymbolAnalysisContext context)
        {
            foreach (var (member, diagnostic) in _pending)
                if (!_releasedMembers.ContainsKey(member)) context.ReportDiagnostic(diagnostic);
        }
    }

    internal static void AnalyzeInvocation(OperationAnalysisContext context, INamedTypeSymbol type, LockApi api, TypeState state)
    {
        var invocation = (IInvocationOperation)context.Operation;
        if (!LockApi.IsCandidateName(invocation.TargetMethod.Name)) return;
        // Operations of nested types are analyzed by the nested type's own start action.
        if (!SymbolEqualityComparer.Default.Equals(context.ContainingSymbol.ContainingType, type)) return;
        var call = api.Classify(invocation);
        if (call?.Key is not { } key) return;
        if (!call.IsAcquire)
        {
            if (key.IsMember) state.AddReleased(key.Symbol);
            return;
        }

        // The common compliant shapes need no control flow graph.
        if (ReleasedByFinally(invocation, call, key, api)) return;

        var root = FlowHelpers.Root(invocation);
        if (Escapes(root, invocation, key, api)) return;

        ControlFlowGraph? cfg;
        try
        {
            cfg = FlowHelpers.GraphFor(invocation, context.GetControlFlowGraph());
        }
        catch (System.Exception ex) when (ex is System.ArgumentException or System.InvalidOperationException)
        {
            return;
        }
        if (cfg is null) return;

        var verdict = new LockFlow(cfg, api, call, key, invocation).Run();
        if (verdict == Verdict.Ok) return;

        var descriptor = verdict == Verdict.Leak ? Descriptors.MP0002_LockNotReleased : Descriptors.MP0002_LockNotReleasedOnException;
        var properties = FixProperties(invocation, call, key, api);
        var diagnostic = Diagnostic.Create(descriptor, invocation.Syntax.GetLocation(), properties, call.LockOperation.Syntax.ToString());
        if (verdict == Verdict.Leak && key.IsMember && !HasAnyRelease(cfg, api, call, key))
        {
            // Acquired here and released nowhere in this method: a type that releases it in another
            // member holds the lock across calls on purpose (Enter()/Exit() wrappers).
            state.AddPending(key.Symbol, diagnostic);
            return;
        }
        context.ReportDiagnostic(diagnostic);
    }

    private enum Verdict { Ok, Leak, LeakOnException }

    /// <summary>
    /// Fast path, on the operation tree: the acquire is in the body of a <c>try</c> whose <c>finally</c>
    /// releases the lock; or it is a statement directly followed by such a <c>try</c>; or it is
    /// <c>if (X.TryAcquire(…)) { try … finally release }</c>; or <c>if (!X.TryAcquire(…)) return;</c>
    /// directly followed by such a <c>try</c>. Every path out of that region runs the release.
    /// </summary>
    private static bool ReleasedByFinally(IInvocationOperation invocation, LockCall call, SymbolKey key, LockApi api)
    {
        IOperation child = invocation;
        for (var p = invocation.Parent; p is not null; child = p, p = p.Parent)
        {
            if (p is IAnonymousFunctionOperation or ILocalFunctionOperation or IMethodBodyOperation) break;
            if (p is ITryOperation { Finally: { } fin } t && child == t.Body && ContainsRelease(fin, api, call, key)) return true;
        }

        // The expression the acquire's value is: the call, its await, or await of ConfigureAwait.
        IOperation value = invocation;
        while (value.Parent is IConversionOperation or IAwaitOperation or IParenthesizedOperation
            || value.Parent is IInvocationOperation { TargetMethod.Name: "ConfigureAwait" } cfg && cfg.Instance == value)
        {
            value = value.Parent;
        }

        switch (value.Parent)
        {
            case IExpressionStatementOperation statement when call.Condition != AcquireCondition.RefArgument:
                return NextIsReleasingTry(statement, call, key, api);
            case IConditionalOperation conditional when call.Condition == AcquireCondition.Result && conditional.Condition == value:
                return IsReleasingTry(conditional.WhenTrue, call, key, api)
                    || conditional.WhenTrue is IBlockOperation { Operations.Length: > 0 } whenTrue && IsReleasingTry(whenTrue.Operations[0], call, key, api);
            case IUnaryOperation { OperatorKind: UnaryOperatorKind.Not, Parent: IConditionalOperation conditional } when call.Condition == AcquireCondition.Result
                && conditional.WhenFalse is null && IsExit(conditional.WhenTrue):
                return NextIsReleasingTry(conditional, call, key, api);
        }
        return false;
    }

    private static bool IsExit(IOperation operation) => operation switch
    {
        IReturnOperation or IThrowOperation => true,
        IExpressionStatementOperation { Operation: IThrowOperation } => true,
        IBlockOperation { Operations.Length: 1 } block => IsExit(block.Operations[0]),
        _ => false,
    };

    private static bool NextIsReleasingTry(IOperation statement, LockCall call, SymbolKey key, LockApi api)
    {
        if (statement.Parent is not IBlockOperation block) return false;
        var index = block.Operations.IndexOf(statement);
        return index >= 0 && index + 1 < block.Operations.Length && IsReleasingTry(block.Operations[index + 1], call, key, api);
    }

    private static bool IsReleasingTry(IOperation operation, LockCall call, SymbolKey key, LockApi api) =>
        operation is ITryOperation { Finally: { } fin } && ContainsRelease(fin, api, call, key);

    /// <summary>
    /// The lock object is handed on: returned, stored, passed to a method that is not a lock API,
    /// or captured by a lambda or local function; whoever receives it may release it.
    /// </summary>
    private static bool Escapes(IOperation root, IInvocationOperation acquire, SymbolKey key, LockApi api)
    {
        if (key.IsThis) return false;
        foreach (var op in root.Descendants())
        {
            if (op is not (ILocalReferenceOperation or IParameterReferenceOperation or IFieldReferenceOperation or IPropertyReferenceOperation)) continue;
            if (SymbolKey.From(op) is not { } k || !k.Equals(key)) continue;

            var use = op;
            var parent = op.Parent;
            while (parent is IConversionOperation or IParenthesizedOperation)
            {
                use = parent;
                parent = parent.Parent;
            }
            switch (parent)
            {
                case IArgumentOperation { Parent: IInvocationOperation inv } when api.IsLockTypeMethod(inv):
                    break;
                case IArgumentOperation:
                case IReturnOperation:
                case IVariableInitializerOperation:
                case IArrayInitializerOperation:
                case ITupleOperation:
                    return true;
                case ISimpleAssignmentOperation assignment when assignment.Value == use:
                    return true;
            }
            if (!key.IsMember && IsCapturedApartFrom(op, acquire)) return true;
        }
        return false;
    }

    private static bool IsCapturedApartFrom(IOperation reference, IOperation acquire)
    {
        for (var p = reference.Parent; p is not null; p = p.Parent)
        {
            if (p is IAnonymousFunctionOperation or ILocalFunctionOperation)
            {
                for (var q = acquire.Parent; q is not null; q = q.Parent)
                    if (q == p) return false;
                return true;
            }
        }
        return false;
    }

    private static bool HasAnyRelease(ControlFlowGraph cfg, LockApi api, LockCall call, SymbolKey key)
    {
        foreach (var block in cfg.Blocks)
        {
            foreach (var op in block.Operations)
                if (ContainsRelease(op, api, call, key)) return true;
            if (block.BranchValue is { } bv && ContainsRelease(bv, api, call, key)) return true;
        }
        return false;
    }

    private static bool ContainsRelease(IOperation operation, LockApi api, LockCall call, SymbolKey key)
    {
        foreach (var d in operation.DescendantsAndSelf())
            if (d is IInvocationOperation inv && api.IsReleaseOf(inv, call, key)) return true;
        return false;
    }

    /// <summary>Operations that can throw between an acquire and its release.</summary>
    private static bool CanThrow(IOperation operation)
    {
        foreach (var d in operation.DescendantsAndSelf())
        {
            switch (d)
            {
                case IInvocationOperation:
                case IObjectCreationOperation:
                case IAwaitOperation:
                case IThrowOperation:
                case IArrayElementReferenceOperation:
                case IDynamicInvocationOperation:
                case IDynamicMemberReferenceOperation:
                case IDynamicIndexerAccessOperation:
                case IDynamicObjectCreationOperation:
                    return true;
            }
        }
        return false;
    }

    /// <summary>Forward dataflow over the graph: is the lock held (or maybe held) where the method exits?</summary>
    private sealed class LockFlow
    {
        private readonly ControlFlowGraph _cfg;
        private readonly LockApi _api;
        private readonly LockCall _call;
        private readonly SymbolKey _key;
        private readonly IInvocationOperation _acquire;
        private readonly Dictionary<ControlFlowRegion, bool> _releasingRegion = new();
        private readonly Dictionary<ControlFlowRegion, bool> _protectedRegion = new();
        private BasicBlock? _acquireBlock;
        private int _acquireIndex;
        private int _afterAcquire;
        private ILocalSymbol? _condition;
        private bool _leak;
        private bool _leakOnException;

        public LockFlow(ControlFlowGraph cfg, LockApi api, LockCall call, SymbolKey key, IInvocationOperation acquire)
        {
            _cfg = cfg;
            _api = api;
            _call = call;
            _key = key;
            _acquire = acquire;
        }

        public Verdict Run()
        {
            if (!Locate()) return Verdict.Ok;

            var blocks = _cfg.Blocks;
            var entry = new int[blocks.Length];
            var seen = new bool[blocks.Length];
            var work = new Stack<int>();
            seen[0] = true;
            work.Push(0);
            while (work.Count > 0)
            {
                var b = blocks[work.Pop()];
                var s = entry[b.Ordinal];
                var maxState = s;
                for (var i = 0; i < b.Operations.Length; i++)
                {
                    var op = b.Operations[i];
                    if (b == _acquireBlock && i == _acquireIndex)
                    {
                        s = _afterAcquire;
                        maxState |= s;
                        continue;
                    }
                    if (s == 0) continue;
                    if (ContainsRelease(op, _api, _call, _key)) { s = 0; continue; }
                    if (_condition is not null && (s & Conditional) != 0 && op is IAssignmentOperation { Target: ILocalReferenceOperation l }
                        && SymbolEqualityComparer.Default.Equals(l.Local, _condition))
                    {
                        s = (s & ~Conditional) | Held;
                    }
                    if (!_leakOnException && CanThrow(op) && !IsProtected(b)) _leakOnException = true;
                }

                var bv = b.BranchValue;
                var acquiredByBranch = b == _acquireBlock && _acquireIndex == -1;
                if (bv is not null && s != 0 && !acquiredByBranch)
                {
                    if (ContainsRelease(bv, _api, _call, _key)) s = 0;
                    else if (!_leakOnException && CanThrow(bv) && !IsProtected(b)) _leakOnException = true;
                }
                maxState |= s;

                var whenTrue = s;
                var whenFalse = s;
                if (acquiredByBranch) whenTrue |= Held;
                if (_condition is not null && (s & Conditional) != 0 && bv is not null
                    && SymbolKey.StripConversions(bv) is ILocalReferenceOperation cl && SymbolEqualityComparer.Default.Equals(cl.Local, _condition))
                {
                    whenTrue = (whenTrue & ~Conditional) | Held;
                    whenFalse &= ~Conditional;
                }

                if (b.ConditionKind == ControlFlowConditionKind.None)
                {
                    Follow(b, b.FallThroughSuccessor, s, work, entry, seen);
                }
                else
                {
                    var onConditional = b.ConditionKind == ControlFlowConditionKind.WhenTrue ? whenTrue : whenFalse;
                    var onFallThrough = b.ConditionKind == ControlFlowConditionKind.WhenTrue ? whenFalse : whenTrue;
                    Follow(b, b.ConditionalSuccessor, onConditional, work, entry, seen);
                    Follow(b, b.FallThroughSuccessor, onFallThrough, work, entry, seen);
                }

                // Exceptional edges: a held lock flows into the catch handlers of enclosing try blocks.
                if (maxState != 0) FlowIntoHandlers(b, maxState, work, entry, seen);
            }

            return _leak ? Verdict.Leak : _leakOnException ? Verdict.LeakOnException : Verdict.Ok;
        }

        private void Follow(BasicBlock from, ControlFlowBranch? branch, int s, Stack<int> work, int[] entry, bool[] seen)
        {
            if (branch is null) return;
            if (s != 0)
            {
                foreach (var finallyRegion in branch.FinallyRegions)
                {
                    if (Releases(finallyRegion)) { s = 0; break; }
                }
            }
            if (branch.Semantics is ControlFlowBranchSemantics.Throw or ControlFlowBranchSemantics.Rethrow)
            {
                if (s != 0 && !IsProtected(from)) _leakOnException = true;
                return;
            }
            var dest = branch.Destination;
            if (dest is null) return;
            if (dest.Kind == BasicBlockKind.Exit)
            {
                if (s != 0) _leak = true;
                return;
            }
            Merge(dest.Ordinal, s, work, entry, seen);
        }

        private static void Merge(int ordinal, int s, Stack<int> work, int[] entry, bool[] seen)
        {
            var merged = entry[ordinal] | s;
            if (seen[ordinal] && merged == entry[ordinal]) return;
            seen[ordinal] = true;
            entry[ordinal] = merged;
            work.Push(ordinal);
        }

        private void FlowIntoHandlers(BasicBlock b, int s, Stack<int> work, int[] entry, bool[] seen)
        {
            for (var r = b.EnclosingRegion; r is not null; r = r.EnclosingRegion)
            {
                if (r.Kind != ControlFlowRegionKind.Try || r.EnclosingRegion is not { Kind: ControlFlowRegionKind.TryAndCatch } tc) continue;
                foreach (var handler in tc.NestedRegions)
                {
                    if (handler == r) continue;
                    var first = handler.Kind == ControlFlowRegionKind.FilterAndHandler ? handler.NestedRegions[0] : handler;
                    Merge(first.FirstBlockOrdinal, s, work, entry, seen);
                }
            }
        }

        /// <summary>Whether an exception thrown in <paramref name="b"/> leaves the lock released or handled:
        /// an enclosing try whose finally releases it, or whose catch-all handler is analysed as ordinary flow.</summary>
        private bool IsProtected(BasicBlock b)
        {
            for (var r = b.EnclosingRegion; r is not null; r = r.EnclosingRegion)
            {
                if (r.Kind != ControlFlowRegionKind.Try || r.EnclosingRegion is not { } parent) continue;
                if (_protectedRegion.TryGetValue(r, out var known))
                {
                    if (known) return true;
                    continue;
                }
                var result = false;
                if (parent.Kind == ControlFlowRegionKind.TryAndFinally)
                {
                    result = Releases(parent.NestedRegions[parent.NestedRegions.Length - 1]);
                }
                else if (parent.Kind == ControlFlowRegionKind.TryAndCatch)
                {
                    foreach (var handler in parent.NestedRegions)
                    {
                        if (handler.Kind == ControlFlowRegionKind.Catch && IsCatchAll(handler.ExceptionType)) { result = true; break; }
                    }
                }
                _protectedRegion[r] = result;
                if (result) return true;
            }
            return false;
        }

        private static bool IsCatchAll(ITypeSymbol? exceptionType) =>
            exceptionType is null
            || exceptionType.SpecialType == SpecialType.System_Object
            || (exceptionType.Name == "Exception" && exceptionType.ContainingNamespace is { Name: "System", ContainingNamespace.IsGlobalNamespace: true });

        private bool Releases(ControlFlowRegion region)
        {
            if (_releasingRegion.TryGetValue(region, out var known)) return known;
            var result = false;
            for (var i = region.FirstBlockOrdinal; i <= region.LastBlockOrdinal && !result; i++)
            {
                var block = _cfg.Blocks[i];
                foreach (var op in block.Operations)
                    if (ContainsRelease(op, _api, _call, _key)) { result = true; break; }
                if (!result && block.BranchValue is { } bv && ContainsRelease(bv, _api, _call, _key)) result = true;
            }
            _releasingRegion[region] = result;
            return result;
        }

        /// <summary>Finds the acquire in the graph and what state follows it.</summary>
        private bool Locate()
        {
            if (FlowHelpers.Find<IInvocationOperation>(_cfg, _acquire.Syntax) is not { } found) return false;
            var (block, index, inv) = found;
            _acquireBlock = block;
            _acquireIndex = index;
            var top = index >= 0 ? block.Operations[index] : block.BranchValue!;

            switch (_call.Condition)
            {
                case AcquireCondition.None:
                    if (index < 0) return false;
                    _afterAcquire = Held;
                    return true;

                case AcquireCondition.RefArgument:
                    if (index < 0) return false;
                    if (SymbolKey.StripConversions(LockApi.RefArgument(inv, _call.RefArgumentIndex)) is not ILocalReferenceOperation taken) return false;
                    _condition = taken.Local;
                    _afterAcquire = Conditional;
                    return true;

                default:
                    if (index < 0)
                    {
                        // if (lk.TryAcquire(t)) … / if (!lk.TryAcquire(t)) return; — held where the call returned true.
                        return block.ConditionKind != ControlFlowConditionKind.None && StripAwait(top) == inv;
                    }
                    if (StripAwait(top) == inv)
                    {
                        _afterAcquire = Held; // result ignored
                        return true;
                    }
                    if (top is ISimpleAssignmentOperation { Target: ILocalReferenceOperation target } assignment && StripAwait(assignment.Value) == inv)
                    {
                        _condition = target.Local;
                        _afterAcquire = Conditional;
                        return true;
                    }
                    return false; // the result is handed on (returned, passed, combined): not tracked
            }
        }

        private static IOperation? StripAwait(IOperation? operation)
        {
            operation = SymbolKey.StripConversions(operation);
            if (operation is IAwaitOperation await) operation = SymbolKey.StripConversions(await.Operation);
            if (operation is IInvocationOperation { TargetMethod.Name: "ConfigureAwait", Instance: { } inner }) operation = SymbolKey.StripConversions(inner);
            return operation;
        }
    }

    /// <summary>What the code fix can do, computed on the original tree where semantics are at hand.</summary>
    private static ImmutableDictionary<string, string?> FixProperties(IInvocationOperation acquire, LockCall call, SymbolKey key, LockApi api)
    {
        var none = ImmutableDictionary<string, string?>.Empty;
        if (call.Condition != AcquireCondition.None) return none;

        IOperation statement = acquire;
        while (statement.Parent is IConversionOperation or IAwaitOperation or IParenthesizedOperation) statement = statement.Parent;
        if (statement.Parent is IInvocationOperation { TargetMethod.Name: "ConfigureAwait" } configure && configure.Parent is IAwaitOperation aw)
            statement = aw;
        if (statement.Parent is not IExpressionStatementOperation expressionStatement
            || expressionStatement.Parent is not IBlockOperation { Syntax: Microsoft.CodeAnalysis.CSharp.Syntax.BlockSyntax } block)
            return none;

        var ops = block.Operations;
        var start = ops.IndexOf(expressionStatement);
        if (start < 0) return none;
        var end = ops.Length; // exclusive
        for (var k = ops.Length - 1; k > start; k--)
        {
            if (ops[k] is IExpressionStatementOperation es && SymbolKey.StripConversions(es.Operation) is IInvocationOperation inv
                && api.IsReleaseOf(inv, call, key))
            {
                end = k;
                break;
            }
        }

        var declared = new HashSet<ISymbol>(SymbolEqualityComparer.Default);
        var hasAwait = false;
        for (var i = start + 1; i < end; i++)
        {
            if (ContainsRelease(ops[i], api, call, key)) return none;
            var group = ops[i] as IVariableDeclarationGroupOperation ?? (ops[i] as IUsingDeclarationOperation)?.DeclarationGroup;
            if (group is not null)
                foreach (var decl in group.Declarations)
                    foreach (var d in decl.Declarators)
                        declared.Add(d.Symbol);
            foreach (var d in ops[i].DescendantsAndSelf())
            {
                if (d is IAwaitOperation) hasAwait = true;
                if (d is ILocalFunctionOperation lf) declared.Add(lf.Symbol);
            }
        }
        if (declared.Count > 0)
        {
            for (var i = end + 1; i < ops.Length; i++)
                foreach (var d in ops[i].DescendantsAndSelf())
                {
                    ISymbol? used = d switch
                    {
                        ILocalReferenceOperation l => l.Local,
                        IInvocationOperation inv => inv.TargetMethod,
                        IMethodReferenceOperation mr => mr.Method,
                        _ => null,
                    };
                    if (used is not null && declared.Contains(used)) return none;
                }
        }

        string kind;
        if (LockApi.HasHold(call.Family) && acquire.TargetMethod.Name == "Acquire")
        {
            kind = FixHold;
        }
        else if (call.Family.Name == "Monitor" && end < ops.Length && !hasAwait
            && SymbolKey.StripConversions(call.LockOperation)?.Type is { IsReferenceType: true } lockType
            && !(lockType.Name == "Lock" && lockType.ContainingNamespace?.ToDisplayString() == "System.Threading"))
        {
            kind = FixLock;
        }
        else
        {
            kind = FixTryFinally;
        }

        var builder = ImmutableDictionary.CreateBuilder<string, string?>();
        builder[FixKindProperty] = kind;
        builder[ReleaseNameProperty] = call.ReleaseName;
        builder[ReleaseTakesLockArgumentProperty] = call.Family.Name == "Monitor" ? "true" : "false";
        if (end < ops.Length) builder[ReleaseStartProperty] = ops[end].Syntax.SpanStart.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return builder.ToImmutable();
    }
}
