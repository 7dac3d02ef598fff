namespace Multiproc.Analyzers;

/// <summary>
/// A function (method body, lambda, local function) made of straight statements, <c>if</c>/<c>else</c>, <c>while</c>,
/// <c>do</c>, <c>for</c> and <c>foreach</c> loops and <c>return</c>s, read from its operation tree into blocks of steps with
/// their successors: what <see cref="FlowGraph.Structured"/> hands to MP0003, MP0010 and MP0012 when the function is not
/// linear (<see cref="LinearFlow"/>), and to MP0006 (<see cref="MissingTaskDone.AnalyzeFlow"/>), so that they build no
/// control flow graph for it.
/// </summary>
/// <remarks>
/// <para>
/// What each shape becomes: a straight statement is a step of the current block; an <c>if</c>'s condition is the last step
/// of its block, followed by a block for each branch (the false edge goes straight on when there is no <c>else</c>) and one
/// where they meet; a <c>while</c>/<c>for</c> loop's condition has a block of its own (the loop's head, after a <c>for</c>'s
/// initializers), with edges to the body and out of the loop, and the body (then a <c>for</c>'s increments) goes back to it;
/// a <c>do</c> loop's body comes first and its condition last; a <c>foreach</c> evaluates its collection in the current
/// block, then an empty head goes to the body, whose first step is the loop variable's declarator (a fresh unknown
/// value on each pass: see <see cref="StartJoinOrder"/>), and out of the loop; a <c>return</c> is a step followed by an
/// edge to the exit. An if, loop, switch, try or lock statement that <see cref="LinearFlow"/> finds opaque (nothing about
/// processes in it, always ends at its end) is one step, as there, if its breaks and continues stay inside it and it
/// calls no TaskDone and takes from no queue (MP0006 follows those).
/// </para>
/// <para>
/// Why the rules' answers are the graph's: no try region, so neither exception semantics adds an edge (a <c>foreach</c>'s
/// graph wraps the loop in a try/finally that disposes the enumerator, which has no catch, so no exception edge either,
/// and its finally holds no process); no constant condition, no code after a return and no endless loop, so every block
/// is reachable, as the graph's are; the rules look only at references to processes, their creations and
/// Start/Join/Terminate/Kill calls, so a step that evaluates a <c>?:</c>, <c>??</c>, <c>?.</c>, <c>&amp;&amp;</c> or
/// <c>||</c> whose conditionally evaluated operands hold none of those (<see cref="IsInert"/>), and whose value is no
/// process, has the effect of the graph's blocks for it. Anything else (a try, using, lock, switch, break, continue, goto,
/// label, throw, yield, a deconstructing <c>foreach</c>, <c>await foreach</c>, a <c>return</c> inside a <c>foreach</c>,
/// whose graph runs the enumerator's finally region on the way and lets it continue to every place a path through it
/// leaves for) is refused: the rules then build the graph.
/// </para>
/// <para>
/// MP0006's reading (loop jumps, see <see cref="Of(IOperation, Func{TextSpan, bool}, MultiprocTypes, bool)"/>) also takes
/// endless loops and the breaks and continues of loops, as a graph has them: a <c>break</c> goes to the block after its
/// loop (out of a <c>foreach</c>, through the finally region that the loop's own end goes through to the same block), a
/// <c>continue</c> to the loop's head, the block of a <c>for</c>'s increments or a <c>do</c> loop's condition;
/// <c>while (true)</c> and <c>do … while (true)</c> keep the edge out of the loop that a graph keeps for their condition,
/// which a constant never takes, and <c>for (;;)</c> has none. The blocks after such a loop that no break reaches are
/// unreachable (<see cref="IsReachable"/>), as in the graph, and MP0006 looks for takes in reachable blocks only.
/// </para>
/// </remarks>
internal sealed class StructuredFlow
{
    private readonly List<List<IOperation>> _blocks = new();
    private readonly List<List<int>> _successors = new();
    private readonly List<int> _returns = new();
    private readonly MultiprocTypes _types;
    private readonly List<IOperation> _nested;
    /// <summary>Whether endless loops, <c>break</c> and <c>continue</c> are read (MP0006's reading, see <see cref="Of(IOperation, Func{TextSpan, bool}, MultiprocTypes, bool)"/>).</summary>
    private readonly bool _loopJumps;
    /// <summary>With <see cref="_loopJumps"/>: the loops of this function around the statement being read, innermost last.</summary>
    private readonly List<LoopTargets> _loops = new();
    /// <summary>The edges out of an endless loop: a graph has them, but a constant true condition never takes them.</summary>
    private List<(int From, int To)>? _neverTaken;
    /// <summary>Whether a block may be unreachable (after an endless loop); then <see cref="_reachable"/> says which are not.</summary>
    private bool _mayBeUnreachable;
    private bool[]? _reachable;
    /// <summary>The block statements are added to; -1 when no path reaches this point.</summary>
    private int _current;
    /// <summary>How many foreach loops of this function the statement being read is in.</summary>
    private int _forEachDepth;

    private StructuredFlow(IOperation root, MultiprocTypes types, List<IOperation> nested, bool loopJumps)
    {
        Root = root;
        _types = types;
        _nested = nested;
        _loopJumps = loopJumps;
        NewBlock(); // 0: entry
        _current = NewBlock();
        Edge(0, _current);
    }

    /// <summary>The function: a method or constructor body, or an anonymous function or local function operation.</summary>
    public IOperation Root { get; }

    /// <summary>Block 0 is the entry, the last one the exit; both have no steps.</summary>
    public int BlockCount => _blocks.Count;

    public IReadOnlyList<IOperation> Steps(int ordinal) => _blocks[ordinal];

    public List<int> Successors(int ordinal) => _successors[ordinal];

    /// <summary>
    /// Whether some path from the entry reaches the block, as a graph marks its blocks: only code after an endless loop
    /// (read with loop jumps) that no <c>break</c> leaves is not reached; a constant true condition never takes the edge
    /// out of its loop, which a graph still has (<see cref="Successors"/> has it too).
    /// </summary>
    public bool IsReachable(int ordinal) => _reachable is null || _reachable[ordinal];

    /// <summary>
    /// The body of <paramref name="context"/> and the nested functions in it that <paramref name="worthEntering"/> accepts
    /// (by the span of their syntax; nested ones in those, too), read as structured functions; null when the body has no
    /// single executable root or one of them has a shape this reading refuses (then the rules build graphs).
    /// </summary>
    public static List<StructuredFlow>? Of(OperationBlockAnalysisContext context, Func<TextSpan, bool> worthEntering, MultiprocTypes types) =>
        BlockGate.SingleExecutableRoot(context.OperationBlocks) is { } body ? Of(body, worthEntering, types) : null;

    /// <summary>The function <paramref name="body"/> (a body's root) and its nested functions, as <see cref="Of(OperationBlockAnalysisContext, Func{TextSpan, bool}, MultiprocTypes)"/>.</summary>
    /// <param name="loopJumps">
    /// Also read endless loops (<c>while (true)</c>, <c>do … while (true)</c>, <c>for (;;)</c>) and the <c>break</c> and
    /// <c>continue</c> statements of loops: for MP0006 only (<see cref="MissingTaskDone.AnalyzeFlow"/>), which skips the
    /// blocks <see cref="IsReachable"/> says no path reaches, as the graph analysis skips unreachable blocks.
    /// </param>
    internal static List<StructuredFlow>? Of(IOperation body, Func<TextSpan, bool> worthEntering, MultiprocTypes types, bool loopJumps = false)
    {
        var result = new List<StructuredFlow>();
        var pending = new Stack<IOperation>();
        pending.Push(body);
        while (pending.Count > 0)
        {
            var function = pending.Pop();
            var nested = new List<IOperation>();
            var flow = new StructuredFlow(function, types, nested, loopJumps);
            if (!flow.AddFunction(function)) return null;
            flow.Finish();
            result.Add(flow);
            foreach (var n in nested)
                if (worthEntering(n.Syntax.Span)) pending.Push(n);
        }
        return result;
    }

    private int NewBlock()
    {
        _blocks.Add(new List<IOperation>());
        _successors.Add(new List<int>());
        return _blocks.Count - 1;
    }

    private void Edge(int from, int to)
    {
        var list = _successors[from];
        if (!list.Contains(to)) list.Add(to);
    }

    /// <summary>A new block that the current one (when reachable) goes on to.</summary>
    private int Continue()
    {
        var next = NewBlock();
        if (_current >= 0) Edge(_current, next);
        return next;
    }

    private void Finish()
    {
        var exit = NewBlock();
        if (_current >= 0) Edge(_current, exit);
        foreach (var r in _returns) Edge(r, exit);
        if (_mayBeUnreachable) _reachable = Reach();
    }

    /// <summary>The blocks a path from the entry reaches without an edge that a constant true condition never takes.</summary>
    private bool[] Reach()
    {
        var reached = new bool[_blocks.Count];
        var stack = new Stack<int>();
        stack.Push(0);
        while (stack.Count > 0)
        {
            var b = stack.Pop();
            if (reached[b]) continue;
            reached[b] = true;
            foreach (var s in _successors[b])
                if (!reached[s] && (_neverTaken is null || !_neverTaken.Contains((b, s)))) stack.Push(s);
        }
        return reached;
    }

    private bool AddFunction(IOperation function)
    {
        switch (function)
        {
            case IMethodBodyOperation method:
                if (method.BlockBody is not null && method.ExpressionBody is not null) return false;
                return AddBlock(method.BlockBody ?? method.ExpressionBody);
            case IConstructorBodyOperation constructor:
                if (constructor.BlockBody is not null && constructor.ExpressionBody is not null) return false;
                if (constructor.Initializer is { } initializer && !AddStep(initializer)) return false;
                return AddBlock(constructor.BlockBody ?? constructor.ExpressionBody);
            case IBlockOperation block:
                return AddBlock(block);
            case IAnonymousFunctionOperation lambda:
                return AddBlock(lambda.Body);
            case ILocalFunctionOperation local:
                if (local.Body is not null && local.IgnoredBody is not null) return false;
                return AddBlock(local.Body ?? local.IgnoredBody);
            default:
                return false;
        }
    }

    private bool AddBlock(IBlockOperation? block)
    {
        if (block is null) return true;
        foreach (var statement in block.Operations)
            if (!AddStatement(statement)) return false;
        return true;
    }

    private bool AddStatement(IOperation statement)
    {
        // A local function is no code of this one, wherever it is declared (also after a return).
        if (statement is ILocalFunctionOperation localFunction)
        {
            _nested.Add(localFunction);
            return true;
        }
        if (statement is IBlockOperation inner) return AddBlock(inner);
        // Code no path reaches: a graph leaves it out of its reachable blocks.
        if (_current < 0) return false;
        switch (statement)
        {
            case IExpressionStatementOperation or IVariableDeclarationGroupOperation or IEmptyOperation:
                return AddStep(statement);
            case IReturnOperation { Kind: OperationKind.Return } ret:
                // A return out of a foreach leaves the try/finally a graph puts around the loop (to dispose the enumerator):
                // the finally region then continues both to the end of the function and after the loop, on every path
                // through it, which this reading does not copy.
                if (_forEachDepth > 0) return false;
                if (ret.ReturnedValue is { } value && !IsStep(value)) return false;
                _blocks[_current].Add(ret);
                _returns.Add(_current);
                _current = -1;
                return true;
            case IBranchOperation { BranchKind: BranchKind.Break or BranchKind.Continue } jump when _loopJumps:
                return AddJump(jump);
            case IConditionalOperation or ILoopOperation or ISwitchOperation or ITryOperation or ILockOperation
                when LinearFlow.IsOpaque(statement, _types) && BranchesStayInside(statement) && !CallsQueue(statement):
                _blocks[_current].Add(statement);
                return true;
            case IConditionalOperation condition:
                return AddIf(condition);
            case IWhileLoopOperation loop:
                return AddWhile(loop);
            case IForLoopOperation loop:
                return AddFor(loop);
            case IForEachLoopOperation loop:
                return AddForEach(loop);
            default:
                return false;
        }
    }

    /// <summary>
    /// Whether every break and continue in an opaque statement leaves a loop or switch inside it: in a linear function
    /// nothing else can be, but here the statement may sit in a loop of this function.
    /// </summary>
    private static bool BranchesStayInside(IOperation statement)
    {
        List<ILabelSymbol>? labels = null;
        List<ILabelSymbol>? targets = null;
        foreach (var op in statement.DescendantsAndSelf())
        {
            switch (op)
            {
                case ILoopOperation loop:
                    (labels ??= new List<ILabelSymbol>()).Add(loop.ExitLabel);
                    labels.Add(loop.ContinueLabel);
                    break;
                case ISwitchOperation @switch:
                    (labels ??= new List<ILabelSymbol>()).Add(@switch.ExitLabel);
                    break;
                case IBranchOperation branch:
                    (targets ??= new List<ILabelSymbol>()).Add(branch.Target);
                    break;
            }
        }
        if (targets is null) return true;
        foreach (var target in targets)
            if (labels is null || !labels.Contains(target, SymbolEqualityComparer.Default)) return false;
        return true;
    }

    /// <summary>
    /// Whether the statement calls TaskDone or takes from a queue (nested functions included): MP0006 follows those, so
    /// such a statement is read, not taken as one opaque step.
    /// </summary>
    private static bool CallsQueue(IOperation statement)
    {
        foreach (var op in statement.DescendantsAndSelf())
            if (op is IInvocationOperation { TargetMethod.Name: "TaskDone" or "Get" or "GetNowait" or "GetAsync" or "TryGet" }) return true;
        return false;
    }

    private bool AddStep(IOperation step)
    {
        if (!IsStep(step)) return false;
        _blocks[_current].Add(step);
        return true;
    }

    /// <summary>A condition of a branch or loop: evaluated as one step, and not constant (a graph prunes what a constant makes unreachable).</summary>
    private bool IsCondition(IOperation? condition) =>
        condition is not null && !condition.ConstantValue.HasValue && !HasConstantOperand(condition) && IsStep(condition);

    /// <summary>
    /// Whether an operand of a <c>&amp;&amp;</c>, <c>||</c>, <c>!</c> or <c>?:</c> in the condition is a boolean constant: a
    /// graph splits such a condition into branches, one of which the constant never takes, so that code behind it may be
    /// unreachable (<c>if (b &amp;&amp; false) …</c>, <c>while (b || true) …</c>), which this reading would not know.
    /// </summary>
    private static bool HasConstantOperand(IOperation condition) => LinearFlow.AnyOutsideFunctions(condition, op =>
        op.ConstantValue is { HasValue: true, Value: bool }
        && op.Parent is IBinaryOperation { OperatorKind: BinaryOperatorKind.ConditionalAnd or BinaryOperatorKind.ConditionalOr }
            or IUnaryOperation { OperatorKind: UnaryOperatorKind.Not } or IConditionalOperation);

    private bool AddIf(IConditionalOperation statement)
    {
        if (!IsCondition(statement.Condition)) return false;
        _blocks[_current].Add(statement.Condition);
        var branch = _current;
        _current = NewBlock();
        Edge(branch, _current);
        if (!AddStatement(statement.WhenTrue)) return false;
        var endTrue = _current;
        var endFalse = branch;
        if (statement.WhenFalse is { } whenFalse)
        {
            _current = NewBlock();
            Edge(branch, _current);
            if (!AddStatement(whenFalse)) return false;
            endFalse = _current;
        }
        if (endTrue < 0 && endFalse < 0)
        {
            _current = -1;
            return true;
        }
        _current = NewBlock();
        if (endTrue >= 0) Edge(endTrue, _current);
        if (endFalse >= 0) Edge(endFalse, _current);
        return true;
    }

    private bool AddWhile(IWhileLoopOperation loop)
    {
        if (loop.ConditionIsUntil || loop.IgnoredCondition is not null || !IsLoopCondition(loop.Condition, out var endless)) return false;
        if (loop.ConditionIsTop)
        {
            var head = Continue();
            _blocks[head].Add(loop.Condition!);
            _current = NewBlock();
            Edge(head, _current);
            var targets = EnterLoop(loop, head);
            if (!AddStatement(loop.Body)) return false;
            LeaveLoop(targets);
            if (_current >= 0) Edge(_current, head);
            _current = targets is { Break: >= 0 } ? targets.Break : NewBlock();
            Edge(head, _current);
            if (endless) NeverTaken(head, _current);
            return true;
        }
        var body = Continue();
        _current = body;
        var bottom = EnterLoop(loop, -1);
        if (!AddStatement(loop.Body)) return false;
        LeaveLoop(bottom);
        if (bottom is { Continue: >= 0 })
        {
            if (_current >= 0) Edge(_current, bottom.Continue);
            _current = bottom.Continue;
        }
        // The body always reaches its condition (no break or continue), unless it returns on every path.
        if (_current < 0)
        {
            if (bottom is { Break: >= 0 }) _current = bottom.Break;
            return true;
        }
        _blocks[_current].Add(loop.Condition!);
        var test = _current;
        Edge(test, body);
        _current = bottom is { Break: >= 0 } ? bottom.Break : NewBlock();
        Edge(test, _current);
        if (endless) NeverTaken(test, _current);
        return true;
    }

    private bool AddFor(IForLoopOperation loop)
    {
        foreach (var before in loop.Before)
            if (!AddStep(before)) return false;
        // for (;;) has no condition, so no edge out of the loop at all (a graph has none): only its breaks leave it.
        var endless = false;
        if (loop.Condition is null ? !_loopJumps : !IsLoopCondition(loop.Condition, out endless)) return false;
        var head = Continue();
        if (loop.Condition is not null) _blocks[head].Add(loop.Condition);
        _current = NewBlock();
        Edge(head, _current);
        var targets = EnterLoop(loop, -1);
        if (!AddStatement(loop.Body)) return false;
        LeaveLoop(targets);
        if (targets is { Continue: >= 0 })
        {
            if (_current >= 0) Edge(_current, targets.Continue);
            _current = targets.Continue;
        }
        if (_current >= 0)
        {
            foreach (var bottom in loop.AtLoopBottom)
                if (!AddStep(bottom)) return false;
            Edge(_current, head);
        }
        _current = targets is { Break: >= 0 } ? targets.Break : NewBlock();
        if (loop.Condition is null)
        {
            _mayBeUnreachable = true;
        }
        else
        {
            Edge(head, _current);
            if (endless) NeverTaken(head, _current);
        }
        return true;
    }

    private bool AddForEach(IForEachLoopOperation loop)
    {
        if (loop.IsAsynchronous || loop.LoopControlVariable is not IVariableDeclaratorOperation variable || !loop.NextVariables.IsEmpty) return false;
        if (!AddStep(loop.Collection)) return false;
        var head = Continue();
        _current = NewBlock();
        Edge(head, _current);
        _blocks[_current].Add(variable);
        // A break leaves the try/finally a graph puts around the loop, to where the loop's end goes through it too.
        var targets = EnterLoop(loop, head);
        _forEachDepth++;
        if (!AddStatement(loop.Body)) return false;
        _forEachDepth--;
        LeaveLoop(targets);
        if (_current >= 0) Edge(_current, head);
        _current = targets is { Break: >= 0 } ? targets.Break : NewBlock();
        Edge(head, _current);
        return true;
    }

    /// <summary>
    /// A loop's condition: as <see cref="IsCondition"/>, or, with loop jumps, the constant true of an endless loop
    /// (<paramref name="endless"/>), whose edge out of the loop is kept and marked as never taken.
    /// </summary>
    private bool IsLoopCondition(IOperation? condition, out bool endless)
    {
        endless = _loopJumps && condition is { ConstantValue: { HasValue: true, Value: true } };
        return endless || IsCondition(condition);
    }

    private void NeverTaken(int from, int to)
    {
        (_neverTaken ??= new List<(int, int)>()).Add((from, to));
        _mayBeUnreachable = true;
    }

    /// <summary>With loop jumps, the targets of a loop's break and continue statements while its body is read; else null.</summary>
    private LoopTargets? EnterLoop(ILoopOperation loop, int @continue)
    {
        if (!_loopJumps) return null;
        var targets = new LoopTargets(loop, @continue);
        _loops.Add(targets);
        return targets;
    }

    private void LeaveLoop(LoopTargets? targets)
    {
        if (targets is not null) _loops.RemoveAt(_loops.Count - 1);
    }

    /// <summary>
    /// A <c>break</c> or <c>continue</c> of the innermost loop around it in this function (a switch's own breaks stay in
    /// switches that are one opaque step): an edge to where it goes, and no path goes on after it.
    /// </summary>
    private bool AddJump(IBranchOperation jump)
    {
        if (_loops.Count == 0) return false;
        var targets = _loops[_loops.Count - 1];
        if (jump.BranchKind == BranchKind.Break && SymbolEqualityComparer.Default.Equals(jump.Target, targets.Loop.ExitLabel))
        {
            if (targets.Break < 0) targets.Break = NewBlock();
            Edge(_current, targets.Break);
        }
        else if (jump.BranchKind == BranchKind.Continue && SymbolEqualityComparer.Default.Equals(jump.Target, targets.Loop.ContinueLabel))
        {
            if (targets.Continue < 0) targets.Continue = NewBlock();
            Edge(_current, targets.Continue);
        }
        else
        {
            return false;
        }
        _current = -1;
        return true;
    }

    /// <summary>
    /// Where the breaks and continues of a loop go: the block after the loop, and the loop's head (while, foreach) or the
    /// block of its increments (for) or condition (do); a block made on first use is -1 until then.
    /// </summary>
    private sealed class LoopTargets
    {
        public LoopTargets(ILoopOperation loop, int @continue)
        {
            Loop = loop;
            Continue = @continue;
        }

        public ILoopOperation Loop { get; }

        public int Break = -1;

        public int Continue;
    }

    /// <summary>
    /// Whether the operation can be one step: evaluated on one path as <see cref="LinearFlow"/> requires, except that a
    /// <c>?:</c>, <c>??</c>, <c>?.</c>, <c>&amp;&amp;</c> or <c>||</c> may branch where the operands it may skip are inert
    /// (<see cref="IsInert"/>) and its value is no process. Nested functions are collected, not entered.
    /// </summary>
    private bool IsStep(IOperation operation)
    {
        switch (operation.Kind)
        {
            case OperationKind.AnonymousFunction:
            case OperationKind.LocalFunction:
                _nested.Add(operation);
                return true;
            case OperationKind.Conditional:
            {
                var conditional = (IConditionalOperation)operation;
                return !_types.IsChildProcess(conditional.Type) && conditional.WhenFalse is not null
                    && IsStep(conditional.Condition) && IsInert(conditional.WhenTrue) && IsInert(conditional.WhenFalse);
            }
            case OperationKind.Coalesce:
            {
                var coalesce = (ICoalesceOperation)operation;
                return !_types.IsChildProcess(coalesce.Type) && IsStep(coalesce.Value) && IsInert(coalesce.WhenNull);
            }
            case OperationKind.ConditionalAccess:
            {
                var access = (IConditionalAccessOperation)operation;
                return !_types.IsChildProcess(access.Type) && IsStep(access.Operation) && IsInert(access.WhenNotNull);
            }
            case OperationKind.Binary when ((IBinaryOperation)operation).OperatorKind is BinaryOperatorKind.ConditionalAnd or BinaryOperatorKind.ConditionalOr:
            {
                var binary = (IBinaryOperation)operation;
                return IsStep(binary.LeftOperand) && IsInert(binary.RightOperand);
            }
            case OperationKind.CoalesceAssignment:
            case OperationKind.SwitchExpression:
            case OperationKind.Throw:
            case OperationKind.Invalid:
            case OperationKind.None:
            case OperationKind.Loop:
            case OperationKind.Try:
            case OperationKind.Branch:
            case OperationKind.Labeled:
            case OperationKind.Switch:
            case OperationKind.Lock:
            case OperationKind.YieldReturn:
            case OperationKind.YieldBreak:
            case OperationKind.Return:
            case OperationKind.Using:
            case OperationKind.UsingDeclaration:
                return false;
        }
        foreach (var child in operation.ChildOperations)
            if (!IsStep(child)) return false;
        return true;
    }

    /// <summary>
    /// An operand that may be skipped: nothing in it the rules follow (no reference to a process variable, no process
    /// created, no Start, Join, JoinAsync, Terminate, Kill, TaskDone or take call), no nested function, no throw, nothing invalid.
    /// </summary>
    private bool IsInert(IOperation operation)
    {
        foreach (var op in operation.DescendantsAndSelf())
        {
            switch (op.Kind)
            {
                case OperationKind.AnonymousFunction:
                case OperationKind.LocalFunction:
                case OperationKind.Throw:
                case OperationKind.Invalid:
                case OperationKind.None:
                    return false;
                case OperationKind.Invocation:
                    if (((IInvocationOperation)op).TargetMethod.Name is "Start" or "Join" or "JoinAsync" or "Terminate" or "Kill"
                        or "TaskDone" or "Get" or "GetNowait" or "GetAsync" or "TryGet") return false;
                    break;
                case OperationKind.LocalReference:
                    if (_types.IsChildProcess(((ILocalReferenceOperation)op).Local.Type)) return false;
                    break;
                case OperationKind.ParameterReference:
                    if (_types.IsChildProcess(((IParameterReferenceOperation)op).Parameter.Type)) return false;
                    break;
                case OperationKind.ObjectCreation:
                    if (_types.IsChildProcess(op.Type)) return false;
                    break;
            }
        }
        return true;
    }
}
