namespace Multiproc.Analyzers;

/// <summary>
/// MP0003 for processes kept in an array or a <c>List&lt;ChildProcess&gt;</c> the method creates: started through the
/// collection (<c>ps[i].Start()</c>, <c>foreach (var p in ps) p.Start()</c>, <c>ps.ForEach(p =&gt; p.Start())</c>) or added
/// to it after their <c>Start()</c> (<c>ps.Add(p)</c>, <c>ps[i] = p</c>), when nothing in the method joins an element of
/// that collection and the collection is not handed on.
/// </summary>
/// <remarks>
/// As MP0010 does for the elements of a collection, "joined" is flow-insensitive: any <c>Join</c>, <c>JoinAsync</c>,
/// <c>Terminate</c> or <c>Kill</c> on an element (an index, a <c>foreach</c> variable, a <c>ForEach</c> lambda's parameter)
/// anywhere in the method counts, so a second loop that joins them all, or only some, is not flagged. Any other use of the
/// collection than indexing it, looping over it, its size, <c>Add</c>/<c>Insert</c>/<c>Remove</c>/<c>Clear</c>/<c>Contains</c>
/// and <c>ForEach</c> hands it on (returned, stored, passed, queried with LINQ, captured by a lambda): then it is not reported.
/// </remarks>
internal static partial class ProcessNotJoined
{
    /// <summary>Fix kind of a start that went into a collection nothing joins: join the collection's elements.</summary>
    public const string FixKindCollection = "Collection";
    /// <summary>Property (with <see cref="FixKindCollection"/>): the collection's variable.</summary>
    public const string CollectionProperty = "Collection";

    /// <summary>An array or list of processes declared in the body with a new collection as its value.</summary>
    internal sealed class ProcessCollection
    {
        public ProcessCollection(ILocalSymbol local, int index)
        {
            Local = local;
            Index = index;
        }

        public ILocalSymbol Local { get; }

        public int Index { get; }

        /// <summary>Whether an element is joined (or terminated: MP0010 follows that up) somewhere in the method.</summary>
        public bool Joined;

        /// <summary>Whether the collection leaves the method's sight (or is assigned again): then it is never reported.</summary>
        public bool HandedOn;

        /// <summary>The process variables stored into it.</summary>
        public List<ILocalSymbol>? ElementLocals;

        /// <summary>The starts through the collection's elements.</summary>
        public List<IInvocationOperation>? ElementStarts;

        /// <summary>Whether the processes that went into it are left un-joined.</summary>
        public bool IsLeak => !Joined && !HandedOn;

        public ImmutableDictionary<string, string?> FixProperties() => ImmutableDictionary<string, string?>.Empty
            .Add(FixKindProperty, FixKindCollection)
            .Add(VariableProperty, Local.Name)
            .Add(CollectionProperty, Local.Name);
    }

    /// <summary>An array of processes (one dimension) or a <c>List&lt;ChildProcess&gt;</c>.</summary>
    internal static bool IsProcessCollection(ITypeSymbol? type, MultiprocTypes types) => type switch
    {
        IArrayTypeSymbol array => array.Rank == 1 && types.IsChildProcess(array.ElementType),
        INamedTypeSymbol { Name: "List", Arity: 1 } list => types.IsChildProcess(list.TypeArguments[0])
            && list.ContainingNamespace is { Name: "Generic", ContainingNamespace: { Name: "Collections", ContainingNamespace: { Name: "System", ContainingNamespace.IsGlobalNamespace: true } } },
        _ => false,
    };

    /// <summary>The local of <c>local[i]</c> (an array element or an indexer of a local), or null.</summary>
    private static ILocalReferenceOperation? ElementOfLocal(IOperation? operation) => operation switch
    {
        IArrayElementReferenceOperation { ArrayReference: ILocalReferenceOperation array } => array,
        IPropertyReferenceOperation { Property.IsIndexer: true, Instance: ILocalReferenceOperation list } => list,
        _ => null,
    };

    /// <summary>A declarator of a collection of processes: followed when its value is a new array or list.</summary>
    private static void CollectionDeclared(IVariableDeclaratorOperation declarator, PrepassInfo info, MultiprocTypes types)
    {
        var value = declarator.Initializer?.Value;
        while (value is IConversionOperation { IsImplicit: true } conversion) value = conversion.Operand;
        if (value is not (IArrayCreationOperation or IObjectCreationOperation { Arguments.Length: <= 1 }) && !IsNewProcessesQuery(value, types)) return;
        // Every process it is made with is new and no daemon (a daemon needs no join).
        foreach (var element in value.Descendants())
            if (element is IObjectCreationOperation creation && types.IsChildProcess(creation.Type) && !IsFreshNonDaemonCreation(creation, types)) return;
        var list = info.CollectionList ??= new List<ProcessCollection>();
        var collection = new ProcessCollection(declarator.Symbol, list.Count);
        list.Add(collection);
        (info.Collections ??= new Dictionary<ILocalSymbol, ProcessCollection>(SymbolEqualityComparer.Default))[declarator.Symbol] = collection;
    }

    /// <summary><c>….Select(i =&gt; new ChildProcess(…)).ToList()</c> (or <c>ToArray()</c>): a new collection of new processes.</summary>
    private static bool IsNewProcessesQuery(IOperation? value, MultiprocTypes types)
    {
        if (value is not IInvocationOperation { TargetMethod.Name: "ToList" or "ToArray" } materialized) return false;
        var source = materialized.Instance ?? (materialized.Arguments.Length == 1 ? materialized.Arguments[0].Value : null);
        while (source is IConversionOperation conversion) source = conversion.Operand;
        if (source is not IInvocationOperation { TargetMethod.Name: "Select" } select || select.Arguments.Length != 2
            || select.Arguments[1].Value is not IDelegateCreationOperation { Target: IAnonymousFunctionOperation selector }) return false;
        // The selector's one statement returns a new process.
        return selector.Body.Operations.Length == 1 && selector.Body.Operations[0] is IReturnOperation { ReturnedValue: { } returned }
            && ChildTargets.AsChildProcessCreation(returned, types) is not null;
    }

    /// <summary>A reference to a collection variable of the body: what it does to the collection's elements.</summary>
    private static void CollectionUsed(ILocalReferenceOperation reference, bool inFunction, PrepassInfo info, MultiprocTypes types)
    {
        if (!info.Collections!.TryGetValue(reference.Local, out var collection) || collection.HandedOn) return;
        if (inFunction && IsCapturedReference(reference))
        {
            collection.HandedOn = true;
            return;
        }
        IOperation parent = reference.Parent!;
        while (parent is IConversionOperation { IsImplicit: true }) parent = parent.Parent!;
        switch (parent)
        {
            case IArrayElementReferenceOperation element when element.ArrayReference == reference:
                ElementUsed(element, null, collection, info, types);
                return;
            case IPropertyReferenceOperation { Property.IsIndexer: true } element when element.Instance == reference:
                ElementUsed(element, null, collection, info, types);
                return;
            case IPropertyReferenceOperation { Property.Name: "Count" or "Length" or "Capacity" }:
            case IForEachLoopOperation:
                return;
            case IInvocationOperation invocation when invocation.Instance == reference:
                switch (invocation.TargetMethod.Name)
                {
                    case "Add" or "Insert":
                        ElementStored(invocation.Arguments[invocation.Arguments.Length - 1].Value, collection, types);
                        return;
                    case "Remove" or "RemoveAt" or "Clear" or "Contains" or "IndexOf":
                        return;
                    case "ForEach" when invocation.Arguments.Length == 1
                        && invocation.Arguments[0].Value is IDelegateCreationOperation { Target: IAnonymousFunctionOperation { Symbol.Parameters.Length: 1 } function }:
                        ForEachLambda(function, collection);
                        return;
                }
                break;
        }
        collection.HandedOn = true;
    }

    /// <summary><c>list.ForEach(p =&gt; p.Start())</c> or <c>p.Join()</c>: the lambda's parameter is an element.</summary>
    private static void ForEachLambda(IAnonymousFunctionOperation function, ProcessCollection collection)
    {
        var parameter = function.Symbol.Parameters[0];
        foreach (var op in function.Body.Descendants())
        {
            if (op is not IParameterReferenceOperation reference || !SymbolEqualityComparer.Default.Equals(reference.Parameter, parameter)) continue;
            if (reference.Parent is IInvocationOperation invocation && invocation.Instance == reference)
            {
                switch (invocation.TargetMethod.Name)
                {
                    case "Start":
                        (collection.ElementStarts ??= new List<IInvocationOperation>()).Add(invocation);
                        continue;
                    case "Join" or "JoinAsync" or "Terminate" or "Kill":
                        collection.Joined = true;
                        continue;
                    default:
                        continue;
                }
            }
            if (reference.Parent is IPropertyReferenceOperation property && property.Instance == reference) continue;
            collection.HandedOn = true;
        }
    }

    /// <summary>A <c>foreach</c> over a collection of the body: its variables are the collection's elements.</summary>
    private static void ForEachOverCollection(IForEachLoopOperation loop, PrepassInfo info)
    {
        var collection = loop.Collection;
        while (collection is IConversionOperation conversion) collection = conversion.Operand;
        if (collection is not ILocalReferenceOperation local || !info.Collections!.TryGetValue(local.Local, out var elements)) return;
        foreach (var variable in loop.Locals)
            (info.ForEachElements ??= new Dictionary<ILocalSymbol, ProcessCollection>(SymbolEqualityComparer.Default))[variable] = elements;
    }

    /// <summary>
    /// An element of a collection used (<paramref name="element"/>: <c>ps[i]</c>, or the reference to a <c>foreach</c>
    /// variable): started, joined, read, written, or handed on (then so is the collection).
    /// </summary>
    private static void ElementUsed(IOperation element, ILocalReferenceOperation? forEachVariable, ProcessCollection collection, PrepassInfo info, MultiprocTypes types)
    {
        var parent = element.Parent;
        switch (parent)
        {
            case IInvocationOperation invocation when invocation.Instance == element:
                switch (invocation.TargetMethod.Name)
                {
                    case "Start":
                        (collection.ElementStarts ??= new List<IInvocationOperation>()).Add(invocation);
                        return;
                    case "Join" or "JoinAsync" or "Terminate" or "Kill":
                        collection.Joined = true;
                        return;
                    default:
                        return;
                }
            case IPropertyReferenceOperation { Property.Name: "Daemon" } daemon when daemon.Instance == element
                && daemon.Parent is IAssignmentOperation set && set.Target == daemon:
                // Elements made daemons: not followed.
                break;
            case IPropertyReferenceOperation property when property.Instance == element:
            case IIsNullOperation or IBinaryOperation or IIsPatternOperation:
                return;
            case ISimpleAssignmentOperation assignment when assignment.Target == element && forEachVariable is null:
                ElementStored(assignment.Value, collection, types);
                return;
        }
        collection.HandedOn = true;
    }

    /// <summary>
    /// A process put into the collection (<c>Add</c>, <c>Insert</c>, <c>ps[i] = …</c>): a new non-daemon process, or a
    /// process variable (which must turn out tracked: <see cref="VerifyCollections"/>); anything else makes the elements
    /// unknown, and the collection is not followed.
    /// </summary>
    private static void ElementStored(IOperation value, ProcessCollection collection, MultiprocTypes types)
    {
        while (value is IConversionOperation { IsImplicit: true } conversion) value = conversion.Operand;
        if (value is ILocalReferenceOperation local && types.IsChildProcess(local.Type))
            (collection.ElementLocals ??= new List<ILocalSymbol>()).Add(local.Local);
        else if (!(value is IObjectCreationOperation creation && types.IsChildProcess(creation.Type) && IsFreshNonDaemonCreation(creation, types)))
            collection.HandedOn = true;
    }

    /// <summary>After the prepass: a collection that received a process variable not tracked (a daemon, one handed in) is not followed.</summary>
    private static void VerifyCollections(PrepassInfo info)
    {
        foreach (var collection in info.CollectionList!)
        {
            if (collection.ElementLocals is not { } locals) continue;
            foreach (var local in locals)
                if (!info.Tracked.Contains(local)) collection.HandedOn = true;
        }
    }

    /// <summary>The starts through the elements of collections nothing joins: each is reported, with the collection's fix.</summary>
    private static void ReportElementStarts(PrepassInfo info, OperationBlockAnalysisContext context)
    {
        foreach (var collection in info.CollectionList!)
        {
            if (!collection.IsLeak || collection.ElementStarts is not { } starts) continue;
            foreach (var start in starts)
                context.ReportDiagnostic(Diagnostic.Create(Descriptors.MP0003_ProcessNotJoined, TerminatedNotJoined.CallLocation(start),
                    collection.FixProperties(), start.Instance!.Syntax.ToString()));
        }
    }
}
