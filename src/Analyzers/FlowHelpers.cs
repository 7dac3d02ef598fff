using System;
using System.Collections.Generic;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace Multiproc.Analyzers;

/// <summary>
/// Identity of the object a rule tracks (a lock, a process): a local, a parameter, <c>this</c>,
/// or a field/property whose instance is <c>this</c>, static, a local or a parameter.
/// Deeper member chains and computed values are not tracked (<see cref="From"/> returns null).
/// </summary>
internal readonly struct SymbolKey : IEquatable<SymbolKey>
{
    public ISymbol Symbol { get; }
    public ISymbol? Instance { get; }
    public bool IsThis { get; }

    private SymbolKey(ISymbol symbol, ISymbol? instance, bool isThis)
    {
        Symbol = symbol;
        Instance = instance;
        IsThis = isThis;
    }

    /// <summary>True for a key that outlives the method: a field, a property or <c>this</c>.</summary>
    public bool IsMember => IsThis || Symbol is IFieldSymbol || Symbol is IPropertySymbol;

    public static SymbolKey? From(IOperation? operation)
    {
        operation = StripConversions(operation);
        switch (operation)
        {
            case ILocalReferenceOperation l: return new SymbolKey(l.Local, null, false);
            case IParameterReferenceOperation p: return new SymbolKey(p.Parameter, null, false);
            case IInstanceReferenceOperation { ReferenceKind: InstanceReferenceKind.ContainingTypeInstance } i when i.Type is not null:
                return new SymbolKey(i.Type, null, true);
            case IFieldReferenceOperation f:
                return Member(f.Field, f.Instance);
            case IPropertyReferenceOperation pr when pr.Arguments.Length == 0:
                return Member(pr.Property, pr.Instance);
            default: return null;
        }
    }

    private static SymbolKey? Member(ISymbol member, IOperation? instance)
    {
        instance = StripConversions(instance);
        return instance switch
        {
            null => new SymbolKey(member, null, false),
            IInstanceReferenceOperation { ReferenceKind: InstanceReferenceKind.ContainingTypeInstance } => new SymbolKey(member, null, false),
            ILocalReferenceOperation l => new SymbolKey(member, l.Local, false),
            IParameterReferenceOperation p => new SymbolKey(member, p.Parameter, false),
            _ => null,
        };
    }

    /// <summary>Whether <paramref name="operation"/> is a write of the variable this key names (a local or parameter being reassigned, a field being assigned).</summary>
    public bool IsAssignedBy(IOperation operation) =>
        operation is IAssignmentOperation assignment && From(assignment.Target) is { } target && target.Equals(this);

    public static IOperation? StripConversions(IOperation? operation)
    {
        while (true)
        {
            switch (operation)
            {
                case IConversionOperation c: operation = c.Operand; break;
                case IParenthesizedOperation p: operation = p.Operand; break;
                default: return operation;
            }
        }
    }

    public bool Equals(SymbolKey other) =>
        IsThis == other.IsThis
        && SymbolEqualityComparer.Default.Equals(Symbol, other.Symbol)
        && SymbolEqualityComparer.Default.Equals(Instance, other.Instance);

    public override bool Equals(object? obj) => obj is SymbolKey k && Equals(k);

    public override int GetHashCode() =>
        (SymbolEqualityComparer.Default.GetHashCode(Symbol) * 31) ^ (Instance is null ? 0 : SymbolEqualityComparer.Default.GetHashCode(Instance));
}

/// <summary>Finding an operation of the original tree in a control flow graph.</summary>
internal static class FlowHelpers
{
    /// <summary>
    /// The graph of the innermost function (method, lambda or local function) that contains
    /// <paramref name="operation"/>, starting from the graph of the whole operation block.
    /// </summary>
    public static ControlFlowGraph? GraphFor(IOperation operation, ControlFlowGraph root)
    {
        var chain = new List<IOperation>();
        for (var p = operation.Parent; p is not null; p = p.Parent)
            if (p is IAnonymousFunctionOperation or ILocalFunctionOperation) chain.Add(p);
        var cfg = root;
        for (var i = chain.Count - 1; i >= 0; i--)
        {
            if (chain[i] is ILocalFunctionOperation lf)
            {
                cfg = cfg.GetLocalFunctionControlFlowGraph(lf.Symbol);
            }
            else
            {
                var lambda = (IAnonymousFunctionOperation)chain[i];
                var flow = FindFlowLambda(cfg, lambda.Symbol);
                if (flow is null) return null;
                cfg = cfg.GetAnonymousFunctionControlFlowGraph(flow);
            }
        }
        return cfg;
    }

    private static IFlowAnonymousFunctionOperation? FindFlowLambda(ControlFlowGraph cfg, IMethodSymbol symbol)
    {
        foreach (var block in cfg.Blocks)
        {
            foreach (var op in block.Operations)
                foreach (var d in op.DescendantsAndSelf())
                    if (d is IFlowAnonymousFunctionOperation f && SymbolEqualityComparer.Default.Equals(f.Symbol, symbol)) return f;
            if (block.BranchValue is { } bv)
                foreach (var d in bv.DescendantsAndSelf())
                    if (d is IFlowAnonymousFunctionOperation f && SymbolEqualityComparer.Default.Equals(f.Symbol, symbol)) return f;
        }
        return null;
    }

    /// <summary>
    /// The block and the index of its top-level operation that holds an operation with syntax
    /// <paramref name="syntax"/> of type <typeparamref name="T"/>; index -1 means the block's branch value.
    /// </summary>
    public static (BasicBlock Block, int Index, T Operation)? Find<T>(ControlFlowGraph cfg, SyntaxNode syntax)
        where T : class, IOperation
    {
        var span = syntax.Span;
        foreach (var block in cfg.Blocks)
        {
            for (var i = 0; i < block.Operations.Length; i++)
            {
                var op = block.Operations[i];
                if (!op.Syntax.Span.Contains(span)) continue;
                if (FindIn<T>(op, syntax) is { } found) return (block, i, found);
            }
            if (block.BranchValue is { } bv && bv.Syntax.Span.Contains(span) && FindIn<T>(bv, syntax) is { } inBranch)
                return (block, -1, inBranch);
        }
        return null;
    }

    private static T? FindIn<T>(IOperation root, SyntaxNode syntax) where T : class, IOperation
    {
        foreach (var d in root.DescendantsAndSelf())
            if (d is T t && d.Syntax == syntax) return t;
        return null;
    }

    /// <summary>The root of the operation tree <paramref name="operation"/> belongs to.</summary>
    public static IOperation Root(IOperation operation)
    {
        while (operation.Parent is not null) operation = operation.Parent;
        return operation;
    }
}
