namespace Multiproc.Analyzers;

/// <summary>
/// MP0019 (suggestion): <c>var item = q.Get(); Process(item); q.TaskDone();</c> — the item is marked done on every normal
/// path (so MP0006 is quiet), but the work between the take and <c>TaskDone()</c> can throw, and then <c>TaskDone()</c> is
/// skipped and <c>q.Join()</c> waits forever. Read from the operation tree, no graph: the take is a statement of a block
/// (<c>var x = q.Get();</c>, <c>x = q.Get();</c>, <c>q.Get();</c>, with <c>await</c> for GetAsync), a later statement of the
/// same block is <c>q.TaskDone();</c>, and a statement between them can throw.
/// Not reported (left to MP0006, or released already) when: a statement between leaves the block (return, break, continue,
/// goto, an explicit throw, yield break) other than right after its own <c>q.TaskDone();</c> — MP0006 reports those paths; the take is inside a <c>try</c> or
/// <c>catch</c> of the same function (MP0006 follows implicit exceptions there, or a handler deals with them); the
/// <c>TaskDone()</c> is in a finally (it is then not a statement of the take's block).
/// "Can throw": an invocation, an object creation (not of a delegate or anonymous type), an <c>await</c>, an explicit
/// or user-defined conversion, an array element or indexer access, a division, a <c>throw</c>, a dynamic operation;
/// not inside a lambda or local function that is only created there. Property reads, locals, literals, comparisons,
/// <c>is</c> patterns and <c>nameof</c> do not count.
/// </summary>
internal static class TaskDoneNotInFinally
{
    /// <summary>Property: the queue expression as written (the same property MP0006's fixer reads).</summary>
    public const string QueueProperty = MissingTaskDone.QueueProperty;

    internal static void Analyze(OperationBlockAnalysisContext block, MultiprocTypes types)
    {
        foreach (var root in block.OperationBlocks)
        {
            foreach (var op in root.DescendantsAndSelf())
            {
                if (op is not IInvocationOperation inv || inv.TargetMethod.Name == "TryGet" || !MissingTaskDone.IsTake(inv, types)) continue;
                if (Check(inv, types) is { } diagnostic) block.ReportDiagnostic(diagnostic);
            }
        }
    }

    private static Diagnostic? Check(IInvocationOperation take, MultiprocTypes types)
    {
        if (FlowKey.Of(take.Instance, allowElements: false) is not { } key) return null;
        IOperation value = take;
        while (value.Parent is IConversionOperation or IAwaitOperation) value = value.Parent;
        if (value.Parent is IInvocationOperation { TargetMethod.Name: "ConfigureAwait" } configure && configure.Instance == value && configure.Parent is IAwaitOperation aw)
            value = aw;
        var statement = value.Parent switch
        {
            IExpressionStatementOperation s => s,
            ISimpleAssignmentOperation { Parent: IExpressionStatementOperation s } a when a.Value == value => s,
            IVariableInitializerOperation { Parent: IVariableDeclaratorOperation { Parent: IVariableDeclarationOperation { Parent: IVariableDeclarationGroupOperation group } } } => group,
            _ => (IOperation?)null,
        };
        if (statement?.Parent is not IBlockOperation block) return null;
        if (InsideTry(block)) return null;

        bool IsTaskDone(IOperation s) =>
            s is IExpressionStatementOperation { Operation: IInvocationOperation done }
            && done.TargetMethod.Name == "TaskDone" && types.IsJoinableQueue(done.TargetMethod.ContainingType)
            && FlowKey.Of(done.Instance, allowElements: false) is { } k && k.Equals(key);

        var ops = block.Operations;
        var start = ops.IndexOf(statement);
        var end = -1;
        for (var i = start + 1; i < ops.Length; i++)
            if (IsTaskDone(ops[i])) { end = i; break; }
        if (end < 0) return null;

        var mayThrow = false;
        for (var i = start + 1; i < end; i++)
        {
            if (LeavesWithoutTaskDone(ops[i], IsTaskDone)) return null;
            if (!mayThrow && CanThrow(ops[i])) mayThrow = true;
        }
        if (!mayThrow) return null;

        var properties = ImmutableDictionary<string, string?>.Empty.Add(QueueProperty, take.Instance!.Syntax.ToString());
        return Diagnostic.Create(Descriptors.MP0019_TaskDoneNotInFinally, take.Syntax.GetLocation(), properties, take.Instance.Syntax.ToString());
    }

    /// <summary>Whether <paramref name="block"/> is in the body or a handler of a try of its own function.</summary>
    private static bool InsideTry(IOperation block)
    {
        for (var p = block.Parent; p is not null; p = p.Parent)
        {
            if (p is IAnonymousFunctionOperation or ILocalFunctionOperation or IMethodBodyOperation) return false;
            if (p is ITryOperation or ICatchClauseOperation) return true;
        }
        return false;
    }

    /// <summary>A jump out of the statement that is not directly preceded, in its own block, by <c>q.TaskDone();</c>.</summary>
    private static bool LeavesWithoutTaskDone(IOperation statement, Func<IOperation, bool> isTaskDone)
    {
        foreach (var d in statement.DescendantsAndSelf())
        {
            if (d is IAnonymousFunctionOperation or ILocalFunctionOperation) continue;
            if (d is not (IReturnOperation or IBranchOperation or IThrowOperation)) continue;
            if (d is IBranchOperation { BranchKind: BranchKind.Break or BranchKind.Continue } branch && IsInside(branch.Target, statement)) continue;
            if (d.Parent is IBlockOperation b && b.Operations.IndexOf(d) is var i and > 0 && isTaskDone(b.Operations[i - 1])) continue;
            return true;
        }
        return false;
    }

    /// <summary>Whether the loop or switch a break/continue targets is inside <paramref name="statement"/>.</summary>
    private static bool IsInside(ILabelSymbol target, IOperation statement)
    {
        foreach (var d in statement.DescendantsAndSelf())
        {
            switch (d)
            {
                case ILoopOperation loop when SymbolEqualityComparer.Default.Equals(loop.ExitLabel, target) || SymbolEqualityComparer.Default.Equals(loop.ContinueLabel, target):
                    return true;
                case ISwitchOperation sw when SymbolEqualityComparer.Default.Equals(sw.ExitLabel, target):
                    return true;
            }
        }
        return false;
    }

    private static bool CanThrow(IOperation operation)
    {
        var stack = new Stack<IOperation>();
        stack.Push(operation);
        while (stack.Count > 0)
        {
            var d = stack.Pop();
            if (d is IAnonymousFunctionOperation or ILocalFunctionOperation or INameOfOperation) continue; // created, not run here
            foreach (var child in d.ChildOperations) stack.Push(child);
            switch (d)
            {
                case IInvocationOperation:
                case IAwaitOperation:
                case IThrowOperation:
                case IArrayElementReferenceOperation:
                case IDynamicInvocationOperation:
                case IDynamicMemberReferenceOperation:
                case IDynamicIndexerAccessOperation:
                case IDynamicObjectCreationOperation:
                    return true;
                case IObjectCreationOperation { Type.TypeKind: not TypeKind.Delegate }:
                    return true;
                case IPropertyReferenceOperation { Arguments.Length: > 0 }:
                    return true;
                case IConversionOperation { Conversion: var c } when c.IsUserDefined || !c.IsImplicit:
                    return true;
                case IBinaryOperation { OperatorKind: BinaryOperatorKind.Divide or BinaryOperatorKind.Remainder } div
                    when div.Type?.SpecialType is not (SpecialType.System_Double or SpecialType.System_Single):
                    return true;
                case IBinaryOperation { OperatorMethod: not null }:
                    return true;
            }
        }
        return false;
    }
}
