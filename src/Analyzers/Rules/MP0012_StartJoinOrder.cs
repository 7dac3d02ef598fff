namespace Multiproc.Analyzers;

/// <summary>
/// MP0012: <c>Start()</c> on a <c>ChildProcess</c> that may already be started, or <c>Join</c> on one that may
/// not be started yet, on some path. A forward may-analysis over the control flow graph tracks, for each local
/// and parameter of type <c>ChildProcess</c>, whether it can be not-started (assigned a <c>new ChildProcess(…)</c>),
/// started, or unknown (a parameter, assigned something else, or handed on). Variables captured by a lambda or
/// local function are not tracked.
/// </summary>
internal static class StartJoinOrder
{
    private const int NotStarted = 1;
    private const int Started = 2;
    private const int Unknown = 4;

    /// <summary>
    /// Starts and joins out of order over <paramref name="graph"/>: a function's graph with
    /// <see cref="ExceptionSemantics.ExplicitThrowsAndImplicitEdges"/>, or a linear or structured one
    /// (<see cref="FlowGraph.Linear"/>, <see cref="FlowGraph.Structured"/>).
    /// </summary>
    internal static void Analyze(FlowGraph graph, MultiprocTypes types, System.Action<Diagnostic> report) =>
        new Analysis(graph.Root, types).Run(graph, report);

    internal static bool IsStartOrJoin(IInvocationOperation inv, MultiprocTypes types) =>
        inv.TargetMethod.Name is "Start" or "Join" or "JoinAsync" && types.IsChildProcess(inv.TargetMethod.ContainingType);

    private sealed class Analysis
    {
        private readonly IOperation _function;
        private readonly MultiprocTypes _types;
        private readonly HashSet<ISymbol> _untracked = new(SymbolEqualityComparer.Default);
        private readonly Dictionary<CaptureId, bool> _captureIsCreation = new();

        /// <param name="function">The function analyzed: a body, or a lambda or local function (a graph's original operation).</param>
        public Analysis(IOperation function, MultiprocTypes types)
        {
            _function = function;
            _types = types;
        }

        /// <summary>Variables used inside nested functions may be started or joined there: not tracked.</summary>
        private void FindUntracked()
        {
            foreach (var child in _function.ChildOperations) FindUntracked(child, inNestedFunction: false);
        }

        private void FindUntracked(IOperation op, bool inNestedFunction)
        {
            // One switch on the kind (each of these kinds is one interface): most operations are of none of them.
            switch (op.Kind)
            {
                case OperationKind.AnonymousFunction:
                case OperationKind.LocalFunction:
                    inNestedFunction = true;
                    break;
                case OperationKind.LocalReference when inNestedFunction:
                    _untracked.Add(((ILocalReferenceOperation)op).Local);
                    break;
                case OperationKind.ParameterReference when inNestedFunction:
                    _untracked.Add(((IParameterReferenceOperation)op).Parameter);
                    break;
            }
            foreach (var child in op.ChildOperations) FindUntracked(child, inNestedFunction);
        }

        /// <summary>
        /// The states (not started, started, unknown) of each tracked process over <paramref name="graph"/> to a fixpoint;
        /// each block keeps the diagnostics of its last visit, which ran on its final input state (every change of a block's
        /// input queues it again), so no second pass over the steps is needed; they are reported in block order, as that pass
        /// did. Only graphs with a Start/Join get here: the body's own (the analyzer's gate) and the nested functions that hold one.
        /// </summary>
        public void Run(FlowGraph graph, System.Action<Diagnostic> report)
        {
            FindUntracked();
            var n = graph.BlockCount;
            var input = new Dictionary<ISymbol, int>?[n];
            input[0] = new Dictionary<ISymbol, int>(SymbolEqualityComparer.Default);
            var work = new Queue<int>();
            var queued = new bool[n];
            // The diagnostics of each block's last visit (null: none); a visit replaces them.
            var found = new List<Diagnostic>?[n];
            List<Diagnostic>? visitFound = null;
            void Found(Diagnostic d) => (visitFound ??= new List<Diagnostic>()).Add(d);
            System.Action<Diagnostic> found1 = Found;
            work.Enqueue(0);
            queued[0] = true;
            while (work.Count > 0)
            {
                var b = work.Dequeue();
                queued[b] = false;
                var state = new Dictionary<ISymbol, int>(input[b]!, SymbolEqualityComparer.Default);
                // The state at the block's entry is only needed for its exception successors (most blocks have none).
                var before = graph.ExceptionSuccessors(b).Count > 0 ? new Dictionary<ISymbol, int>(state, SymbolEqualityComparer.Default) : null;
                visitFound = null;
                Transfer(graph.Steps(b), state, found1);
                found[b] = visitFound;
                void Flow(int target, Dictionary<ISymbol, int> s)
                {
                    if (target < 0) return;
                    if (Merge(ref input[target], s) && !queued[target])
                    {
                        queued[target] = true;
                        work.Enqueue(target);
                    }
                }
                foreach (var s in graph.NormalSuccessors(b)) Flow(s, state);
                if (before is not null)
                {
                    foreach (var kv in before)
                        state[kv.Key] = state.TryGetValue(kv.Key, out var v) ? v | kv.Value : kv.Value;
                    foreach (var s in graph.ExceptionSuccessors(b)) Flow(s, state);
                }
            }

            HashSet<SyntaxNode>? reported = null;
            for (var b = 0; b < n; b++)
            {
                if (found[b] is not { } diagnostics) continue;
                foreach (var d in diagnostics)
                    if ((reported ??= new HashSet<SyntaxNode>()).Add(d.Location.SourceTree!.GetRoot().FindNode(d.Location.SourceSpan))) report(d);
            }
        }

        private static bool Merge(ref Dictionary<ISymbol, int>? target, Dictionary<ISymbol, int> incoming)
        {
            if (target is null)
            {
                target = new Dictionary<ISymbol, int>(incoming, SymbolEqualityComparer.Default);
                return true;
            }
            var changed = false;
            foreach (var kv in incoming)
            {
                var old = target.TryGetValue(kv.Key, out var v) ? v : 0;
                if ((old | kv.Value) != old)
                {
                    target[kv.Key] = old | kv.Value;
                    changed = true;
                }
            }
            return changed;
        }

        private bool IsStartOrJoin(IInvocationOperation inv) => StartJoinOrder.IsStartOrJoin(inv, _types);

        private ISymbol? Tracked(IOperation? op)
        {
            while (op is IConversionOperation c) op = c.Operand;
            ISymbol? symbol = op switch
            {
                ILocalReferenceOperation l => l.Local,
                IParameterReferenceOperation p => p.Parameter,
                IFlowCaptureReferenceOperation r => _captureProcess is not null && _captureProcess.TryGetValue(r.Id, out var captured) ? captured : null,
                IConditionalAccessInstanceOperation i => ConditionalReceiver(i) is { } receiver ? Tracked(receiver) : null,
                _ => null,
            };
            return Tracked(symbol);
        }

        private ISymbol? Tracked(ISymbol? symbol)
        {
            if (symbol is null) return null;
            // The type first (a name compare for most): only processes are looked up among the untracked variables.
            var type = symbol is ILocalSymbol ls ? ls.Type : ((IParameterSymbol)symbol).Type;
            return _types.IsChildProcess(type) && !_untracked.Contains(symbol) ? symbol : null;
        }

        private void Transfer(StepList steps, Dictionary<ISymbol, int> state, System.Action<Diagnostic>? report)
        {
            foreach (var step in steps)
                Visit(step, state, report);
        }

        private void Visit(IOperation op, Dictionary<ISymbol, int> state, System.Action<Diagnostic>? report)
        {
            // One switch on the kind (each case's kind is its one interface), not a chain of interface type tests: most
            // operations are of none of these kinds. A case whose condition fails goes on to the children, as before.
            switch (op.Kind)
            {
                case OperationKind.AnonymousFunction:
                case OperationKind.LocalFunction:
                    // A function of its own (only met in linear graphs: a control flow graph holds none).
                    return;
                case OperationKind.VariableDeclarator when Tracked(((IVariableDeclaratorOperation)op).Symbol) is { } declared:
                {
                    var declarator = (IVariableDeclaratorOperation)op;
                    // A foreach loop's variable, at the start of each pass of a structured graph (a graph assigns it the
                    // enumerator's current element there): a process of unknown state.
                    if (declarator.Parent is IForEachLoopOperation)
                    {
                        state[declared] = Unknown;
                        return;
                    }
                    // A declaration with an initializer (a graph has an assignment instead).
                    if (declarator.GetVariableInitializer()?.Value is not { } initial) return;
                    Visit(initial, state, report);
                    state[declared] = IsCreation(initial) ? NotStarted : Unknown;
                    return;
                }
                case OperationKind.VariableDeclarator when TrackedCollection(((IVariableDeclaratorOperation)op).Symbol) is { } collection:
                {
                    var declarator = (IVariableDeclaratorOperation)op;
                    if (declarator.Parent is IForEachLoopOperation)
                    {
                        state[collection] = Unknown;
                        return;
                    }
                    if (declarator.GetVariableInitializer()?.Value is not { } initial) return;
                    Visit(initial, state, report);
                    state[collection] = IsNewCollection(initial) ? NotStarted : Unknown;
                    return;
                }
                case OperationKind.FlowCapture when IsConditionalReceiver((IFlowCaptureOperation)op) && Tracked(((IFlowCaptureOperation)op).Value) is { } receiver:
                {
                    // p?.Start(): a graph captures p and calls Start on the capture, a member receiver like p.Start(). The
                    // call is made here, before the null test: where p is null there is no process to start or join, and the
                    // paths that skip the call must not look like a process left unstarted.
                    var capture = (IFlowCaptureOperation)op;
                    if (capture.Syntax.Parent is Microsoft.CodeAnalysis.CSharp.Syntax.ConditionalAccessExpressionSyntax
                        {
                            WhenNotNull: Microsoft.CodeAnalysis.CSharp.Syntax.InvocationExpressionSyntax
                            {
                                Expression: Microsoft.CodeAnalysis.CSharp.Syntax.MemberBindingExpressionSyntax { Name.Identifier.ValueText: var called }
                            }
                        } access && called is "Start" or "Join" or "JoinAsync")
                    {
                        Apply(called, receiver, access.GetLocation(), state, report);
                        (_conditionalCalls ??= new HashSet<CaptureId>()).Add(capture.Id);
                    }
                    (_captureProcess ??= new Dictionary<CaptureId, ISymbol>())[capture.Id] = receiver;
                    return;
                }
                case OperationKind.FlowCapture:
                {
                    var capture = (IFlowCaptureOperation)op;
                    Visit(capture.Value, state, report);
                    _captureIsCreation[capture.Id] = ChildTargets.AsChildProcessCreation(capture.Value, _types) is not null;
                    return;
                }
                case OperationKind.SimpleAssignment when Tracked(((ISimpleAssignmentOperation)op).Target) is { } target:
                {
                    var assign = (ISimpleAssignmentOperation)op;
                    Visit(assign.Value, state, report);
                    state[target] = IsCreation(assign.Value) ? NotStarted : Unknown;
                    return;
                }
                case OperationKind.SimpleAssignment when TrackedCollection(((ISimpleAssignmentOperation)op).Target) is { } collection:
                {
                    var assign = (ISimpleAssignmentOperation)op;
                    Visit(assign.Value, state, report);
                    state[collection] = IsNewCollection(assign.Value) ? NotStarted : Unknown;
                    return;
                }
                case OperationKind.SimpleAssignment when ((ISimpleAssignmentOperation)op).Target is not ILocalReferenceOperation
                    && ElementOf(((ISimpleAssignmentOperation)op).Target) is { } stored:
                {
                    // ps[i] = …: an element replaced.
                    var assign = (ISimpleAssignmentOperation)op;
                    Visit(assign.Target, state, report);
                    Visit(assign.Value, state, report);
                    Stored(stored.Collection, assign.Value, state);
                    return;
                }
                case OperationKind.Invocation when ElementCall((IInvocationOperation)op, state, report):
                    return;
                case OperationKind.Invocation when IsStartOrJoin((IInvocationOperation)op) && Tracked(((IInvocationOperation)op).Instance) is { } process:
                {
                    var inv = (IInvocationOperation)op;
                    foreach (var a in inv.Arguments) Visit(a, state, report);
                    // Made at the capture already (p?.Start() in a graph).
                    if (inv.Instance is IFlowCaptureReferenceOperation r && _conditionalCalls?.Contains(r.Id) == true) return;
                    Apply(inv.TargetMethod.Name, process, TerminatedNotJoined.CallLocation(inv), state, report);
                    return;
                }
                case OperationKind.LocalReference or OperationKind.ParameterReference when Tracked(op) is { } used:
                    if (!IsMemberReceiver(op)) state[used] = Unknown;
                    return;
                case OperationKind.LocalReference or OperationKind.ParameterReference when TrackedCollection(op) is { } collection:
                    // Handed on (passed, stored, returned, queried): its elements may be started or replaced elsewhere.
                    if (!IsCollectionRead(op)) state[collection] = (state.TryGetValue(collection, out var held) ? held & ~NotStarted : 0) | Unknown;
                    return;
            }
            foreach (var child in op.ChildOperations)
                Visit(child, state, report);
        }

        // ------------------------------------------------------------ elements of arrays and lists

        /// <summary>
        /// The elements of a collection of processes (an array or <c>List&lt;ChildProcess&gt;</c> local or parameter) share one state
        /// under the collection's symbol: <see cref="NotStarted"/> (a new collection of new processes, none started since),
        /// <see cref="Started"/>, <see cref="Unknown"/>, and from bit <see cref="FirstElementBit"/> on, which element expressions
        /// started some of them (<see cref="ElementId"/>: an index variable or constant, a <c>foreach</c> variable, a
        /// <c>ForEach</c> call). A start through one expression where another may have started them starts some element twice
        /// (the same variable again is the next element, the same constant the same one; two different constants are two
        /// elements); a join where none was started on any path joins one never started.
        /// </summary>
        private const int FirstElementBit = 3;
        private const int MaxElementIds = 27;

        /// <summary>The element expressions met (their id is their index) and, per id, its constant index (or <see cref="NoConstant"/>).</summary>
        private Dictionary<object, int>? _elementIds;
        private List<object?>? _elementConstants;
        private static readonly object NoConstant = new();

        /// <summary>The <c>foreach</c> variables over tracked collections, mapped to the collection (read from the function's tree on first need).</summary>
        private Dictionary<ILocalSymbol, ISymbol>? _forEachElements;

        private ISymbol? TrackedCollection(IOperation? op)
        {
            while (op is IConversionOperation c) op = c.Operand;
            return op switch
            {
                ILocalReferenceOperation l => TrackedCollection(l.Local),
                IParameterReferenceOperation p => TrackedCollection(p.Parameter),
                _ => null,
            };
        }

        private ISymbol? TrackedCollection(ISymbol symbol)
        {
            var type = symbol is ILocalSymbol ls ? ls.Type : symbol is IParameterSymbol ps ? ps.Type : null;
            return type is IArrayTypeSymbol or INamedTypeSymbol { Name: "List", Arity: 1 } && ProcessNotJoined.IsProcessCollection(type, _types)
                && !_untracked.Contains(symbol) ? symbol : null;
        }

        /// <summary>A new array or list whose processes (if any) are all new: <c>new ChildProcess[n]</c>, <c>new List&lt;ChildProcess&gt;()</c>, <c>new[] { new ChildProcess(…) }</c>, <c>Select(… new ChildProcess(…)).ToList()</c>.</summary>
        private bool IsNewCollection(IOperation value)
        {
            while (value is IConversionOperation c) value = c.Operand;
            if (value is IInvocationOperation { TargetMethod.Name: "ToList" or "ToArray" } query)
                return value.Syntax.DescendantNodes().OfType<Microsoft.CodeAnalysis.CSharp.Syntax.ObjectCreationExpressionSyntax>().Any()
                    && query.Descendants().OfType<IInvocationOperation>().Any(i => i.TargetMethod.Name == "Select");
            if (value is not (IArrayCreationOperation or IObjectCreationOperation { Arguments.Length: 0 })) return false;
            foreach (var element in value.Descendants())
            {
                if (element is IObjectCreationOperation creation && !_types.IsChildProcess(creation.Type) && creation != value) return false;
                if (element is ILocalReferenceOperation or IParameterReferenceOperation or IFieldReferenceOperation or IPropertyReferenceOperation
                    && _types.IsChildProcess(element.Type)) return false;
                if (element is IInvocationOperation && _types.IsChildProcess(element.Type)) return false;
            }
            return true;
        }

        /// <summary>Whether a reference to a tracked collection only reads it: indexed, looped over, its size, a lookup.</summary>
        private static bool IsCollectionRead(IOperation reference)
        {
            var child = reference;
            var parent = reference.Parent;
            while (parent is IConversionOperation { IsImplicit: true })
            {
                child = parent;
                parent = parent.Parent;
            }
            return parent switch
            {
                IArrayElementReferenceOperation array => array.ArrayReference == child,
                IPropertyReferenceOperation property => property.Instance == child && (property.Property.IsIndexer || property.Property.Name is "Count" or "Length" or "Capacity"),
                IForEachLoopOperation loop => loop.Collection == child,
                IInvocationOperation invocation => invocation.Instance == child && invocation.TargetMethod.Name is "GetEnumerator" or "Contains" or "IndexOf",
                _ => false,
            };
        }

        /// <summary>An element of a tracked collection: <c>ps[x]</c> or a <c>foreach</c> variable over one; its collection and expression.</summary>
        private (ISymbol Collection, object Key, object? Constant)? ElementOf(IOperation? op)
        {
            while (op is IConversionOperation c) op = c.Operand;
            if (op is ILocalReferenceOperation { Local.IsForEach: true } variable)
                return ForEachElements().TryGetValue(variable.Local, out var over) ? (over, variable.Local, NoConstant) : null;
            if (!FlowHelpers.IsElementAccess(op, out var collection, out var index)) return null;
            if (TrackedCollection(collection) is not { } symbol) return null;
            while (index is IConversionOperation c) index = c.Operand;
            if (index.ConstantValue is { HasValue: true } constant) return (symbol, System.Tuple.Create(symbol, "const", constant.Value), constant.Value);
            object key = index switch
            {
                ILocalReferenceOperation l => System.Tuple.Create(symbol, "index", (object)l.Local),
                IParameterReferenceOperation p => System.Tuple.Create(symbol, "index", (object)p.Parameter),
                _ => index.Syntax,
            };
            return (symbol, key, NoConstant);
        }

        private Dictionary<ILocalSymbol, ISymbol> ForEachElements()
        {
            if (_forEachElements is not null) return _forEachElements;
            _forEachElements = new Dictionary<ILocalSymbol, ISymbol>(SymbolEqualityComparer.Default);
            foreach (var op in _function.Descendants())
                if (op is IForEachLoopOperation loop && TrackedCollection(loop.Collection) is { } collection)
                    foreach (var local in loop.Locals) _forEachElements[local] = collection;
            return _forEachElements;
        }

        /// <summary>The id of an element expression (null past <see cref="MaxElementIds"/>: not followed).</summary>
        private int? ElementId(object key, object? constant)
        {
            _elementIds ??= new Dictionary<object, int>();
            if (_elementIds.TryGetValue(key, out var id)) return id;
            if (_elementIds.Count >= MaxElementIds) return null;
            (_elementConstants ??= new List<object?>()).Add(constant);
            _elementIds.Add(key, id = _elementIds.Count);
            return id;
        }

        /// <summary>
        /// A call on an element (<c>ps[i].Start()</c>, <c>p.Join()</c> on a <c>foreach</c> variable over <c>ps</c>), a
        /// <c>ps.ForEach(p =&gt; p.Start())</c>, or <c>ps.Add(…)</c>/<c>ps.Insert(…)</c>: the collection's state changes; true when
        /// the call is done with (a call on a <c>foreach</c> variable is also one on the variable: false, so that it is applied too).
        /// </summary>
        private bool ElementCall(IInvocationOperation inv, Dictionary<ISymbol, int> state, System.Action<Diagnostic>? report)
        {
            var name = inv.TargetMethod.Name;
            if (name is "Add" or "Insert" or "ForEach")
            {
                if (TrackedCollection(inv.Instance) is not { } list || inv.Arguments.Length == 0) return false;
                foreach (var a in inv.Arguments) Visit(a, state, report);
                if (name != "ForEach")
                {
                    Stored(list, inv.Arguments[inv.Arguments.Length - 1].Value, state);
                    return true;
                }
                // p => … p.Start() … / p.Join(): read from the lambda's syntax (a graph holds no body for it).
                var (starts, join) = LambdaCalls(inv.Arguments[0].Value.Syntax);
                if (join is not null && ElementId(inv.Syntax, NoConstant) is { } joinId) ElementApply(join, list, joinId, list.Name, TerminatedNotJoined.CallLocation(inv), state, report);
                if (starts && ElementId(inv.Syntax, NoConstant) is { } startId) ElementApply("Start", list, startId, list.Name, TerminatedNotJoined.CallLocation(inv), state, report);
                return true;
            }
            if (!IsStartOrJoin(inv)) return false;
            var instance = inv.Instance;
            if (instance is IFlowCaptureReferenceOperation || instance is IConditionalAccessInstanceOperation) return false;
            if (ElementOf(instance) is not { } element || ElementId(element.Key, element.Constant) is not { } id) return false;
            if (element.Key is ILocalSymbol)
            {
                // A foreach variable: the call on the variable is made as well (by the caller).
                ElementApply(name, element.Collection, id, instance!.Syntax.ToString(), TerminatedNotJoined.CallLocation(inv), state, report);
                return false;
            }
            foreach (var a in inv.Arguments) Visit(a, state, report);
            Visit(instance!, state, report);
            ElementApply(name, element.Collection, id, instance!.Syntax.ToString(), TerminatedNotJoined.CallLocation(inv), state, report);
            return true;
        }

        /// <summary>Which of Start and Join/JoinAsync a one-parameter lambda calls on its parameter (read from its syntax).</summary>
        private static (bool Starts, string? Join) LambdaCalls(SyntaxNode lambda)
        {
            string? parameter;
            SyntaxNode body;
            switch (lambda)
            {
                case Microsoft.CodeAnalysis.CSharp.Syntax.SimpleLambdaExpressionSyntax simple:
                    parameter = simple.Parameter.Identifier.ValueText;
                    body = simple.Body;
                    break;
                case Microsoft.CodeAnalysis.CSharp.Syntax.ParenthesizedLambdaExpressionSyntax { ParameterList.Parameters.Count: 1 } parenthesized:
                    parameter = parenthesized.ParameterList.Parameters[0].Identifier.ValueText;
                    body = parenthesized.Body;
                    break;
                default:
                    return (false, null);
            }
            var starts = false;
            string? join = null;
            foreach (var node in body.DescendantNodesAndSelf())
            {
                if (node is Microsoft.CodeAnalysis.CSharp.Syntax.InvocationExpressionSyntax
                    {
                        Expression: Microsoft.CodeAnalysis.CSharp.Syntax.MemberAccessExpressionSyntax
                        {
                            Expression: Microsoft.CodeAnalysis.CSharp.Syntax.IdentifierNameSyntax receiver,
                            Name.Identifier.ValueText: var called,
                        },
                    } && receiver.Identifier.ValueText == parameter)
                {
                    if (called == "Start") starts = true;
                    else if (called is "Join" or "JoinAsync") join ??= called;
                }
            }
            return (starts, join);
        }

        /// <summary>A process put into a collection (<c>Add</c>, <c>Insert</c>, <c>ps[i] = …</c>): a new one is not started yet; any other may be.</summary>
        private void Stored(ISymbol collection, IOperation value, Dictionary<ISymbol, int> state)
        {
            var s = state.TryGetValue(collection, out var v) ? v : 0;
            state[collection] = IsCreation(value) ? (s & Unknown) | NotStarted : (s & ~NotStarted) | Unknown;
        }

        /// <summary>A Start, Join or JoinAsync of an element of <paramref name="collection"/> through the expression <paramref name="id"/>.</summary>
        private void ElementApply(string name, ISymbol collection, int id, string shown, Location location, Dictionary<ISymbol, int> state, System.Action<Diagnostic>? report)
        {
            var s = state.TryGetValue(collection, out var v) ? v : (collection is IParameterSymbol ? Unknown : 0);
            if (name == "Start")
            {
                for (var others = s >> FirstElementBit; others != 0; others &= others - 1)
                {
                    var j = 0;
                    while (((others >> j) & 1) == 0) j++;
                    if (!StartsAgain(j, id)) continue;
                    report?.Invoke(Diagnostic.Create(Descriptors.MP0012_StartTwiceOrJoinBeforeStart, location,
                        shown, "Start", "again on a path where it was already started"));
                    break;
                }
                state[collection] = (s & ~NotStarted) | Started | (1 << (FirstElementBit + id));
            }
            else if (s == NotStarted)
            {
                report?.Invoke(Diagnostic.Create(Descriptors.MP0012_StartTwiceOrJoinBeforeStart, location,
                    shown, name, "on a path where it was not started"));
            }
        }

        /// <summary>Whether a start through expression <paramref name="id"/> after one through <paramref name="earlier"/> may start an element twice.</summary>
        private bool StartsAgain(int earlier, int id)
        {
            var a = _elementConstants![earlier];
            var b = _elementConstants[id];
            if (earlier == id) return a != NoConstant;
            return a == NoConstant || b == NoConstant || Equals(a, b);
        }

        /// <summary>A Start, Join or JoinAsync of <paramref name="process"/> (reported at <paramref name="location"/>).</summary>
        private static void Apply(string name, ISymbol process, Location location, Dictionary<ISymbol, int> state, System.Action<Diagnostic>? report)
        {
            var s = state.TryGetValue(process, out var v) ? v : (process is IParameterSymbol ? Unknown : 0);
            if (name == "Start")
            {
                if ((s & Started) != 0)
                    report?.Invoke(Diagnostic.Create(Descriptors.MP0012_StartTwiceOrJoinBeforeStart, location,
                        process.Name, "Start", "again on a path where it was already started"));
                state[process] = Started;
            }
            else
            {
                if ((s & NotStarted) != 0)
                    report?.Invoke(Diagnostic.Create(Descriptors.MP0012_StartTwiceOrJoinBeforeStart, location,
                        process.Name, name, "on a path where it was not started"));
                if (s != 0) state[process] = s & ~NotStarted; // a Join before Start throws: that path does not go on
            }
        }

        /// <summary>The captures whose conditional Start/Join was made at the capture (<see cref="Visit"/>).</summary>
        private HashSet<CaptureId>? _conditionalCalls;

        private bool IsCreation(IOperation value)
        {
            while (value is IConversionOperation c) value = c.Operand;
            if (value is IFlowCaptureReferenceOperation r) return _captureIsCreation.TryGetValue(r.Id, out var yes) && yes;
            return ChildTargets.AsChildProcessCreation(value, _types) is not null;
        }

        /// <summary>The captures of a graph that stand for the receiver of <c>p?.Member</c> (a local or parameter).</summary>
        private Dictionary<CaptureId, ISymbol>? _captureProcess;

        /// <summary>Whether a graph's capture is the receiver of a conditional access (<c>p</c> of <c>p?.Start()</c>).</summary>
        private static bool IsConditionalReceiver(IFlowCaptureOperation capture) =>
            capture.Syntax.Parent is Microsoft.CodeAnalysis.CSharp.Syntax.ConditionalAccessExpressionSyntax access && access.Expression == capture.Syntax;

        /// <summary>The receiver <c>p</c> that the <c>?.</c> instance of <c>p?.Member</c> stands for, in an operation tree.</summary>
        private static IOperation? ConditionalReceiver(IConditionalAccessInstanceOperation instance)
        {
            IOperation child = instance;
            for (var parent = instance.Parent; parent is not null; child = parent, parent = parent.Parent)
                if (parent is IConditionalAccessOperation access && access.WhenNotNull == child) return access.Operation;
            return null;
        }

        private static bool IsMemberReceiver(IOperation reference)
        {
            var parent = reference.Parent;
            // p?.Member: a member receiver too.
            if (parent is IConditionalAccessOperation access && access.Operation == reference) return true;
            while (parent is IConversionOperation) parent = parent.Parent;
            return parent switch
            {
                IInvocationOperation inv => inv.Instance is not null && Unwrap(inv.Instance) == reference,
                IPropertyReferenceOperation prop => prop.Instance is not null && Unwrap(prop.Instance) == reference,
                IEventReferenceOperation ev => ev.Instance is not null && Unwrap(ev.Instance) == reference,
                INameOfOperation => true,
                _ => false,
            };
        }

        private static IOperation Unwrap(IOperation op)
        {
            while (op is IConversionOperation c) op = c.Operand;
            return op;
        }
    }
}
