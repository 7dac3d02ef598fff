namespace Multiproc.Analyzers;

/// <summary>How an acquire call tells whether it took the lock.</summary>
internal enum AcquireCondition
{
    /// <summary>Returns only once the lock is held (<c>Acquire()</c>, <c>Monitor.Enter(o)</c>, <c>Wait()</c>).</summary>
    None,
    /// <summary>Its bool result (or the awaited bool) says whether the lock was taken.</summary>
    Result,
    /// <summary>A <c>ref bool</c> argument says whether the lock was taken.</summary>
    RefArgument,
}

/// <summary>
/// Which branch of <see cref="LockApi.Classify(IInvocationOperation, LockFamily)"/> a called method's containing type takes
/// (<see cref="LockApi.FamilyOf"/>): the lock types MP0002 knows, grouped by the shape of their API.
/// </summary>
internal enum LockFamily : byte
{
    /// <summary>Not a lock type.</summary>
    None,
    /// <summary>ProcessLock, ProcessSemaphore, ProcessRLock, ProcessCondition, RedisLock (Acquire/TryAcquire/AcquireAsync … Release).</summary>
    Holdable,
    Monitor,
    /// <summary>Mutex, or WaitHandle (whose WaitOne on a Mutex acquires it).</summary>
    MutexOrWaitHandle,
    SemaphoreSlim,
    ReaderWriterLockSlim,
    ReaderWriterLock,
    SpinLock,
    ThreadingLock,
}

/// <summary>Which side of a lock a method name is on (<see cref="LockApi.RoleOf"/>).</summary>
internal enum CallRole : byte
{
    /// <summary>Not a name of any lock API MP0002 knows.</summary>
    None,
    /// <summary>A name <see cref="LockApi.Classify(IInvocationOperation, LockFamily)"/> makes an acquire of (or nothing).</summary>
    Acquire,
    /// <summary>A name <see cref="LockApi.Classify(IInvocationOperation, LockFamily)"/> makes a release of (or nothing).</summary>
    Release,
}

/// <summary>One acquire or release call of a known lock API.</summary>
internal sealed class LockCall
{
    public LockCall(bool isAcquire, INamedTypeSymbol family, string releaseName, IOperation lockOperation, AcquireCondition condition, int refArgumentIndex,
        SymbolKey? declaredKey = null, string? lockName = null)
    {
        _declaredKey = declaredKey;
        _lockName = lockName;
        IsAcquire = isAcquire;
        Family = family;
        ReleaseName = releaseName;
        LockOperation = lockOperation;
        Condition = condition;
        RefArgumentIndex = refArgumentIndex;
    }

    public bool IsAcquire { get; }
    /// <summary>The lock type (ProcessLock, Monitor, Mutex, …).</summary>
    public INamedTypeSymbol Family { get; }
    /// <summary>Name of the release method that matches (for a release: its own name).</summary>
    public string ReleaseName { get; }
    /// <summary>The lock object: the receiver, or the first argument of Monitor calls.</summary>
    public IOperation LockOperation { get; }
    public AcquireCondition Condition { get; }
    public int RefArgumentIndex { get; }
    /// <summary>The lock as the diagnostic names it.</summary>
    public string LockName => _lockName ?? LockOperation.Syntax.ToString();
    private readonly string? _lockName;
    private readonly SymbolKey? _declaredKey;
    /// <summary>The variable the lock is in (for <c>var m = new Mutex(true)</c>, the declared local).</summary>
    public SymbolKey? Key => _declaredKey ?? SymbolKey.From(LockOperation);
}

/// <summary>Recognizes acquire and release calls of the lock APIs MP0002 tracks.</summary>
internal sealed class LockApi
{
    /// <summary><c>System.Threading.Mutex</c>, resolved once: <see cref="IsMutex"/> runs on every object creation.</summary>
    private readonly INamedTypeSymbol? _mutex;
    private readonly INamedTypeSymbol? _waitHandle;
    private readonly INamedTypeSymbol? _monitor;
    private readonly INamedTypeSymbol? _readerWriterLock;

    /// <summary>
    /// The types whose methods <see cref="Classify"/> knows, resolved once (the BCL ones are resolved by <see cref="Any"/>
    /// at the first type anyway): <see cref="FamilyOf"/> compares a called method's containing type with them by reference,
    /// and <see cref="_families"/> says, at the same index, which branch of <see cref="Classify"/> the type takes.
    /// </summary>
    private readonly INamedTypeSymbol[] _lockTypes;
    private readonly LockFamily[] _families;

    public LockApi(MultiprocTypes types)
    {
        _mutex = types.Mutex;
        _waitHandle = types.WaitHandle;
        _monitor = types.Monitor;
        _readerWriterLock = types.ReaderWriterLock;
        var lockTypes = new List<INamedTypeSymbol>();
        var families = new List<LockFamily>();
        // Most frequent first (FamilyOf stops at the first match); each type is one of these once (distinct metadata names).
        foreach (var (t, family) in new[]
        {
            (types.Monitor, LockFamily.Monitor), (types.SemaphoreSlim, LockFamily.SemaphoreSlim), (types.ProcessLock, LockFamily.Holdable),
            (types.Mutex, LockFamily.MutexOrWaitHandle), (types.WaitHandle, LockFamily.MutexOrWaitHandle),
            (types.ReaderWriterLockSlim, LockFamily.ReaderWriterLockSlim), (types.ProcessSemaphore, LockFamily.Holdable),
            (types.ProcessRLock, LockFamily.Holdable), (types.ProcessCondition, LockFamily.Holdable),
            (types.ReaderWriterLock, LockFamily.ReaderWriterLock), (types.SpinLock, LockFamily.SpinLock),
            (types.ThreadingLock, LockFamily.ThreadingLock), (types.RedisLock, LockFamily.Holdable),
        })
        {
            if (t is null) continue;
            lockTypes.Add(t);
            families.Add(family);
        }
        _lockTypes = lockTypes.ToArray();
        _families = families.ToArray();
        Any = types.ProcessLock is not null || types.Monitor is not null || types.Mutex is not null || types.SemaphoreSlim is not null
            || types.ReaderWriterLockSlim is not null || types.SpinLock is not null || types.ThreadingLock is not null
            || types.ReaderWriterLock is not null;
    }

    /// <summary>
    /// Which branch of <see cref="Classify"/> a method whose containing type is <paramref name="type"/> takes, by reference
    /// (see <see cref="IsLockType"/>): <see cref="LockFamily.None"/> for every type that is not a lock type. The gate every
    /// invocation passes through, and what <see cref="Classify(IInvocationOperation, LockFamily)"/> then switches on (one
    /// search of the table instead of a comparison per branch, each through a lazily resolved type).
    /// </summary>
    public LockFamily FamilyOf(INamedTypeSymbol? type)
    {
        if (type is null) return LockFamily.None;
        var types = _lockTypes;
        for (var i = 0; i < types.Length; i++)
            if (ReferenceEquals(types[i], type)) return _families[i];
        return LockFamily.None;
    }

    /// <summary>
    /// Whether <paramref name="type"/>, the containing type of a called method (<see cref="IMethodSymbol.ContainingType"/>),
    /// is one of the types <see cref="Classify"/> and <see cref="IsLockTypeMethod"/> know: the gate every invocation passes
    /// through before its name is looked at.
    /// </summary>
    /// <remarks>
    /// By reference, which for these types is the same answer as <see cref="SymbolEqualityComparer.Default"/>: none of them is
    /// generic, so two of their symbols are equal only when they are the same symbol (a non-generic named type is its own
    /// original definition), and the compiler hands out one <see cref="ISymbol"/> per symbol for a containing type (no
    /// nullable annotation) and for <c>GetTypeByMetadataName</c> alike. A type reached through an operation's
    /// <see cref="IOperation.Type"/> may carry a nullable annotation in its own wrapper, so those still compare by
    /// <see cref="SymbolEqualityComparer"/>. This reads one field of a symbol the binder has just used, where the method's
    /// name is a string of its own that a profile showed cold (the eleventh session's callback spent about a quarter of
    /// its samples loading the name's length).
    /// </remarks>
    public bool IsLockType(INamedTypeSymbol? type) => FamilyOf(type) != LockFamily.None;

    /// <summary><paramref name="type"/> (a method's containing type) is <paramref name="expected"/>, by reference (see <see cref="IsLockType"/>).</summary>
    private static bool Same(INamedTypeSymbol? type, INamedTypeSymbol? expected) => expected is not null && ReferenceEquals(type, expected);

    /// <summary>Whether <paramref name="creation"/> calls a constructor of <c>System.Threading.Mutex</c> (by reference, see <see cref="IsLockType"/>).</summary>
    public bool IsMutexConstructor(IObjectCreationOperation creation) =>
        _mutex is not null && creation.Constructor is { } ctor && ReferenceEquals(ctor.ContainingType, _mutex);

    /// <summary>Whether any lock type MP0002 tracks exists in the compilation (computed once: it is asked at every type's start).</summary>
    public bool Any { get; }

    /// <summary>Whether <c>System.Threading.Mutex</c> exists (then <c>new Mutex(true, …)</c> is an acquire).</summary>
    public bool HasMutex => _mutex is not null;

    /// <summary>
    /// The Multiproc lock kinds with ProcessLock's shape (Acquire/TryAcquire … Release, and <c>Hold()</c>): ProcessLock,
    /// ProcessSemaphore (also AcquireAsync), ProcessRLock, ProcessCondition (its lock's acquire and release) and
    /// Multiproc.Redis's RedisLock (also AcquireAsync).
    /// </summary>
    private bool IsHoldableLock(INamedTypeSymbol? type) => FamilyOf(type) == LockFamily.Holdable;

    /// <summary>
    /// Whether a lock of <paramref name="family"/> (as <see cref="Classify"/> returned it: a method's containing type, or
    /// Mutex) has <c>Hold()</c> (MP0002's fix <c>using (lk.Hold())</c>): one of the holdable Multiproc locks, by reference.
    /// </summary>
    public bool HasHold(INamedTypeSymbol family) => IsHoldableLock(family);

    /// <summary>Whether <paramref name="family"/> (as <see cref="Classify"/> returned it) is <c>System.Threading.Monitor</c>, by reference (see <see cref="IsLockType"/>).</summary>
    public bool IsMonitor(INamedTypeSymbol family) => Same(family, _monitor);

    /// <summary>
    /// Cheap name filter run before any symbol comparison: the length picks the few names to compare (no hash of the
    /// name, which a string switch of this size computes for every call it is asked about).
    /// </summary>
    public static bool IsCandidateName(string name) => RoleOf(name) != CallRole.None;

    /// <summary>
    /// <see cref="IsCandidateName"/> that also says which side of a lock the name is on: every name <see cref="Classify"/>
    /// makes a release of (<see cref="LockCall.IsAcquire"/> false) is <see cref="CallRole.Release"/>, every name it makes an
    /// acquire of is <see cref="CallRole.Acquire"/>, in every family (no name is both: the releases are the <c>Release…</c>,
    /// <c>Exit…</c> and <c>DowngradeFromWriterLock</c> names, the acquires the others). So a call whose name is a release's is
    /// never an acquire, and the invocation gate can record it without classifying it (<c>LockNotReleased.TypeState</c>).
    /// </summary>
    public static CallRole RoleOf(string name) => name.Length switch
    {
        4 => name == "Wait" ? CallRole.Acquire : name == "Exit" ? CallRole.Release : CallRole.None,
        5 => name == "Enter" ? CallRole.Acquire : CallRole.None,
        7 => name == "Acquire" || name == "WaitOne" ? CallRole.Acquire : name == "Release" ? CallRole.Release : CallRole.None,
        8 => name == "TryEnter" ? CallRole.Acquire : CallRole.None,
        9 => name == "WaitAsync" ? CallRole.Acquire : CallRole.None,
        10 => name == "TryAcquire" ? CallRole.Acquire : CallRole.None,
        11 => name == "ReleaseLock" ? CallRole.Release : CallRole.None,
        12 => name == "AcquireAsync" ? CallRole.Acquire : name == "ReleaseMutex" || name == "ExitReadLock" ? CallRole.Release : CallRole.None,
        13 => name == "EnterReadLock" ? CallRole.Acquire : name == "ExitWriteLock" ? CallRole.Release : CallRole.None,
        14 => name == "EnterWriteLock" ? CallRole.Acquire : CallRole.None,
        16 => name == "TryEnterReadLock" ? CallRole.Acquire : CallRole.None,
        17 => name == "TryEnterWriteLock" || name == "AcquireReaderLock" || name == "AcquireWriterLock" ? CallRole.Acquire
            : name == "ReleaseReaderLock" || name == "ReleaseWriterLock" ? CallRole.Release : CallRole.None,
        19 => name == "UpgradeToWriterLock" ? CallRole.Acquire : CallRole.None,
        23 => name == "ExitUpgradeableReadLock" || name == "DowngradeFromWriterLock" ? CallRole.Release : CallRole.None,
        24 => name == "EnterUpgradeableReadLock" ? CallRole.Acquire : CallRole.None,
        27 => name == "TryEnterUpgradeableReadLock" ? CallRole.Acquire : CallRole.None,
        _ => CallRole.None,
    };

    /// <summary>The names <see cref="IsCandidateName"/> accepts (for the tests).</summary>
    internal static readonly string[] CandidateNames =
    {
        "AcquireReaderLock", "AcquireWriterLock", "ReleaseReaderLock", "ReleaseWriterLock", "ReleaseLock", "UpgradeToWriterLock",
        "DowngradeFromWriterLock", "Acquire", "TryAcquire", "AcquireAsync", "Release", "Enter", "TryEnter", "Exit", "WaitOne",
        "ReleaseMutex", "Wait", "WaitAsync", "EnterReadLock", "EnterWriteLock", "EnterUpgradeableReadLock", "TryEnterReadLock",
        "TryEnterWriteLock", "TryEnterUpgradeableReadLock", "ExitReadLock", "ExitWriteLock", "ExitUpgradeableReadLock",
    };

    private static bool DerivesFrom(ITypeSymbol? type, INamedTypeSymbol? expected)
    {
        for (var t = type; t is not null && expected is not null; t = t.BaseType)
            if (SymbolEqualityComparer.Default.Equals(t, expected)) return true;
        return false;
    }

    /// <summary>Whether <paramref name="invocation"/> is any method of a lock type (used by the escape check).</summary>
    public bool IsLockTypeMethod(IInvocationOperation invocation)
    {
        return FamilyOf(invocation.TargetMethod.ContainingType) != LockFamily.None;
    }

    public LockCall? Classify(IInvocationOperation invocation) => Classify(invocation, FamilyOf(invocation.TargetMethod.ContainingType));

    /// <summary>
    /// <see cref="Classify(IInvocationOperation)"/> with <paramref name="family"/>, the <see cref="FamilyOf"/> of the called
    /// method's containing type, already known (the invocation gate computes it): one branch per family, as the checks of
    /// each type used to be tried one after the other (a type is one family only, so the answer is the same).
    /// </summary>
    public LockCall? Classify(IInvocationOperation invocation, LockFamily family)
    {
        if (family == LockFamily.None) return null;
        var m = invocation.TargetMethod;
        var name = m.Name;
        if (!IsCandidateName(name)) return null;
        var type = m.ContainingType;
        var instance = invocation.Instance;

        switch (family)
        {
            case LockFamily.Holdable:
                if (instance is null) return null;
                return name switch
                {
                    "Acquire" => new LockCall(true, type, "Release", instance, AcquireCondition.None, -1),
                    // ProcessSemaphore's and RedisLock's: the awaited Task returns once the lock is held.
                    "AcquireAsync" => new LockCall(true, type, "Release", instance, AcquireCondition.None, -1),
                    "TryAcquire" => new LockCall(true, type, "Release", instance, AcquireCondition.Result, -1),
                    "Release" => new LockCall(false, type, "Release", instance, AcquireCondition.None, -1),
                    _ => null,
                };

            case LockFamily.Monitor:
            {
                if (invocation.Arguments.Length == 0) return null;
                var obj = ArgumentValue(invocation, 0);
                if (obj is null) return null;
                var last = m.Parameters.Length - 1;
                var refLast = last > 0 && m.Parameters[last].RefKind == RefKind.Ref;
                return name switch
                {
                    "Enter" => refLast
                        ? new LockCall(true, type, "Exit", obj, AcquireCondition.RefArgument, last)
                        : new LockCall(true, type, "Exit", obj, AcquireCondition.None, -1),
                    "TryEnter" => refLast
                        ? new LockCall(true, type, "Exit", obj, AcquireCondition.RefArgument, last)
                        : new LockCall(true, type, "Exit", obj, AcquireCondition.Result, -1),
                    "Exit" => new LockCall(false, type, "Exit", obj, AcquireCondition.None, -1),
                    _ => null,
                };
            }

            case LockFamily.MutexOrWaitHandle:
                if (instance is null || _mutex is null || !DerivesFrom(instance.Type, _mutex)) return null;
                return name switch
                {
                    "WaitOne" => new LockCall(true, _mutex, "ReleaseMutex", instance,
                        m.Parameters.Length == 0 ? AcquireCondition.None : AcquireCondition.Result, -1),
                    "ReleaseMutex" => new LockCall(false, _mutex, "ReleaseMutex", instance, AcquireCondition.None, -1),
                    _ => null,
                };

            case LockFamily.SemaphoreSlim:
                if (instance is null) return null;
                return name switch
                {
                    "Wait" => new LockCall(true, type, "Release", instance,
                        m.ReturnsVoid ? AcquireCondition.None : AcquireCondition.Result, -1),
                    "WaitAsync" => new LockCall(true, type, "Release", instance,
                        m.ReturnType is INamedTypeSymbol { IsGenericType: true } ? AcquireCondition.Result : AcquireCondition.None, -1),
                    "Release" => new LockCall(false, type, "Release", instance, AcquireCondition.None, -1),
                    _ => null,
                };

            case LockFamily.ReaderWriterLockSlim:
                if (instance is null) return null;
                return name switch
                {
                    "EnterReadLock" => new LockCall(true, type, "ExitReadLock", instance, AcquireCondition.None, -1),
                    "EnterWriteLock" => new LockCall(true, type, "ExitWriteLock", instance, AcquireCondition.None, -1),
                    "EnterUpgradeableReadLock" => new LockCall(true, type, "ExitUpgradeableReadLock", instance, AcquireCondition.None, -1),
                    "TryEnterReadLock" => new LockCall(true, type, "ExitReadLock", instance, AcquireCondition.Result, -1),
                    "TryEnterWriteLock" => new LockCall(true, type, "ExitWriteLock", instance, AcquireCondition.Result, -1),
                    "TryEnterUpgradeableReadLock" => new LockCall(true, type, "ExitUpgradeableReadLock", instance, AcquireCondition.Result, -1),
                    "ExitReadLock" or "ExitWriteLock" or "ExitUpgradeableReadLock" => new LockCall(false, type, name, instance, AcquireCondition.None, -1),
                    _ => null,
                };

            case LockFamily.ReaderWriterLock:
                if (instance is null) return null;
                // The legacy ReaderWriterLock: Acquire*Lock throws on timeout (no bool); ReleaseLock releases every hold;
                // UpgradeToWriterLock is undone by DowngradeFromWriterLock(ref cookie).
                return name switch
                {
                    "AcquireReaderLock" => new LockCall(true, type, "ReleaseReaderLock", instance, AcquireCondition.None, -1),
                    "AcquireWriterLock" => new LockCall(true, type, "ReleaseWriterLock", instance, AcquireCondition.None, -1),
                    "UpgradeToWriterLock" => new LockCall(true, type, "DowngradeFromWriterLock", instance, AcquireCondition.None, -1),
                    "ReleaseReaderLock" or "ReleaseWriterLock" or "ReleaseLock" or "DowngradeFromWriterLock" =>
                        new LockCall(false, type, name, instance, AcquireCondition.None, -1),
                    _ => null,
                };

            case LockFamily.SpinLock:
            {
                if (instance is null) return null;
                var last = m.Parameters.Length - 1;
                return name switch
                {
                    "Enter" or "TryEnter" when last >= 0 && m.Parameters[last].RefKind == RefKind.Ref =>
                        new LockCall(true, type, "Exit", instance, AcquireCondition.RefArgument, last),
                    "Exit" => new LockCall(false, type, "Exit", instance, AcquireCondition.None, -1),
                    _ => null,
                };
            }

            case LockFamily.ThreadingLock:
                if (instance is null) return null;
                return name switch
                {
                    "Enter" => new LockCall(true, type, "Exit", instance, AcquireCondition.None, -1),
                    "TryEnter" => new LockCall(true, type, "Exit", instance, AcquireCondition.Result, -1),
                    "Exit" => new LockCall(false, type, "Exit", instance, AcquireCondition.None, -1),
                    _ => null,
                };

            default:
                return null;
        }
    }

    /// <summary>
    /// <c>new Mutex(true, …)</c> (initiallyOwned a constant true, by position or by name) assigned to a local, a parameter or a
    /// field: an acquire released by <c>ReleaseMutex()</c> on that variable. With <c>out createdNew</c> the mutex is owned only
    /// when createdNew is true, which is tracked like Monitor.Enter's lockTaken.
    /// </summary>
    public LockCall? ClassifyCreation(IObjectCreationOperation creation)
    {
        // The constructor's type by reference (IsMutexConstructor), not the creation's Type: the same answer (a creation whose
        // constructor is Mutex's creates a Mutex, Mutex is not generic), without the annotated type symbol Type makes.
        if (creation.Arguments.Length == 0 || !IsMutexConstructor(creation)) return null;
        if (creation.Constructor is not { } ctor || ctor.Parameters.Length == 0 || ctor.Parameters[0].Type.SpecialType != SpecialType.System_Boolean) return null;
        if (ArgumentValue(creation.Arguments, 0) is not { ConstantValue: { HasValue: true, Value: true } }) return null;

        IOperation value = creation;
        while (value.Parent is IConversionOperation or IParenthesizedOperation) value = value.Parent;
        SymbolKey? key = value.Parent switch
        {
            IVariableInitializerOperation { Parent: IVariableDeclaratorOperation declarator } => SymbolKey.OfVariable(declarator.Symbol),
            ISimpleAssignmentOperation assignment when assignment.Value == value => SymbolKey.From(assignment.Target),
            _ => null,
        };
        if (key is not { } k) return null;
        var last = ctor.Parameters.Length - 1;
        var outLast = last >= 2 && ctor.Parameters[last].RefKind == RefKind.Out;
        return new LockCall(true, _mutex!, "ReleaseMutex", creation,
            outLast ? AcquireCondition.RefArgument : AcquireCondition.None, outLast ? last : -1, k, k.Symbol.Name);
    }

    /// <summary>
    /// <c>Monitor.IsEntered(o)</c>, <c>rw.IsReadLockHeld</c>/<c>IsWriteLockHeld</c>/<c>IsUpgradeableReadLockHeld</c>,
    /// the legacy <c>IsReaderLockHeld</c>/<c>IsWriterLockHeld</c>, <c>IsHeldByCurrentThread</c> of SpinLock and Lock:
    /// whether <paramref name="operation"/> asks if the current thread holds the lock <paramref name="key"/> of <paramref name="family"/>.
    /// </summary>
    public static bool IsHeldCheck(IOperation? operation, INamedTypeSymbol family, SymbolKey key)
    {
        operation = SymbolKey.StripConversions(operation);
        switch (operation)
        {
            case IInvocationOperation { TargetMethod.Name: "IsEntered" } inv when SymbolEqualityComparer.Default.Equals(inv.TargetMethod.ContainingType, family):
                return SymbolKey.From(ArgumentValue(inv.Arguments, 0)) is { } k && k.Equals(key);
            case IPropertyReferenceOperation { Property.Name: "IsReadLockHeld" or "IsWriteLockHeld" or "IsUpgradeableReadLockHeld" or "IsReaderLockHeld" or "IsWriterLockHeld" or "IsHeldByCurrentThread" } p
                when SymbolEqualityComparer.Default.Equals(p.Property.ContainingType, family):
                return SymbolKey.From(p.Instance) is { } pk && pk.Equals(key);
            default:
                return false;
        }
    }

    private static IOperation? ArgumentValue(IInvocationOperation invocation, int ordinal) => ArgumentValue(invocation.Arguments, ordinal);

    private static IOperation? ArgumentValue(ImmutableArray<IArgumentOperation> arguments, int ordinal)
    {
        foreach (var a in arguments)
            if (a.Parameter?.Ordinal == ordinal) return a.Value;
        return null;
    }

    public static IOperation? RefArgument(IOperation acquire, int ordinal) => acquire switch
    {
        IInvocationOperation invocation => ArgumentValue(invocation.Arguments, ordinal),
        IObjectCreationOperation creation => ArgumentValue(creation.Arguments, ordinal),
        _ => null,
    };

    /// <summary>Whether <paramref name="invocation"/> releases the lock <paramref name="acquire"/> took.</summary>
    public bool IsReleaseOf(IInvocationOperation invocation, LockCall acquire, SymbolKey key)
    {
        // A release's family as Classify returns it is its method's containing type (Mutex also for a method of WaitHandle), and
        // the acquire's family is a lock type: so one reference comparison rejects every other call first (most calls a walk
        // meets are of other types), then the name, then the lock the call names (below).
        var method = invocation.TargetMethod;
        var type = method.ContainingType;
        if (type is null
            || !ReferenceEquals(type, acquire.Family) && !(ReferenceEquals(type, _waitHandle) && ReferenceEquals(acquire.Family, _mutex)))
            return false;
        var name = method.Name;
        if (name != acquire.ReleaseName && !(name == "ReleaseLock" && Same(acquire.Family, _readerWriterLock))) return false;
        // What Classify would make of this call, without making it (no LockCall, no name switch): the call passed the family
        // and the name, and for every family each name an acquire's ReleaseName can be (and ReleaseLock, of
        // ReaderWriterLock) is one Classify makes a release of, whose family is the acquire's (the type itself, or Mutex
        // for Mutex's and WaitHandle's methods: an acquire's family is never WaitHandle) and whose lock is the receiver,
        // or Monitor's first argument, under the same conditions Classify asks. MP0002_ReleaseOfTests pins the look-alikes.
        IOperation? lockOperation;
        switch (FamilyOf(type))
        {
            case LockFamily.None:
                return false;
            case LockFamily.Monitor:
                if (invocation.Arguments.Length == 0) return false;
                lockOperation = ArgumentValue(invocation, 0);
                break;
            case LockFamily.MutexOrWaitHandle:
                lockOperation = invocation.Instance;
                if (lockOperation is null || _mutex is null || !DerivesFrom(lockOperation.Type, _mutex)) return false;
                break;
            default:
                lockOperation = invocation.Instance;
                break;
        }
        return lockOperation is not null && SymbolKey.From(lockOperation) is { } k && k.Equals(key);
    }
}
