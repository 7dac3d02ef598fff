using System.Threading;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Text;

namespace Multiproc.Analyzers;

/// <summary>
/// MP0002 per syntax tree: the tree's text is searched once for the words a lock call must spell, and only the calls and
/// creations found there are bound and analyzed (one callback per tree instead of one per invocation and object creation).
/// </summary>
/// <remarks>
/// <para>What the search must not miss, and how it does not: an invoked method's name is always written at the call (no
/// alias names a method; <c>using static</c> drops the type, not the name), as an identifier that may be verbatim
/// (<c>@Enter</c>: the word is still there) or hold Unicode escapes (<c>\u0045nter</c>: every <c>\u</c>/<c>\U</c> of the
/// text that lies in an identifier is looked at by its value). Every name <see cref="LockApi.IsCandidateName"/> accepts
/// contains one of <see cref="GateWords"/> (a test checks it). <c>new Mutex(true, …)</c> is written with the type's name,
/// an alias of it (this tree's, found by the same search, or a global one of the compilation) or target-typed:
/// <c>new(…)</c> with arguments (the <c>new</c> followed by <c>(</c>, or by a comment or directive, is looked at).</para>
/// <para>Reports that depend on the rest of the type (a member lock acquired and released nowhere in the method: an
/// <c>Enter()</c>/<c>Exit()</c> wrapper releases it in another member) are decided here too: by the releases of this tree,
/// and, for a partial type declared in other trees as well, by a search of those declarations.</para>
/// </remarks>
internal static partial class LockNotReleased
{
    /// <summary>Every name of <see cref="LockApi.CandidateNames"/> contains one of these (<c>grade</c>: Upgrade…, Downgrade…).</summary>
    internal static readonly string[] GateWords = { "Enter", "Exit", "Acquire", "Release", "Wait", "grade" };

    /// <summary>The names of the compilation's global using aliases of <c>System.Threading.Mutex</c> (by the alias target's last name).</summary>
    internal static ImmutableArray<string> GlobalMutexAliases(Compilation compilation, CancellationToken cancellationToken)
    {
        var builder = ImmutableArray.CreateBuilder<string>();
        foreach (var tree in compilation.SyntaxTrees)
        {
            if (tree.GetRoot(cancellationToken) is not CompilationUnitSyntax unit) continue;
            foreach (var u in unit.Usings)
            {
                if (u.GlobalKeyword.IsKind(SyntaxKind.None)) break; // global usings come first
                if (u.Alias is not null && IsMutexName(u.Name)) builder.Add(u.Alias.Name.Identifier.ValueText);
            }
        }
        return builder.ToImmutable();
    }

    /// <summary>Whether an alias target's last name is <c>Mutex</c> (by value: escapes count).</summary>
    private static bool IsMutexName(NameSyntax? name) => name switch
    {
        QualifiedNameSyntax q => q.Right.Identifier.ValueText == "Mutex",
        AliasQualifiedNameSyntax a => a.Name.Identifier.ValueText == "Mutex",
        SimpleNameSyntax s => s.Identifier.ValueText == "Mutex",
        _ => false,
    };

    /// <summary>MP0002 on one syntax tree (a semantic model action).</summary>
    internal static void AnalyzeTree(SemanticModelAnalysisContext context, LockApi api, ImmutableArray<string> globalMutexAliases, bool structured)
    {
        var model = context.SemanticModel;
        var cancellationToken = context.CancellationToken;
        var found = LockOperations(model, api, globalMutexAliases, default, cancellationToken);
        if (found is null) return;

        List<IOperation>? memberReleases = null;
        List<(IOperation Acquire, Diagnostic Diagnostic, ISymbol Member)>? pending = null;
        var graphs = new GraphCache(cancellationToken);
        foreach (var operation in found)
        {
            LockCall? call;
            if (operation is IInvocationOperation invocation)
            {
                call = api.Classify(invocation);
                if (call?.Key is not { } releaseKey) continue;
                if (!call.IsAcquire)
                {
                    if (releaseKey.IsMember) (memberReleases ??= new List<IOperation>()).Add(operation);
                    continue;
                }
            }
            else
            {
                call = api.ClassifyCreation((IObjectCreationOperation)operation);
                if (call?.Key is null) continue;
            }
            var key = call.Key!.Value;
            if (AnalyzeAcquire(operation, call, key, api, structured, graphs) is not { } result) continue;
            if (IsInGeneratedCodeMember(model, operation, cancellationToken)) continue;
            if (result.Pending) (pending ??= new()).Add((operation, result.Diagnostic, key.Symbol));
            else context.ReportDiagnostic(result.Diagnostic);
        }
        if (pending is null) return;

        // A member lock acquired and released nowhere in the method: reported unless a member of the same type releases it.
        foreach (var (acquire, diagnostic, member) in pending)
        {
            var type = ContainingType(model, acquire, cancellationToken);
            if (type is null || !ReleasedInType(model, type, member, memberReleases, api, globalMutexAliases, cancellationToken))
                context.ReportDiagnostic(diagnostic);
        }
    }

    /// <summary>The type whose member holds <paramref name="operation"/> (lambdas and local functions belong to their member).</summary>
    private static INamedTypeSymbol? ContainingType(SemanticModel model, IOperation operation, CancellationToken cancellationToken)
    {
        var symbol = ContainingMember(model, operation, cancellationToken);
        return symbol as INamedTypeSymbol ?? symbol?.ContainingType;
    }

    private static ISymbol? ContainingMember(SemanticModel model, IOperation operation, CancellationToken cancellationToken)
    {
        var symbol = model.GetEnclosingSymbol(operation.Syntax.SpanStart, cancellationToken);
        while (symbol is IMethodSymbol { MethodKind: MethodKind.AnonymousFunction or MethodKind.LocalFunction }) symbol = symbol.ContainingSymbol;
        return symbol;
    }

    /// <summary>
    /// The driver runs no operation action in a member marked <c>[GeneratedCode]</c> (or in a type so marked) for an analyzer
    /// that does not analyze generated code; a semantic model action sees the whole tree, so such members are left out here.
    /// </summary>
    private static bool IsInGeneratedCodeMember(SemanticModel model, IOperation operation, CancellationToken cancellationToken)
    {
        for (var s = ContainingMember(model, operation, cancellationToken); s is not null and not INamespaceSymbol; s = s.ContainingSymbol)
        {
            foreach (var attribute in s.GetAttributes())
                if (attribute.AttributeClass is { Name: "GeneratedCodeAttribute", ContainingNamespace: { Name: "Compiler", ContainingNamespace: { Name: "CodeDom", ContainingNamespace: { Name: "System", ContainingNamespace.IsGlobalNamespace: true } } } })
                    return true;
        }
        return false;
    }

    /// <summary>Whether a member of <paramref name="type"/> (not of a nested type) releases <paramref name="member"/>.</summary>
    private static bool ReleasedInType(SemanticModel model, INamedTypeSymbol type, ISymbol member, List<IOperation>? releasesHere,
        LockApi api, ImmutableArray<string> globalMutexAliases, CancellationToken cancellationToken)
    {
        if (releasesHere is not null && AnyReleaseOf(model, releasesHere, type, member, api, cancellationToken)) return true;
        foreach (var reference in type.DeclaringSyntaxReferences)
        {
            if (reference.SyntaxTree == model.SyntaxTree) continue;
            // A partial type declared in another tree too: that declaration's releases count (rare, so a model of its own).
#pragma warning disable RS1030 // The other tree of a partial type, only for a report that depends on it: no context offers its model.
            var other = model.Compilation.GetSemanticModel(reference.SyntaxTree);
#pragma warning restore RS1030
            var there = LockOperations(other, api, globalMutexAliases, reference.Span, cancellationToken);
            if (there is not null && AnyReleaseOf(other, there, type, member, api, cancellationToken)) return true;
        }
        return false;
    }

    private static bool AnyReleaseOf(SemanticModel model, List<IOperation> operations, INamedTypeSymbol type, ISymbol member, LockApi api, CancellationToken cancellationToken)
    {
        foreach (var operation in operations)
        {
            if (operation is not IInvocationOperation invocation || api.Classify(invocation) is not { IsAcquire: false, Key: { IsMember: true } key }) continue;
            if (!SymbolEqualityComparer.Default.Equals(key.Symbol, member)) continue;
            if (!SymbolEqualityComparer.Default.Equals(ContainingType(model, operation, cancellationToken), type)) continue;
            if (IsInGeneratedCodeMember(model, operation, cancellationToken)) continue;
            return true;
        }
        return false;
    }

    /// <summary>
    /// The invocations of a method named like a lock call (<see cref="LockApi.IsCandidateName"/>) and, where Mutex exists, the
    /// object creations with arguments written as a Mutex (its name, an alias, or target-typed), in text order, within
    /// <paramref name="within"/> (the whole tree when empty); null when there are none.
    /// </summary>
    internal static List<IOperation>? LockOperations(SemanticModel model, LockApi api, ImmutableArray<string> globalMutexAliases, TextSpan within, CancellationToken cancellationToken)
    {
        var tree = model.SyntaxTree;
        var text = tree.GetText(cancellationToken).ToString();
        int from = within.Start, to = within.IsEmpty ? text.Length : within.End;
        var hits = new List<int>();
        foreach (var word in GateWords)
        {
            for (var i = text.IndexOf(word, from, to - from, System.StringComparison.Ordinal); i >= 0; i = Next(text, word, i, to))
            {
                var start = i;
                while (start > from && IsAsciiIdentifierChar(text[start - 1])) start--;
                var end = i + word.Length;
                while (end < to && IsAsciiIdentifierChar(text[end])) end++;
                if (IsCandidateAt(text, start, end - start)) hits.Add(start);
            }
        }
        // Unicode escapes: looked at by the value of the identifier they are in.
        AddAll(hits, text, "\\u", from, to);
        AddAll(hits, text, "\\U", from, to);
        var mutex = api.HasMutex;
        if (mutex)
        {
            AddWord(hits, text, "Mutex", from, to);
            foreach (var alias in globalMutexAliases) AddWord(hits, text, alias, from, to);
            // Target-typed new(…): "new" followed by "(" (or by a comment or a directive, looked at by its token).
            for (var i = text.IndexOf("new", from, to - from, System.StringComparison.Ordinal); i >= 0; i = Next(text, "new", i, to))
            {
                if (i > 0 && (IsAsciiIdentifierChar(text[i - 1]) || text[i - 1] is '@' or '\\' || text[i - 1] > 127)) continue;
                var j = i + 3;
                while (j < to && text[j] is ' ' or '\t' or '\r' or '\n') j++;
                if (j < to && text[j] is '(' or '/' or '#') hits.Add(i);
            }
        }
        if (hits.Count == 0) return null;
        hits.Sort();

        var root = tree.GetRoot(cancellationToken);
        List<IOperation>? found = null;
        HashSet<string>? localAliases = null;
        var last = -1;
        foreach (var position in hits)
        {
            if (position == last) continue;
            last = position;
            Look(position);
        }
        if (localAliases is not null)
        {
            // using M = System.Threading.Mutex; in this tree: its creations, looked for once the aliases are known.
            var more = new List<int>();
            foreach (var alias in localAliases) AddWord(more, text, alias, from, to);
            more.Sort();
            last = -1;
            foreach (var position in more)
            {
                if (position == last || hits.BinarySearch(position) >= 0) continue;
                last = position;
                Look(position);
            }
            found?.Sort((a, b) => a.Syntax.SpanStart.CompareTo(b.Syntax.SpanStart));
        }
        return found;

        void Look(int position)
        {
            var token = root.FindToken(position);
            if (!token.Span.Contains(position)) return; // in a comment, a string's trivia, a disabled region
            SyntaxNode? node = null;
            if (token.IsKind(SyntaxKind.IdentifierToken))
            {
                var name = token.ValueText;
                if (LockApi.IsCandidateName(name))
                {
                    node = InvocationNamed(token);
                }
                else if (mutex && (name == "Mutex" || globalMutexAliases.Contains(name) || localAliases?.Contains(name) == true))
                {
                    if (token.Parent?.Parent is UsingDirectiveSyntax or QualifiedNameSyntax or AliasQualifiedNameSyntax
                        && token.Parent.FirstAncestorOrSelf<UsingDirectiveSyntax>() is { Alias: { } alias } directive && IsMutexName(directive.Name))
                    {
                        var aliasName = alias.Name.Identifier.ValueText;
                        if (!globalMutexAliases.Contains(aliasName)) (localAliases ??= new HashSet<string>()).Add(aliasName);
                        return;
                    }
                    node = CreationOfType(token);
                }
            }
            else if (token.IsKind(SyntaxKind.NewKeyword) && mutex
                && token.Parent is ImplicitObjectCreationExpressionSyntax { ArgumentList.Arguments.Count: > 0 } implicitCreation)
            {
                node = implicitCreation;
            }
            if (node is null) return;
            var operation = model.GetOperation(node, cancellationToken);
            if (operation is IInvocationOperation or IObjectCreationOperation) (found ??= new List<IOperation>()).Add(operation);
        }
    }

    private static int Next(string text, string word, int i, int to)
    {
        var start = i + word.Length;
        return start >= to ? -1 : text.IndexOf(word, start, to - start, System.StringComparison.Ordinal);
    }

    private static void AddAll(List<int> hits, string text, string word, int from, int to)
    {
        for (var i = text.IndexOf(word, from, to - from, System.StringComparison.Ordinal); i >= 0; i = Next(text, word, i, to)) hits.Add(i);
    }

    /// <summary>Adds the places where <paramref name="word"/> is a whole identifier (as far as ASCII shows).</summary>
    private static void AddWord(List<int> hits, string text, string word, int from, int to)
    {
        for (var i = text.IndexOf(word, from, to - from, System.StringComparison.Ordinal); i >= 0; i = Next(text, word, i, to))
        {
            var end = i + word.Length;
            if (i > 0 && IsAsciiIdentifierChar(text[i - 1]) || end < text.Length && IsAsciiIdentifierChar(text[end])) continue;
            hits.Add(i);
        }
    }

    private static bool IsAsciiIdentifierChar(char c) => c is >= 'a' and <= 'z' or >= 'A' and <= 'Z' or >= '0' and <= '9' or '_';

    /// <summary>Whether <c>text[start..start+length]</c> is one of <see cref="LockApi.CandidateNames"/>.</summary>
    private static bool IsCandidateAt(string text, int start, int length)
    {
        foreach (var name in LockApi.CandidateNames)
            if (name.Length == length && string.CompareOrdinal(text, start, name, 0, length) == 0) return true;
        return false;
    }

    /// <summary>The invocation whose invoked method is named by <paramref name="token"/> (<c>x.Enter(…)</c>, <c>x?.Enter(…)</c>, <c>Enter(…)</c>).</summary>
    private static InvocationExpressionSyntax? InvocationNamed(SyntaxToken token)
    {
        if (token.Parent is not SimpleNameSyntax name) return null;
        SyntaxNode expression = name;
        if (name.Parent is MemberAccessExpressionSyntax access && access.Name == name) expression = access;
        else if (name.Parent is MemberBindingExpressionSyntax binding && binding.Name == name) expression = binding;
        while (expression.Parent is ParenthesizedExpressionSyntax parenthesized) expression = parenthesized;
        return expression.Parent is InvocationExpressionSyntax invocation && invocation.Expression == expression ? invocation : null;
    }

    /// <summary>The object creation whose type's last name is <paramref name="token"/>, with arguments.</summary>
    private static ObjectCreationExpressionSyntax? CreationOfType(SyntaxToken token)
    {
        if (token.Parent is not SimpleNameSyntax name) return null;
        SyntaxNode type = name;
        while (type.Parent is QualifiedNameSyntax q && q.Right == type || type.Parent is AliasQualifiedNameSyntax a && a.Name == type) type = type.Parent;
        return type.Parent is ObjectCreationExpressionSyntax { ArgumentList.Arguments.Count: > 0 } creation && creation.Type == type ? creation : null;
    }

    /// <summary>The control flow graph of one operation block root, built once per tree's pass.</summary>
    private sealed class GraphCache
    {
        private readonly CancellationToken _cancellationToken;
        private IOperation? _root;
        private ControlFlowGraph? _graph;

        public GraphCache(CancellationToken cancellationToken) => _cancellationToken = cancellationToken;

        public ControlFlowGraph? For(IOperation root)
        {
            if (root == _root) return _graph;
            _root = root;
            _graph = root switch
            {
                IMethodBodyOperation m => ControlFlowGraph.Create(m, _cancellationToken),
                IConstructorBodyOperation c => ControlFlowGraph.Create(c, _cancellationToken),
                IBlockOperation b => ControlFlowGraph.Create(b, _cancellationToken),
                IFieldInitializerOperation f => ControlFlowGraph.Create(f, _cancellationToken),
                IPropertyInitializerOperation p => ControlFlowGraph.Create(p, _cancellationToken),
                IParameterInitializerOperation p => ControlFlowGraph.Create(p, _cancellationToken),
                _ => null,
            };
            return _graph;
        }
    }
}
