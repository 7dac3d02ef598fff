using System.Collections.Concurrent;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Multiproc.Analyzers;

/// <summary>
/// MP0011: a child target that takes items from a queue in a loop with no way out (no break, return or
/// throw reachable: the method's exit is unreachable in its control-flow graph), run by a ChildProcess
/// that is not a daemon. The parent joins non-daemon children when it exits, so the program never ends.
/// </summary>
internal sealed class EndlessConsumer
{
    /// <summary>Property: how the fixer makes the process a daemon.</summary>
    public const string FixKindProperty = "FixKind";
    /// <summary>Add <c>Daemon = true</c> to the object initializer of the creation at the edit span.</summary>
    public const string FixAddToInitializer = "Initializer";
    /// <summary>Replace the constant false (the edit span) with true.</summary>
    public const string FixReplaceFalse = "ReplaceFalse";
    /// <summary>Insert <c>local.Daemon = true;</c> after the statement at the edit span.</summary>
    public const string FixInsertStatement = "InsertStatement";
    /// <summary>Property: the local that holds the process (for <see cref="FixInsertStatement"/>).</summary>
    public const string LocalProperty = "Local";

    private readonly MultiprocTypes _types;
    // Whether a method is an endless consumer, by its original definition: decided at the end of its own operation block
    // (with the graph the driver built for it) when it takes items and may never end, or, for a target in the creation's
    // own file whose block has not been seen yet, on demand (so that the diagnostic is local and fixable).
    private readonly ConcurrentDictionary<IMethodSymbol, bool> _cache = new(SymbolEqualityComparer.Default);
    // Creations whose target is in another file: the diagnostic is reported at compilation end (non-local, so without a
    // code fix), once every target's block has been seen.
    private readonly ConcurrentBag<IObjectCreationOperation> _pending = new();

    private readonly bool _byShape;

    /// <param name="byShape">Whether a body of a simple shape is decided without its graph (<see cref="IsEndlessByShape"/>).</param>
    public EndlessConsumer(MultiprocTypes types, bool byShape)
    {
        _types = types;
        _byShape = byShape;
    }

    /// <summary>Only bodies that take items from a queue can be endless consumers (the gate of <see cref="BlockEnded"/>).</summary>
    public bool IsGate(IInvocationOperation invocation) => IsTake(invocation, _types);

    /// <summary>Decides whether the block's method is an endless consumer, when it takes items and may never end.</summary>
    public void BlockEnded(OperationBlockAnalysisContext block)
    {
        if (block.OwningSymbol is not IMethodSymbol method) return;
        foreach (var body in block.OperationBlocks)
        {
            if (body is not (IMethodBodyOperation or IBlockOperation) || !TakesItem(body, _types) || !MayNeverEnd(body)) continue;
            var root = body;
            while (root.Parent is not null) root = root.Parent;
            // Else the graph of the block's root, as the driver builds it (shared with the other rules that look at this body).
            var endless = (_byShape ? IsEndlessByShape(root, _types) : null) ?? IsEndlessConsumer(block.GetControlFlowGraph(body), _types);
            _cache.AddOrUpdate(method.OriginalDefinition, endless, (_, before) => before || endless);
        }
    }

    /// <summary>A <c>new ChildProcess(…)</c> whose target is in the same file is decided here (a local, fixable diagnostic).</summary>
    /// <param name="targetInvocation">The target invocation of the creation (<see cref="ChildTargets.GetTargetInvocation"/>).</param>
    public void ChildProcessCreated(OperationAnalysisContext ctx, IObjectCreationOperation creation, IInvocationOperation targetInvocation)
    {
        var types = _types;
        var target = targetInvocation.TargetMethod.OriginalDefinition;
        var tree = creation.Syntax.SyntaxTree;
        SyntaxNode? declaration = null;
        var references = target.DeclaringSyntaxReferences;
        foreach (var reference in references)
        {
            if (reference.SyntaxTree == tree) { declaration = reference.GetSyntax(ctx.CancellationToken); break; }
        }
        if (declaration is null)
        {
            // Whether the process is a daemon is only worked out if the target turns out endless.
            if (!references.IsEmpty) _pending.Add(creation);
            return;
        }
        var model = creation.SemanticModel;
        if (model is null) return;
        // Most targets are asked about many times: decided once (two threads may both decide, alike).
        if (!_cache.TryGetValue(target, out var isEndless))
            isEndless = _cache.GetOrAdd(target, IsEndlessTarget(declaration, model, types, _byShape, ctx.CancellationToken));
        if (!isEndless) return;
        var site = ChildProcessSites.Analyze(creation, types);
        if (site is not { Daemon: DaemonState.NotDaemon }) return;
        ctx.ReportDiagnostic(Diagnostic.Create(
            Descriptors.MP0011_EndlessConsumerNotDaemon,
            site.Creation.Syntax.GetLocation(),
            FixData(site),
            site.DisplayName,
            site.TargetMethod.Name));
    }

    private static bool IsEndlessTarget(SyntaxNode declaration, SemanticModel model, MultiprocTypes types, bool byShape,
        System.Threading.CancellationToken ct) =>
        model.GetOperation(declaration, ct) is IMethodBodyOperation body
        && TakesItem(body, types)
        && MayNeverEnd(body)
        && ((byShape ? IsEndlessByShape(body, types) : null) ?? IsEndlessConsumer(ControlFlowGraph.Create(body, ct), types));

    [MethodImpl(Jit.Optimize)] // compilation end: too few calls to leave tier-0 code
    public void CompilationEnded(CompilationAnalysisContext end)
    {
        if (_cache.IsEmpty) return;
        var types = _types;
        foreach (var creation in _pending)
        {
            var target = ChildTargets.GetTargetInvocation(creation, types)?.TargetMethod.OriginalDefinition;
            if (target is null || !_cache.TryGetValue(target, out var isEndless) || !isEndless) continue;
            var site = ChildProcessSites.Analyze(creation, types);
            if (site is not { Daemon: DaemonState.NotDaemon }) continue;
            end.ReportDiagnostic(Diagnostic.Create(
                Descriptors.MP0011_EndlessConsumerNotDaemon,
                site.Creation.Syntax.GetLocation(),
                site.DisplayName,
                site.TargetMethod.Name));
        }
    }

    /// <summary>
    /// What <see cref="IsEndlessConsumer"/> would find, read from the shape of a method body without its graph, or null
    /// when the shape is not one of these: a top-level <c>while (true)</c> or <c>for (;;)</c> loop, no other boolean
    /// constant or loop without a condition, no <c>throw</c>, <c>goto</c>, label, <c>continue</c>, <c>yield break</c> or
    /// switch on a constant (outside nested functions): so every statement before and in the loop is reachable (catch
    /// handlers included: a graph takes every handler of a reachable try as reachable, and a finally always ends). Then a <c>return</c>, or a <c>break</c> out of that loop, reaches the exit (false); with neither, the exit
    /// is unreachable and there is no throw, so the method is endless when a statement of the loop's body takes an item.
    /// </summary>
    internal static bool? IsEndlessByShape(IOperation body, MultiprocTypes types)
    {
        if (body is not IMethodBodyOperation { BlockBody: { } block, ExpressionBody: null }) return null;
        ILoopOperation? endless = null;
        foreach (var statement in block.Operations)
        {
            if (statement is ILoopOperation loop && IsInfinite(loop)) { endless = loop; break; }
        }
        if (endless is null) return null;
        var condition = (endless as IWhileLoopOperation)?.Condition ?? (endless as IForLoopOperation)?.Condition;
        var exits = false;
        if (!ShapeWalk(body, endless, condition, ref exits)) return null;
        if (exits) return false;
        if (endless.Body is not IBlockOperation loopBody) return null;
        foreach (var statement in loopBody.Operations)
        {
            if (statement is IExpressionStatementOperation or IVariableDeclarationGroupOperation
                && LinearFlow.AnyOutsideFunctions(statement, op => op is IInvocationOperation inv && IsTake(inv, types)))
                return true;
        }
        return null;
    }

    /// <summary>
    /// <see cref="IsEndlessByShape"/>'s walk outside nested functions: false as soon as an operation makes the shape unknown
    /// (then nothing else matters); <paramref name="exits"/> set by a return or a break out of <paramref name="loop"/>. One
    /// switch on the kind per operation (most are of none of these kinds), not a chain of interface type tests.
    /// </summary>
    private static bool ShapeWalk(IOperation op, ILoopOperation loop, IOperation? condition, ref bool exits)
    {
        switch (op.Kind)
        {
            case OperationKind.AnonymousFunction:
            case OperationKind.LocalFunction:
                return true;
            case OperationKind.Throw:
            case OperationKind.Labeled:
            case OperationKind.Invalid:
            case OperationKind.YieldBreak:
                return false;
            case OperationKind.Branch:
                var branch = (IBranchOperation)op;
                if (branch.BranchKind != BranchKind.Break) return false;
                if (SymbolEqualityComparer.Default.Equals(branch.Target, loop.ExitLabel)) exits = true;
                break;
            case OperationKind.Switch:
                if (((ISwitchOperation)op).Value.ConstantValue.HasValue) return false;
                break;
            case OperationKind.Loop:
                if (op != loop && LinearFlow.LoopConditionIsConstant((ILoopOperation)op)) return false;
                break;
            case OperationKind.Return:
                exits = true;
                break;
        }
        // A boolean constant anywhere but in the loop's own condition may make code unreachable (if (false),
        // false && x, another while (true)): the graph knows, the shape does not.
        if (op.ConstantValue is { HasValue: true, Value: bool } && op != condition) return false;
        foreach (var child in op.ChildOperations)
            if (!ShapeWalk(child, loop, condition, ref exits)) return false;
        return true;
    }

    private static bool IsInfinite(ILoopOperation loop) => loop switch
    {
        IWhileLoopOperation w => w.Condition is null || w.Condition.ConstantValue is { HasValue: true, Value: true },
        IForLoopOperation f => f.Condition is null || f.Condition.ConstantValue is { HasValue: true, Value: true },
        _ => false,
    };

    /// <summary>
    /// The method never completes normally (its exit block is unreachable), cannot leave through a throw,
    /// and takes items from a ProcessQueue in a reachable block: an endless consumer loop.
    /// </summary>
    private static bool IsEndlessConsumer(ControlFlowGraph cfg, MultiprocTypes types)
    {
        var exit = cfg.Blocks[cfg.Blocks.Length - 1];
        if (exit.IsReachable) return false;
        var takes = false;
        foreach (var block in cfg.Blocks)
        {
            if (!block.IsReachable) continue;
            if (block.FallThroughSuccessor?.Semantics is ControlFlowBranchSemantics.Throw or ControlFlowBranchSemantics.Rethrow)
                return false;
            if (takes) continue;
            foreach (var root in block.Operations)
                if (TakesItem(root, types)) { takes = true; break; }
            if (!takes && block.BranchValue is { } branch && TakesItem(branch, types)) takes = true;
        }
        return takes;
    }

    /// <summary>
    /// A cheap necessary condition for an unreachable exit, checked before any graph is built: without a loop whose
    /// condition is missing or involves a boolean constant (<c>while (true)</c>, <c>for (;;)</c>, <c>while (x || true)</c>),
    /// a <c>goto</c> or invalid code, every cycle of the graph has a way out, so every path reaches the exit or a
    /// <c>throw</c> — and either makes <see cref="IsEndlessConsumer"/> false.
    /// </summary>
    private static bool MayNeverEnd(IOperation body)
    {
        // The descendants of the body (nested functions included), one switch on the kind each, no enumerator.
        foreach (var child in body.ChildOperations)
            if (MayNeverEndWalk(child)) return true;
        return false;
    }

    private static bool MayNeverEndWalk(IOperation op)
    {
        switch (op.Kind)
        {
            case OperationKind.Loop:
                switch (op)
                {
                    case IWhileLoopOperation w when w.Condition is null || HasBooleanConstant(w.Condition):
                    case IForLoopOperation f when f.Condition is null || HasBooleanConstant(f.Condition):
                        return true;
                }
                break;
            case OperationKind.Branch when ((IBranchOperation)op).BranchKind == BranchKind.GoTo:
            case OperationKind.Invalid:
                return true;
        }
        foreach (var child in op.ChildOperations)
            if (MayNeverEndWalk(child)) return true;
        return false;
    }

    private static bool HasBooleanConstant(IOperation condition)
    {
        if (condition.ConstantValue is { HasValue: true, Value: bool }) return true;
        foreach (var child in condition.ChildOperations)
            if (HasBooleanConstant(child)) return true;
        return false;
    }

    /// <summary>Whether <paramref name="root"/> or a descendant (nested functions included) takes an item from a ProcessQueue.</summary>
    private static bool TakesItem(IOperation root, MultiprocTypes types)
    {
        if (root.Kind == OperationKind.Invocation && IsTake((IInvocationOperation)root, types)) return true;
        foreach (var child in root.ChildOperations)
            if (TakesItem(child, types)) return true;
        return false;
    }

    private static bool IsTake(IInvocationOperation invocation, MultiprocTypes types) =>
        invocation.TargetMethod.Name is "Get" or "GetNowait" or "GetAsync" or "TryGet"
        && types.IsProcessQueue(invocation.TargetMethod.ContainingType);

    private static ImmutableDictionary<string, string?> FixData(ChildProcessSite site)
    {
        var props = ImmutableDictionary.CreateBuilder<string, string?>();
        if (site.ExplicitFalse is { } falseValue)
        {
            props[FixKindProperty] = FixReplaceFalse;
            return Done(props, falseValue.Syntax.Span);
        }
        if (site.Creation.Initializer is not null || site.Local is null)
        {
            props[FixKindProperty] = FixAddToInitializer;
            return Done(props, site.Creation.Syntax.Span);
        }
        // var p = new ChildProcess(…);  or  p = new ChildProcess(…);  as a whole statement
        var statement = site.Creation.Syntax.Parent;
        while (statement is not null and not StatementSyntax) statement = statement.Parent;
        var isWholeStatement = statement switch
        {
            LocalDeclarationStatementSyntax decl => decl.Declaration.Variables.Count == 1,
            ExpressionStatementSyntax { Expression: AssignmentExpressionSyntax assign } => assign.Right.Contains(site.Creation.Syntax),
            _ => false,
        };
        if (isWholeStatement && statement!.Parent is BlockSyntax)
        {
            props[FixKindProperty] = FixInsertStatement;
            props[LocalProperty] = site.Local.Name;
            return Done(props, statement.Span);
        }
        props[FixKindProperty] = FixAddToInitializer;
        return Done(props, site.Creation.Syntax.Span);
    }

    private static ImmutableDictionary<string, string?> Done(ImmutableDictionary<string, string?>.Builder props, Microsoft.CodeAnalysis.Text.TextSpan span)
    {
        props[FixEdits.Property] = FixEdits.Encode(new[] { ('S', span) });
        return props.ToImmutable();
    }
}
