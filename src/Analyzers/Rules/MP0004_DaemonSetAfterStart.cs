using System.Globalization;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Multiproc.Analyzers;

/// <summary>
/// MP0004: <c>p.Daemon = …</c> reachable from <c>p.Start()</c> on some path, with no new process
/// assigned to <c>p</c> in between. Runs on assignments to <c>ChildProcess.Daemon</c> only and walks
/// the control flow graph backwards from them; an assignment that only straight-line code of its body precedes is read
/// backwards from the operation tree instead, with the same answer and no graph (<see cref="TryFindStartInStraightCode"/>).
/// </summary>
internal static class DaemonSetAfterStart
{
    /// <summary>Diagnostic property: span start of the <c>Start()</c> statement to move the assignment before; absent when no fix applies.</summary>
    public const string StartStatementProperty = "StartStatement";

    /// <summary>
    /// An assignment (simple or compound) to <c>Daemon</c>: the analyzer hands it over from the property reference
    /// that is its target, so that no callback runs per assignment.
    /// </summary>
    /// <param name="fastPaths">
    /// Whether an assignment preceded by straight-line code only is read without a graph (<see cref="TryFindStartInStraightCode"/>);
    /// off only in the tests that check both ways give the same diagnostics.
    /// </param>
    internal static void Analyze(OperationAnalysisContext context, IAssignmentOperation assignment, MultiprocTypes types, bool fastPaths)
    {
        if (assignment.Target is not IPropertyReferenceOperation { Property.Name: "Daemon" } daemon
            || !types.IsChildProcess(daemon.Property.ContainingType)) return;
        if (SymbolKey.From(daemon.Instance) is not { } key)
        {
            // ps[i].Daemon = …: an element of a collection.
            if (Element.Of(daemon.Instance) is { } indexed) AnalyzeElement(context, assignment, daemon, indexed);
            return;
        }

        IInvocationOperation? start;
        if (!fastPaths || !TryFindStartInStraightCode(assignment, key, types, out start))
        {
            var cfg = FlowHelpers.TryGraphFor(assignment, context);
            if (cfg is null || FlowHelpers.Find<IAssignmentOperation>(cfg, assignment.Syntax) is not { } found || found.Index < 0) return;

            // Backwards from the assignment: a Start() on the same process, with no new process assigned in between.
            start = FindStartBefore(cfg, found.Block, found.Index, key);
        }
        if (start is null)
        {
            // foreach (var p in ps) p.Daemon = …: a start of another element of ps before the loop.
            if (key.Symbol is ILocalSymbol { IsForEach: true } variable && Element.OfForEachVariable(assignment, variable) is { } element)
                AnalyzeElement(context, assignment, daemon, element);
            return;
        }

        var properties = ImmutableDictionary<string, string?>.Empty;
        if (start.Syntax.Parent is ExpressionStatementSyntax startStatement && CanMove(assignment, startStatement))
            properties = properties.Add(StartStatementProperty, startStatement.SpanStart.ToString(CultureInfo.InvariantCulture));
        context.ReportDiagnostic(Diagnostic.Create(Descriptors.MP0004_DaemonSetAfterStart, assignment.Syntax.GetLocation(), properties,
            daemon.Instance!.Syntax.ToString()));
    }

    /// <summary>
    /// The graph's answer (<see cref="FindStartBefore"/>) read from the operation tree, when the assignment is a statement
    /// of the method or constructor body itself (in plain blocks only: no loop, branch, try, using, lambda or local function
    /// around it) and what runs before it in the body is straight-line code: statements that evaluate on one path
    /// (<see cref="LinearFlow.IsStraight(IOperation, List{IOperation}?, bool)"/>), and if, loop, switch, try and lock
    /// statements that always end at their end and hold nothing this search looks at (<see cref="LinearFlow.IsOpaque"/>, no
    /// match inside). Then the blocks before the assignment on the graph's backward paths are those statements' blocks, in
    /// reverse order, each reached whatever path was taken inside a statement, and every path goes back to the entry: the
    /// first statement that holds a match decides. False when the shape is not covered (the caller builds the graph): a
    /// statement of another kind before it (return, throw, label, goto, yield, using statement, an if that returns …), or
    /// more than one match in one statement (a graph may split a statement into operations of its own, in another order).
    /// </summary>
    /// <remarks>
    /// A match is what <see cref="Scan"/> finds in the graph: a parameterless <c>Start()</c> on the process, an assignment
    /// to its variable, and a declarator of its variable with an initializer (the graph's assignment for it). Nested
    /// functions are not entered (a graph holds them as operations without children). The assignment's own statement must
    /// hold no match: the graph does not scan the assignment's operation, but may put parts of its statement before it.
    /// </remarks>
    internal static bool TryFindStartInStraightCode(IAssignmentOperation assignment, SymbolKey key, MultiprocTypes types, out IInvocationOperation? start)
    {
        start = null;
        if (assignment.Parent is not IExpressionStatementOperation statement || !LinearFlow.IsStraight(statement, null, strict: false)) return false;
        IInvocationOperation? ignored = null;
        if (CountMatches(statement, key, ref ignored) != 0) return false;

        // The function around it must be the body itself, with only plain blocks in between.
        var root = statement.Parent;
        while (root is IBlockOperation) root = root.Parent;
        switch (root)
        {
            case IMethodBodyOperation method when method.BlockBody is null || method.ExpressionBody is null:
            case IConstructorBodyOperation constructor when constructor.BlockBody is null || constructor.ExpressionBody is null:
                break;
            default:
                return false;
        }

        IOperation child = statement;
        var parent = statement.Parent;
        while (parent is IBlockOperation block)
        {
            var operations = block.Operations;
            for (var i = operations.IndexOf(child) - 1; i >= 0; i--)
            {
                var verdict = ReadBefore(operations[i], key, types, ref start);
                if (verdict != Undecided) return verdict == Decided;
            }
            child = block;
            parent = block.Parent;
        }
        // The entry: a constructor's initializer runs first.
        if (root is IConstructorBodyOperation { Initializer: { } initializer })
        {
            var verdict = ReadStep(initializer, key, ref start);
            if (verdict != Undecided) return verdict == Decided;
        }
        return true;
    }

    private const int Undecided = 0, Decided = 1, NeedsGraph = -1;

    /// <summary>A statement before the assignment, read backwards: <see cref="Decided"/> (a match; <paramref name="start"/> is the Start or null), <see cref="Undecided"/> (no match: go on) or <see cref="NeedsGraph"/>.</summary>
    private static int ReadBefore(IOperation statement, SymbolKey key, MultiprocTypes types, ref IInvocationOperation? start)
    {
        switch (statement)
        {
            case ILocalFunctionOperation:
                return Undecided; // not code of this function
            case IBlockOperation inner:
                for (var i = inner.Operations.Length - 1; i >= 0; i--)
                {
                    var verdict = ReadBefore(inner.Operations[i], key, types, ref start);
                    if (verdict != Undecided) return verdict;
                }
                return Undecided;
            case IExpressionStatementOperation or IVariableDeclarationGroupOperation or IUsingDeclarationOperation or IEmptyOperation:
                return ReadStep(statement, key, ref start);
            case IConditionalOperation or ILoopOperation or ISwitchOperation or ITryOperation or ILockOperation when LinearFlow.IsOpaque(statement, types):
                IInvocationOperation? ignored = null;
                return CountMatches(statement, key, ref ignored) == 0 ? Undecided : NeedsGraph;
            default:
                return NeedsGraph;
        }
    }

    /// <summary>A statement (or a constructor initializer) evaluated on one path: its one match decides; none goes on.</summary>
    private static int ReadStep(IOperation step, SymbolKey key, ref IInvocationOperation? start)
    {
        if (!LinearFlow.IsStraight(step, null, strict: false)) return NeedsGraph;
        IInvocationOperation? found = null;
        switch (CountMatches(step, key, ref found))
        {
            case 0:
                return Undecided;
            case 1:
                start = found;
                return Decided;
            default:
                return NeedsGraph;
        }
    }

    /// <summary>
    /// The matches in <paramref name="operation"/>, nested functions aside (see <see cref="TryFindStartInStraightCode"/>);
    /// <paramref name="start"/> is the last one's Start, or null when it is an assignment.
    /// </summary>
    private static int CountMatches(IOperation operation, SymbolKey key, ref IInvocationOperation? start)
    {
        var count = 0;
        switch (operation.Kind)
        {
            case OperationKind.AnonymousFunction:
            case OperationKind.LocalFunction:
                return 0;
            case OperationKind.Invocation:
                if (operation is IInvocationOperation { TargetMethod.Name: "Start", TargetMethod.Parameters.Length: 0 } invocation
                    && SymbolKey.From(invocation.Instance) is { } k && k.Equals(key))
                {
                    start = invocation;
                    count++;
                }
                break;
            case OperationKind.SimpleAssignment:
            case OperationKind.CompoundAssignment:
            case OperationKind.DeconstructionAssignment:
            case OperationKind.CoalesceAssignment:
                if (key.IsAssignedBy(operation))
                {
                    start = null;
                    count++;
                }
                break;
            case OperationKind.VariableDeclarator:
                // The graph assigns a declared local its initializer.
                if (key.Instance is null && !key.IsThis && key.Symbol is ILocalSymbol local
                    && operation is IVariableDeclaratorOperation declarator && SymbolEqualityComparer.Default.Equals(declarator.Symbol, local)
                    && declarator.GetVariableInitializer() is not null)
                {
                    start = null;
                    count++;
                }
                break;
        }
        foreach (var child in operation.ChildOperations) count += CountMatches(child, key, ref start);
        return count;
    }

    private static IInvocationOperation? FindStartBefore(ControlFlowGraph cfg, BasicBlock block, int index, SymbolKey key)
    {
        var receivers = ConditionalReceivers(cfg);
        var seen = new bool[cfg.Blocks.Length];
        var work = new Stack<(BasicBlock Block, int Before, bool IncludeBranch)>();
        work.Push((block, index, false));
        while (work.Count > 0)
        {
            var (b, before, includeBranch) = work.Pop();
            var verdict = 0; // 0 continue, 1 found, 2 killed
            IInvocationOperation? start = null;
            if (includeBranch && b.BranchValue is { } bv) verdict = Scan(bv, key, receivers, out start);
            for (var i = before - 1; i >= 0 && verdict == 0; i--) verdict = Scan(b.Operations[i], key, receivers, out start);
            if (verdict == 1) return start;
            if (verdict == 2) continue;
            foreach (var predecessor in b.Predecessors)
            {
                var source = predecessor.Source;
                if (seen[source.Ordinal]) continue;
                seen[source.Ordinal] = true;
                work.Push((source, source.Operations.Length, true));
            }
        }
        return null;
    }

    /// <summary>1 when <paramref name="operation"/> starts the process, 2 when it assigns a new process to the key, else 0.</summary>
    private static int Scan(IOperation operation, SymbolKey key, Dictionary<CaptureId, IOperation>? receivers, out IInvocationOperation? start)
    {
        start = null;
        foreach (var d in operation.DescendantsAndSelf())
        {
            if (d is IInvocationOperation { TargetMethod.Name: "Start", TargetMethod.Parameters.Length: 0 } inv
                && SymbolKey.From(inv.Instance is IFlowCaptureReferenceOperation r && receivers is not null && receivers.TryGetValue(r.Id, out var receiver) ? receiver : inv.Instance) is { } k
                && k.Equals(key))
            {
                start = inv;
                return 1;
            }
            if (d is IAssignmentOperation a && key.IsAssignedBy(a)) return 2;
        }
        return 0;
    }

    /// <summary>The captures of a graph that are the receiver of a conditional access (<c>p</c> of <c>p?.Start()</c>), by id.</summary>
    private static Dictionary<CaptureId, IOperation>? ConditionalReceivers(ControlFlowGraph cfg)
    {
        Dictionary<CaptureId, IOperation>? receivers = null;
        foreach (var block in cfg.Blocks)
            foreach (var operation in block.Operations)
                if (operation is IFlowCaptureOperation capture && capture.Syntax.Parent is ConditionalAccessExpressionSyntax access && access.Expression == capture.Syntax)
                    (receivers ??= new Dictionary<CaptureId, IOperation>())[capture.Id] = capture.Value;
        return receivers;
    }

    /// <summary>
    /// An element of a collection (a local, parameter or field: <see cref="Collection"/>) as the receiver of a call or a
    /// property: <c>ps[i]</c> (an array element or a one-argument indexer, with its index: a variable or a constant), or the
    /// variable of a <c>foreach</c> over the collection.
    /// </summary>
    private sealed class Element(SymbolKey collection, SymbolKey? index, object? constant, ILocalSymbol? variable)
    {
        public SymbolKey Collection { get; } = collection;

        /// <summary>The index variable (<c>ps[i]</c>), if the index is one.</summary>
        public SymbolKey? Index { get; } = index;

        /// <summary>The constant index (<c>ps[0]</c>), if the index is one.</summary>
        public object? Constant { get; } = constant;

        /// <summary>The <c>foreach</c> variable, for an element reached through one.</summary>
        public ILocalSymbol? Variable { get; } = variable;

        public static Element? Of(IOperation? operation)
        {
            if (!FlowHelpers.IsElementAccess(SymbolKey.StripConversions(operation), out var collection, out var index)) return null;
            if (SymbolKey.From(collection) is not { } key) return null;
            index = SymbolKey.StripConversions(index)!;
            return index.ConstantValue is { HasValue: true } constant ? new Element(key, null, constant.Value, null)
                : new Element(key, SymbolKey.From(index), null, null);
        }

        /// <summary>The element <paramref name="variable"/> is, from the <c>foreach</c> around <paramref name="inside"/> that declares it.</summary>
        public static Element? OfForEachVariable(IOperation inside, ILocalSymbol variable)
        {
            for (var op = inside.Parent; op is not null; op = op.Parent)
            {
                if (op is not IForEachLoopOperation loop || !loop.Locals.Contains(variable, SymbolEqualityComparer.Default)) continue;
                return SymbolKey.From(loop.Collection) is { } key ? new Element(key, null, null, variable) : null;
            }
            return null;
        }

        public static Element OfVariable(SymbolKey collection, ILocalSymbol variable) => new(collection, null, null, variable);

        /// <summary>Whether <paramref name="other"/> (an element of the same collection) is this one: the same index or variable.</summary>
        public bool IsSame(Element other) =>
            Variable is not null ? SymbolEqualityComparer.Default.Equals(Variable, other.Variable)
            : Index is { } index ? other.Index is { } otherIndex && index.Equals(otherIndex)
            : other.Variable is null && other.Index is null && Equals(Constant, other.Constant);

        /// <summary>Whether <paramref name="other"/> is surely another element: both indexes are constants, and they differ.</summary>
        public bool IsSurelyOther(Element other) =>
            Variable is null && Index is null && other.Variable is null && other.Index is null && !Equals(Constant, other.Constant);
    }

    /// <summary>
    /// <c>ps[i].Daemon = …</c>, or <c>p.Daemon = …</c> on a <c>foreach</c> variable over <c>ps</c> whose own search found no
    /// start: reported when a path back from the assignment reaches a <c>Start()</c> on an element of <c>ps</c> before <c>ps</c>
    /// is assigned. A start on the same element (the same index variable, the same constant, the same loop variable) counts
    /// only until that element is assigned or its index variable changes (the previous pass of a loop that sets each element
    /// before starting it); any other element's start counts (<c>for … ps[i].Start(); foreach (var p in ps) p.Daemon = true;</c>),
    /// but one at another constant index. No fix: the start may be in another loop.
    /// </summary>
    private static void AnalyzeElement(OperationAnalysisContext context, IAssignmentOperation assignment, IPropertyReferenceOperation daemon, Element element)
    {
        var cfg = FlowHelpers.TryGraphFor(assignment, context);
        if (cfg is null || FlowHelpers.Find<IAssignmentOperation>(cfg, assignment.Syntax) is not { } found || found.Index < 0) return;

        // The foreach variables over the collection, and its ForEach(p => … p.Start() …) calls, from the function's tree.
        HashSet<ILocalSymbol>? variables = null;
        HashSet<SyntaxNode>? forEachStarts = null;
        foreach (var op in cfg.OriginalOperation.Descendants())
        {
            if (op is IForEachLoopOperation loop && SymbolKey.From(loop.Collection) is { } key && key.Equals(element.Collection))
                foreach (var local in loop.Locals) (variables ??= new HashSet<ILocalSymbol>(SymbolEqualityComparer.Default)).Add(local);
            else if (op is IInvocationOperation { TargetMethod.Name: "ForEach", Arguments.Length: 1 } forEach && SymbolKey.From(forEach.Instance) is { } listKey
                && listKey.Equals(element.Collection) && StartsParameter(forEach.Arguments[0].Value))
                (forEachStarts ??= new HashSet<SyntaxNode>()).Add(forEach.Syntax);
        }

        var start = FindElementStartBefore(cfg, found.Block, found.Index, element, variables, forEachStarts);
        if (start is null) return;
        context.ReportDiagnostic(Diagnostic.Create(Descriptors.MP0004_DaemonSetAfterStart, assignment.Syntax.GetLocation(),
            ImmutableDictionary<string, string?>.Empty, daemon.Instance!.Syntax.ToString()));
    }

    /// <summary>Whether a <c>ForEach</c> argument is a lambda that calls <c>Start()</c> on its parameter.</summary>
    private static bool StartsParameter(IOperation argument)
    {
        if (argument is not IDelegateCreationOperation { Target: IAnonymousFunctionOperation { Symbol.Parameters.Length: 1 } lambda }) return false;
        var parameter = lambda.Symbol.Parameters[0];
        foreach (var op in lambda.Body.Descendants())
            if (op is IInvocationOperation { TargetMethod.Name: "Start", TargetMethod.Parameters.Length: 0, Instance: IParameterReferenceOperation reference }
                && SymbolEqualityComparer.Default.Equals(reference.Parameter, parameter)) return true;
        return false;
    }

    /// <summary>
    /// <see cref="FindStartBefore"/> for an element: the work items carry whether a start on the same element still counts
    /// (a block is visited again when it is reached with it counting and was visited without).
    /// </summary>
    private static IInvocationOperation? FindElementStartBefore(ControlFlowGraph cfg, BasicBlock block, int index, Element element,
        HashSet<ILocalSymbol>? variables, HashSet<SyntaxNode>? forEachStarts)
    {
        var receivers = ConditionalReceivers(cfg);
        // Per block: 1 visited with the same element counting, 2 without (a visit with it counting covers both).
        var seen = new byte[cfg.Blocks.Length];
        var work = new Stack<(BasicBlock Block, int Before, bool IncludeBranch, bool Same)>();
        work.Push((block, index, false, true));
        while (work.Count > 0)
        {
            var (b, before, includeBranch, same) = work.Pop();
            var verdict = 0; // 0 continue, 1 found, 2 killed
            IInvocationOperation? start = null;
            if (includeBranch && b.BranchValue is { } bv) verdict = ScanElement(bv, element, variables, forEachStarts, receivers, ref same, out start);
            for (var i = before - 1; i >= 0 && verdict == 0; i--) verdict = ScanElement(b.Operations[i], element, variables, forEachStarts, receivers, ref same, out start);
            if (verdict == 1) return start;
            if (verdict == 2) continue;
            foreach (var predecessor in b.Predecessors)
            {
                var source = predecessor.Source;
                var mark = same ? (byte)1 : (byte)2;
                if (seen[source.Ordinal] != 0 && seen[source.Ordinal] <= mark) continue;
                seen[source.Ordinal] = mark;
                work.Push((source, source.Operations.Length, true, same));
            }
        }
        return null;
    }

    /// <summary>
    /// What <paramref name="operation"/> does, read backwards, to the search for a start of <paramref name="element"/>'s
    /// collection: 1 a start (of another element, or of the same one while <paramref name="same"/>), 2 the collection assigned,
    /// else 0; <paramref name="same"/> turns false where the element itself is assigned or its index or variable changes.
    /// </summary>
    private static int ScanElement(IOperation operation, Element element, HashSet<ILocalSymbol>? variables, HashSet<SyntaxNode>? forEachStarts,
        Dictionary<CaptureId, IOperation>? receivers, ref bool same, out IInvocationOperation? start)
    {
        start = null;
        foreach (var d in operation.DescendantsAndSelf())
        {
            switch (d)
            {
                case IInvocationOperation { TargetMethod.Name: "Start", TargetMethod.Parameters.Length: 0 } inv:
                {
                    var instance = inv.Instance is IFlowCaptureReferenceOperation r && receivers is not null && receivers.TryGetValue(r.Id, out var receiver) ? receiver : inv.Instance;
                    var started = ElementOf(instance, element, variables);
                    if (started is null || element.IsSurelyOther(started) || (!same && element.IsSame(started))) break;
                    start = inv;
                    return 1;
                }
                case IInvocationOperation { TargetMethod.Name: "ForEach" } forEach when forEachStarts is not null && forEachStarts.Contains(forEach.Syntax):
                    start = forEach;
                    return 1;
                case IAssignmentOperation a when element.Collection.IsAssignedBy(a):
                    return 2;
                case IAssignmentOperation a when same && ElementOf(a.Target, element, variables) is { } assigned && element.IsSame(assigned):
                    same = false;
                    break;
                case IAssignmentOperation a when same && (element.Index is { } index && index.IsAssignedBy(a)
                    || element.Variable is { } variable && a.Target is ILocalReferenceOperation local && SymbolEqualityComparer.Default.Equals(local.Local, variable)):
                    same = false;
                    break;
                case IIncrementOrDecrementOperation step when same && element.Index is { } stepped && SymbolKey.From(step.Target) is { } target && target.Equals(stepped):
                    same = false;
                    break;
            }
        }
        return 0;
    }

    /// <summary><paramref name="operation"/> as an element of <paramref name="element"/>'s collection (an index, a foreach variable over it), or null.</summary>
    private static Element? ElementOf(IOperation? operation, Element element, HashSet<ILocalSymbol>? variables)
    {
        operation = SymbolKey.StripConversions(operation);
        if (operation is ILocalReferenceOperation local)
            return variables is not null && variables.Contains(local.Local) ? Element.OfVariable(element.Collection, local.Local) : null;
        return Element.Of(operation) is { } indexed && indexed.Collection.Equals(element.Collection) ? indexed : null;
    }

    /// <summary>The assignment is a statement of its own, and what it assigns can be evaluated before Start().</summary>
    private static bool CanMove(IOperation assignment, SyntaxNode startStatement)
    {
        // Only a statement of its own in a block is moved; `if (c) p.Daemon = true;` keeps its condition and gets no fix.
        if (assignment.Parent is not IExpressionStatementOperation { Parent: IBlockOperation }) return false;
        if (assignment is not ISimpleAssignmentOperation simple) return false;
        foreach (var d in simple.Value.DescendantsAndSelf())
        {
            if (d is ILocalReferenceOperation local)
            {
                foreach (var r in local.Local.DeclaringSyntaxReferences)
                    if (r.Span.Start > startStatement.SpanStart) return false;
            }
            else if (d is IInvocationOperation or IObjectCreationOperation or IAwaitOperation)
            {
                return false; // moving would change when (and whether) it runs
            }
        }
        // The process must exist where Start() is: it does, Start() is called on it.
        return true;
    }
}
