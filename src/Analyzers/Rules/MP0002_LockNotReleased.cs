namespace Multiproc.Analyzers;

/// <summary>
/// MP0002: a lock acquired and not released on every path, exceptions included. Hosted by
/// <see cref="LockNotReleasedAnalyzer"/>, which calls <see cref="AnalyzeInvocation"/> for every invocation of a type.
/// </summary>
internal static partial class LockNotReleased
{
    /// <summary>Diagnostic property: which fix applies (<see cref="FixHold"/>, <see cref="FixLock"/>, <see cref="FixTryFinally"/>); absent when none.</summary>
    public const string FixKindProperty = "FixKind";
    /// <summary>Diagnostic property: span start of the release statement that closes the region (absent: end of block).</summary>
    public const string ReleaseStartProperty = "ReleaseStart";
    /// <summary>Diagnostic property: name of the matching release method.</summary>
    public const string ReleaseNameProperty = "ReleaseName";
    /// <summary>Diagnostic property: "true" when the release takes the lock object as its argument (Monitor.Exit).</summary>
    public const string ReleaseTakesLockArgumentProperty = "ReleaseTakesLock";

    /// <summary>Diagnostic property: for <c>var m = new Mutex(true, …)</c>, the variable the release is called on.</summary>
    public const string LockVariableProperty = "LockVariable";

    public const string FixHold = "Hold";
    public const string FixLock = "Lock";
    public const string FixTryFinally = "TryFinally";

    private const int Held = 1;
    private const int Conditional = 2;

    /// <summary>Per type: the release calls of the type, and reports that depend on which member locks they release.</summary>
    /// <remarks>
    /// One per named type of the compilation, most of which never acquire a lock. A release call is only recorded (one list
    /// node, pushed without a lock: a type's operations may be analyzed on several threads), not classified: which member
    /// lock it releases is read only at the type's end, and only when a report is pending (a member lock acquired and
    /// released nowhere in its method), which is rare; a type with nothing pending ends without looking at them (fifteenth
    /// session: the releases' classification and the locked set were ~2 ms a pass of the benchmark corpus's 545 releases,
    /// for a set read by a handful of types). <see cref="LockApi.Classify(IInvocationOperation, LockFamily)"/> is a pure
    /// function of the operation, so classifying at the end gives what classifying at the call gave. The recorded
    /// operations (and through their parents the operation trees of their bodies) are held until the type ends, then
    /// dropped: the list is emptied at the end whether or not it was read.
    /// </remarks>
    internal sealed class TypeState
    {
        /// <param name="eagerFixProperties">Whether reports carry the fix properties (<see cref="FixProperties"/>), as before the
        /// fixer computed them (<see cref="FixPropertiesAt"/>): only for the tests that compare the two.</param>
        public TypeState(bool eagerFixProperties = false) => EagerFixProperties = eagerFixProperties;

        /// <summary>Whether this type's reports carry the fix properties (tests only; see <see cref="LockNotReleasedAnalyzer"/>).</summary>
        public bool EagerFixProperties { get; }

        private ReleaseNode? _releases;
        private List<(ISymbol Member, Diagnostic Diagnostic)>? _pending;

        private sealed class ReleaseNode(IInvocationOperation invocation, LockFamily family)
        {
            public IInvocationOperation Invocation { get; } = invocation;
            public LockFamily Family { get; } = family;
            public ReleaseNode? Next;
        }

        /// <summary>Records a call whose name is a release's (<see cref="CallRole.Release"/>) of a method of <paramref name="family"/>.</summary>
        public void AddRelease(IInvocationOperation invocation, LockFamily family)
        {
            var node = new ReleaseNode(invocation, family);
            ReleaseNode? head;
            do
            {
                head = System.Threading.Volatile.Read(ref _releases);
                node.Next = head;
            }
            while (System.Threading.Interlocked.CompareExchange(ref _releases, node, head) != head);
        }

        public void AddPending(ISymbol member, Diagnostic diagnostic)
        {
            lock (this) (_pending ??= new List<(ISymbol, Diagnostic)>()).Add((member, diagnostic));
        }

        public void Flush(SymbolAnalysisContext context, LockApi api)
        {
            // The symbol end action runs once every operation action of the type has (no more releases come).
            var releases = System.Threading.Interlocked.Exchange(ref _releases, null);
            lock (this)
            {
                if (_pending is null) return;
                var released = ReleasedMembers(releases, api);
                foreach (var (member, diagnostic) in _pending)
                    if (!Contains(released, member)) context.ReportDiagnostic(diagnostic);
            }
        }

        /// <summary>The member locks the recorded calls release (what the invocation gate used to collect call by call).</summary>
        private static List<ISymbol> ReleasedMembers(ReleaseNode? releases, LockApi api)
        {
            var members = new List<ISymbol>();
            for (var n = releases; n is not null; n = n.Next)
            {
                if (api.Classify(n.Invocation, n.Family) is { IsAcquire: false, Key: { IsMember: true } key } && !Contains(members, key.Symbol))
                    members.Add(key.Symbol);
            }
            return members;
        }

        private static bool Contains(List<ISymbol> members, ISymbol member)
        {
            foreach (var m in members)
                if (SymbolEqualityComparer.Default.Equals(m, member)) return true;
            return false;
        }
    }

    internal static void AnalyzeInvocation(OperationAnalysisContext context, INamedTypeSymbol type, LockApi api, TypeState state, bool structured)
    {
        var invocation = (IInvocationOperation)context.Operation;
        // The containing type first, by reference (LockApi.FamilyOf: the name is a cold string on most calls), then the name.
        var method = invocation.TargetMethod;
        var family = api.FamilyOf(method.ContainingType);
        if (family == LockFamily.None) return;
        var role = LockApi.RoleOf(method.Name);
        if (role == CallRole.None) return;
        // Operations of nested types are analyzed by the nested type's own start action.
        if (!SymbolEqualityComparer.Default.Equals(context.ContainingSymbol.ContainingType, type)) return;
        if (role == CallRole.Release)
        {
            // Read at the type's end only if a report waits on it (TypeState).
            state.AddRelease(invocation, family);
            return;
        }
        if (api.Classify(invocation, family) is not { IsAcquire: true, Key: { } key } call) return;
        AnalyzeAcquire(context, invocation, call, key, api, state, structured);
    }

    /// <summary><c>new Mutex(true, …)</c>: the creating thread owns the mutex (see <see cref="LockApi.ClassifyCreation"/>).</summary>
    internal static void AnalyzeCreation(OperationAnalysisContext context, INamedTypeSymbol type, LockApi api, TypeState state, bool structured)
    {
        var creation = (IObjectCreationOperation)context.Operation;
        // Argument count first (no symbol work), then the constructor's type by reference (LockApi.IsMutexConstructor: no
        // SymbolEqualityComparer on each of the ~8,000 creations; its Name would ask whether it is an extension).
        // (Testing the arguments for a constant true before the type was tried: it measured slower, the tenth session.)
        if (creation.Arguments.Length == 0 || !api.IsMutexConstructor(creation)) return;
        if (!SymbolEqualityComparer.Default.Equals(context.ContainingSymbol.ContainingType, type)) return;
        if (api.ClassifyCreation(creation) is not { Key: { } key } call) return;
        AnalyzeAcquire(context, creation, call, key, api, state, structured);
    }

    private static void AnalyzeAcquire(OperationAnalysisContext context, IOperation invocation, LockCall call, SymbolKey key, LockApi api, TypeState state, bool structured)
    {
        // The common compliant shapes need no control flow graph.
        if (ReleasedByFinally(invocation, call, key, api)) return;

        // Most acquires the graph would be built for (the ones MP0002 reports) have a shape the operation tree answers.
        // An escaping lock object and an Ok verdict both end here with nothing to report, so the escape walk (the whole
        // body) runs only where it decides something: after a structured reading that is not Ok, before a graph is built.
        var root = FlowHelpers.Root(invocation);
        Verdict verdict;
        FlowGraph? graph = null;
        IOperation? function = null;
        var released = false;
        if (structured && StructuredFlow.Run(invocation, call, key, api) is { } read)
        {
            (verdict, function, released) = read;
            if (verdict != Verdict.Ok && Escapes(root, invocation, key, api)) return;
        }
        else
        {
            if (Escapes(root, invocation, key, api)) return;
            var cfg = FlowHelpers.TryGraphFor(invocation, context);
            if (cfg is null) return;

            graph = new FlowGraph(cfg, ExceptionSemantics.FinallyOnEdges);
            verdict = new LockFlow(graph, api, call, key, invocation).Run();
        }
        if (verdict == Verdict.Ok) return;

        var descriptor = verdict == Verdict.Leak ? Descriptors.MP0002_LockNotReleased : Descriptors.MP0002_LockNotReleasedOnException;
        // No fix properties: the fixer computes them from the acquire when a fix is asked for (FixPropertiesAt), not every
        // build for every report (LockNotReleasedAnalyzer's remarks). The tests' eager analyzer still attaches them here.
        var properties = state.EagerFixProperties ? FixProperties(invocation, call, key, api) : null;
        var diagnostic = Diagnostic.Create(descriptor, invocation.Syntax.GetLocation(), properties, call.LockName);
        if (verdict == Verdict.Leak && key.IsMember
            && !(graph is not null ? HasAnyRelease(graph, api, call, key) : released || StructuredFlow.HasAnyReleaseIn(function!, api, call, key)))
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
    private static bool ReleasedByFinally(IOperation invocation, LockCall call, SymbolKey key, LockApi api)
    {
        IOperation child = invocation;
        for (var p = invocation.Parent; p is not null; child = p, p = p.Parent)
        {
            // By kind: one virtual call per level instead of four interface type tests.
            var kind = p.Kind;
            if (kind is OperationKind.AnonymousFunction or OperationKind.LocalFunction or OperationKind.MethodBody) break;
            if (kind == OperationKind.Try && p is ITryOperation { Finally: { } fin } t && child == t.Body && ContainsFinallyRelease(fin, api, call, key)) return true;
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
            case IVariableInitializerOperation { Parent: IVariableDeclaratorOperation { Parent: IVariableDeclarationOperation { Declarators.Length: 1, Parent: IVariableDeclarationGroupOperation { Declarations.Length: 1 } group } } }
                when call.Condition == AcquireCondition.None:
                // var cookie = rw.UpgradeToWriterLock(t); try … / var m = new Mutex(true); try …
                return NextIsReleasingTry(group, call, key, api);
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
        // By reference (ImmutableArray.IndexOf asks the default comparer, a virtual Equals, of each statement before).
        var operations = block.Operations;
        for (var i = 0; i + 1 < operations.Length; i++)
            if (ReferenceEquals(operations[i], statement)) return IsReleasingTry(operations[i + 1], call, key, api);
        return false;
    }

    private static bool IsReleasingTry(IOperation operation, LockCall call, SymbolKey key, LockApi api) =>
        operation is ITryOperation { Finally: { } fin } && ContainsFinallyRelease(fin, api, call, key);

    /// <summary>A release in a finally block, not one that runs only under <c>held-check &amp;&amp; other</c>.</summary>
    private static bool ContainsFinallyRelease(IOperation operation, LockApi api, LockCall call, SymbolKey key)
    {
        if (operation.Kind == OperationKind.Invocation && api.IsReleaseOf((IInvocationOperation)operation, call, key)
            && !UnderHeldCheckConjunction(operation.Syntax)) return true;
        foreach (var child in operation.ChildOperations)
            if (ContainsFinallyRelease(child, api, call, key)) return true;
        return false;
    }

    /// <summary>
    /// <c>if (Monitor.IsEntered(o) &amp;&amp; ok) Monitor.Exit(o);</c> in a finally: where <c>ok</c> is false the lock stays held,
    /// so such a release does not make the finally a releasing one. (A release under the held-check alone does.)
    /// </summary>
    internal static bool UnderHeldCheckConjunction(SyntaxNode release)
    {
        for (var n = release.Parent; n is not null && n is not Microsoft.CodeAnalysis.CSharp.Syntax.FinallyClauseSyntax; n = n.Parent)
        {
            if (n is Microsoft.CodeAnalysis.CSharp.Syntax.IfStatementSyntax { Condition: Microsoft.CodeAnalysis.CSharp.Syntax.BinaryExpressionSyntax and_ } ifStatement
                && and_.IsKind(Microsoft.CodeAnalysis.CSharp.SyntaxKind.LogicalAndExpression)
                && release.SpanStart >= ifStatement.Statement.SpanStart && release.Span.End <= ifStatement.Statement.Span.End
                && HasHeldCheckName(and_))
                return true;
        }
        return false;
    }

    private static bool HasHeldCheckName(SyntaxNode condition)
    {
        foreach (var n in condition.DescendantNodes())
            if (n is Microsoft.CodeAnalysis.CSharp.Syntax.SimpleNameSyntax { Identifier.ValueText: "IsEntered" or "IsReadLockHeld" or "IsWriteLockHeld"
                or "IsUpgradeableReadLockHeld" or "IsReaderLockHeld" or "IsWriterLockHeld" or "IsHeldByCurrentThread" })
                return true;
        return false;
    }

    /// <summary>
    /// The lock object is handed on: returned, stored, passed to a method that is not a lock API,
    /// or captured by a lambda or local function; whoever receives it may release it.
    /// </summary>
    /// <remarks>
    /// One walk of the body, testing each operation's <see cref="IOperation.Kind"/> against the one reference kind that can
    /// name the key's symbol (a local's key is only ever named by a local reference, and so on): no interface type test
    /// per operation and no key built for references of other kinds.
    /// </remarks>
    private static bool Escapes(IOperation root, IOperation acquire, SymbolKey key, LockApi api)
    {
        if (key.IsThis) return false;
        var kind = key.Symbol switch
        {
            ILocalSymbol => OperationKind.LocalReference,
            IParameterSymbol => OperationKind.ParameterReference,
            IFieldSymbol => OperationKind.FieldReference,
            IPropertySymbol => OperationKind.PropertyReference,
            _ => OperationKind.None,
        };
        if (kind == OperationKind.None) return false;
        foreach (var child in root.ChildOperations)
            if (EscapesIn(child, kind, acquire, key, api)) return true;
        return false;
    }

    private static bool EscapesIn(IOperation op, OperationKind kind, IOperation acquire, SymbolKey key, LockApi api)
    {
        if (op.Kind == kind && IsEscapingUse(op, acquire, key, api)) return true;
        foreach (var child in op.ChildOperations)
            if (EscapesIn(child, kind, acquire, key, api)) return true;
        return false;
    }

    private static bool IsEscapingUse(IOperation op, IOperation acquire, SymbolKey key, LockApi api)
    {
        if (SymbolKey.From(op) is not { } k || !k.Equals(key)) return false;

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
        return !key.IsMember && IsCapturedApartFrom(op, acquire);
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

    private static bool HasAnyRelease(FlowGraph graph, LockApi api, LockCall call, SymbolKey key)
    {
        for (var b = 0; b < graph.BlockCount; b++)
            foreach (var step in graph.Steps(b))
                if (ContainsRelease(step, api, call, key)) return true;
        return false;
    }

    /// <summary>Whether <paramref name="operation"/> or a descendant (nested functions included) releases the lock.</summary>
    private static bool ContainsRelease(IOperation operation, LockApi api, LockCall call, SymbolKey key)
    {
        if (operation.Kind == OperationKind.Invocation && api.IsReleaseOf((IInvocationOperation)operation, call, key)) return true;
        foreach (var child in operation.ChildOperations)
            if (ContainsRelease(child, api, call, key)) return true;
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

    /// <summary>
    /// Forward dataflow over a <see cref="FlowGraph"/> with <see cref="ExceptionSemantics.FinallyOnEdges"/>: is the lock held
    /// (or maybe held) where the method exits, or where an exception leaves it? A finally region that releases the lock
    /// clears the state on every edge that runs it, so its blocks are not walked; a condition on the acquire's result
    /// (or a held-check) gives each edge of the branch its own state; a held lock flows into the handlers of every
    /// enclosing try/catch.
    /// </summary>
    private sealed class LockFlow
    {
        private readonly FlowGraph _graph;
        private readonly LockApi _api;
        private readonly LockCall _call;
        private readonly SymbolKey _key;
        private readonly IOperation _acquire;
        private readonly Dictionary<ControlFlowRegion, bool> _releasingRegion = new();
        private System.Func<ControlFlowRegion, bool>? _releases;
        private int _acquireBlock = -1;
        private int _acquireIndex;
        private int _afterAcquire;
        private ILocalSymbol? _condition;
        private CaptureId? _conditionCapture;
        private Dictionary<ILocalSymbol, object?>? _localConstants;
        private bool _leak;
        private bool _leakOnException;

        public LockFlow(FlowGraph graph, LockApi api, LockCall call, SymbolKey key, IOperation acquire)
        {
            _graph = graph;
            _api = api;
            _call = call;
            _key = key;
            _acquire = acquire;
        }

        public Verdict Run()
        {
            if (!Locate()) return Verdict.Ok;

            var count = _graph.BlockCount;
            var entry = new int[count];
            var seen = new bool[count];
            var work = new Stack<int>();
            seen[0] = true;
            work.Push(0);
            while (work.Count > 0)
            {
                var b = work.Pop();
                var steps = _graph.Steps(b);
                var bv = _graph.BranchValue(b);
                var operations = bv is null ? steps.Count : steps.Count - 1;
                var s = entry[b];
                var maxState = s;
                for (var i = 0; i < operations; i++)
                {
                    var op = steps[i];
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

                var acquiredByBranch = b == _acquireBlock && _acquireIndex == -1;
                if (bv is not null && s != 0 && !acquiredByBranch)
                {
                    if (ContainsRelease(bv, _api, _call, _key)) s = 0;
                    else if (!_leakOnException && CanThrow(bv) && !LockApi.IsHeldCheck(bv, _call.Family, _key) && !IsProtected(b)) _leakOnException = true;
                }
                maxState |= s;

                var whenTrue = s;
                var whenFalse = s;
                if (acquiredByBranch) whenTrue |= Held;
                if ((s & Conditional) != 0 && bv is not null && ConditionTest(bv) is { } sense)
                {
                    // The branch value tests the acquire's result (taken, createdNew, a switch on TryEnter): held where it was true.
                    var taken = (s & ~Conditional) | Held;
                    var notTaken = s & ~Conditional;
                    if (sense) { whenTrue = taken; whenFalse = notTaken; }
                    else { whenTrue = notTaken; whenFalse = taken; }
                }
                if (s != 0 && bv is not null && !acquiredByBranch && LockApi.IsHeldCheck(bv, _call.Family, _key))
                {
                    // if (Monitor.IsEntered(o)) …: where the check is false the lock is not held.
                    whenFalse = 0;
                }

                var fallThrough = _graph.FallThroughBranch(b);
                if (_graph.ConditionalBranch(b) is not { When: { } conditionalWhen } conditional)
                {
                    Follow(b, fallThrough, s, work, entry, seen);
                }
                else
                {
                    var onConditional = conditionalWhen ? whenTrue : whenFalse;
                    var onFallThrough = conditionalWhen ? whenFalse : whenTrue;
                    // A constant condition (literal, const, a local only ever assigned a constant) takes one edge only.
                    var constant = bv is null ? null : ConstantBool(bv);
                    var conditionalTaken = constant is not { } c || c == conditionalWhen;
                    if (conditionalTaken) Follow(b, conditional, onConditional, work, entry, seen);
                    if (constant is null || !conditionalTaken) Follow(b, fallThrough, onFallThrough, work, entry, seen);
                }

                // Exceptional edges: a held lock flows into the catch handlers of enclosing try blocks.
                if (maxState != 0)
                    foreach (var handler in _graph.ExceptionSuccessors(b))
                        Merge(handler, maxState, work, entry, seen);
            }

            return _leak ? Verdict.Leak : _leakOnException ? Verdict.LeakOnException : Verdict.Ok;
        }

        private void Follow(int from, FlowBranch branch, int s, Stack<int> work, int[] entry, bool[] seen)
        {
            if (s != 0)
            {
                foreach (var finallyRegion in branch.FinallyRegions)
                {
                    if (Releases(finallyRegion)) { s = 0; break; }
                }
            }
            if (branch.Target == FlowGraph.Escape)
            {
                if (s != 0 && !IsProtected(from)) _leakOnException = true;
                return;
            }
            if (branch.Target == FlowBranch.NoTarget) return;
            if (_graph.IsExit(branch.Target))
            {
                if (s != 0) _leak = true;
                return;
            }
            Merge(branch.Target, s, work, entry, seen);
        }

        private static void Merge(int ordinal, int s, Stack<int> work, int[] entry, bool[] seen)
        {
            var merged = entry[ordinal] | s;
            if (seen[ordinal] && merged == entry[ordinal]) return;
            seen[ordinal] = true;
            entry[ordinal] = merged;
            work.Push(ordinal);
        }

        /// <summary>Whether an exception thrown in block <paramref name="b"/> leaves the lock released or handled:
        /// an enclosing try whose finally releases it, or whose catch-all handler is analysed as ordinary flow.</summary>
        private bool IsProtected(int b) => _graph.ExceptionHandled(b, _releases ??= Releases);

        private bool Releases(ControlFlowRegion region)
        {
            if (_releasingRegion.TryGetValue(region, out var known)) return known;
            var result = false;
            for (var i = region.FirstBlockOrdinal; i <= region.LastBlockOrdinal && !result; i++)
            {
                foreach (var step in _graph.Steps(i))
                    if (ContainsUnconjoinedRelease(step)) { result = true; break; }
            }
            _releasingRegion[region] = result;
            return result;
        }

        /// <summary>
        /// A release in a finally region counts unless it runs only under <c>held-check &amp;&amp; other</c>
        /// (<c>if (Monitor.IsEntered(o) &amp;&amp; ok) Monitor.Exit(o);</c>): where <c>other</c> is false the lock stays held.
        /// </summary>
        private bool ContainsUnconjoinedRelease(IOperation operation)
        {
            foreach (var d in operation.DescendantsAndSelf())
                if (d is IInvocationOperation inv && _api.IsReleaseOf(inv, _call, _key) && !UnderHeldCheckConjunction(inv.Syntax)) return true;
            return false;
        }

        private bool IsConditionVariable(IOperation? operation) => SymbolKey.StripConversions(operation) switch
        {
            ILocalReferenceOperation l => _condition is not null && SymbolEqualityComparer.Default.Equals(l.Local, _condition),
            IFlowCaptureReferenceOperation f => _conditionCapture is { } id && f.Id.Equals(id),
            _ => false,
        };

        /// <summary>When <paramref name="branchValue"/> tests the acquire's result: the result for which it is true.</summary>
        private bool? ConditionTest(IOperation branchValue)
        {
            var op = SymbolKey.StripConversions(branchValue);
            var sense = true;
            while (op is IUnaryOperation { OperatorKind: UnaryOperatorKind.Not } not)
            {
                sense = !sense;
                op = SymbolKey.StripConversions(not.Operand);
            }
            if (IsConditionVariable(op)) return sense;
            switch (op)
            {
                case IBinaryOperation { OperatorKind: BinaryOperatorKind.Equals or BinaryOperatorKind.NotEquals } binary:
                {
                    bool c;
                    if (IsConditionVariable(binary.LeftOperand) && binary.RightOperand.ConstantValue is { HasValue: true, Value: bool r }) c = r;
                    else if (IsConditionVariable(binary.RightOperand) && binary.LeftOperand.ConstantValue is { HasValue: true, Value: bool l }) c = l;
                    else return null;
                    if (binary.OperatorKind == BinaryOperatorKind.NotEquals) c = !c;
                    return sense ? c : !c;
                }
                case IIsPatternOperation { Pattern: IConstantPatternOperation { Value.ConstantValue: { HasValue: true, Value: bool p } } } isPattern
                    when IsConditionVariable(isPattern.Value):
                    return sense ? p : !p;
                default:
                    return null;
            }
        }

        /// <summary>The value of a condition that is a constant: a literal or const, or a comparison of constants and locals only ever assigned a constant.</summary>
        private bool? ConstantBool(IOperation branchValue)
        {
            if (branchValue.ConstantValue is { HasValue: true, Value: bool b }) return b;
            var op = SymbolKey.StripConversions(branchValue);
            if (op is ILocalReferenceOperation) return ConstantOf(op) as bool?;
            if (op is not IBinaryOperation { LeftOperand: var left, RightOperand: var right } binary) return null;
            var l = ConstantOf(left);
            var r = l is null ? null : ConstantOf(right);
            if (l is null || r is null) return null;
            if (l is bool || r is bool || l is string || r is string || l is char || r is char)
            {
                return binary.OperatorKind switch
                {
                    BinaryOperatorKind.Equals => Equals(l, r),
                    BinaryOperatorKind.NotEquals => !Equals(l, r),
                    _ => null,
                };
            }
            if (l is not System.IConvertible || r is not System.IConvertible) return null;
            decimal x, y;
            try
            {
                x = System.Convert.ToDecimal(l, System.Globalization.CultureInfo.InvariantCulture);
                y = System.Convert.ToDecimal(r, System.Globalization.CultureInfo.InvariantCulture);
            }
            catch (System.Exception e) when (e is System.FormatException or System.InvalidCastException or System.OverflowException)
            {
                return null;
            }
            return binary.OperatorKind switch
            {
                BinaryOperatorKind.Equals => x == y,
                BinaryOperatorKind.NotEquals => x != y,
                BinaryOperatorKind.LessThan => x < y,
                BinaryOperatorKind.LessThanOrEqual => x <= y,
                BinaryOperatorKind.GreaterThan => x > y,
                BinaryOperatorKind.GreaterThanOrEqual => x >= y,
                _ => null,
            };
        }

        private object? ConstantOf(IOperation operation)
        {
            if (operation.ConstantValue is { HasValue: true } cv) return cv.Value;
            if (SymbolKey.StripConversions(operation) is not ILocalReferenceOperation local) return null;
            _localConstants ??= LocalConstants(_graph.Root);
            return _localConstants.TryGetValue(local.Local, out var value) ? value : null;
        }

        /// <summary>Locals initialized with a constant and never written again (no assignment, ++/--, ref or out use).</summary>
        private static Dictionary<ILocalSymbol, object?> LocalConstants(IOperation root)
        {
            var constants = new Dictionary<ILocalSymbol, object?>(SymbolEqualityComparer.Default);
            var written = new HashSet<ILocalSymbol>(SymbolEqualityComparer.Default);
            foreach (var d in root.Descendants())
            {
                switch (d)
                {
                    case IVariableDeclaratorOperation { Symbol: { RefKind: RefKind.None } symbol, Initializer.Value.ConstantValue: { HasValue: true, Value: not null } value }:
                        if (!constants.ContainsKey(symbol)) constants[symbol] = value.Value;
                        else written.Add(symbol);
                        break;
                    case ILocalReferenceOperation reference when IsWrite(reference):
                        written.Add(reference.Local);
                        break;
                }
            }
            foreach (var w in written) constants.Remove(w);
            return constants;
        }

        private static bool IsWrite(ILocalReferenceOperation reference)
        {
            if (reference.IsDeclaration) return true;
            IOperation use = reference;
            while (use.Parent is IConversionOperation or IParenthesizedOperation) use = use.Parent;
            return use.Parent switch
            {
                IAssignmentOperation assignment => assignment.Target == use,
                IIncrementOrDecrementOperation => true,
                IArgumentOperation { Parameter.RefKind: not RefKind.None and not RefKind.In } => true,
                IArgumentOperation { Parameter: null } => true,
                IVariableInitializerOperation { Parent: IVariableDeclaratorOperation { Symbol.RefKind: not RefKind.None } } => true,
                ITupleOperation or IDeclarationExpressionOperation => true, // (a, b) = …, out var: conservatively a write
                _ => false,
            };
        }

        /// <summary>Finds the acquire in the graph and what state follows it.</summary>
        private bool Locate()
        {
            if ((_acquire is IObjectCreationOperation
                    ? _graph.Find<IObjectCreationOperation>(_acquire.Syntax) is { } c ? (c.Block, c.Index, (IOperation)c.Operation) : default((int, int, IOperation)?)
                    : _graph.Find<IInvocationOperation>(_acquire.Syntax) is { } f ? (f.Block, f.Index, (IOperation)f.Operation) : default((int, int, IOperation)?))
                is not { } found) return false;
            var (block, index, inv) = found;
            _acquireBlock = block;
            _acquireIndex = index;
            var steps = _graph.Steps(block);
            var top = index >= 0 ? steps[index] : _graph.BranchValue(block)!;
            if (top is IExpressionStatementOperation statement) top = statement.Operation;

            switch (_call.Condition)
            {
                case AcquireCondition.None:
                    if (index < 0) return false;
                    _afterAcquire = Held;
                    return true;

                case AcquireCondition.RefArgument:
                    if (index < 0) return false;
                    var refArgument = SymbolKey.StripConversions(LockApi.RefArgument(inv, _call.RefArgumentIndex));
                    if (refArgument is IDeclarationExpressionOperation declaration) refArgument = SymbolKey.StripConversions(declaration.Expression);
                    if (refArgument is not ILocalReferenceOperation taken) return false;
                    _condition = taken.Local;
                    _afterAcquire = Conditional;
                    return true;

                default:
                    if (index < 0)
                    {
                        // if (lk.TryAcquire(t)) … / if (!lk.TryAcquire(t)) return; — held where the call returned true.
                        return _graph.ConditionalBranch(block).When is not null && StripAwait(top) == inv;
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
                    if (top is ISimpleAssignmentOperation { Target: IDiscardOperation } discarded && StripAwait(discarded.Value) == inv)
                    {
                        _afterAcquire = Held; // _ = Monitor.TryEnter(o): result discarded, held as far as anyone knows
                        return true;
                    }
                    if (top is IFlowCaptureOperation capture && StripAwait(capture.Value) == inv)
                    {
                        // switch (Monitor.TryEnter(o)) { case true: … }: the cases test the captured result.
                        _conditionCapture = capture.Id;
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

    /// <summary>
    /// For <see cref="FixProperties"/>, one statement of the region the fix wraps: true when it (or a nested function in it)
    /// releases the lock; otherwise notes an await in it and adds the local functions it declares to <paramref name="declared"/>.
    /// </summary>
    private static bool RegionStatement(IOperation operation, LockApi api, LockCall call, SymbolKey key, HashSet<ISymbol> declared, ref bool hasAwait)
    {
        switch (operation.Kind)
        {
            case OperationKind.Invocation:
                if (api.IsReleaseOf((IInvocationOperation)operation, call, key)) return true;
                break;
            case OperationKind.Await:
                hasAwait = true;
                break;
            case OperationKind.LocalFunction:
                declared.Add(((ILocalFunctionOperation)operation).Symbol);
                break;
        }
        foreach (var child in operation.ChildOperations)
            if (RegionStatement(child, api, call, key, declared, ref hasAwait)) return true;
        return false;
    }

    /// <summary>Whether <paramref name="operation"/> or a descendant names a local or calls a local function of <paramref name="declared"/>.</summary>
    private static bool UsesAny(IOperation operation, HashSet<ISymbol> declared)
    {
        ISymbol? used = operation.Kind switch
        {
            OperationKind.LocalReference => ((ILocalReferenceOperation)operation).Local,
            OperationKind.Invocation => ((IInvocationOperation)operation).TargetMethod,
            OperationKind.MethodReference => ((IMethodReferenceOperation)operation).Method,
            _ => null,
        };
        if (used is not null && declared.Contains(used)) return true;
        foreach (var child in operation.ChildOperations)
            if (UsesAny(child, declared)) return true;
        return false;
    }

    /// <summary>
    /// What the code fix can do, computed on the original tree where semantics are at hand: by the fixer, through
    /// <see cref="FixPropertiesAt"/> (and by the analyzer only with <see cref="TypeState.EagerFixProperties"/>, for the tests).
    /// </summary>
    private static ImmutableDictionary<string, string?> FixProperties(IOperation acquire, LockCall call, SymbolKey key, LockApi api)
    {
        var none = ImmutableDictionary<string, string?>.Empty;
        if (call.Condition != AcquireCondition.None) return none;

        IOperation statement = acquire;
        while (statement.Parent is IConversionOperation or IAwaitOperation or IParenthesizedOperation) statement = statement.Parent;
        if (statement.Parent is IInvocationOperation { TargetMethod.Name: "ConfigureAwait" } configure && configure.Parent is IAwaitOperation aw)
            statement = aw;
        IOperation? expressionStatement = statement.Parent as IExpressionStatementOperation;
        var isCreation = acquire is IObjectCreationOperation;
        if (isCreation)
        {
            // var m = new Mutex(true, …); (or using var m = …;): the statement is the declaration.
            expressionStatement = statement.Parent is IVariableInitializerOperation { Parent: IVariableDeclaratorOperation { Parent: IVariableDeclarationOperation { Declarators.Length: 1, Parent: IVariableDeclarationGroupOperation { Declarations.Length: 1 } group } } }
                ? group.Parent is IUsingDeclarationOperation usingDeclaration ? usingDeclaration : group
                : null;
        }
        if (expressionStatement is null
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
            // One walk: a release in the region (no fix), an await in it, the local functions it declares.
            if (RegionStatement(ops[i], api, call, key, declared, ref hasAwait)) return none;
            var group = ops[i] as IVariableDeclarationGroupOperation ?? (ops[i] as IUsingDeclarationOperation)?.DeclarationGroup;
            if (group is not null)
                foreach (var decl in group.Declarations)
                    foreach (var d in decl.Declarators)
                        declared.Add(d.Symbol);
        }
        if (declared.Count > 0)
        {
            for (var i = end + 1; i < ops.Length; i++)
                if (UsesAny(ops[i], declared)) return none;
        }

        string kind;
        if (isCreation)
        {
            kind = FixTryFinally;
        }
        else if (api.HasHold(call.Family) && acquire is IInvocationOperation { TargetMethod.Name: "Acquire" })
        {
            kind = FixHold;
        }
        else if (api.IsMonitor(call.Family) && end < ops.Length && !hasAwait
            && SymbolKey.StripConversions(call.LockOperation)?.Type is { IsReferenceType: true } lockType
            && !(lockType.Name == "Lock" && lockType.ContainingNamespace?.ToDisplayString() == "System.Threading"))
        {
            kind = FixLock;
        }
        else
        {
            kind = FixTryFinally;
        }

        // The three properties every fix has come from a few combinations, made once (an immutable dictionary built from
        // nothing costs a tree node, a hash and a rebalance per entry); the position and the variable are added to it.
        var properties = PropertyBase(kind, call.ReleaseName, api.IsMonitor(call.Family));
        if (end < ops.Length) properties = properties.Add(ReleaseStartProperty, ops[end].Syntax.SpanStart.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (isCreation) properties = properties.Add(LockVariableProperty, key.Symbol.Name);
        return properties;
    }

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<(string Kind, string ReleaseName, bool TakesLock), ImmutableDictionary<string, string?>> PropertyBases = new();

    /// <summary><see cref="FixKindProperty"/>, <see cref="ReleaseNameProperty"/> and <see cref="ReleaseTakesLockArgumentProperty"/>, shared.</summary>
    private static ImmutableDictionary<string, string?> PropertyBase(string kind, string releaseName, bool takesLock) =>
        PropertyBases.GetOrAdd((kind, releaseName, takesLock), static k => ImmutableDictionary<string, string?>.Empty
            .Add(FixKindProperty, k.Kind)
            .Add(ReleaseNameProperty, k.ReleaseName)
            .Add(ReleaseTakesLockArgumentProperty, k.TakesLock ? "true" : "false"));
}
