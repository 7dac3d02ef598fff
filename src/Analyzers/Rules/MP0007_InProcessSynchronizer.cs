using System.Collections.Concurrent;
using System.Threading;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Multiproc.Analyzers;

/// <summary>
/// MP0007: an in-process synchronizer passed to a child process through the arguments of a
/// ChildProcess target — an object used in a <c>lock</c> statement or with <c>Monitor</c> (by the parent,
/// or by the target through its parameter), System.Threading.Lock, SemaphoreSlim, an unnamed Mutex,
/// ReaderWriterLockSlim, SpinLock, and the synchronizers with a Multiproc counterpart (ManualResetEventSlim,
/// ManualResetEvent, AutoResetEvent, Barrier, CountdownEvent, Semaphore). The child gets its own copy, so nothing is
/// synchronized across processes; the message names the counterpart (<see cref="Replacement"/>).
/// </summary>
/// <remarks>
/// Everything that can be decided from the file of the <c>new ChildProcess</c> is reported from an
/// operation action (local diagnostics, with a fix when the change is local); locks on fields and
/// on parameters of targets declared in other files are reported at compilation end, without a fix.
/// </remarks>
internal sealed class InProcessSynchronizer
{
    /// <summary>Edit kinds in <see cref="FixEdits"/>: the creation to replace with <c>new ProcessLock()</c>.</summary>
    public const char EditCreation = 'N';
    /// <summary>A type to replace with <c>ProcessLock</c> (the local's declared type, the target's parameter type).</summary>
    public const char EditType = 'T';
    /// <summary>A <c>lock (x) { … }</c> statement to turn into <c>using (x.Hold()) { … }</c>.</summary>
    public const char EditLock = 'L';

    private const string LockStatementKind = "an object used in a lock statement";
    private const string MonitorKind = "an object locked with Monitor";
    private const string UnnamedMutexKind = "an unnamed Mutex";

    internal static bool IsMonitorMethodName(string name) => name is "Enter" or "TryEnter" or "Exit" or "Wait" or "Pulse" or "PulseAll";

    private sealed class Pending
    {
        public Pending(IArgumentOperation argument, ISymbol? symbol, IParameterSymbol parameter, string name)
        {
            Argument = argument;
            Symbol = symbol;
            Parameter = parameter;
            Name = name;
        }

        public IArgumentOperation Argument { get; }
        public ISymbol? Symbol { get; }
        public IParameterSymbol Parameter { get; }
        public string Name { get; }
    }

    private readonly MultiprocTypes _types;
    // Compilation-wide facts for the compilation-end path.
    private readonly ConcurrentDictionary<ISymbol, string> _lockTargets = new(SymbolEqualityComparer.Default);
    private readonly ConcurrentDictionary<ISymbol, byte> _unnamedMutexes = new(SymbolEqualityComparer.Default);
    private readonly ConcurrentBag<Pending> _pending = new();
    // Per target method declared in the file of a creation: the symbols its body uses as locks.
    private readonly ConcurrentDictionary<IMethodSymbol, Dictionary<ISymbol, string>?> _targetLockUses = new(SymbolEqualityComparer.Default);

    public InProcessSynchronizer(MultiprocTypes types) => _types = types;

    /// <summary>A <c>lock</c> statement or an invocation: notes the object or parameter it locks.</summary>
    public void LockOrInvocation(IOperation operation)
    {
        if (LockUse(operation, _types, out var kind) is { } symbol) _lockTargets.TryAdd(symbol, kind);
    }

    /// <summary>Any object creation: an unnamed Mutex is noted.</summary>
    public void ObjectCreated(IObjectCreationOperation creation)
    {
        if (IsUnnamedMutexCreation(creation, _types) && AssignedSymbol(creation) is { } symbol)
            _unnamedMutexes.TryAdd(symbol, 0);
    }

    /// <summary>
    /// The symbols one operation tree uses as locks (<see cref="LockUsesIn"/>), kept by the body whose creations ask
    /// (<see cref="ChildProcessCreated"/>): found once per tree however many creations and arguments in it ask.
    /// </summary>
    public sealed class BodyLockUses
    {
        public IOperation? Root;
        public Dictionary<ISymbol, string>? Uses;
    }

    /// <param name="target">The target invocation of a ChildProcess creation (<see cref="ChildTargets.GetTargetInvocation"/>).</param>
    /// <param name="bodyLockUses">The lock uses of the creation's operation tree, when another creation of the body found them; else set here.</param>
    public void ChildProcessCreated(OperationAnalysisContext ctx, IObjectCreationOperation creation, IInvocationOperation target, ref BodyLockUses? bodyLockUses)
    {
        var types = _types;
        var root = ChildProcessSites.Root(creation);
        var tree = creation.Syntax.SyntaxTree;
        foreach (var argument in target.Arguments)
        {
            if (argument.ArgumentKind == ArgumentKind.DefaultValue || argument.Parameter is null) continue;
            var value = ChildProcessSites.StripConversions(argument.Value);
            if (value is null || IsMultiprocType(value.Type, types)) continue;
            var argSymbol = ChildProcessSites.ReferencedSymbol(value);

            var unknown = false;
            var kind = KindByType(value.Type, types)
                ?? (IsUnnamedMutex(value, argSymbol, root, types) ? UnnamedMutexKind : null)
                ?? (argSymbol is ILocalSymbol or IParameterSymbol ? LockKindIn(root, argSymbol, types, ref bodyLockUses) : null);
            kind ??= LockKindOfTargetParameter(target.TargetMethod, argument.Parameter, tree, creation.SemanticModel, ctx.CancellationToken, out unknown);
            if (kind is null)
            {
                if (argSymbol is IFieldSymbol || unknown) _pending.Add(new Pending(argument, argSymbol, argument.Parameter, NameOf(argSymbol, value)));
                continue;
            }
            // The text of the argument only for a diagnostic: most arguments are no synchronizer.
            var name = NameOf(argSymbol, value);

            var properties = ImmutableDictionary<string, string?>.Empty;
            var edits = FixEditsFor(argSymbol, root, creation.SemanticModel, types, ctx.CancellationToken);
            if (edits is not null) properties = properties.Add(FixEdits.Property, FixEdits.Encode(edits));
            ctx.ReportDiagnostic(Diagnostic.Create(
                Descriptors.MP0007_InProcessSynchronizerSentToChild,
                argument.Value.Syntax.GetLocation(),
                properties,
                name,
                kind,
                Replacement(kind)));
        }
    }

    /// <summary>How a message names an argument: its symbol, else its text.</summary>
    private static string NameOf(ISymbol? symbol, IOperation value) => symbol?.Name ?? value.Syntax.ToString();

    [MethodImpl(Jit.Optimize)] // compilation end: too few calls to leave tier-0 code
    public void CompilationEnded(CompilationAnalysisContext end)
    {
        foreach (var p in _pending)
        {
            string? kind = null;
            if (p.Symbol is not null && _unnamedMutexes.ContainsKey(p.Symbol)) kind = UnnamedMutexKind;
            else if (p.Symbol is not null && _lockTargets.TryGetValue(p.Symbol, out var k)) kind = k;
            else if (_lockTargets.TryGetValue(p.Parameter.OriginalDefinition, out var kp)) kind = kp;
            if (kind is null) continue;
            end.ReportDiagnostic(Diagnostic.Create(
                Descriptors.MP0007_InProcessSynchronizerSentToChild,
                p.Argument.Value.Syntax.GetLocation(),
                p.Name,
                kind,
                Replacement(kind)));
        }
    }

    private static bool IsMultiprocType(ITypeSymbol? type, MultiprocTypes types) =>
        type is not null && type.ContainingNamespace is { Name: "Multiproc", ContainingNamespace.IsGlobalNamespace: true }
        && SymbolEqualityComparer.Default.Equals(type.ContainingAssembly, types.ChildProcess?.ContainingAssembly);

    private static string? KindByType(ITypeSymbol? type, MultiprocTypes types)
    {
        if (type is null) return null;
        if (Is(type, types.ThreadingLock)) return "System.Threading.Lock";
        if (Is(type, types.SemaphoreSlim)) return "SemaphoreSlim";
        if (Is(type, types.ReaderWriterLockSlim)) return "ReaderWriterLockSlim";
        if (Is(type, types.SpinLock)) return "SpinLock";
        // The synchronizers with a counterpart of their own (the name first: the types are looked up on first use).
        switch (type.Name)
        {
            case "ManualResetEventSlim" when Is(type, types.ManualResetEventSlim): return "ManualResetEventSlim";
            case "ManualResetEvent" when Is(type, types.ManualResetEvent): return "ManualResetEvent";
            case "AutoResetEvent" when Is(type, types.AutoResetEvent): return "AutoResetEvent";
            case "Barrier" when Is(type, types.Barrier): return "Barrier";
            case "CountdownEvent" when Is(type, types.CountdownEvent): return "CountdownEvent";
            case "Semaphore" when Is(type, types.Semaphore): return "Semaphore";
        }
        return null;
    }

    /// <summary>
    /// The Multiproc type to use instead of a synchronizer of <paramref name="kind"/> (the message's last argument):
    /// the events → ProcessEvent, Barrier → ProcessBarrier, the semaphores → ProcessSemaphore, CountdownEvent → a
    /// JoinableQueue (its Join waits for every TaskDone, as Wait waits for every Signal) or a ProcessBarrier, the locks →
    /// ProcessLock.
    /// </summary>
    internal static string Replacement(string kind) => kind switch
    {
        "ManualResetEventSlim" or "ManualResetEvent" or "AutoResetEvent" => "ProcessEvent",
        "Barrier" => "ProcessBarrier",
        "SemaphoreSlim" or "Semaphore" => "ProcessSemaphore",
        "CountdownEvent" => "JoinableQueue (Join waits for every TaskDone, as Wait waits for every Signal) or a ProcessBarrier",
        _ => "ProcessLock",
    };

    private static bool Is(ITypeSymbol type, INamedTypeSymbol? expected) =>
        expected is not null && SymbolEqualityComparer.Default.Equals(type, expected);

    /// <summary>The symbol locked by a lock statement or passed to Monitor.Enter/TryEnter/Exit/Wait/Pulse, if any (no allocation).</summary>
    private static ISymbol? LockUse(IOperation operation, MultiprocTypes types, out string kind)
    {
        switch (operation)
        {
            case ILockOperation lockOperation when ChildProcessSites.ReferencedSymbol(lockOperation.LockedValue) is { } locked:
                kind = LockStatementKind;
                return locked;
            case IInvocationOperation invocation
                when IsMonitorMethodName(invocation.TargetMethod.Name)
                     && invocation.Arguments.Length > 0
                     && types.Monitor is not null
                     && SymbolEqualityComparer.Default.Equals(invocation.TargetMethod.ContainingType, types.Monitor)
                     && ChildProcessSites.ReferencedSymbol(invocation.Arguments[0].Value) is { } monitored:
                kind = MonitorKind;
                return monitored;
            default:
                kind = "";
                return null;
        }
    }

    /// <summary>How <paramref name="symbol"/> is used as a lock within <paramref name="root"/>, if it is.</summary>
    private static string? LockKindIn(IOperation root, ISymbol symbol, MultiprocTypes types, ref BodyLockUses? cache)
    {
        cache ??= new BodyLockUses();
        if (cache.Root != root)
        {
            cache.Uses = LockUsesIn(root, types);
            cache.Root = root;
        }
        return cache.Uses!.TryGetValue(symbol, out var kind) ? kind : null;
    }

    /// <summary>
    /// Every symbol <paramref name="root"/> uses as a lock, with how (a <c>lock</c> statement wins over Monitor): one walk
    /// per operation tree, kept by the caller (<see cref="BodyLockUses"/> for a creation's body, <see cref="_targetLockUses"/>
    /// for a target's), however many arguments and creations ask.
    /// </summary>
    private static Dictionary<ISymbol, string> LockUsesIn(IOperation root, MultiprocTypes types)
    {
        var uses = new Dictionary<ISymbol, string>(SymbolEqualityComparer.Default);
        CollectLockUses(root, types, uses);
        return uses;
    }

    /// <summary><see cref="LockUsesIn"/>'s walk, in the order of <c>DescendantsAndSelf</c>: one test of the kind per operation, no enumerator.</summary>
    private static void CollectLockUses(IOperation op, MultiprocTypes types, Dictionary<ISymbol, string> uses)
    {
        if (op.Kind is OperationKind.Lock or OperationKind.Invocation && LockUse(op, types, out var k) is { } locked
            && (!uses.TryGetValue(locked, out var existing) || existing != LockStatementKind))
            uses[locked] = k;
        foreach (var child in op.ChildOperations) CollectLockUses(child, types, uses);
    }

    /// <summary>
    /// How the target method uses its parameter as a lock, when the target is declared in this file;
    /// <paramref name="unknown"/> is true when it is declared in another file (decided at compilation end).
    /// The target's lock uses are found once per target (<see cref="_targetLockUses"/>).
    /// </summary>
    private string? LockKindOfTargetParameter(IMethodSymbol target, IParameterSymbol parameter, SyntaxTree tree, SemanticModel? model,
        CancellationToken ct, out bool unknown)
    {
        unknown = false;
        var definition = target.OriginalDefinition;
        var inTree = false;
        var references = definition.DeclaringSyntaxReferences;
        foreach (var reference in references)
            if (reference.SyntaxTree == tree) { inTree = true; break; }
        // No body here (another file, no semantic model, no operation): decided at compilation end if it has a declaration.
        Dictionary<ISymbol, string>? uses = null;
        // Most targets are asked about many times: found once (two threads may both find them, alike), no closure.
        if (inTree && model is not null && !_targetLockUses.TryGetValue(definition, out uses))
            uses = _targetLockUses.GetOrAdd(definition, TargetBody(definition, tree, model, ct) is { } body ? LockUsesIn(body, _types) : null);
        if (uses is null)
        {
            unknown = !references.IsEmpty;
            return null;
        }
        return uses.TryGetValue(parameter.OriginalDefinition, out var kind) ? kind : null;
    }

    private static IOperation? TargetBody(IMethodSymbol target, SyntaxTree tree, SemanticModel? model, CancellationToken ct)
    {
        if (model is null) return null;
        foreach (var reference in target.OriginalDefinition.DeclaringSyntaxReferences)
        {
            if (reference.SyntaxTree != tree) continue;
            return model.GetOperation(reference.GetSyntax(ct), ct);
        }
        return null;
    }

    private static bool IsUnnamedMutexCreation(IObjectCreationOperation creation, MultiprocTypes types)
    {
        if (creation.Type is not { Name: "Mutex" } || types.Mutex is null || !SymbolEqualityComparer.Default.Equals(creation.Type, types.Mutex)) return false;
        foreach (var argument in creation.Arguments)
        {
            if (argument.Parameter?.Type.SpecialType != SpecialType.System_String || argument.ArgumentKind == ArgumentKind.DefaultValue) continue;
            var constant = argument.Value.ConstantValue;
            if (!(constant.HasValue && constant.Value is null)) return false;   // a name, or a value that may be one
        }
        return true;
    }

    /// <summary>The local or field an object creation is stored in by an initializer or assignment.</summary>
    private static ISymbol? AssignedSymbol(IOperation creation)
    {
        var current = creation;
        while (current.Parent is IConversionOperation conversion) current = conversion;
        return current.Parent switch
        {
            IVariableInitializerOperation { Parent: IVariableDeclaratorOperation declarator } => declarator.Symbol,
            IFieldInitializerOperation fieldInit when fieldInit.InitializedFields.Length == 1 => fieldInit.InitializedFields[0].OriginalDefinition,
            ISimpleAssignmentOperation assignment when assignment.Value == current => ChildProcessSites.ReferencedSymbol(assignment.Target),
            _ => null,
        };
    }

    private static bool IsUnnamedMutex(IOperation value, ISymbol? symbol, IOperation root, MultiprocTypes types)
    {
        if (value is IObjectCreationOperation direct) return IsUnnamedMutexCreation(direct, types);
        if (symbol is not ILocalSymbol local || types.Mutex is null || !SymbolEqualityComparer.Default.Equals(local.Type, types.Mutex)) return false;
        var sawCreation = false;
        foreach (var creation in root.Descendants().OfType<IObjectCreationOperation>())
        {
            if (!SymbolEqualityComparer.Default.Equals(AssignedSymbol(creation), local)) continue;
            if (!IsUnnamedMutexCreation(creation, types)) return false;
            sawCreation = true;
        }
        return sawCreation;
    }

    /// <summary>
    /// The edits that turn a local only used for locking into a ProcessLock: its creation and declared
    /// type, its lock statements, and the parameter (type and lock statements) of every target it is
    /// passed to. Null when the change is not local.
    /// </summary>
    private static List<(char, TextSpan)>? FixEditsFor(ISymbol? symbol, IOperation root, SemanticModel? model, MultiprocTypes types, CancellationToken ct)
    {
        if (symbol is not ILocalSymbol local || types.ProcessLock is null || model is null) return null;
        var isObject = local.Type.SpecialType == SpecialType.System_Object;
        if (!isObject && (types.ThreadingLock is null || !SymbolEqualityComparer.Default.Equals(local.Type, types.ThreadingLock))) return null;

        var edits = new List<(char, TextSpan)>();
        var declarators = root.Descendants().OfType<IVariableDeclaratorOperation>()
            .Where(d => SymbolEqualityComparer.Default.Equals(d.Symbol, local)).ToList();
        if (declarators.Count != 1) return null;
        var declarator = declarators[0];
        if (declarator.Parent is not IVariableDeclarationOperation { Declarators.Length: 1 } declaration) return null;
        var initial = ChildProcessSites.StripConversions(declarator.Initializer?.Value ?? declaration.Initializer?.Value);
        if (initial is not IObjectCreationOperation { Arguments.Length: 0, Initializer: null } creation
            || !SymbolEqualityComparer.Default.Equals(creation.Type, local.Type))
            return null;
        edits.Add((EditCreation, creation.Syntax.Span));
        if (declaration.Syntax is VariableDeclarationSyntax { Type: { IsVar: false } declaredType }) edits.Add((EditType, declaredType.Span));

        var targets = new List<(IMethodSymbol Method, IParameterSymbol Parameter)>();
        foreach (var reference in root.Descendants().OfType<ILocalReferenceOperation>())
        {
            if (!SymbolEqualityComparer.Default.Equals(reference.Local, local)) continue;
            var use = UseOf(reference);
            if (use is ILockOperation lockOperation)
            {
                if (lockOperation.Syntax is not LockStatementSyntax { Expression: IdentifierNameSyntax }) return null;
                edits.Add((EditLock, lockOperation.Syntax.Span));
            }
            else if (use is IArgumentOperation { Parameter: { } parameter, Parent: IInvocationOperation invocation } && IsChildTarget(invocation, types))
            {
                targets.Add((invocation.TargetMethod.OriginalDefinition, parameter.OriginalDefinition));
            }
            else
            {
                return null;   // used for something else than locking: not a local change
            }
        }

        foreach (var (method, parameter) in targets.Distinct())
        {
            var body = TargetBody(method, root.Syntax.SyntaxTree, model, ct);
            // An object parameter the target does not lock can take a ProcessLock as it is.
            var needsChange = !(parameter.Type.SpecialType == SpecialType.System_Object && (body is null || !LockedIn(body, parameter)));
            if (!needsChange) continue;
            if (body is null || method.DeclaredAccessibility != Accessibility.Private) return null;
            if (parameter.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax(ct) is not ParameterSyntax { Type: { } parameterType }) return null;
            // Every call of the target in this file must be a child target handed this very local.
            foreach (var invocation in root.Syntax.SyntaxTree.GetRoot(ct).DescendantNodes().OfType<InvocationExpressionSyntax>())
            {
                var calledName = invocation.Expression switch
                {
                    SimpleNameSyntax simple => simple.Identifier.ValueText,
                    MemberAccessExpressionSyntax member => member.Name.Identifier.ValueText,
                    _ => null,
                };
                if (calledName is not null && calledName != method.Name) continue;
                if (model.GetOperation(invocation, ct) is not IInvocationOperation call
                    || !SymbolEqualityComparer.Default.Equals(call.TargetMethod.OriginalDefinition, method)) continue;
                if (!IsChildTarget(call, types)) return null;
                var passed = call.Arguments.FirstOrDefault(a => SymbolEqualityComparer.Default.Equals(a.Parameter?.OriginalDefinition, parameter));
                if (passed is null || !SymbolEqualityComparer.Default.Equals(ChildProcessSites.ReferencedSymbol(passed.Value), local)) return null;
            }
            edits.Add((EditType, parameterType.Span));
            foreach (var reference in body.Descendants().OfType<IParameterReferenceOperation>())
            {
                if (!SymbolEqualityComparer.Default.Equals(reference.Parameter.OriginalDefinition, parameter)) continue;
                if (UseOf(reference) is not ILockOperation { Syntax: LockStatementSyntax { Expression: IdentifierNameSyntax } } lockOperation) return null;
                edits.Add((EditLock, lockOperation.Syntax.Span));
            }
        }
        return edits;
    }

    private static bool LockedIn(IOperation body, IParameterSymbol parameter) =>
        body.Descendants().OfType<IParameterReferenceOperation>().Any(r =>
            SymbolEqualityComparer.Default.Equals(r.Parameter.OriginalDefinition, parameter)
            && (UseOf(r) is ILockOperation || UseOf(r) is IArgumentOperation { Parent: IInvocationOperation { TargetMethod.ContainingType.Name: "Monitor" } }));

    /// <summary>The operation a reference is used by, above any conversions; for a lock, the lock statement when it is the locked value.</summary>
    private static IOperation? UseOf(IOperation reference)
    {
        var current = reference;
        while (current.Parent is IConversionOperation conversion) current = conversion;
        return current.Parent switch
        {
            ILockOperation l when l.LockedValue == current => l,
            IArgumentOperation a => a,
            _ => current.Parent,
        };
    }

    private static bool IsChildTarget(IInvocationOperation invocation, MultiprocTypes types)
    {
        IOperation? current = invocation.Parent;
        while (current is IConversionOperation or IReturnOperation or IExpressionStatementOperation or IBlockOperation)
            current = current.Parent;
        if (current is not IAnonymousFunctionOperation) return false;
        while (current?.Parent is IConversionOperation or IDelegateCreationOperation) current = current.Parent;
        return current?.Parent is IArgumentOperation { Parent: IObjectCreationOperation creation }
               && ChildTargets.GetTargetInvocation(creation, types) == invocation;
    }
}
