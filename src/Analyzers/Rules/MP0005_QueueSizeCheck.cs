using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Multiproc.Analyzers;

/// <summary>
/// MP0005: <c>IsEmpty</c>, <c>IsFull</c> or <c>Count</c> of a <c>ProcessQueue</c> read in a branch condition that
/// decides whether a <c>Get</c> (<c>IsEmpty</c>, <c>Count</c>) or a <c>Put</c> (<c>IsFull</c>, <c>Count</c>) on the same
/// queue runs: the call is reachable from one outcome of the condition and not from the other (without coming back
/// to the condition). A value that is only logged or displayed, or a check after which the call runs either way,
/// is not flagged.
/// </summary>
internal static class QueueSizeCheck
{
    /// <summary>Property: "Guard" (<c>if/while (has items) { x = q.Get(); … }</c>) or "EarlyExit" (<c>if (empty) return; x = q.Get();</c>); absent when there is no fix.</summary>
    public const string ShapeProperty = "Shape";
    public const string ShapeGuard = "Guard";
    public const string ShapeEarlyExit = "EarlyExit";
    /// <summary>Property: "start:length" of the if/while statement the fix rewrites.</summary>
    public const string StatementSpanProperty = "StatementSpan";
    /// <summary>Property: "start:length" of the Get/Put statement the fix folds into the condition.</summary>
    public const string CallSpanProperty = "CallSpan";
    /// <summary>Property: the queue expression as written.</summary>
    public const string QueueProperty = "Queue";

    internal const int SizeRead = 1;
    internal const int QueueCall = 2;

    internal static int FlagsOf(IOperation op, MultiprocTypes types)
    {
        if (op is IInvocationOperation inv)
        {
            var m = inv.TargetMethod;
            return (IsGet(m.Name) || IsPut(m.Name)) && types.IsAnyQueue(m.ContainingType) ? QueueCall : 0;
        }
        var p = ((IPropertyReferenceOperation)op).Property;
        return IsSizeName(p.Name) && types.IsAnyQueue(p.ContainingType) ? SizeRead : 0;
    }

    internal static bool IsSizeName(string name) => name is "IsEmpty" or "IsFull" or "Count";

    internal static bool IsGet(string name) => name is "Get" or "GetNowait" or "GetAsync";

    internal static bool IsPut(string name) => name is "Put" or "PutNowait" or "PutAsync";

    internal static void AnalyzeGraph(ControlFlowGraph cfg, MultiprocTypes types, System.Action<Diagnostic> report)
    {
        FlowGraph? graph = null;
        Dictionary<object, IPropertyReferenceOperation?>? stored = null;
        var storedFound = false;
        HashSet<IPropertyReferenceOperation>? reportedStored = null;
        foreach (var block in cfg.Blocks)
        {
            if (!block.IsReachable || block.ConditionKind == ControlFlowConditionKind.None || block.BranchValue is null) continue;
            foreach (var read in block.BranchValue.DescendantsAndSelf())
            {
                IPropertyReferenceOperation prop;
                if (read is IPropertyReferenceOperation direct) prop = direct;
                else if (read is ILocalReferenceOperation or IFlowCaptureReferenceOperation)
                {
                    // A size stored first (`var empty = q.IsEmpty; if (!empty) q.Get();`, a switch on `q.IsEmpty`) decides the same.
                    if (!storedFound) stored = StoredSizeReads(cfg, types);
                    storedFound = true;
                    object id = read is ILocalReferenceOperation local ? local.Local : ((IFlowCaptureReferenceOperation)read).Id;
                    if (stored is null || !stored.TryGetValue(id, out var storedRead) || storedRead is null) continue;
                    // Tested by more than one branch (the arms of a switch): reported once.
                    if (reportedStored?.Contains(storedRead) == true) continue;
                    prop = storedRead;
                }
                else continue;
                var name = prop.Property.Name;
                if (!IsSizeName(name) || !types.IsAnyQueue(prop.Property.ContainingType)) continue;
                if (FlowKey.Of(QueueOf(prop), allowElements: false) is not { } key) continue;
                var whenTrue = PathSearch.SuccessorWhen(block, true);
                var whenFalse = PathSearch.SuccessorWhen(block, false);
                if (whenTrue is null || whenFalse is null || whenTrue == whenFalse) continue;

                graph ??= new FlowGraph(cfg, ExceptionSemantics.ExplicitThrowsAndImplicitEdges);
                var fromTrue = Reachable(graph, whenTrue.Ordinal, block.Ordinal);
                var fromFalse = Reachable(graph, whenFalse.Ordinal, block.Ordinal);
                IInvocationOperation? decided = null;
                foreach (var ordinal in fromTrue.Concat(fromFalse).Distinct().OrderBy(o => o))
                {
                    if (fromTrue.Contains(ordinal) && fromFalse.Contains(ordinal)) continue;
                    decided = FlowGraph.Steps(cfg.Blocks[ordinal])
                        .SelectMany(s => s.DescendantsAndSelf().OfType<IInvocationOperation>())
                        .FirstOrDefault(inv =>
                            types.IsAnyQueue(inv.TargetMethod.ContainingType)
                            && ((name != "IsFull" && IsGet(inv.TargetMethod.Name)) || (name != "IsEmpty" && IsPut(inv.TargetMethod.Name)))
                            && FlowKey.Of(inv.Instance, allowElements: false) is { } k && k.Equals(key));
                    if (decided is not null) break;
                }
                if (decided is null) continue;
                if (read != prop) (reportedStored ??= new HashSet<IPropertyReferenceOperation>()).Add(prop);
                Report(prop, decided, report);
            }
        }
    }

    /// <summary>
    /// The locals (by symbol) and captures (by id) of <paramref name="cfg"/> whose one write stores a value computed from one
    /// size read of a queue (<c>var n = q.Count;</c>, <c>var empty = !q.IsEmpty;</c>, the value a switch tests); null
    /// (poisoned) for those written more than once or by anything else. Only reads in a branch condition get here.
    /// </summary>
    private static Dictionary<object, IPropertyReferenceOperation?>? StoredSizeReads(ControlFlowGraph cfg, MultiprocTypes types)
    {
        Dictionary<object, IPropertyReferenceOperation?>? stored = null;
        foreach (var block in cfg.Blocks)
        {
            foreach (var operation in block.Operations)
            {
                foreach (var op in operation.DescendantsAndSelf())
                {
                    object? id;
                    IOperation value;
                    switch (op)
                    {
                        case IFlowCaptureOperation capture:
                            id = capture.Id;
                            value = capture.Value;
                            break;
                        case ISimpleAssignmentOperation { Target: ILocalReferenceOperation target } assignment:
                            id = target.Local;
                            value = assignment.Value;
                            break;
                        case ILocalReferenceOperation { Parent: not ISimpleAssignmentOperation } reference when IsWrite(reference):
                            (stored ??= new Dictionary<object, IPropertyReferenceOperation?>())[reference.Local] = null;
                            continue;
                        default:
                            continue;
                    }
                    IPropertyReferenceOperation? read = null;
                    var reads = 0;
                    foreach (var v in value.DescendantsAndSelf())
                    {
                        if (v.Kind is OperationKind.Invocation or OperationKind.Await or OperationKind.AnonymousFunction) { reads = 2; break; }
                        if (IsSizeRead(v, types)) { read = (IPropertyReferenceOperation)v; reads++; }
                    }
                    stored ??= new Dictionary<object, IPropertyReferenceOperation?>();
                    // Written twice, or by something else than one size read: not followed.
                    stored[id] = reads == 1 && !stored.ContainsKey(id) ? read : null;
                }
            }
        }
        return stored;
    }

    /// <summary>A reference that writes its local other than as the target of a simple assignment (compound, ++, out, ref, deconstruction).</summary>
    private static bool IsWrite(ILocalReferenceOperation reference) => reference.Parent switch
    {
        ICompoundAssignmentOperation c => c.Target == reference,
        IIncrementOrDecrementOperation => true,
        IArgumentOperation a => a.Parameter?.RefKind is RefKind.Out or RefKind.Ref,
        ICoalesceAssignmentOperation c => c.Target == reference,
        IDeconstructionAssignmentOperation or ITupleOperation => true,
        _ => false,
    };

    /// <summary>
    /// The same as <see cref="AnalyzeGraph"/> over the graphs of <paramref name="body"/>, without building them, for three
    /// shapes of size check (under <c>!</c>, comparisons and conversions, evaluated in one step: no call, no await):
    /// <list type="bullet">
    /// <item><c>if (check) { … }</c> with no <c>else</c>, whose branch cannot jump, loop or throw, so it always ends where the
    /// false outcome goes: the calls the check decides are exactly the ones in the branch;</item>
    /// <item><c>if (check &amp;&amp; more) { … }</c>, the same but for the left operand of the whole condition: the false
    /// outcomes of both operands go to the same place, so it decides the calls in <c>more</c>, then those in the branch
    /// (<c>more</c> evaluated in one step when it holds such a call);</item>
    /// <item><c>while (check) { … }</c> (condition at the top), whose body cannot jump, loop or throw, so it always goes back
    /// to the check: it decides the calls in the body and every call reached after the loop, so it is only read when the
    /// loop is in no other loop of the function (so no code before it runs after it) and no call on the queue that it
    /// could decide comes after it in the function.</item>
    /// </list>
    /// Every size read of the body must be one of these, and the body jumps nowhere but a last <c>return</c>, has no
    /// constant condition, nor a boolean constant operand of <c>&amp;&amp;</c>, <c>||</c>, <c>!</c> or <c>?:</c> (so every
    /// check is reachable, as it is in the graph). Returns false, reporting nothing, when the body has another shape.
    /// </summary>
    internal static bool TryAnalyzeIfShapes(IOperation body, MultiprocTypes types, System.Action<Diagnostic> report)
    {
        var checks = new List<SizeCheck>();
        if (!CollectIfShapes(body, types, checks)) return false;
        foreach (var check in checks)
        {
            if (check.Loop is { } loop && (InLoop(loop) || LinearFlow.AnyOutsideFunctions(body, op =>
                    op.Syntax.SpanStart >= loop.Syntax.Span.End && Decides(op, check, types))))
                return false;
            // The calls in `more` come first, in the order of its one step.
            if (check.Right is { } right && FirstDecided(right, check, types) is not null && !LinearFlow.IsStraight(right, null, strict: false))
                return false;
        }
        foreach (var check in checks)
        {
            var decided = (check.Right is { } right ? FirstDecided(right, check, types) : null) ?? FirstDecided(check.Branch, check, types);
            if (decided is not null) Report(check.Read, decided, report);
        }
        return true;
    }

    /// <summary>A size read of one of the shapes <see cref="TryAnalyzeIfShapes"/> reads.</summary>
    private sealed class SizeCheck(IPropertyReferenceOperation read, FlowKey key, IOperation branch, IOperation? right, IWhileLoopOperation? loop)
    {
        public IPropertyReferenceOperation Read { get; } = read;

        public FlowKey Key { get; } = key;

        /// <summary>The if's branch or the loop's body.</summary>
        public IOperation Branch { get; } = branch;

        /// <summary>The right operand of <c>check &amp;&amp; more</c>, or null.</summary>
        public IOperation? Right { get; } = right;

        /// <summary>The <c>while</c> loop whose condition the check is, or null.</summary>
        public IWhileLoopOperation? Loop { get; } = loop;
    }

    /// <summary>A Get (IsEmpty, Count) or Put (IsFull, Count) on the check's queue: a call the check may decide.</summary>
    private static bool Decides(IOperation op, SizeCheck check, MultiprocTypes types)
    {
        if (op is not IInvocationOperation inv || !types.IsAnyQueue(inv.TargetMethod.ContainingType)) return false;
        var name = check.Read.Property.Name;
        var callName = inv.TargetMethod.Name;
        if (!((name != "IsFull" && IsGet(callName)) || (name != "IsEmpty" && IsPut(callName)))) return false;
        return FlowKey.Of(inv.Instance, allowElements: false) is { } k && k.Equals(check.Key);
    }

    private static IInvocationOperation? FirstDecided(IOperation root, SizeCheck check, MultiprocTypes types)
    {
        IInvocationOperation? decided = null;
        LinearFlow.AnyOutsideFunctions(root, op =>
        {
            if (!Decides(op, check, types)) return false;
            decided = (IInvocationOperation)op;
            return true;
        });
        return decided;
    }

    private static bool InLoop(IOperation statement)
    {
        for (var p = statement.Parent; p is not null; p = p.Parent)
            if (p is ILoopOperation) return true;
        return false;
    }

    /// <summary>Finds the size reads of <paramref name="op"/>; false when one of them, or a jump, is outside the shapes.</summary>
    private static bool CollectIfShapes(IOperation op, MultiprocTypes types, List<SizeCheck> checks)
    {
        switch (op.Kind)
        {
            case OperationKind.AnonymousFunction:
            case OperationKind.LocalFunction:
                // A size read in a nested function is analyzed in that function's graph: not this shape.
                return !op.Descendants().Any(o => IsSizeRead(o, types));
            case OperationKind.Loop when LinearFlow.LoopConditionIsConstant((ILoopOperation)op):
            case OperationKind.Conditional when ((IConditionalOperation)op).Condition.ConstantValue.HasValue:
                // A constant condition makes code unreachable, which the graph leaves alone.
                return false;
            case OperationKind.Conditional when IsBooleanConstant(((IConditionalOperation)op).WhenTrue) || IsBooleanConstant(((IConditionalOperation)op).WhenFalse):
            case OperationKind.Binary when ((IBinaryOperation)op).OperatorKind is BinaryOperatorKind.ConditionalAnd or BinaryOperatorKind.ConditionalOr
                                           && (IsBooleanConstant(((IBinaryOperation)op).LeftOperand) || IsBooleanConstant(((IBinaryOperation)op).RightOperand)):
            case OperationKind.Unary when ((IUnaryOperation)op).OperatorKind == UnaryOperatorKind.Not && IsBooleanConstant(((IUnaryOperation)op).Operand):
                // So does a constant operand of a condition the graph branches on (if (b && false) …).
                return false;
            case OperationKind.Branch:
            case OperationKind.Throw:
            case OperationKind.YieldBreak:
            case OperationKind.Labeled:
            case OperationKind.Invalid:
                return false;
            case OperationKind.Return:
                // Only the last statement of the body: nothing after it to make unreachable.
                if (!(op.Parent is IBlockOperation block && block.Parent is IMethodBodyOperation && block.Operations[block.Operations.Length - 1] == op))
                    return false;
                break;
            case OperationKind.PropertyReference when IsSizeRead(op, types):
            {
                var prop = (IPropertyReferenceOperation)op;
                // A property pattern (q is { IsEmpty: false }) is left to the graph, which reads it.
                if (prop.Instance is IInstanceReferenceOperation { ReferenceKind: InstanceReferenceKind.PatternInput }) return false;
                if (FlowKey.Of(prop.Instance, allowElements: false) is not { } key) return true;   // the graph analysis skips it too
                if (ShapeOf(prop, key) is not { } check) return false;
                checks.Add(check);
                return true;
            }
        }
        foreach (var child in op.ChildOperations)
            if (!CollectIfShapes(child, types, checks)) return false;
        return true;
    }

    private static bool IsBooleanConstant(IOperation? op) => op is { ConstantValue: { HasValue: true, Value: bool } };

    private static bool IsSizeRead(IOperation op, MultiprocTypes types) =>
        op is IPropertyReferenceOperation p && IsSizeName(p.Property.Name) && types.IsAnyQueue(p.Property.ContainingType);

    /// <summary>
    /// The shape of the check that holds the read (<see cref="TryAnalyzeIfShapes"/>): the whole condition of an <c>if</c>
    /// statement (no else, a branch that cannot jump, loop or throw) or of a top-tested <c>while</c> (a body that cannot
    /// either), or the left operand of an <c>if</c>'s whole <c>&amp;&amp;</c> condition; null for any other place.
    /// </summary>
    private static SizeCheck? ShapeOf(IPropertyReferenceOperation read, FlowKey key)
    {
        IOperation child = read;
        var parent = read.Parent;
        while (parent is IConversionOperation or IUnaryOperation { OperatorKind: UnaryOperatorKind.Not }
               or IBinaryOperation { OperatorKind: not (BinaryOperatorKind.ConditionalAnd or BinaryOperatorKind.ConditionalOr) })
        {
            child = parent;
            parent = parent.Parent;
        }
        // The check is evaluated in one step (no call, no await to spill it).
        if (child.DescendantsAndSelf().Any(o => o.Kind is OperationKind.Await or OperationKind.Invocation)) return null;
        IOperation? right = null;
        if (parent is IBinaryOperation { OperatorKind: BinaryOperatorKind.ConditionalAnd, OperatorMethod: null } both && both.LeftOperand == child)
        {
            right = both.RightOperand;
            child = both;
            parent = both.Parent;
        }
        switch (parent)
        {
            case IConditionalOperation { IsRef: false, WhenFalse: null } ifStatement when ifStatement.Condition == child && ifStatement.Parent is IBlockOperation:
                return FallsThrough(ifStatement.WhenTrue) ? new SizeCheck(read, key, ifStatement.WhenTrue, right, null) : null;
            case IWhileLoopOperation { ConditionIsTop: true, ConditionIsUntil: false, IgnoredCondition: null } loop when right is null && loop.Condition == child:
                return FallsThrough(loop.Body) ? new SizeCheck(read, key, loop.Body, null, loop) : null;
            default:
                return null;
        }
    }

    /// <summary>Statements that always end at their end: no jump, loop, try, using, lock, switch or throw.</summary>
    private static bool FallsThrough(IOperation statement) => !LinearFlow.AnyOutsideFunctions(statement, o => o.Kind is
        OperationKind.Branch or OperationKind.Return or OperationKind.YieldReturn or OperationKind.YieldBreak or OperationKind.Throw
        or OperationKind.Loop or OperationKind.Try or OperationKind.Using or OperationKind.UsingDeclaration or OperationKind.Lock
        or OperationKind.Switch or OperationKind.Labeled or OperationKind.Invalid or OperationKind.None);

    private static void Report(IPropertyReferenceOperation prop, IInvocationOperation decided, System.Action<Diagnostic> report)
    {
        var name = prop.Property.Name;
        var queueText = QueueOf(prop)!.Syntax.ToString();
        var call = decided.TargetMethod.Name;
        var replacement = IsGet(call) ? "TryGet" : "TryPut";
        var properties = ImmutableDictionary<string, string?>.Empty.Add(QueueProperty, queueText);
        if (FixShape(prop, queueText, IsGet(call)) is { } shape)
        {
            properties = properties
                .Add(ShapeProperty, shape.Shape)
                .Add(StatementSpanProperty, SpanText(shape.Statement))
                .Add(CallSpanProperty, SpanText(shape.Call));
        }
        report(Diagnostic.Create(Descriptors.MP0005_QueueSizeCheckDecides, prop.Syntax.GetLocation(), properties,
            queueText, name, call, replacement));
    }

    private static string SpanText(SyntaxNode node) =>
        node.Span.Start.ToString(System.Globalization.CultureInfo.InvariantCulture) + ":" + node.Span.Length.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Parses a span written by the analyzer.</summary>
    internal static Microsoft.CodeAnalysis.Text.TextSpan? ParseSpan(string? text)
    {
        var parts = text?.Split(':');
        if (parts is null || parts.Length != 2) return null;
        return int.TryParse(parts[0], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var start)
            && int.TryParse(parts[1], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var length)
            ? new Microsoft.CodeAnalysis.Text.TextSpan(start, length)
            : null;
    }

    /// <summary>
    /// The queue a size read reads: its instance, or for a property pattern (<c>q is { IsEmpty: false }</c>, whose instance
    /// is the pattern's input) the value the pattern tests.
    /// </summary>
    private static IOperation? QueueOf(IPropertyReferenceOperation prop)
    {
        if (prop.Instance is not IInstanceReferenceOperation { ReferenceKind: InstanceReferenceKind.PatternInput }) return prop.Instance;
        for (var p = prop.Parent; p is not null; p = p.Parent)
        {
            switch (p)
            {
                case IPropertySubpatternOperation or IRecursivePatternOperation:
                    continue;
                case IIsPatternOperation isPattern:
                    return isPattern.Value;
                default:
                    return null;
            }
        }
        return null;
    }

    private static HashSet<int> Reachable(FlowGraph graph, int from, int barrier)
    {
        var seen = new HashSet<int>();
        var stack = new Stack<int>();
        // An outcome that goes back to the condition's own block (`do { q.Get(); } while (!q.IsEmpty);` in one block) runs
        // that block's operations before it comes back to the condition: they are reached from it.
        if (from == barrier)
        {
            seen.Add(from);
            return seen;
        }
        stack.Push(from);
        while (stack.Count > 0)
        {
            var b = stack.Pop();
            if (b < 0 || b == barrier || !seen.Add(b)) continue;
            foreach (var s in graph.NormalSuccessors(b)) stack.Push(s);
        }
        return seen;
    }

    /// <summary>The if/while statement and the Get/Put statement a fix rewrites, when the code has one of the two simple shapes.</summary>
    private static (string Shape, StatementSyntax Statement, StatementSyntax Call)? FixShape(IPropertyReferenceOperation prop, string queueText, bool get)
    {
        if (prop.Syntax is not MemberAccessExpressionSyntax member) return null;
        ExpressionSyntax condition = member;
        while (condition.Parent is ParenthesizedExpressionSyntax p) condition = p;
        bool hasItems; // the condition is true when the call can go ahead
        switch (condition.Parent)
        {
            case PrefixUnaryExpressionSyntax { RawKind: (int)SyntaxKind.LogicalNotExpression } not:
                condition = not;
                hasItems = true;
                break;
            case BinaryExpressionSyntax binary when prop.Property.Name == "Count" && get:
                var other = binary.Left == condition ? binary.Right : binary.Left;
                if (other is not LiteralExpressionSyntax { Token.Value: int literal }) return null;
                var countOnLeft = binary.Left == condition;
                var kind = (SyntaxKind)binary.RawKind;
                if (!countOnLeft)
                {
                    kind = kind switch
                    {
                        SyntaxKind.LessThanExpression => SyntaxKind.GreaterThanExpression,
                        SyntaxKind.GreaterThanExpression => SyntaxKind.LessThanExpression,
                        SyntaxKind.LessThanOrEqualExpression => SyntaxKind.GreaterThanOrEqualExpression,
                        SyntaxKind.GreaterThanOrEqualExpression => SyntaxKind.LessThanOrEqualExpression,
                        _ => kind,
                    };
                }
                bool? positive = (kind, literal) switch
                {
                    (SyntaxKind.GreaterThanExpression, 0) or (SyntaxKind.NotEqualsExpression, 0) or (SyntaxKind.GreaterThanOrEqualExpression, 1) => true,
                    (SyntaxKind.EqualsExpression, 0) or (SyntaxKind.LessThanOrEqualExpression, 0) or (SyntaxKind.LessThanExpression, 1) => false,
                    _ => null,
                };
                if (positive is null) return null;
                condition = binary;
                hasItems = positive.Value;
                break;
            default:
                if (prop.Property.Name == "Count") return null;
                hasItems = false;
                break;
        }
        if (prop.Property.Name == "IsEmpty" && !get || prop.Property.Name == "IsFull" && get) return null;
        while (condition.Parent is ParenthesizedExpressionSyntax p2) condition = p2;

        switch (condition.Parent)
        {
            case IfStatementSyntax ifStatement when hasItems && ifStatement.Condition == condition:
                // `out var x` in an if condition is in scope in the enclosing block: no fix when that clashes.
                return FirstStatement(ifStatement.Statement) is { } c1 && IsCallStatement(c1, queueText, get)
                       && (c1 is not LocalDeclarationStatementSyntax d || NameFreeAround(ifStatement, d.Declaration.Variables[0].Identifier.ValueText))
                    ? (ShapeGuard, ifStatement, c1)
                    : null;
            case WhileStatementSyntax whileStatement when hasItems && whileStatement.Condition == condition:
                return FirstStatement(whileStatement.Statement) is { } c2 && IsCallStatement(c2, queueText, get) ? (ShapeGuard, whileStatement, c2) : null;
            case IfStatementSyntax ifExit when !hasItems && ifExit.Condition == condition && ifExit.Else is null && IsJump(ifExit.Statement)
                                            && ifExit.Parent is BlockSyntax parentBlock:
                var index = parentBlock.Statements.IndexOf(ifExit);
                if (index + 1 >= parentBlock.Statements.Count) return null;
                var next = parentBlock.Statements[index + 1];
                return IsCallStatement(next, queueText, get) ? (ShapeEarlyExit, ifExit, next) : null;
            default:
                return null;
        }
    }

    private static bool NameFreeAround(IfStatementSyntax ifStatement, string name)
    {
        var scope = ifStatement.Parent;
        if (scope is null) return false;
        return !scope.DescendantNodes().Where(n => !ifStatement.Span.Contains(n.Span)).Any(n => n switch
        {
            VariableDeclaratorSyntax v => v.Identifier.ValueText == name,
            SingleVariableDesignationSyntax d => d.Identifier.ValueText == name,
            ForEachStatementSyntax f => f.Identifier.ValueText == name,
            ParameterSyntax p => p.Identifier.ValueText == name,
            LocalFunctionStatementSyntax l => l.Identifier.ValueText == name,
            _ => false,
        });
    }

    private static StatementSyntax? FirstStatement(StatementSyntax body) =>
        body is BlockSyntax block ? block.Statements.FirstOrDefault() : body;

    private static bool IsJump(StatementSyntax statement) =>
        statement is ReturnStatementSyntax or BreakStatementSyntax or ContinueStatementSyntax or ThrowStatementSyntax
        || statement is BlockSyntax { Statements.Count: 1 } b && IsJump(b.Statements[0]);

    /// <summary><c>q.Get(…);</c>, <c>x = q.Get(…);</c>, <c>var x = q.Get(…);</c>, <c>q.Put(item…);</c> (also the Nowait forms).</summary>
    internal static bool IsCallStatement(StatementSyntax statement, string queueText, bool get)
    {
        var invocation = CallOf(statement, get);
        return invocation?.Expression is MemberAccessExpressionSyntax m && m.Expression.ToString() == queueText
            && (get ? m.Name.Identifier.ValueText is "Get" or "GetNowait" : m.Name.Identifier.ValueText is "Put" or "PutNowait");
    }

    internal static InvocationExpressionSyntax? CallOf(StatementSyntax statement, bool get) => statement switch
    {
        ExpressionStatementSyntax { Expression: InvocationExpressionSyntax inv } => inv,
        ExpressionStatementSyntax { Expression: AssignmentExpressionSyntax { RawKind: (int)SyntaxKind.SimpleAssignmentExpression, Left: IdentifierNameSyntax, Right: InvocationExpressionSyntax inv } } when get => inv,
        LocalDeclarationStatementSyntax { Declaration.Variables.Count: 1, UsingKeyword.RawKind: 0, AwaitKeyword.RawKind: 0 } decl
            when get && decl.Declaration.Variables[0].Initializer?.Value is InvocationExpressionSyntax inv => inv,
        _ => null,
    };
}
