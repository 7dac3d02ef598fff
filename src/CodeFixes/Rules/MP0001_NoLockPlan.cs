using System;
using Microsoft.CodeAnalysis.Editing;
using Microsoft.CodeAnalysis.FindSymbols;
using Microsoft.CodeAnalysis.Simplification;
using static Microsoft.CodeAnalysis.CSharp.SyntaxFactory;

namespace Multiproc.CodeFixes;

/// <summary>
/// The solution-wide edits of MP0001's fix when no ProcessLock is in scope at the read (see
/// <see cref="UnlockedFileReadModifyWriteNoLockFixer"/>), for one diagnostic or for all of a Fix All at once.
/// </summary>
/// <remarks>
/// From each method holding a read-modify-write, the callers are walked back through the solution
/// (<see cref="SymbolFinder.FindReferencesAsync(ISymbol, Solution, CancellationToken)"/>) until a call is found
/// that has a ProcessLock in scope, or that is the target of a <c>new ChildProcess(() =&gt; M(…))</c>. The methods
/// on the way from those calls down to the read (the ones that run in children) get a <c>ProcessLock</c>
/// parameter, once each however many diagnostics they hold; every call of such a method passes its caller's
/// parameter on, and a call from outside them passes the lock in scope there or, when there is none, a lock
/// declared by <c>using var fileLock = new ProcessLock();</c> before the outermost statement of the calling member
/// that holds the call (so that every child started in a loop shares one lock). No fix when a method on the way
/// cannot take one more parameter (not in source, virtual, override, abstract, an interface member, <c>params</c>),
/// when it is used other than by being called, or when no child reaches the read.
/// </remarks>
internal static class NoLockPlan
{
    private const string LockName = "fileLock";
    private const int MaxMethods = 256;

    /// <summary>The solution with <paramref name="diagnostics"/> fixed, or null when none of them can be.</summary>
    public static async Task<Solution?> ApplyAsync(Solution solution, IEnumerable<(DocumentId Document, Diagnostic Diagnostic)> diagnostics, CancellationToken ct)
    {
        var wraps = new List<WrapSite>();
        INamedTypeSymbol? lockType = null;
        foreach (var (documentId, diagnostic) in diagnostics)
        {
            if (solution.GetDocument(documentId) is not { } document) continue;
            var root = await document.GetSyntaxRootAsync(ct).ConfigureAwait(false);
            var model = await document.GetSemanticModelAsync(ct).ConfigureAwait(false);
            if (root is null || model is null || UnlockedFileReadModifyWriteFixer.Range(root, diagnostic) is not var (block, first, last)) continue;
            if (block.FirstAncestorOrSelf<MethodDeclarationSyntax>() is not { } declaration
                || model.GetDeclaredSymbol(declaration, ct) is not { } method) continue;
            // A static local function or lambda cannot see the method's new parameter.
            if (block.Ancestors().Any(a => a is LocalFunctionStatementSyntax f && f.Modifiers.Any(SyntaxKind.StaticKeyword)
                || a is AnonymousFunctionExpressionSyntax l && l.Modifiers.Any(SyntaxKind.StaticKeyword))) continue;
            lockType ??= model.Compilation.GetTypeByMetadataName("Multiproc.ProcessLock");
            last = UnlockedFileReadModifyWriteFixer.ExtendRange(model, block, first, last, ct);
            wraps.Add(new WrapSite(documentId, block, first, last, method.OriginalDefinition));
        }
        if (wraps.Count == 0 || lockType is null) return null;

        // The callers, walked back from the methods holding the reads.
        var methods = new Dictionary<IMethodSymbol, MethodNode>(SymbolEqualityComparer.Default);
        var queue = new Queue<IMethodSymbol>();
        foreach (var wrap in wraps)
            if (!methods.ContainsKey(wrap.Method)) { methods[wrap.Method] = new MethodNode(wrap.Method); queue.Enqueue(wrap.Method); }
        while (queue.Count > 0)
        {
            if (methods.Count > MaxMethods) return null;
            var node = methods[queue.Dequeue()];
            if (!await ExploreAsync(solution, node, lockType, ct).ConfigureAwait(false)) node.Usable = false;
            foreach (var site in node.Sites)
            {
                if (site.Caller is { } caller && !methods.ContainsKey(caller))
                {
                    methods[caller] = new MethodNode(caller);
                    queue.Enqueue(caller);
                }
            }
        }

        // The methods that run in children: forward from the methods called with a lock in hand or as a target.
        var callees = new Dictionary<IMethodSymbol, List<IMethodSymbol>>(SymbolEqualityComparer.Default);
        var inChild = new HashSet<IMethodSymbol>(SymbolEqualityComparer.Default);
        var forward = new Queue<IMethodSymbol>();
        foreach (var node in methods.Values)
        {
            foreach (var site in node.Sites)
            {
                if (site.Caller is { } caller)
                {
                    if (!callees.TryGetValue(caller, out var list)) callees[caller] = list = new List<IMethodSymbol>();
                    list.Add(node.Method);
                }
                else if ((site.IsTarget || site.LockInScope is not null) && inChild.Add(node.Method)) forward.Enqueue(node.Method);
            }
        }
        while (forward.Count > 0)
        {
            if (!callees.TryGetValue(forward.Dequeue(), out var list)) continue;
            foreach (var callee in list)
                if (inChild.Add(callee)) forward.Enqueue(callee);
        }
        wraps.RemoveAll(w => !inChild.Contains(w.Method));
        if (wraps.Count == 0) return null;
        // Only the methods that lead to a read that is fixed: walk back from those reads again, within the children.
        var needed = new HashSet<IMethodSymbol>(SymbolEqualityComparer.Default);
        var back = new Queue<IMethodSymbol>(wraps.Select(w => w.Method));
        while (back.Count > 0)
        {
            var method = back.Dequeue();
            if (!needed.Add(method)) continue;
            foreach (var site in methods[method].Sites)
                if (site.Caller is { } caller && inChild.Contains(caller)) back.Enqueue(caller);
        }
        if (needed.Any(m => !methods[m].Usable)) return null;

        // Names: one parameter per method, one new lock per calling member.
        var parameterNames = new Dictionary<IMethodSymbol, string>(SymbolEqualityComparer.Default);
        foreach (var method in needed)
            parameterNames[method] = FreeName(methods[method].Declaration!);
        var newLocks = new Dictionary<SyntaxNode, NewLock>();
        var edits = new Dictionary<DocumentId, List<Edit>>();
        void Add(DocumentId id, Edit edit)
        {
            if (!edits.TryGetValue(id, out var list)) edits[id] = list = new List<Edit>();
            list.Add(edit);
        }

        foreach (var method in needed)
        {
            var node = methods[method];
            var parameters = method.Parameters;
            var firstOptional = parameters.FirstOrDefault(p => p.IsOptional);
            var position = firstOptional is null ? parameters.Length : parameters.IndexOf(firstOptional);
            var name = parameterNames[method];
            Add(node.DocumentId!, new Edit(node.Declaration!.ParameterList, 0, current =>
                ((ParameterListSyntax)current).WithParameters(((ParameterListSyntax)current).Parameters.Insert(position,
                    Parameter(Identifier(name)).WithType(LockType())))));
            foreach (var site in node.Sites)
            {
                string lockName;
                if (site.Caller is { } caller && needed.Contains(caller)) lockName = parameterNames[caller];
                else if (site.LockInScope is { } inScope) lockName = inScope;
                else if (site.Caller is not null && inChild.Contains(site.Caller)) return null; // a child's call that passes nothing on
                else
                {
                    if (site.Owner is null || site.Anchor is null) return null;
                    if (!newLocks.TryGetValue(site.Owner, out var newLock))
                        newLocks[site.Owner] = newLock = new NewLock(site.DocumentId, FreeName(site.Owner), site.Anchor);
                    else if (site.Anchor.SpanStart < newLock.Anchor.SpanStart) newLock.Anchor = site.Anchor;
                    lockName = newLock.Name;
                }
                // Positional at the parameter's index when every argument before it is positional, else named at the end.
                var arguments = site.Invocation.ArgumentList.Arguments;
                var positional = arguments.Count >= position && arguments.Take(position).All(a => a.NameColon is null);
                Add(site.DocumentId, new Edit(site.Invocation.ArgumentList, 0, current =>
                {
                    var list = (ArgumentListSyntax)current;
                    return positional
                        ? list.WithArguments(list.Arguments.Insert(position, Argument(IdentifierName(lockName))))
                        : list.AddArguments(Argument(NameColon(IdentifierName(name)), default, IdentifierName(lockName)));
                }));
            }
        }
        foreach (var group in wraps.GroupBy(w => (w.DocumentId, w.Block)))
        {
            var (documentId, block) = group.Key;
            var ranges = Merge(group.Select(w => (w.First, w.Last)));
            var lockName = parameterNames[group.First().Method];
            Add(documentId, new Edit(block, 1 + block.Span.Length, current =>
                UnlockedFileReadModifyWriteFixer.Wrap((BlockSyntax)current, ranges, IdentifierName(lockName))));
        }
        foreach (var newLock in newLocks.Values)
        {
            var declaration = LocalDeclarationStatement(VariableDeclaration(IdentifierName("var"),
                    SingletonSeparatedList(VariableDeclarator(Identifier(newLock.Name))
                        .WithInitializer(EqualsValueClause(ObjectCreationExpression(LockType()).WithArgumentList(ArgumentList()))))))
                .WithUsingKeyword(Token(SyntaxKind.UsingKeyword))
                .WithAdditionalAnnotations(Formatter.Annotation);
            // A top-level statement is spelled out: the formatter would set an elastic one apart with blank lines.
            // It takes the anchor's leading trivia (a blank line, a comment), the anchor keeps its indentation.
            var global = newLock.Anchor is GlobalStatementSyntax;
            if (global)
                Add(newLock.DocumentId, new Edit(newLock.Anchor, int.MaxValue - 1, current =>
                    current.WithLeadingTrivia(current.GetLeadingTrivia().Reverse().TakeWhile(t => t.IsKind(SyntaxKind.WhitespaceTrivia)).Reverse())));
            var inserted = global
                ? GlobalStatement(declaration.WithoutAnnotations(Formatter.Annotation).NormalizeWhitespace()
                    .WithLeadingTrivia(newLock.Anchor.GetLeadingTrivia())
                    .WithTrailingTrivia(newLock.Anchor.GetTrailingTrivia().LastOrDefault(t => t.IsKind(SyntaxKind.EndOfLineTrivia)) is var eol
                        && eol.IsKind(SyntaxKind.EndOfLineTrivia) ? eol : CarriageReturnLineFeed))
                : (SyntaxNode)declaration;
            Add(newLock.DocumentId, new Edit(newLock.Anchor, int.MaxValue, null, inserted));
        }

        foreach (var pair in edits)
        {
            var document = solution.GetDocument(pair.Key)!;
            var editor = await DocumentEditor.CreateAsync(document, ct).ConfigureAwait(false);
            // Inner edits first (arguments and parameters, then blocks from the smallest), insertions last.
            foreach (var edit in pair.Value.OrderBy(e => e.Order))
            {
                if (edit.Insert is { } inserted) editor.InsertBefore(edit.Node, inserted);
                else editor.ReplaceNode(edit.Node, (current, _) => edit.Replace!(current));
            }
            var changed = editor.GetChangedDocument();
            changed = await ImportAdder.AddImportsAsync(changed, Simplifier.AddImportsAnnotation, cancellationToken: ct).ConfigureAwait(false);
            changed = await Simplifier.ReduceAsync(changed, Simplifier.Annotation, cancellationToken: ct).ConfigureAwait(false);
            solution = changed.Project.Solution;
        }
        return solution;
    }

    /// <summary><c>Multiproc.ProcessLock</c>, reduced to <c>ProcessLock</c> (with a using directive added where needed).</summary>
    private static TypeSyntax LockType() =>
        QualifiedName(IdentifierName("Multiproc"), IdentifierName("ProcessLock"))
            .WithAdditionalAnnotations(Simplifier.Annotation, Simplifier.AddImportsAnnotation);

    /// <summary>Finds the calls of <paramref name="node"/>'s method; false when it cannot take a parameter or is used other than by calls.</summary>
    private static async Task<bool> ExploreAsync(Solution solution, MethodNode node, INamedTypeSymbol lockType, CancellationToken ct)
    {
        var method = node.Method;
        if (method.IsVirtual || method.IsOverride || method.IsAbstract || method.IsExtern || method.IsGenericMethod || method.IsExtensionMethod
            || method.MethodKind != MethodKind.Ordinary || method.DeclaringSyntaxReferences.Length != 1
            || method.Parameters.Any(p => p.IsParams) || method.ContainingType.TypeKind == TypeKind.Interface
            || ImplementsInterface(method))
            return false;
        var declarationSyntax = await method.DeclaringSyntaxReferences[0].GetSyntaxAsync(ct).ConfigureAwait(false);
        if (declarationSyntax is not MethodDeclarationSyntax declaration || solution.GetDocument(declaration.SyntaxTree) is not { } declaringDocument)
            return false;
        node.Declaration = declaration;
        node.DocumentId = declaringDocument.Id;

        var references = await SymbolFinder.FindReferencesAsync(method, solution, ct).ConfigureAwait(false);
        foreach (var referenced in references)
        {
            if (!SymbolEqualityComparer.Default.Equals(referenced.Definition.OriginalDefinition, method)) continue;
            foreach (var location in referenced.Locations)
            {
                if (location.IsImplicit) continue;
                var document = location.Document;
                var root = await document.GetSyntaxRootAsync(ct).ConfigureAwait(false);
                var model = await document.GetSemanticModelAsync(ct).ConfigureAwait(false);
                if (root is null || model is null) return false;
                var name = root.FindNode(location.Location.SourceSpan, getInnermostNodeForTie: true);
                SyntaxNode called = name;
                if (called.Parent is MemberAccessExpressionSyntax access && access.Name == called) called = access;
                else if (called.Parent is MemberBindingExpressionSyntax binding && binding.Name == called) called = binding;
                if (called.Parent is not InvocationExpressionSyntax invocation || invocation.Expression != called)
                {
                    if (name.AncestorsAndSelf().Any(n => n is CrefSyntax || n is InvocationExpressionSyntax { Expression: IdentifierNameSyntax { Identifier.ValueText: "nameof" } }))
                        continue;
                    return false;
                }
                var site = new CallSite(document.Id, invocation) { LockInScope = LockInScope(model, invocation.SpanStart, lockType, ct) };
                site.IsTarget = IsChildTarget(model, invocation, ct);
                if (site.LockInScope is null)
                {
                    site.Owner = BodyOwner(invocation);
                    site.Anchor = site.Owner is null ? null : Anchor(invocation, site.Owner);
                    // The calling method, whatever its body: a local function or lambda inside it sees its parameters.
                    if (!site.IsTarget && invocation.FirstAncestorOrSelf<MemberDeclarationSyntax>() is MethodDeclarationSyntax callerDeclaration
                        && model.GetDeclaredSymbol(callerDeclaration, ct) is { } caller)
                        site.Caller = caller.OriginalDefinition;
                }
                node.Sites.Add(site);
            }
        }
        return true;
    }

    private static bool ImplementsInterface(IMethodSymbol method)
    {
        if (!method.ExplicitInterfaceImplementations.IsEmpty) return true;
        foreach (var @interface in method.ContainingType.AllInterfaces)
            foreach (var member in @interface.GetMembers())
                if (SymbolEqualityComparer.Default.Equals(method.ContainingType.FindImplementationForInterfaceMember(member), method)) return true;
        return false;
    }

    /// <summary>Whether <paramref name="invocation"/> is what a <c>new ChildProcess(() =&gt; M(…))</c> runs.</summary>
    private static bool IsChildTarget(SemanticModel model, InvocationExpressionSyntax invocation, CancellationToken ct)
    {
        SyntaxNode up = invocation;
        if (up.Parent is AwaitExpressionSyntax awaited) up = awaited;
        if (up.Parent is ExpressionStatementSyntax or ReturnStatementSyntax && up.Parent.Parent is BlockSyntax { Statements.Count: 1 } body) up = body;
        if (up.Parent is not LambdaExpressionSyntax lambda || lambda.Parent is not ArgumentSyntax argument
            || argument.Parent is not ArgumentListSyntax { Parent: BaseObjectCreationExpressionSyntax creation }) return false;
        return MultiprocTypes.For(model.Compilation).IsChildProcess(model.GetTypeInfo(creation, ct).Type);
    }

    /// <summary>A ProcessLock local declared before <paramref name="position"/>, else a parameter, else a usable field or property; its name.</summary>
    private static string? LockInScope(SemanticModel model, int position, INamedTypeSymbol lockType, CancellationToken ct)
    {
        var symbols = model.LookupSymbols(position);
        bool Is(ITypeSymbol type) => SymbolEqualityComparer.Default.Equals(type, lockType);
        var local = symbols.OfType<ILocalSymbol>().FirstOrDefault(l => Is(l.Type)
            && l.DeclaringSyntaxReferences.FirstOrDefault() is { } r && r.Span.End <= position);
        if (local is not null) return local.Name;
        if (symbols.OfType<IParameterSymbol>().FirstOrDefault(p => Is(p.Type)) is { } parameter) return parameter.Name;
        var enclosing = model.GetEnclosingSymbol(position, ct);
        while (enclosing is IMethodSymbol { MethodKind: MethodKind.AnonymousFunction or MethodKind.LocalFunction }) enclosing = enclosing.ContainingSymbol;
        var isStatic = enclosing?.IsStatic ?? true;
        var member = symbols.FirstOrDefault(s => s is IFieldSymbol { IsImplicitlyDeclared: false } f && Is(f.Type) && (f.IsStatic || !isStatic)
            || s is IPropertySymbol { Parameters.IsEmpty: true, GetMethod: not null } p && Is(p.Type) && (p.IsStatic || !isStatic));
        return member?.Name;
    }

    /// <summary>The method, constructor, accessor or top-level program whose body holds <paramref name="node"/>; null for an expression body.</summary>
    private static SyntaxNode? BodyOwner(SyntaxNode node)
    {
        foreach (var ancestor in node.Ancestors())
        {
            switch (ancestor)
            {
                case BaseMethodDeclarationSyntax method: return method.Body is null ? null : method;
                case AccessorDeclarationSyntax accessor: return accessor.Body is null ? null : accessor;
                case GlobalStatementSyntax global: return global.Parent;
                case MemberDeclarationSyntax: return null; // a field initializer, an expression-bodied property…
            }
        }
        return null;
    }

    /// <summary>The statement of <paramref name="owner"/>'s body that holds <paramref name="node"/>.</summary>
    private static SyntaxNode? Anchor(SyntaxNode node, SyntaxNode owner)
    {
        var body = owner switch
        {
            BaseMethodDeclarationSyntax method => (SyntaxNode?)method.Body,
            AccessorDeclarationSyntax accessor => accessor.Body,
            _ => owner,
        };
        foreach (var ancestor in node.Ancestors())
        {
            if (ancestor is GlobalStatementSyntax && ancestor.Parent == owner) return ancestor;
            if (ancestor is StatementSyntax && ancestor.Parent == body) return ancestor;
        }
        return null;
    }

    /// <summary><c>fileLock</c>, or <c>fileLock2</c>… when the name is already written in <paramref name="scope"/>.</summary>
    private static string FreeName(SyntaxNode scope)
    {
        var taken = new HashSet<string>(scope.DescendantTokens().Where(t => t.IsKind(SyntaxKind.IdentifierToken)).Select(t => t.ValueText), StringComparer.Ordinal);
        if (!taken.Contains(LockName)) return LockName;
        for (var i = 2; ; i++)
            if (!taken.Contains(LockName + i)) return LockName + i;
    }

    /// <summary>Statement ranges merged where they overlap.</summary>
    private static List<(int First, int Last)> Merge(IEnumerable<(int First, int Last)> ranges)
    {
        var merged = new List<(int First, int Last)>();
        foreach (var range in ranges.OrderBy(r => r.First))
        {
            if (merged.Count > 0 && range.First <= merged[merged.Count - 1].Last) merged[merged.Count - 1] = (merged[merged.Count - 1].First, Math.Max(merged[merged.Count - 1].Last, range.Last));
            else merged.Add(range);
        }
        return merged;
    }

    private sealed class WrapSite
    {
        public WrapSite(DocumentId documentId, BlockSyntax block, int first, int last, IMethodSymbol method)
        {
            DocumentId = documentId;
            Block = block;
            First = first;
            Last = last;
            Method = method;
        }

        public DocumentId DocumentId { get; }
        public BlockSyntax Block { get; }
        public int First { get; }
        public int Last { get; }
        public IMethodSymbol Method { get; }
    }

    private sealed class MethodNode
    {
        public MethodNode(IMethodSymbol method) => Method = method;
        public IMethodSymbol Method { get; }
        public bool Usable { get; set; } = true;
        public MethodDeclarationSyntax? Declaration { get; set; }
        public DocumentId? DocumentId { get; set; }
        public List<CallSite> Sites { get; } = new();
    }

    /// <summary>A call of a method that will take the lock.</summary>
    private sealed class CallSite
    {
        public CallSite(DocumentId documentId, InvocationExpressionSyntax invocation) { DocumentId = documentId; Invocation = invocation; }
        public DocumentId DocumentId { get; }
        public InvocationExpressionSyntax Invocation { get; }
        /// <summary>The call is the target of a ChildProcess creation.</summary>
        public bool IsTarget { get; set; }
        /// <summary>The name of a ProcessLock in scope at the call.</summary>
        public string? LockInScope { get; set; }
        /// <summary>The calling method, when the call is neither a target nor has a lock in scope.</summary>
        public IMethodSymbol? Caller { get; set; }
        /// <summary>The member whose body holds the call, and the outermost statement there that holds it (for a new lock).</summary>
        public SyntaxNode? Owner { get; set; }
        public SyntaxNode? Anchor { get; set; }
    }

    private sealed class NewLock
    {
        public NewLock(DocumentId documentId, string name, SyntaxNode anchor) { DocumentId = documentId; Name = name; Anchor = anchor; }
        public DocumentId DocumentId { get; }
        public string Name { get; }
        public SyntaxNode Anchor { get; set; }
    }

    private sealed class Edit
    {
        public Edit(SyntaxNode node, int order, Func<SyntaxNode, SyntaxNode>? replace, SyntaxNode? insert = null)
        {
            Node = node;
            Order = order;
            Replace = replace;
            Insert = insert;
        }

        public SyntaxNode Node { get; }
        public int Order { get; }
        public Func<SyntaxNode, SyntaxNode>? Replace { get; }
        public SyntaxNode? Insert { get; }
    }
}
