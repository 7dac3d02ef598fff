namespace Multiproc.Analyzers;

/// <summary>
/// MP0003: a <c>ChildProcess</c> created in a method, started there and not joined (nor handed on)
/// on some normal path to the end of the method, or overwritten (a loop iteration, a reassignment)
/// while still running un-joined.
/// </summary>
/// <remarks>
/// Forward "may" dataflow over the ControlFlowGraph. A fact is a <c>Start()</c> call on a tracked
/// local; <c>Join</c>/<c>JoinAsync</c> (and <c>Terminate</c>/<c>Kill</c>, which MP0010 follows up)
/// kill the facts of their local, and so does any use that hands the process on (returned, stored,
/// passed as an argument, added to a collection, aliased). A fact alive at the exit block, or alive
/// when its local is assigned again, is reported. Exceptional paths are not paths for this rule:
/// catch handlers start from the state at the entry of their try block, and finally blocks run on
/// the normal paths that go through them.
/// </remarks>
internal static partial class ProcessNotJoined
{
    /// <summary>Property: "Scope" (insert Join at the end of the scope) or "Loop" (collect and join after the loop).</summary>
    public const string FixKindProperty = "FixKind";
    public const string FixKindScope = "Scope";
    public const string FixKindLoop = "Loop";
    public const string VariableProperty = "Variable";

    /// <summary>A <c>Start()</c> call on a ChildProcess (by its declaring type or its receiver's type).</summary>
    internal static bool MayStart(IInvocationOperation invocation, MultiprocTypes types)
    {
        var method = invocation.TargetMethod;
        return method.Name == "Start"
            && (types.IsChildProcess(method.ContainingType) || types.IsChildProcess(invocation.Instance?.Type));
    }

    /// <summary>
    /// Whether a <c>Start()</c> that <see cref="MayStart"/> accepts is one this rule may report at or follow: on a local
    /// (only locals are tracked) or on a <c>new ChildProcess(…)</c>. A body whose starts are all on parameters, fields,
    /// lambda parameters or elements has nothing to report, and is not walked.
    /// </summary>
    internal static bool StartsLocalOrNew(IInvocationOperation invocation, MultiprocTypes types) =>
        invocation.Instance is ILocalReferenceOperation || ConditionalReceiver(invocation) is not null
        || invocation.Instance is IParameterReferenceOperation { Parameter.ContainingSymbol: IMethodSymbol { MethodKind: MethodKind.AnonymousFunction } }
        || ChildTargets.AsChildProcessCreation(invocation.Instance, types) is not null || ElementOfLocal(invocation.Instance) is not null
        || invocation.Instance is IConversionOperation { IsImplicit: false, Operand: ILocalReferenceOperation };

    /// <summary>
    /// The local of <c>local?.Call()</c> (or of <c>(local as ChildProcess)?.Call()</c>) when <paramref name="invocation"/> is
    /// that call, else null.
    /// </summary>
    private static ILocalReferenceOperation? ConditionalReceiver(IInvocationOperation invocation) =>
        invocation.Instance is IConditionalAccessInstanceOperation
        && invocation.Parent is IConditionalAccessOperation access && access.WhenNotNull == invocation
            ? access.Operation switch
            {
                ILocalReferenceOperation local => local,
                IConversionOperation { IsImplicit: false, Operand: ILocalReferenceOperation cast } => cast,
                _ => null,
            }
            : null;

    /// <summary>A call on a process: <c>Start</c> (noted in <paramref name="start"/>), a join or an end (<c>Join</c>, <c>JoinAsync</c>, <c>Terminate</c>, <c>Kill</c>), or nothing.</summary>
    private static Effect CallEffect(IInvocationOperation invocation, ref IInvocationOperation? start)
    {
        switch (invocation.TargetMethod.Name)
        {
            case "Start":
                start = invocation;
                return Effect.Start;
            case "Join":
            case "JoinAsync":
            case "Terminate":
            case "Kill":
                return Effect.Kill;
            default:
                return Effect.None;
        }
    }

    /// <summary>
    /// What <c>local?.Member…</c> does to the local's facts, from the member the conditional access reaches first (a call of
    /// a name <see cref="Classify"/> knows, another call, a property or field): the same as <c>local.Member…</c>, with
    /// <paramref name="start"/> the tree's <c>Start()</c> call. Anything else (nested conditional accesses) hands it on.
    /// </summary>
    private static Effect ConditionalEffect(IConditionalAccessOperation access, out IInvocationOperation? start)
    {
        start = null;
        IOperation? member = null;
        for (var op = access.WhenNotNull; op is not null;)
        {
            IOperation? instance = op switch
            {
                IInvocationOperation invocation => invocation.Instance,
                IMemberReferenceOperation reference => reference.Instance,
                IConversionOperation conversion => conversion.Operand,
                _ => null,
            };
            if (instance is IConditionalAccessInstanceOperation)
            {
                member = op;
                break;
            }
            op = instance;
        }
        switch (member)
        {
            case IInvocationOperation invocation:
                return CallEffect(invocation, ref start);
            case IMemberReferenceOperation:
                return Effect.None;
            default:
                return Effect.Escape;
        }
    }

    /// <param name="linear">The body and its nested functions when all are linear (<see cref="LinearFlow"/>): no graph is built then.</param>
    /// <param name="structured">Otherwise, the body and its nested functions when all are structured (<see cref="StructuredFlow"/>): no graph either.</param>
    internal static void AnalyzeBlock(OperationBlockAnalysisContext context, MultiprocTypes types, List<LinearFlow>? linear, List<StructuredFlow>? structured)
    {
        var seen = new HashSet<IOperation>();
        foreach (var block in context.OperationBlocks)
        {
            var body = block;
            while (body.Parent is not null) body = body.Parent;
            if (body is not (IMethodBodyOperation or IConstructorBodyOperation) || !seen.Add(body)) continue;
            var info = Prepass(body, types, context);
            if (info.Collections is not null) ReportElementStarts(info, context);
            if (info.Tracked.Count == 0) continue;
            if (linear is not null)
            {
                foreach (var function in linear) Analyze(FlowGraph.Linear(function), info, context);
                continue;
            }
            if (structured is not null)
            {
                foreach (var function in structured) Analyze(FlowGraph.Structured(function), info, context);
                continue;
            }
            var graph = context.GetControlFlowGraph(block);
            // Nested graphs (lambdas, local functions) only matter where a tracked local is started.
            var startSpans = info.StartSpans;
            foreach (var cfg in FlowGraph.WithNestedGraphs(graph, span => ContainsAny(span, startSpans)))
                Analyze(new FlowGraph(cfg, ExceptionSemantics.HandlersAtTryEntry), info, context);
        }
    }

    private sealed class PrepassInfo
    {
        public PrepassInfo(MultiprocTypes types) => Types = types;

        public readonly MultiprocTypes Types;
        public readonly HashSet<ILocalSymbol> Tracked = new(SymbolEqualityComparer.Default);
        public readonly HashSet<ILocalSymbol> UsingLocals = new(SymbolEqualityComparer.Default);
        /// <summary>Spans of the <c>local.Start()</c> (and <c>local?.Start()</c>) calls on ChildProcess locals.</summary>
        public readonly List<Microsoft.CodeAnalysis.Text.TextSpan> StartSpans = new();
        /// <summary>
        /// The conditional accesses on ChildProcess locals (<c>p?.Start()</c>, <c>p?.Join()</c>, <c>p?.Pid</c>), by their syntax:
        /// a control flow graph captures the local and calls the member on the capture, so the graph's reference is read
        /// through the tree's access (<see cref="Classify"/>).
        /// </summary>
        public Dictionary<SyntaxNode, IConditionalAccessOperation>? ConditionalAccesses;
        /// <summary>The arrays and lists of processes created in the body (<see cref="CollectionDeclared"/>), with what it does to their elements.</summary>
        public Dictionary<ILocalSymbol, ProcessCollection>? Collections;
        /// <summary>The variables of the <c>foreach</c> loops over those collections, mapped to the collection.</summary>
        public Dictionary<ILocalSymbol, ProcessCollection>? ForEachElements;
        /// <summary>
        /// Locals of another type (<c>object o = new ChildProcess(…)</c>) that hold a new process and are used through casts
        /// (<c>((ChildProcess)o).Start()</c>): tracked like process locals, reported without a fix (<c>o.Join()</c> would not compile).
        /// </summary>
        public HashSet<ILocalSymbol>? CastLocals;
        /// <summary><see cref="Collections"/> in the order they were declared (<see cref="ProcessCollection.Index"/>).</summary>
        public List<ProcessCollection>? CollectionList;
        /// <summary>
        /// Pattern variables over a process local (<c>if (o is ChildProcess p)</c>, <c>if (q is { } p)</c>), mapped to that local: the
        /// same process, so a fact of the variable is one of the local (<see cref="FactLocal"/>). Kept when both stay tracked and the
        /// variable is never assigned.
        /// </summary>
        public Dictionary<ILocalSymbol, ILocalSymbol>? Aliases;
        /// <summary>With <see cref="Aliases"/>: the process locals some assignment after the first pattern variable writes (an alias written is no alias).</summary>
        public HashSet<ILocalSymbol>? Written;

        /// <summary>The local whose facts a reference to <paramref name="local"/> changes: the local a pattern variable aliases, or itself.</summary>
        public ILocalSymbol FactLocal(ILocalSymbol local) => Aliases is not null && Aliases.TryGetValue(local, out var source) ? source : local;
    }

    /// <summary>
    /// Decides which locals to track: ChildProcess locals declared with a declarator whose every
    /// write is a (non-daemon) <c>new ChildProcess(…)</c> or null, not captured by a lambda or local
    /// function, and never made a daemon. Reports <c>new ChildProcess(…).Start()</c> directly.
    /// </summary>
    private static PrepassInfo Prepass(IOperation body, MultiprocTypes types, OperationBlockAnalysisContext context)
    {
        var info = new PrepassInfo(types);
        var rejected = new HashSet<ILocalSymbol>(SymbolEqualityComparer.Default);
        PrepassWalk(body, inFunction: false, types, context, info, rejected);
        if (info.Aliases is not null) VerifyAliases(info, rejected);
        info.Tracked.ExceptWith(rejected);
        if (info.CollectionList is not null) VerifyCollections(info);
        return info;
    }

    /// <summary>
    /// <see cref="Prepass"/>'s walk over <paramref name="op"/> and its descendants, nested functions included (any order
    /// would do: it only adds to sets, and reports each <c>new ChildProcess(…).Start()</c> once). A recursion over
    /// <see cref="IOperation.ChildOperations"/> with one switch on the kind, not an enumerator of descendants and a type
    /// test per case: most operations are of none of the four kinds looked at. <paramref name="inFunction"/>: whether
    /// <paramref name="op"/> is inside a lambda or local function of the body (only there can a reference be a capture).
    /// </summary>
    private static void PrepassWalk(IOperation op, bool inFunction, MultiprocTypes types, OperationBlockAnalysisContext context, PrepassInfo info, HashSet<ILocalSymbol> rejected)
    {
        switch (op.Kind)
        {
            case OperationKind.VariableDeclarator:
            {
                var declarator = (IVariableDeclaratorOperation)op;
                if (!types.IsChildProcess(declarator.Symbol.Type))
                {
                    if (IsProcessCollection(declarator.Symbol.Type, types)) CollectionDeclared(declarator, info, types);
                    else if (declarator.Initializer?.Value is IConversionOperation { IsImplicit: true, Operand: IObjectCreationOperation held }
                        && types.IsChildProcess(held.Type) && declarator.Symbol.Type.IsReferenceType)
                        (info.CastLocals ??= new HashSet<ILocalSymbol>(SymbolEqualityComparer.Default)).Add(declarator.Symbol);
                    if (info.CastLocals is null || !info.CastLocals.Contains(declarator.Symbol)) break;
                }
                if (declarator.Parent is not IVariableDeclarationOperation declaration) { rejected.Add(declarator.Symbol); break; }
                if (declaration.Parent is IVariableDeclarationGroupOperation { Parent: IUsingOperation or IUsingDeclarationOperation }
                    || declaration.Parent is IUsingOperation or IUsingDeclarationOperation)
                    info.UsingLocals.Add(declarator.Symbol);
                var init = declarator.Initializer?.Value ?? declarator.GetVariableInitializer()?.Value;
                if (init is null || IsFreshNonDaemonCreation(init, types)) info.Tracked.Add(declarator.Symbol);
                else rejected.Add(declarator.Symbol);
                break;
            }
            case OperationKind.IsPattern:
                PatternDeclared((IIsPatternOperation)op, types, info);
                break;
            case OperationKind.DeconstructionAssignment:
                Deconstructed((IDeconstructionAssignmentOperation)op, types, info, rejected);
                break;
            case OperationKind.CoalesceAssignment:
                // p ??= new ChildProcess(…): a new process where p was null, else p's own.
                if (((ICoalesceAssignmentOperation)op).Target is ILocalReferenceOperation coalesced && types.IsChildProcess(coalesced.Type))
                {
                    if (!IsFreshNonDaemonCreation(((ICoalesceAssignmentOperation)op).Value, types)) rejected.Add(coalesced.Local);
                    if (info.Aliases is not null) (info.Written ??= new HashSet<ILocalSymbol>(SymbolEqualityComparer.Default)).Add(coalesced.Local);
                }
                break;
            case OperationKind.SimpleAssignment:
                switch (((ISimpleAssignmentOperation)op).Target)
                {
                    case ILocalReferenceOperation target when types.IsChildProcess(target.Type) || info.CastLocals?.Contains(target.Local) == true:
                        if (!IsFreshNonDaemonCreation(((ISimpleAssignmentOperation)op).Value, types)) rejected.Add(target.Local);
                        // Only a pattern variable declared before (a local cannot be used before its declaration) can be an alias written.
                        if (info.Aliases is not null) (info.Written ??= new HashSet<ILocalSymbol>(SymbolEqualityComparer.Default)).Add(target.Local);
                        break;
                    case IPropertyReferenceOperation { Property.Name: "Daemon", Instance: ILocalReferenceOperation daemonOwner }
                        when types.IsChildProcess(daemonOwner.Type) && ((ISimpleAssignmentOperation)op).Value.ConstantValue is not { HasValue: true, Value: false }:
                        rejected.Add(daemonOwner.Local);
                        break;
                    case IPropertyReferenceOperation { Property.Name: "Daemon", Instance: IConversionOperation { Operand: ILocalReferenceOperation castOwner } }
                        when info.CastLocals?.Contains(castOwner.Local) == true && ((ISimpleAssignmentOperation)op).Value.ConstantValue is not { HasValue: true, Value: false }:
                        rejected.Add(castOwner.Local);
                        break;
                }
                break;
            case OperationKind.LocalReference:
            {
                var reference = (ILocalReferenceOperation)op;
                // The reference's type is its local's (already made when the operation was): no symbol asked for its type.
                if (!types.IsChildProcess(reference.Type))
                {
                    if (info.Collections is not null && IsProcessCollection(reference.Type, types)) CollectionUsed(reference, inFunction, info, types);
                    if (info.CastLocals is null || !info.CastLocals.Contains(reference.Local)) break;
                }
                if (info.ForEachElements is not null && info.ForEachElements.TryGetValue(reference.Local, out var elementsOf)) ElementUsed(reference, reference, elementsOf, info, types);
                if (inFunction && IsCapturedReference(reference)) rejected.Add(reference.Local);
                if (reference.Parent is IArgumentOperation { Parameter.RefKind: not RefKind.None }) rejected.Add(reference.Local);
                else if (reference.Parent is IConditionalAccessOperation access && access.Operation == reference)
                    (info.ConditionalAccesses ??= new Dictionary<SyntaxNode, IConditionalAccessOperation>())[access.Syntax] = access;
                else if (reference.Parent is IConversionOperation { IsImplicit: false, Parent: IConditionalAccessOperation castAccess } cast && castAccess.Operation == cast)
                    (info.ConditionalAccesses ??= new Dictionary<SyntaxNode, IConditionalAccessOperation>())[castAccess.Syntax] = castAccess;
                break;
            }
            case OperationKind.Invocation:
            {
                var start = (IInvocationOperation)op;
                if (start.TargetMethod.Name != "Start") break;
                var declared = types.IsChildProcess(start.TargetMethod.ContainingType);
                if (!declared && !types.IsChildProcess(start.Instance?.Type)) break;
                if (start.Instance is ILocalReferenceOperation or IConversionOperation { IsImplicit: false, Operand: ILocalReferenceOperation }
                    || ConditionalReceiver(start) is not null) info.StartSpans.Add(start.Syntax.Span);
                if (!declared) break;
                var creation = ChildTargets.AsChildProcessCreation(start.Instance, types);
                if (creation is not null && IsFreshNonDaemonCreation(creation, types))
                    context.ReportDiagnostic(Diagnostic.Create(Descriptors.MP0003_ProcessNotJoined, start.Syntax.GetLocation(), "new ChildProcess(...)"));
                break;
            }
        }
        if (op.Kind == OperationKind.Loop && info.Collections is not null && op is IForEachLoopOperation forEach) ForEachOverCollection(forEach, info);
        inFunction |= op.Kind is OperationKind.AnonymousFunction or OperationKind.LocalFunction;
        foreach (var child in op.ChildOperations) PrepassWalk(child, inFunction, types, context, info, rejected);
    }

    /// <summary>
    /// A pattern variable is followed as its local when neither is rejected, the local is tracked and the variable is never
    /// assigned; else neither is (a start or join through one would be missed by the other).
    /// </summary>
    private static void VerifyAliases(PrepassInfo info, HashSet<ILocalSymbol> rejected)
    {
        List<ILocalSymbol>? dropped = null;
        foreach (var pair in info.Aliases!)
        {
            if (!rejected.Contains(pair.Key) && !rejected.Contains(pair.Value) && info.Tracked.Contains(pair.Value)
                && info.Written?.Contains(pair.Key) != true) continue;
            rejected.Add(pair.Key);
            rejected.Add(pair.Value);
            (dropped ??= new List<ILocalSymbol>()).Add(pair.Key);
        }
        if (dropped is not null)
            foreach (var alias in dropped) info.Aliases.Remove(alias);
        foreach (var alias in info.Aliases.Keys) info.Tracked.Add(alias);
    }

    /// <summary>
    /// <c>o is ChildProcess p</c>, <c>q is { } p</c> (or <c>var p</c>) on a process local (or a local holding one as another
    /// type): <c>p</c> is the same process. Patterns with subpatterns, or of another type, are not followed.
    /// </summary>
    private static void PatternDeclared(IIsPatternOperation isPattern, MultiprocTypes types, PrepassInfo info)
    {
        var value = isPattern.Value;
        while (value is IConversionOperation { IsImplicit: true } conversion) value = conversion.Operand;
        if (value is not ILocalReferenceOperation source) return;
        if (!types.IsChildProcess(source.Type) && info.CastLocals?.Contains(source.Local) != true) return;
        var declared = isPattern.Pattern switch
        {
            IDeclarationPatternOperation declaration => declaration.DeclaredSymbol,
            IRecursivePatternOperation { PropertySubpatterns.IsEmpty: true, DeconstructionSubpatterns.IsEmpty: true } recursive => recursive.DeclaredSymbol,
            _ => null,
        };
        if (declared is ILocalSymbol variable && types.IsChildProcess(variable.Type))
            (info.Aliases ??= new Dictionary<ILocalSymbol, ILocalSymbol>(SymbolEqualityComparer.Default))[variable] = source.Local;
    }

    /// <summary>
    /// <c>var (a, b) = (new ChildProcess(…), new ChildProcess(…))</c> (or <c>(a, b) = …</c>): each process local of the target is
    /// tracked when its element of the value is a new (non-daemon) process or null, else not followed.
    /// </summary>
    private static void Deconstructed(IDeconstructionAssignmentOperation deconstruction, MultiprocTypes types, PrepassInfo info, HashSet<ILocalSymbol> rejected)
    {
        var target = deconstruction.Target is IDeclarationExpressionOperation declaration ? declaration.Expression : deconstruction.Target;
        if (target is not ITupleOperation targets) return;
        var value = deconstruction.Value;
        while (value is IConversionOperation { IsImplicit: true } conversion) value = conversion.Operand;
        var values = value as ITupleOperation;
        for (var i = 0; i < targets.Elements.Length; i++)
        {
            var element = targets.Elements[i] is IDeclarationExpressionOperation declared ? declared.Expression : targets.Elements[i];
            if (element is not ILocalReferenceOperation local || !types.IsChildProcess(local.Type)) continue;
            if (values is not null && values.Elements.Length == targets.Elements.Length && IsFreshNonDaemonCreation(values.Elements[i], types))
                info.Tracked.Add(local.Local);
            else
                rejected.Add(local.Local);
        }
    }

    /// <summary>Whether a reference is a variable of the target of a deconstruction (<c>var (a, b) = …</c>, <c>(var a, b) = …</c>).</summary>
    private static bool IsDeconstructionTarget(IOperation reference)
    {
        var parent = reference.Parent;
        if (parent is IDeclarationExpressionOperation) parent = parent.Parent;
        if (parent is not ITupleOperation tuple) return false;
        IOperation top = tuple;
        if (top.Parent is IDeclarationExpressionOperation) top = top.Parent;
        return top.Parent is IDeconstructionAssignmentOperation deconstruction && deconstruction.Target == top;
    }

    /// <summary>Whether a graph's capture of a local is the target of <c>local ??= …</c> (a graph captures it to test and assign it).</summary>
    private static bool IsCoalesceAssignmentTarget(SyntaxNode reference) =>
        reference.Parent is Microsoft.CodeAnalysis.CSharp.Syntax.AssignmentExpressionSyntax assignment
        && assignment.IsKind(Microsoft.CodeAnalysis.CSharp.SyntaxKind.CoalesceAssignmentExpression) && assignment.Left == reference;

    /// <summary>The conditional access whose receiver is <paramref name="receiver"/>'s syntax (through parentheses: <c>(o as ChildProcess)?.Start()</c>).</summary>
    private static SyntaxNode? ConditionalAccessOf(SyntaxNode receiver)
    {
        var node = receiver;
        while (node.Parent is Microsoft.CodeAnalysis.CSharp.Syntax.ParenthesizedExpressionSyntax parenthesized) node = parenthesized;
        return node.Parent is Microsoft.CodeAnalysis.CSharp.Syntax.ConditionalAccessExpressionSyntax access && access.Expression == node ? access : null;
    }

    private static bool ContainsAny(Microsoft.CodeAnalysis.Text.TextSpan outer, List<Microsoft.CodeAnalysis.Text.TextSpan> spans)
    {
        foreach (var span in spans)
            if (outer.Contains(span)) return true;
        return false;
    }

    private static bool IsCapturedReference(ILocalReferenceOperation reference)
    {
        for (var p = reference.Parent; p is not null; p = p.Parent)
        {
            if (p is IAnonymousFunctionOperation or ILocalFunctionOperation)
            {
                // Captured unless the local is declared inside this function.
                return !p.Descendants().OfType<IVariableDeclaratorOperation>().Any(d => SymbolEqualityComparer.Default.Equals(d.Symbol, reference.Local));
            }
        }
        return false;
    }

    private static bool IsFreshNonDaemonCreation(IOperation value, MultiprocTypes types)
    {
        while (value is IConversionOperation c) value = c.Operand;
        // cond ? new ChildProcess(…) : new ChildProcess(…) (or null)
        if (value is IConditionalOperation { WhenFalse: { } whenFalse } conditional)
            return IsFreshNonDaemonCreation(conditional.WhenTrue, types) && IsFreshNonDaemonCreation(whenFalse, types);
        if (value.ConstantValue is { HasValue: true, Value: null }) return true;
        if (value is IDefaultValueOperation) return true;
        if (value is not IObjectCreationOperation creation || !types.IsChildProcess(creation.Type)) return false;
        if (creation.Initializer is { } init)
        {
            foreach (var member in init.Initializers)
            {
                if (member is ISimpleAssignmentOperation { Target: IPropertyReferenceOperation { Property.Name: "Daemon" } } a
                    && a.Value.ConstantValue is not { HasValue: true, Value: false })
                    return false;
            }
        }
        return true;
    }

    /// <summary>
    /// The facts (<c>Start()</c> calls not yet joined) over <paramref name="graph"/>, a may-analysis with
    /// <see cref="ExceptionSemantics.HandlersAtTryEntry"/>; the facts alive at the exit are reported. A linear graph
    /// (<see cref="FlowGraph.Linear"/>) is its one path, read in order.
    /// </summary>
    /// <remarks>
    /// A fact is a tracked local handed on (later starts on it are someone else's to join) or a <c>Start()</c> call of
    /// this graph not yet joined: each gets a bit, and a state is a bit set (<see cref="Dataflow"/>). What a reference does
    /// to the state (<see cref="Effect"/>) depends only on the operation tree, so it is decided once per reference, not
    /// on every visit of its block. The worklist, the order of visits and the union at each block's entry are those of a
    /// set of facts, so the same reports are made at the same visits.
    /// </remarks>
    private static void Analyze(FlowGraph graph, PrepassInfo info, OperationBlockAnalysisContext context)
    {
        var n = graph.BlockCount;

        // The references to tracked locals of each block, in evaluation order: the only operations the
        // transfer function looks at, collected once instead of walking every operation on each visit.
        var references = new List<IOperation>?[n];
        var anyStart = false;
        var declarators = graph.IsStructured;
        for (var b = 0; b < n; b++)
        {
            List<IOperation>? list = null;
            foreach (var step in graph.Steps(b)) CollectTrackedReferences(step, info, declarators, ref list, ref anyStart);
            references[b] = list;
        }
        // No Start() on a tracked local in this graph: no fact is ever made, nothing to report (and no edges built).
        if (!anyStart) return;

        new Dataflow(graph, references, info, context).Run();
    }

    /// <summary>What one reference to a tracked local (or one declarator with an initializer) does to the facts.</summary>
    private enum Effect : byte
    {
        /// <summary>Nothing: a read of a member, a comparison, a disposal, a call that is no Start, Join or kill.</summary>
        None,
        /// <summary>A new process replaces the local's: its starts still alive are lost (reported), and it is no longer handed on.</summary>
        Assigned,
        /// <summary><c>local.Start()</c>: a fact, unless the local was handed on.</summary>
        Start,
        /// <summary>Join, JoinAsync, Terminate, Kill: the local's starts die.</summary>
        Kill,
        /// <summary>Returned, stored, passed on, added to a collection, aliased: the starts die and the local is handed on.</summary>
        Escape,
        /// <summary>
        /// Added to a collection of this method (<c>list.Add(p)</c>, <c>array[i] = p</c>): as <see cref="Escape"/>, and its starts
        /// still alive went into that collection, which is reported if nothing joins its elements (<see cref="ProcessCollection.IsLeak"/>).
        /// </summary>
        Collected,
    }

    /// <summary>The transfer function's case for one reference (or declarator), from the operation tree alone.</summary>
    private static Effect Classify(IOperation operation, PrepassInfo info, out ILocalSymbol local, out IInvocationOperation? start, out ILocalSymbol? collection)
    {
        start = null;
        collection = null;
        if (operation is IVariableDeclaratorOperation declarator)
        {
            local = declarator.Symbol;
            return Effect.Assigned;
        }
        var reference = (ILocalReferenceOperation)operation;
        local = reference.Local;
        IOperation? parent = reference.Parent;
        var disposeOnly = false;
        while (parent is IConversionOperation { IsImplicit: true } conversion)
        {
            if (conversion.Parent is IInvocationOperation { TargetMethod.Name: "Dispose" }) disposeOnly = true;
            parent = conversion.Parent;
        }
        // ((ChildProcess)o).Member of a local held as another type: the cast is the receiver.
        IOperation receiver = reference;
        if (parent is IConversionOperation { IsImplicit: false } cast && info.CastLocals?.Contains(local) == true)
        {
            receiver = cast;
            parent = cast.Parent;
        }
        // local?.Member: in the tree the access is the parent; a graph captures the local for it (the access is found by syntax).
        if (parent is IConditionalAccessOperation access && access.Operation == receiver)
            return ConditionalEffect(access, out start);
        if (parent is IFlowCaptureOperation && info.ConditionalAccesses is { } accesses
            && ConditionalAccessOf(receiver.Syntax) is { } accessSyntax && accesses.TryGetValue(accessSyntax, out var captured))
            return ConditionalEffect(captured, out start);
        // p ??= new ChildProcess(…): p keeps its process, or (where it was null) gets a new one nothing started yet.
        if (parent is ICoalesceAssignmentOperation coalesce && coalesce.Target == reference
            || parent is IFlowCaptureOperation && IsCoalesceAssignmentTarget(reference.Syntax)) return Effect.None;
        // The capture a using statement/declaration makes to dispose the process is no hand-off.
        if (disposeOnly || parent is IIsNullOperation || (parent is IFlowCaptureOperation && info.UsingLocals.Contains(local))) return Effect.None;
        switch (parent)
        {
            case ISimpleAssignmentOperation assign when assign.Target == reference:
                return Effect.Assigned;
            case IDeclarationExpressionOperation or ITupleOperation when IsDeconstructionTarget(reference):
                return Effect.Assigned;
            case IInvocationOperation invocation when invocation.Instance == receiver:
                return CallEffect(invocation, ref start);
            case IPropertyReferenceOperation property when property.Instance == receiver:
                return Effect.None;
            case IMemberReferenceOperation member when member.Instance == receiver:
                return Effect.None;
            case INameOfOperation:
            case IBinaryOperation:          // p != null, p == q: a comparison hands nothing on
            case IIsPatternOperation:       // p is not null
            case IIsTypeOperation:
                return Effect.None;
            case IArgumentOperation { Parent: IInvocationOperation { TargetMethod.Name: "Add" or "Insert", Instance: ILocalReferenceOperation list } }
                when info.Collections is not null && info.Collections.ContainsKey(list.Local):
                collection = list.Local;
                return Effect.Collected;
            case ISimpleAssignmentOperation assign when assign.Value == reference && info.Collections is not null
                && ElementOfLocal(assign.Target) is { } array && info.Collections.ContainsKey(array.Local):
                collection = array.Local;
                return Effect.Collected;
            default:
                // Returned, stored, passed on, added to a collection, aliased: handed on.
                return Effect.Escape;
        }
    }

    /// <summary>
    /// The null test a reference to a tracked local is the operand of (<c>p is null</c>, <c>p is not null</c>, <c>p == null</c>,
    /// <c>p != null</c>, <c>p is { }</c>, <c>p is ChildProcess</c>), with whether the test is true when the local is null; else null.
    /// </summary>
    private static (IOperation Condition, bool TrueWhenNull)? NullTest(IOperation operation, MultiprocTypes types)
    {
        var parent = operation.Parent;
        while (parent is IConversionOperation { IsImplicit: true }) parent = parent.Parent;
        switch (parent)
        {
            case IIsPatternOperation isPattern:
                return isPattern.Pattern switch
                {
                    IConstantPatternOperation constant when IsNull(constant.Value) => (isPattern, true),
                    INegatedPatternOperation { Pattern: IConstantPatternOperation constant } when IsNull(constant.Value) => (isPattern, false),
                    // Of a type any process is (no subpattern): false only where the local is null.
                    IRecursivePatternOperation { PropertySubpatterns.IsEmpty: true, DeconstructionSubpatterns.IsEmpty: true } recursive
                        when HoldsAnyProcess(recursive.MatchedType, types) => (isPattern, false),
                    ITypePatternOperation typePattern when HoldsAnyProcess(typePattern.MatchedType, types) => (isPattern, false),
                    IDeclarationPatternOperation { MatchesNull: false } declaration when HoldsAnyProcess(declaration.MatchedType, types) => (isPattern, false),
                    _ => null,
                };
            case IIsTypeOperation { IsNegated: false } isType when HoldsAnyProcess(isType.TypeOperand, types):
                return (isType, false);
            case IBinaryOperation { OperatorKind: BinaryOperatorKind.Equals or BinaryOperatorKind.NotEquals } binary
                when IsNull(binary.LeftOperand) || IsNull(binary.RightOperand):
                return (binary, binary.OperatorKind == BinaryOperatorKind.Equals);
            default:
                return null;
        }
    }

    /// <summary>Whether every process is a <paramref name="type"/>: ChildProcess, object (or no type: <c>var p</c>, <c>{ }</c> of the local's type).</summary>
    private static bool HoldsAnyProcess(ITypeSymbol? type, MultiprocTypes types) =>
        type is null || type.SpecialType == SpecialType.System_Object || types.IsChildProcess(type);

    private static bool IsNull(IOperation operation) =>
        operation.ConstantValue is { HasValue: true, Value: null } && operation.Type is null or { IsReferenceType: true };

    /// <summary>
    /// The may-analysis of one graph over bit sets: bit <c>i</c> of a state is fact <c>i</c> (a local handed on, or a start
    /// not yet joined), <see cref="_words"/> 64-bit words per state.
    /// </summary>
    private sealed class Dataflow
    {
        private readonly FlowGraph _graph;
        private readonly OperationBlockAnalysisContext _context;
        /// <summary>Per block, its references' effects in evaluation order: (effect, the local's fact, the start's fact or -1).</summary>
        private readonly (Effect Effect, int Local, int Start)[]?[] _steps;
        private readonly int _words;
        /// <summary>Per local fact, the bits of its starts (<see cref="_words"/> words each, at <c>local * _words</c>).</summary>
        private readonly ulong[] _startsOf;
        /// <summary>Per fact, the local (for a local fact, itself; for a start, the local it starts) and the start call, if one.</summary>
        private readonly ILocalSymbol[] _localOf;
        private readonly IInvocationOperation?[] _startOf;
        private HashSet<IInvocationOperation>? _reported;
        private readonly PrepassInfo _info;
        /// <summary>The starts that went into a collection of the body alive (fact, collection index): <see cref="Effect.Collected"/>.</summary>
        private HashSet<(int Fact, int Collection)>? _collected;
        /// <summary>
        /// Per block that ends in a null test of a tracked local (<see cref="NullTest"/>): that local's fact plus one (0: none)
        /// and the successor taken when it is null, where its starts are not alive.
        /// </summary>
        private (int LocalPlusOne, int NullTarget)[]? _nullEdges;

        public Dataflow(FlowGraph graph, List<IOperation>?[] references, PrepassInfo info, OperationBlockAnalysisContext context)
        {
            _graph = graph;
            _info = info;
            _context = context;
            var n = references.Length;
            var localFacts = new Dictionary<ILocalSymbol, int>(SymbolEqualityComparer.Default);
            var startFacts = new Dictionary<IInvocationOperation, int>();
            var localOf = new List<ILocalSymbol>();
            var startOf = new List<IInvocationOperation?>();
            var localOfStart = new List<int>();
            // The fact of a local (a pattern variable's is its local's), made on first use.
            int LocalFact(ILocalSymbol local)
            {
                var factLocal = info.Aliases is null ? local : info.FactLocal(local);
                if (!localFacts.TryGetValue(factLocal, out var fact))
                {
                    localFacts.Add(factLocal, fact = localOf.Count);
                    localOf.Add(factLocal);
                    startOf.Add(null);
                    localOfStart.Add(-1);
                }
                return fact;
            }
            _steps = new (Effect, int, int)[]?[n];
            for (var b = 0; b < n; b++)
            {
                if (references[b] is not { } list) continue;
                var steps = new (Effect, int, int)[list.Count];
                for (var i = 0; i < list.Count; i++)
                {
                    var effect = Classify(list[i], info, out var local, out var start, out var collection);
                    if (effect == Effect.None)
                    {
                        steps[i] = (Effect.None, -1, -1);
                        // `if (p is not null) p.Join();`: where the branch's condition says p is null, p holds no process it started.
                        if (NullTest(list[i], info.Types) is { } test && graph.ConditionTargets(b, test.Condition, out var whenTrue, out var whenFalse))
                        {
                            var testedFact = LocalFact(local);
                            (_nullEdges ??= new (int, int)[n])[b] = (testedFact + 1, test.TrueWhenNull ? whenTrue : whenFalse);
                        }
                        continue;
                    }
                    // A pattern variable's facts are its local's; a start is recorded under the variable it was called on (its name, its fix).
                    var localFact = LocalFact(local);
                    var startFact = -1;
                    if (start is not null && !startFacts.TryGetValue(start, out startFact))
                    {
                        startFacts.Add(start, startFact = localOf.Count);
                        // The local the start is recorded under: the one of its reference (one start, one instance).
                        localOf.Add(local);
                        startOf.Add(start);
                        localOfStart.Add(localFact);
                    }
                    // A collected local's step holds the collection's index where a start's holds the start's fact.
                    if (effect == Effect.Collected) startFact = info.Collections![collection!].Index;
                    steps[i] = (effect, localFact, startFact);
                }
                _steps[b] = steps;
            }
            var facts = localOf.Count;
            _words = (facts + 63) >> 6;
            _startsOf = new ulong[facts * _words];
            for (var f = 0; f < facts; f++)
                if (localOfStart[f] >= 0) _startsOf[localOfStart[f] * _words + (f >> 6)] |= 1UL << (f & 63);
            _localOf = localOf.ToArray();
            _startOf = startOf.ToArray();
        }

        public void Run()
        {
            var graph = _graph;
            var n = graph.BlockCount;
            var w = _words;
            var inStates = new ulong[n * w];
            var reached = new bool[n];
            var queued = new bool[n];
            var worklist = new Queue<int>();
            var state = new ulong[w];

            Flow(0, state, inStates, reached, queued, worklist);
            while (worklist.Count > 0)
            {
                var ordinal = worklist.Dequeue();
                queued[ordinal] = false;
                if (graph.IsExit(ordinal)) continue;
                Array.Copy(inStates, ordinal * w, state, 0, w);
                if (_steps[ordinal] is { } steps)
                    foreach (var step in steps) Transfer(step, state);
                if (_nullEdges is not null && _nullEdges[ordinal].LocalPlusOne > 0)
                {
                    var (localPlusOne, nullTarget) = _nullEdges[ordinal];
                    var narrowed = (ulong[])state.Clone();
                    Kill(narrowed, localPlusOne - 1);
                    foreach (var successor in graph.NormalSuccessors(ordinal))
                        Flow(successor, successor == nullTarget ? narrowed : state, inStates, reached, queued, worklist);
                    continue;
                }
                foreach (var successor in graph.NormalSuccessors(ordinal)) Flow(successor, state, inStates, reached, queued, worklist);
            }

            // Starts that went into a collection whose elements nothing joins (nor hands on) are not joined either.
            if (_collected is not null)
                foreach (var (fact, collection) in _collected)
                    if (_info.CollectionList![collection].IsLeak) ReportCollected(_startOf[fact]!, _localOf[fact], _info.CollectionList[collection]);
            var exit = graph.ExitOrdinal;
            if (!reached[exit]) return;
            for (var f = 0; f < _startOf.Length; f++)
                if (_startOf[f] is { } start && (inStates[exit * w + (f >> 6)] & (1UL << (f & 63))) != 0) Report(start, _localOf[f]);
        }

        /// <summary>The union of <paramref name="state"/> into the entry state of a block, which is queued when that grew (or was first reached).</summary>
        private void Flow(int ordinal, ulong[] state, ulong[] inStates, bool[] reached, bool[] queued, Queue<int> worklist)
        {
            var w = _words;
            var changed = !reached[ordinal];
            reached[ordinal] = true;
            for (var i = 0; i < w; i++)
            {
                var current = inStates[ordinal * w + i];
                var union = current | state[i];
                if (union == current) continue;
                inStates[ordinal * w + i] = union;
                changed = true;
            }
            if (changed && !queued[ordinal])
            {
                queued[ordinal] = true;
                worklist.Enqueue(ordinal);
            }
        }

        private void Transfer((Effect Effect, int Local, int Start) step, ulong[] state)
        {
            var w = _words;
            var local = step.Local;
            switch (step.Effect)
            {
                case Effect.Assigned:
                    // A new process replaces one still running un-joined: that one is lost.
                    Clear(state, local);
                    for (var i = 0; i < w; i++)
                    {
                        var lost = state[i] & _startsOf[local * w + i];
                        if (lost == 0) continue;
                        state[i] &= ~lost;
                        for (; lost != 0; lost &= lost - 1)
                        {
                            var f = (i << 6) + TrailingZeros(lost);
                            Report(_startOf[f]!, _localOf[f]);
                        }
                    }
                    break;
                case Effect.Start:
                    if (!IsSet(state, local)) Set(state, step.Start);
                    break;
                case Effect.Kill:
                    Kill(state, local);
                    break;
                case Effect.Collected:
                    for (var i = 0; i < w; i++)
                        for (var live = state[i] & _startsOf[local * w + i]; live != 0; live &= live - 1)
                            (_collected ??= new HashSet<(int, int)>()).Add(((i << 6) + TrailingZeros(live), step.Start));
                    Kill(state, local);
                    Set(state, local);
                    break;
                case Effect.Escape:
                    // Handed on: the facts die, and later Start() calls on the same value are someone else's to join.
                    Kill(state, local);
                    Set(state, local);
                    break;
            }
        }

        private void Kill(ulong[] state, int local)
        {
            for (var i = 0; i < _words; i++) state[i] &= ~_startsOf[local * _words + i];
        }

        private static bool IsSet(ulong[] state, int fact) => (state[fact >> 6] & (1UL << (fact & 63))) != 0;

        private static void Set(ulong[] state, int fact) => state[fact >> 6] |= 1UL << (fact & 63);

        private static void Clear(ulong[] state, int fact) => state[fact >> 6] &= ~(1UL << (fact & 63));

        /// <summary>The index of the lowest set bit (netstandard2.0 has no BitOperations).</summary>
        private static int TrailingZeros(ulong value)
        {
            var n = 0;
            while ((value & 1) == 0)
            {
                value >>= 1;
                n++;
            }
            return n;
        }

        private void ReportCollected(IInvocationOperation start, ILocalSymbol local, ProcessCollection collection)
        {
            if (!(_reported ??= new HashSet<IInvocationOperation>()).Add(start)) return;
            _context.ReportDiagnostic(Diagnostic.Create(Descriptors.MP0003_ProcessNotJoined, TerminatedNotJoined.CallLocation(start),
                collection.FixProperties(), local.Name));
        }

        private void Report(IInvocationOperation start, ILocalSymbol local)
        {
            if (!(_reported ??= new HashSet<IInvocationOperation>()).Add(start)) return;
            // o.Join() would not compile for a local held as another type: no fix.
            if (_info.CastLocals?.Contains(local) == true)
            {
                _context.ReportDiagnostic(Diagnostic.Create(Descriptors.MP0003_ProcessNotJoined, TerminatedNotJoined.CallLocation(start), local.Name));
                return;
            }
            var inLoop = IsInLoop(start);
            var props = ImmutableDictionary<string, string?>.Empty
                .Add(FixKindProperty, inLoop ? FixKindLoop : FixKindScope)
                .Add(VariableProperty, local.Name);
            _context.ReportDiagnostic(Diagnostic.Create(Descriptors.MP0003_ProcessNotJoined, TerminatedNotJoined.CallLocation(start), props, local.Name));
        }
    }

    /// <summary>
    /// Pre-order (the order of <c>DescendantsAndSelf</c>) collection of the references to tracked locals. Nested functions are
    /// not entered: a graph holds none, and in a linear one (<see cref="FlowGraph.Linear"/>) they are functions of their own.
    /// With <paramref name="declarators"/> (a structured graph, <see cref="FlowGraph.Structured"/>), also the declarators of
    /// tracked locals with an initializer, where a control flow graph has an assignment to the local instead: in a loop
    /// the declaration runs again and replaces the process of the last pass. (A linear graph runs a declaration once,
    /// before any use of its local, so there it would change nothing.)
    /// </summary>
    private static void CollectTrackedReferences(IOperation operation, PrepassInfo info, bool declarators, ref List<IOperation>? list, ref bool anyStart)
    {
        if (operation.Kind is OperationKind.AnonymousFunction or OperationKind.LocalFunction) return;
        if (operation is ILocalReferenceOperation reference && info.Tracked.Contains(reference.Local))
        {
            (list ??= new List<IOperation>()).Add(reference);
            if (reference.Parent is IInvocationOperation { TargetMethod.Name: "Start" } invocation && invocation.Instance == reference) anyStart = true;
            else if (reference.Parent is IConversionOperation { IsImplicit: false, Parent: IInvocationOperation { TargetMethod.Name: "Start" } }) anyStart = true;
            else if (info.ConditionalAccesses is not null && reference.Parent is IConditionalAccessOperation or IFlowCaptureOperation
                or IConversionOperation { IsImplicit: false, Parent: IConditionalAccessOperation or IFlowCaptureOperation }) anyStart = true;
        }
        else if (declarators && operation is IVariableDeclaratorOperation declarator && info.Tracked.Contains(declarator.Symbol)
            && declarator.GetVariableInitializer() is not null)
        {
            (list ??= new List<IOperation>()).Add(declarator);
        }
        foreach (var child in operation.ChildOperations) CollectTrackedReferences(child, info, declarators, ref list, ref anyStart);
    }

    /// <summary>
    /// Whether the Start() sits in a loop of its own method body (then the fix collects the
    /// processes). CFG operations have no loop parents, so this looks at the syntax the fixer edits.
    /// </summary>
    private static bool IsInLoop(IInvocationOperation start)
    {
        for (var node = start.Syntax.Parent; node is not null; node = node.Parent)
        {
            switch (node)
            {
                case Microsoft.CodeAnalysis.CSharp.Syntax.MemberDeclarationSyntax:
                case Microsoft.CodeAnalysis.CSharp.Syntax.AnonymousFunctionExpressionSyntax:
                case Microsoft.CodeAnalysis.CSharp.Syntax.LocalFunctionStatementSyntax:
                    return false;
                case Microsoft.CodeAnalysis.CSharp.Syntax.ForStatementSyntax:
                case Microsoft.CodeAnalysis.CSharp.Syntax.ForEachStatementSyntax:
                case Microsoft.CodeAnalysis.CSharp.Syntax.WhileStatementSyntax:
                case Microsoft.CodeAnalysis.CSharp.Syntax.DoStatementSyntax:
                    return true;
            }
        }
        return false;
    }
}
