using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Multiproc.Analyzers;

/// <summary>
/// MP0016: a read-modify-write of a <c>SharedValue&lt;T&gt;.Value</c> or a <c>SharedArray&lt;T&gt;</c> element
/// (<c>+=</c>, <c>++</c>, <c>v.Value = v.Value * 2</c>, or the value read into a local and that local written back)
/// with no cross-process lock held, in code that child processes run.
/// </summary>
/// <remarks>
/// <para>
/// Per operation, from the property reference that is the write's target (no callback of its own): the write and its
/// read are found in the operation tree; "held" is read from the ancestors, no graph: inside <c>using (x.Hold())</c>,
/// after a <c>using var _ = x.Hold();</c> or an <c>x.Acquire()</c> (with no <c>x.Release()</c> in between) earlier in an
/// enclosing block, or in the true branch of <c>if (x.TryAcquire(…))</c>, where <c>x</c> is any Multiproc lock
/// (the value's <c>Lock</c>, a ProcessLock, ProcessRLock, ProcessSemaphore, ProcessCondition, RedisLock). A C#
/// <c>lock</c> excludes nothing across processes and does not count.
/// </para>
/// <para>
/// Scope as MP0001: the candidates are kept per method and reported at compilation end when the method is a child
/// target or reached from one (<see cref="CallGraph"/>), or anywhere with <c>multiproc.MP0016.scope = all</c>.
/// </para>
/// </remarks>
internal sealed class UnlockedSharedReadModifyWrite
{
    public const string ScopeOption = "multiproc.MP0016.scope";
    /// <summary>Property: <see cref="FixAdd"/> or <see cref="FixHold"/>; absent when no fix applies.</summary>
    public const string FixProperty = "Fix";
    public const string FixAdd = "Add";
    public const string FixHold = "Hold";
    /// <summary>Property: the receiver's text (<c>v</c> of <c>v.Value</c>, <c>a</c> of <c>a[i]</c>).</summary>
    public const string OwnerProperty = "Owner";
    /// <summary>Property (Add): the argument of <c>Add</c>.</summary>
    public const string DeltaProperty = "Delta";
    /// <summary>Properties (Hold): the start of the first and the end of the last statement to hold the lock around.</summary>
    public const string HoldStartProperty = "HoldStart";
    public const string HoldEndProperty = "HoldEnd";

    private readonly MultiprocTypes _types;
    private readonly ConcurrentBag<IMethodSymbol> _targets = new();
    private readonly ConcurrentBag<(IMethodSymbol Method, Diagnostic Diagnostic)> _candidates = new();

    public UnlockedSharedReadModifyWrite(MultiprocTypes types) => _types = types;

    /// <summary>A ChildProcess creation's target invocation: its method runs in a child.</summary>
    public void ChildProcessCreated(IInvocationOperation target) => _targets.Add(target.TargetMethod);

    /// <summary>A property reference (any): a candidate when it is the target of a write of a shared value or element.</summary>
    /// <param name="context">The operation's context.</param>
    /// <param name="reference">The reference.</param>
    /// <param name="name">The property's <see cref="ISymbol.Name"/>, which the host asks anyway.</param>
    public void PropertyReferenced(OperationAnalysisContext context, IPropertyReferenceOperation reference, string name)
    {
        var property = reference.Property;
        // The property first: this runs on every property reference, and only an indexer (SharedArray's) or a property named
        // Value (SharedValue's) can be a candidate. IsIndexer answers from the parameter count for a property without
        // parameters (most; a metadata property's Name asks it too), and the host has the name already; the containing
        // type's Name is dearer (the 5.0 compiler asks a metadata type whether it is an extension block), so it is asked of
        // these few only. Same answers as the type asked first: SharedValue's Value is no indexer, SharedArray's indexer is.
        bool isValue;
        if (property.IsIndexer)
        {
            if (!_types.IsSharedArray(property.ContainingType)) return;
            isValue = false;
        }
        else
        {
            if (name != "Value" || !_types.IsSharedValue(property.ContainingType)) return;
            isValue = true;
        }
        if (reference.Instance is null || SymbolKey.From(reference.Instance) is not { } owner) return;

        IOperation write;
        IOperation? firstRead = null;
        switch (reference.Parent)
        {
            case ICompoundAssignmentOperation compound when compound.Target == reference:
                write = compound;
                break;
            case IIncrementOrDecrementOperation step when step.Target == reference:
                write = step;
                break;
            case ISimpleAssignmentOperation assignment when assignment.Target == reference:
                write = assignment;
                firstRead = FirstReadOf(assignment.Value, reference, owner, depth: 0);
                if (firstRead is null) return;
                break;
            default:
                return;
        }
        if (IsHeld(write, _types)) return;
        if (context.ContainingSymbol is not IMethodSymbol method) return;

        var ownerText = reference.Instance.Syntax.ToString();
        var properties = ImmutableDictionary.CreateBuilder<string, string?>();
        properties[OwnerProperty] = ownerText;
        string suggestion;
        if (isValue && AddDelta(write, property.ContainingType) is { } delta)
        {
            properties[FixProperty] = FixAdd;
            properties[DeltaProperty] = delta;
            suggestion = $"'{ownerText}.Add({delta})'";
        }
        else
        {
            suggestion = $"'using ({ownerText}.Lock.Hold())'";
            if (HoldRange(write, firstRead) is { } range)
            {
                properties[FixProperty] = FixHold;
                properties[HoldStartProperty] = range.Start.ToString(CultureInfo.InvariantCulture);
                properties[HoldEndProperty] = range.End.ToString(CultureInfo.InvariantCulture);
            }
        }
        var target = isValue ? ownerText + ".Value" : reference.Syntax.ToString();
        _candidates.Add((method, Diagnostic.Create(Descriptors.MP0016_UnlockedSharedReadModifyWrite, write.Syntax.GetLocation(),
            properties.ToImmutable(), target, suggestion)));
    }

    [MethodImpl(Jit.Optimize)] // compilation end: too few calls to leave tier-0 code
    public void CompilationEnded(CompilationAnalysisContext end, CallGraph graph)
    {
        if (_candidates.IsEmpty) return;
        var reachable = graph.ReachableFrom(_targets);
        foreach (var (method, diagnostic) in _candidates)
        {
            var tree = diagnostic.Location.SourceTree;
            var all = tree is not null
                && end.Options.AnalyzerConfigOptionsProvider.GetOptions(tree).TryGetValue(ScopeOption, out var scope)
                && string.Equals(scope?.Trim(), "all", StringComparison.OrdinalIgnoreCase);
            if (all || reachable.Contains(method.OriginalDefinition)) end.ReportDiagnostic(diagnostic);
        }
    }

    /// <summary>
    /// The first read of the same value or element in <paramref name="value"/>, directly or through a local assigned from
    /// one earlier in the function (<c>var x = v.Value; … v.Value = x + 1;</c>); null when there is none.
    /// </summary>
    private static IOperation? FirstReadOf(IOperation value, IPropertyReferenceOperation written, SymbolKey owner, int depth)
    {
        IOperation? first = null;
        foreach (var d in value.DescendantsAndSelf())
        {
            IOperation? read = null;
            if (d is IPropertyReferenceOperation r && r != written && SameTarget(r, written, owner)) read = d;
            else if (d is ILocalReferenceOperation local && depth < 3) read = ReadIntoLocal(local, written, owner, depth);
            if (read is not null && (first is null || read.Syntax.SpanStart < first.Syntax.SpanStart)) first = read;
        }
        return first;
    }

    /// <summary>A read of the value or element that <paramref name="local"/> was given (initializer or assignment) before the write.</summary>
    private static IOperation? ReadIntoLocal(ILocalReferenceOperation local, IPropertyReferenceOperation written, SymbolKey owner, int depth)
    {
        var root = (IOperation)local;
        while (root.Parent is not null && root.Parent is not (IAnonymousFunctionOperation or ILocalFunctionOperation)) root = root.Parent;
        IOperation? first = null;
        foreach (var d in root.Descendants())
        {
            if (d.Syntax.SpanStart >= written.Syntax.SpanStart) continue;
            IOperation? source = d switch
            {
                IVariableDeclaratorOperation declarator when SymbolEqualityComparer.Default.Equals(declarator.Symbol, local.Local) =>
                    declarator.Initializer?.Value,
                ISimpleAssignmentOperation { Target: ILocalReferenceOperation target } assignment
                    when SymbolEqualityComparer.Default.Equals(target.Local, local.Local) => assignment.Value,
                _ => null,
            };
            if (source is null) continue;
            var read = FirstReadOf(source, written, owner, depth + 1);
            if (read is not null && (first is null || read.Syntax.SpanStart < first.Syntax.SpanStart)) first = read;
        }
        return first;
    }

    private static bool SameTarget(IPropertyReferenceOperation read, IPropertyReferenceOperation written, SymbolKey owner)
    {
        if (!SymbolEqualityComparer.Default.Equals(read.Property.OriginalDefinition, written.Property.OriginalDefinition)) return false;
        if (SymbolKey.From(read.Instance) is not { } key || !key.Equals(owner)) return false;
        if (read.Arguments.Length != written.Arguments.Length) return false;
        for (var i = 0; i < read.Arguments.Length; i++)
            if (!SyntaxFactory.AreEquivalent(read.Arguments[i].Value.Syntax, written.Arguments[i].Value.Syntax)) return false;
        return true;
    }

    /// <summary>Whether a Multiproc lock is held around <paramref name="write"/> (see the class remarks).</summary>
    private static bool IsHeld(IOperation write, MultiprocTypes types)
    {
        var child = write;
        for (var parent = write.Parent; parent is not null; child = parent, parent = parent.Parent)
        {
            switch (parent)
            {
                case IAnonymousFunctionOperation or ILocalFunctionOperation:
                    return false;
                case IUsingOperation @using when @using.Body == child && HoldsLock(@using.Resources):
                    return true;
                case IConditionalOperation conditional when conditional.WhenTrue == child && CallsLock(conditional.Condition, "TryAcquire") is not null:
                    return true;
                case IBlockOperation block:
                {
                    var index = block.Operations.IndexOf(child);
                    var released = new HashSet<SymbolKey>();
                    for (var i = index - 1; i >= 0; i--)
                    {
                        var statement = block.Operations[i];
                        if (statement is IUsingDeclarationOperation declaration && HoldsLock(declaration.DeclarationGroup)) return true;
                        if (CallsLock(statement, "Release") is { } release && SymbolKey.From(release.Instance) is { } r) released.Add(r);
                        if ((CallsLock(statement, "Acquire") ?? CallsLock(statement, "AcquireAsync")) is { } acquire
                            && SymbolKey.From(acquire.Instance) is { } a && !released.Contains(a)) return true;
                    }
                    break;
                }
            }
        }
        return false;
    }

    private static bool HoldsLock(IOperation resources) => CallsLock(resources, "Hold") is not null;

    /// <summary>A call named <paramref name="name"/> of a Multiproc (or Multiproc.Redis) type in <paramref name="operation"/>.</summary>
    private static IInvocationOperation? CallsLock(IOperation operation, string name)
    {
        foreach (var d in operation.DescendantsAndSelf())
            if (d is IInvocationOperation invocation && invocation.TargetMethod.Name == name && invocation.Instance is not null
                && invocation.TargetMethod.ContainingNamespace?.ToDisplayString() is "Multiproc" or "Multiproc.Redis")
                return invocation;
        return null;
    }

    /// <summary>The argument of <c>Add</c> when the write is a statement <c>v.Value += n</c>, <c>-= n</c>, <c>++</c> or <c>--</c> of an int, long or double.</summary>
    private static string? AddDelta(IOperation write, INamedTypeSymbol sharedValue)
    {
        if (write.Parent is not IExpressionStatementOperation) return null;
        var t = sharedValue.TypeArguments[0];
        if (t.SpecialType is not (SpecialType.System_Int32 or SpecialType.System_Int64 or SpecialType.System_Double)) return null;
        switch (write)
        {
            case IIncrementOrDecrementOperation step:
                return step.Kind == OperationKind.Increment ? "1" : "-1";
            case ICompoundAssignmentOperation compound when compound.OperatorKind is BinaryOperatorKind.Add or BinaryOperatorKind.Subtract:
            {
                var value = compound.Value;
                if (!Fits(value, t)) return null;
                var text = value.Syntax.ToString();
                if (compound.OperatorKind == BinaryOperatorKind.Add) return text;
                return value.Syntax is IdentifierNameSyntax or LiteralExpressionSyntax or MemberAccessExpressionSyntax
                    ? "-" + text : "-(" + text + ")";
            }
            default:
                return null;
        }
    }

    /// <summary>Whether <paramref name="value"/> converts implicitly to <paramref name="t"/> as an argument of Add.</summary>
    private static bool Fits(IOperation value, ITypeSymbol t)
    {
        var v = value.Type?.SpecialType ?? SpecialType.None;
        if (value.ConstantValue.HasValue && v is SpecialType.System_Int32) return true;
        return (t.SpecialType, v) switch
        {
            (SpecialType.System_Int32, SpecialType.System_Int32 or SpecialType.System_Int16 or SpecialType.System_Byte
                or SpecialType.System_SByte or SpecialType.System_UInt16) => true,
            (SpecialType.System_Int64, SpecialType.System_Int64 or SpecialType.System_Int32 or SpecialType.System_Int16
                or SpecialType.System_Byte or SpecialType.System_SByte or SpecialType.System_UInt16 or SpecialType.System_UInt32) => true,
            (SpecialType.System_Double, SpecialType.System_Double or SpecialType.System_Single or SpecialType.System_Int32
                or SpecialType.System_Int64 or SpecialType.System_Int16 or SpecialType.System_Byte) => true,
            _ => false,
        };
    }

    /// <summary>
    /// The statements to hold the lock around: the write's statement, or (read into a local) from the read's statement to
    /// the write's, when both are statements of one block and no local declared among them is used after them.
    /// </summary>
    private static TextSpan? HoldRange(IOperation write, IOperation? firstRead)
    {
        if (write.Syntax.FirstAncestorOrSelf<StatementSyntax>() is not ExpressionStatementSyntax last) return null;
        StatementSyntax first = last;
        if (firstRead is not null && !last.Span.Contains(firstRead.Syntax.Span))
        {
            if (firstRead.Syntax.FirstAncestorOrSelf<StatementSyntax>() is not { } readStatement) return null;
            // The read's statement, or the one of the write's block that holds it.
            while (readStatement.Parent is StatementSyntax and not BlockSyntax && readStatement.Parent != last.Parent)
                readStatement = (StatementSyntax)readStatement.Parent;
            if (last.Parent is not BlockSyntax block || readStatement.Parent != block) return null;
            first = readStatement;
            var from = block.Statements.IndexOf(first);
            var to = block.Statements.IndexOf(last);
            var declared = new HashSet<string>();
            for (var i = from; i <= to; i++)
                if (block.Statements[i] is LocalDeclarationStatementSyntax declaration)
                    foreach (var v in declaration.Declaration.Variables) declared.Add(v.Identifier.ValueText);
            for (var i = to + 1; i < block.Statements.Count && declared.Count > 0; i++)
                foreach (var id in block.Statements[i].DescendantNodes().OfType<IdentifierNameSyntax>())
                    if (declared.Contains(id.Identifier.ValueText)) return null;
        }
        else if (last.Parent is not (BlockSyntax or IfStatementSyntax or ElseClauseSyntax or WhileStatementSyntax or ForStatementSyntax
            or ForEachStatementSyntax or DoStatementSyntax or UsingStatementSyntax or SwitchSectionSyntax))
        {
            return null;
        }
        return TextSpan.FromBounds(first.SpanStart, last.Span.End);
    }
}
