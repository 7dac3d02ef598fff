using Microsoft.CodeAnalysis.Editing;
using static Microsoft.CodeAnalysis.CSharp.SyntaxFactory;

namespace Multiproc.CodeFixes;

/// <summary>
/// MP0003 fix. Outside loops: insert <c>p.Join();</c> at the end of the block where <c>p</c> was
/// started and before each later <c>return</c> of that block that leaves it running. In a loop:
/// collect the processes into a <c>List&lt;ChildProcess&gt;</c> declared before the loop and join
/// them after it.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(ProcessNotJoinedFixer))]
[Shared]
public sealed class ProcessNotJoinedFixer() : MultiprocFixer(RuleIdentifiers.ProcessNotJoined)
{
    public const string EquivalenceKeyJoin = "MP0003.InsertJoin";
    public const string EquivalenceKeyCollect = "MP0003.CollectAndJoin";

    public override FixAllProvider GetFixAllProvider() => FixAllProvider.Create(FixAllInDocumentAsync);

    private protected override CodeAction? Offer(Document document, SyntaxNode root, Diagnostic diagnostic)
    {
        if (!diagnostic.Properties.TryGetValue(ProcessNotJoined.FixKindProperty, out var kind)
            || Property(diagnostic, ProcessNotJoined.VariableProperty) is not { } name)
            return null;
        if (kind == ProcessNotJoined.FixKindCollection)
        {
            if (Property(diagnostic, ProcessNotJoined.CollectionProperty) is not { } collection
                || CollectionDeclaration(root.FindNode(diagnostic.Location.SourceSpan), collection) is null) return null;
            return CodeAction.Create(
                $"Join the processes of '{collection}'",
                ct => ApplyAsync(document, ImmutableArray.Create(diagnostic), ct),
                EquivalenceKeyJoin);
        }
        var statement = StartStatement(root, diagnostic);
        if (statement?.Parent is not BlockSyntax) return null;
        if (kind == ProcessNotJoined.FixKindLoop)
        {
            if (IsConditional(statement) || EnclosingLoop(statement) is not { Parent: BlockSyntax }) return null;
            return CodeAction.Create(
                $"Collect the processes into a List<ChildProcess> and join them after the loop",
                ct => ApplyAsync(document, ImmutableArray.Create(diagnostic), ct),
                EquivalenceKeyCollect);
        }
        return CodeAction.Create(
            $"Insert '{name}{(IsConditional(statement) ? "?" : "")}.Join()'",
            ct => ApplyAsync(document, ImmutableArray.Create(diagnostic), ct),
            EquivalenceKeyJoin);
    }

    /// <summary>
    /// Fix All gives every MP0003 diagnostic the fix it needs (a Join() at the end of its scope, or
    /// collect-and-join for a loop), whichever of the two it was invoked from: a tool such as
    /// <c>dotnet format analyzers</c> invokes it once per rule, with one equivalence key.
    /// </summary>
    private static async Task<Document?> FixAllInDocumentAsync(FixAllContext context, Document document, ImmutableArray<Diagnostic> diagnostics) =>
        diagnostics.IsEmpty ? document : await ApplyAsync(document, diagnostics, context.CancellationToken).ConfigureAwait(false);

    private static ExpressionStatementSyntax? StartStatement(SyntaxNode root, Diagnostic diagnostic)
    {
        var node = root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true);
        return node.FirstAncestorOrSelf<ExpressionStatementSyntax>();
    }

    /// <summary>The declaration of the collection <paramref name="name"/> in a block around <paramref name="node"/>, before it.</summary>
    private static LocalDeclarationStatementSyntax? CollectionDeclaration(SyntaxNode node, string name)
    {
        for (var n = node.Parent; n is not null && n is not MemberDeclarationSyntax; n = n.Parent)
        {
            if (n is not BlockSyntax block) continue;
            foreach (var statement in block.Statements)
            {
                if (statement.SpanStart >= node.SpanStart) break;
                if (statement is LocalDeclarationStatementSyntax declaration && declaration.Declaration.Variables.Any(v => v.Identifier.ValueText == name))
                    return declaration;
            }
        }
        return null;
    }

    private static StatementSyntax? EnclosingLoop(SyntaxNode node)
    {
        for (var n = node.Parent; n is not null; n = n.Parent)
        {
            if (n is ForStatementSyntax or ForEachStatementSyntax or WhileStatementSyntax or DoStatementSyntax) return (StatementSyntax)n;
            if (n is MemberDeclarationSyntax or AnonymousFunctionExpressionSyntax or LocalFunctionStatementSyntax) return null;
        }
        return null;
    }

    private static async Task<Document> ApplyAsync(Document document, ImmutableArray<Diagnostic> diagnostics, CancellationToken ct)
    {
        var editor = await DocumentEditor.CreateAsync(document, ct).ConfigureAwait(false);
        var root = editor.OriginalRoot;
        var model = editor.SemanticModel;
        var eolTrivia = root.DescendantTrivia().FirstOrDefault(t => t.IsKind(SyntaxKind.EndOfLineTrivia));
        var eol = eolTrivia.IsKind(SyntaxKind.EndOfLineTrivia) ? eolTrivia : ElasticCarriageReturnLineFeed;
        var usedNames = new Dictionary<SyntaxNode, HashSet<string>>();
        var needsCollectionsUsing = false;
        var joinedEnds = new HashSet<(SyntaxNode, string)>();
        var joinedCollections = new HashSet<SyntaxNode>();
        var before = new Dictionary<StatementSyntax, List<StatementSyntax>>();
        var after = new Dictionary<StatementSyntax, List<StatementSyntax>>();
        void Add(Dictionary<StatementSyntax, List<StatementSyntax>> map, StatementSyntax anchor, StatementSyntax inserted)
        {
            if (!map.TryGetValue(anchor, out var list)) map[anchor] = list = new List<StatementSyntax>();
            list.Add(inserted);
        }

        foreach (var diagnostic in diagnostics.OrderBy(d => d.Location.SourceSpan.Start))
        {
            if (!diagnostic.Properties.TryGetValue(ProcessNotJoined.FixKindProperty, out var kind)
                || !diagnostic.Properties.TryGetValue(ProcessNotJoined.VariableProperty, out var name) || name is null)
                continue;
            if (kind == ProcessNotJoined.FixKindCollection)
            {
                // Join the elements at the end of the block that declares the collection (and before its returns).
                if (!diagnostic.Properties.TryGetValue(ProcessNotJoined.CollectionProperty, out var collection) || collection is null
                    || CollectionDeclaration(root.FindNode(diagnostic.Location.SourceSpan), collection) is not { Parent: BlockSyntax declarationBlock } declaration)
                    continue;
                var scope = (SyntaxNode?)declaration.FirstAncestorOrSelf<MemberDeclarationSyntax>() ?? declarationBlock;
                if (!usedNames.TryGetValue(scope, out var taken))
                    usedNames[scope] = taken = new HashSet<string>(scope.DescendantTokens().Where(t => t.IsKind(SyntaxKind.IdentifierToken)).Select(t => t.ValueText));
                if (!joinedCollections.Add(declaration)) continue;
                var element = Unique("process", taken);
                var joinAll = ParseStatement($"foreach (var {element} in {collection}){eol}{{{eol}{element}.Join();{eol}}}").WithTrailingTrivia(eol).WithAdditionalAnnotations(Formatter.Annotation);
                JoinAtEnd(declarationBlock, declaration, collection, joinAll);
                continue;
            }
            var statement = StartStatement(root, diagnostic);
            if (statement?.Parent is not BlockSyntax block) continue;

            if (kind == ProcessNotJoined.FixKindLoop)
            {
                if (IsConditional(statement) || EnclosingLoop(statement) is not { Parent: BlockSyntax loopBlock } loop) continue;
                var member = (SyntaxNode?)loop.FirstAncestorOrSelf<MemberDeclarationSyntax>() ?? loopBlock;
                if (!usedNames.TryGetValue(member, out var names))
                    usedNames[member] = names = new HashSet<string>(member.DescendantTokens().Where(t => t.IsKind(SyntaxKind.IdentifierToken)).Select(t => t.ValueText));
                var listName = Unique("processes", names);
                var itemName = Unique("process", names);

                var processType = model.GetTypeInfo(((MemberAccessExpressionSyntax)((InvocationExpressionSyntax)statement.Expression).Expression).Expression, ct).Type;
                var typeName = processType?.WithNullableAnnotation(NullableAnnotation.NotAnnotated).ToMinimalDisplayString(model, loop.SpanStart) ?? "ChildProcess";
                if (!IsListInScope(model, loop.SpanStart)) needsCollectionsUsing = true;

                var declaration = ParseStatement($"var {listName} = new List<{typeName}>();").WithTrailingTrivia(eol).WithAdditionalAnnotations(Formatter.Annotation);
                var add = ParseStatement($"{listName}.Add({name});").WithTrailingTrivia(eol).WithAdditionalAnnotations(Formatter.Annotation);
                var join = ParseStatement($"foreach (var {itemName} in {listName}){eol}{{{eol}{itemName}.Join();{eol}}}").WithTrailingTrivia(eol).WithAdditionalAnnotations(Formatter.Annotation);
                Add(before, loop, declaration);
                Add(after, statement, add);
                Add(after, loop, join);
            }
            else
            {
                // p?.Start() is joined the same way: p?.Join().
                var joinStatement = ParseStatement($"{name}{(IsConditional(statement) ? "?" : "")}.Join();").WithTrailingTrivia(eol).WithAdditionalAnnotations(Formatter.Annotation);
                JoinAtEnd(block, statement, name, joinStatement);
            }
        }

        // The join of `name` at the end of `block` and before each later return of it that leaves the process running.
        void JoinAtEnd(BlockSyntax block, StatementSyntax statement, string name, StatementSyntax joinStatement)
        {
            {
                var index = block.Statements.IndexOf(statement);
                // Before each later return that does not hand the process on and is not just after a Join.
                foreach (var ret in block.Statements.Skip(index + 1).SelectMany(s => s.DescendantNodesAndSelf(n => n is not (AnonymousFunctionExpressionSyntax or LocalFunctionStatementSyntax))).OfType<ReturnStatementSyntax>())
                {
                    if (ret.Expression is not null && ret.Expression.DescendantNodesAndSelf().OfType<IdentifierNameSyntax>().Any(i => i.Identifier.ValueText == name)) continue;
                    if (ret.Parent is BlockSyntax retBlock)
                    {
                        var i = retBlock.Statements.IndexOf(ret);
                        if (i > 0 && IsJoinOf(retBlock.Statements[i - 1], name)) continue;
                    }
                    Add(before, ret, joinStatement);
                }
                var last = block.Statements.Last();
                if (!IsJoinOf(last, name) && last is not (ReturnStatementSyntax or ThrowStatementSyntax) && joinedEnds.Add((block, name)))
                {
                    var flow = model.AnalyzeControlFlow(statement, last);
                    if (flow is null || !flow.Succeeded || flow.EndPointIsReachable)
                        Add(after, last, joinStatement);
                }
            }
        }

        foreach (var pair in before)
        {
            if (pair.Key.Parent is BlockSyntax)
            {
                // The anchor's leading blank lines and comments go before the inserted statements.
                var leading = pair.Key.GetLeadingTrivia();
                var indentation = leading.Reverse().TakeWhile(t => t.IsKind(SyntaxKind.WhitespaceTrivia)).Reverse();
                pair.Value[0] = pair.Value[0].WithLeadingTrivia(leading);
                editor.ReplaceNode(pair.Key, (node, _) => node.WithLeadingTrivia(indentation));
                editor.InsertBefore(pair.Key, pair.Value);
            }
            else editor.ReplaceNode(pair.Key, Block(pair.Value.Append(pair.Key.WithoutTrivia())).WithTriviaFrom(pair.Key).WithAdditionalAnnotations(Formatter.Annotation));
        }
        foreach (var pair in after) editor.InsertAfter(pair.Key, pair.Value);

        var newRoot = editor.GetChangedRoot();
        if (needsCollectionsUsing && newRoot is CompilationUnitSyntax unit
            && !unit.Usings.Any(u => u.Name?.ToString() == "System.Collections.Generic"))
        {
            newRoot = unit.AddUsings(UsingDirective(ParseName("System.Collections.Generic")).WithTrailingTrivia(eol).WithAdditionalAnnotations(Formatter.Annotation));
        }
        return document.WithSyntaxRoot(newRoot);
    }

    /// <summary>Whether the start is <c>p?.Start()</c>.</summary>
    private static bool IsConditional(ExpressionStatementSyntax statement) => statement.Expression is ConditionalAccessExpressionSyntax;

    private static bool IsJoinOf(StatementSyntax statement, string name) =>
        statement is ExpressionStatementSyntax { Expression: InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax { Name.Identifier.ValueText: "Join", Expression: IdentifierNameSyntax id } } }
        && id.Identifier.ValueText == name
        || statement is ExpressionStatementSyntax { Expression: ConditionalAccessExpressionSyntax { Expression: IdentifierNameSyntax cid, WhenNotNull: InvocationExpressionSyntax { Expression: MemberBindingExpressionSyntax { Name.Identifier.ValueText: "Join" } } } }
        && cid.Identifier.ValueText == name;

    private static bool IsListInScope(SemanticModel model, int position) =>
        model.LookupNamespacesAndTypes(position, name: "List").OfType<INamedTypeSymbol>()
            .Any(t => t.Arity == 1 && t.ContainingNamespace?.ToDisplayString() == "System.Collections.Generic");

    private static string Unique(string baseName, HashSet<string> names)
    {
        var candidate = baseName;
        for (var i = 2; names.Contains(candidate); i++) candidate = baseName + i;
        names.Add(candidate);
        return candidate;
    }
}
