using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Threading;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Multiproc.Analyzers;

/// <summary>
/// MP0002's syntactic prefilter (one per compilation): where in a syntax tree's text an acquire or a release of a lock
/// MP0002 knows can be, so that a type, and inside it a member body, whose text cannot hold one registers no operation
/// action (see <see cref="LockNotReleasedAnalyzer"/>). Each tree's text is searched once, on first use; the driver still
/// binds what it hands the remaining actions (the gate itself binds nothing).
/// </summary>
/// <remarks>
/// <para>Sound because C# only spells a call or a creation in a handful of ways, each leaving a mark in the text at the place of
/// the call (a hit is the offset where a mark starts; a body or a type "has a hit" when one starts inside its span):</para>
/// <list type="bullet">
/// <item><description>Calls (<see cref="CallWords"/>): every name <see cref="LockApi.IsCandidateName"/> accepts, acquire or
/// release, contains one of <c>Enter</c>, <c>Wait</c>, <c>Acquire</c>, <c>WriterLock</c>, <c>Release</c>, <c>Exit</c> (a test
/// checks every name). A method name cannot be aliased (aliases name types and namespaces; <c>using static</c> and
/// verbatim <c>@Enter</c> still spell it), and every invocation whose target method bears such a name spells it at the
/// call: the compiler's implicit invocations (collection initializers' <c>Add</c>, query clauses, constructor
/// initializers) have other names.</description></item>
/// <item><description>Creations of <c>System.Threading.Mutex</c> (sealed, not generic): <c>new Mutex(…)</c> however
/// qualified contains <c>Mutex</c>; <c>new A(…)</c> through a type alias contains the alias's name (every alias directive
/// of the compilation whose target may be Mutex is found by syntax, chains of aliases included, and its name becomes a
/// mark in every tree); a target-typed <c>new(…)</c>, whose type may be written anywhere (a field of another part or
/// type, a parameter), is a mark wherever the keyword <c>new</c> is followed, after whitespace, by <c>(</c> and an
/// argument, or by a comment, a directive or a character that is not ASCII (what follows is then not
/// read).</description></item>
/// <item><description>Spellings that hide a name: a <c>\u</c> or <c>\U</c> escape (anywhere: in an identifier it may spell
/// any letter) and a Unicode formatting character (category Cf, or any surrogate), which the compiler drops from an
/// identifier (<c>En</c>U+00AD<c>ter</c> is <c>Enter</c>): each is a mark of both kinds.</description></item>
/// </list>
/// <para>Comments, strings and disabled code may give hits that are not calls; that only costs a callback.</para>
/// </remarks>
internal sealed class LockTextGate
{
    /// <summary>One of these is in the name of every method <see cref="LockApi.Classify"/> knows (checked by a test).</summary>
    internal static readonly string[] CallWords = { "Enter", "Wait", "Acquire", "WriterLock", "Release", "Exit" };

    private readonly ConcurrentDictionary<SyntaxTree, Lazy<TreeHits>> _trees = new();
    private readonly Func<SyntaxTree, Lazy<TreeHits>> _newEntry;
    private readonly Lazy<string[]> _mutexAliases;

    public LockTextGate(Compilation compilation)
    {
        _mutexAliases = new Lazy<string[]>(() => MutexAliases(compilation), LazyThreadSafetyMode.ExecutionAndPublication);
        _newEntry = tree => new Lazy<TreeHits>(() => TreeHits.Scan(tree.GetText().ToString(), _mutexAliases.Value), LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <summary>The hits of <paramref name="tree"/>, searched on first use (thread-safe, once per tree and compilation).</summary>
    public TreeHits For(SyntaxTree tree) => _trees.GetOrAdd(tree, _newEntry).Value;

    /// <summary>
    /// The gate for <paramref name="type"/>: <see cref="TypeText.Unread"/> when it has no declaration to read (every body is
    /// then analyzed), null when none of its declarations holds a hit that can be an acquire (a call, or with
    /// <paramref name="mutex"/> a creation): no body of the type can acquire a lock, so its releases do not matter either.
    /// </summary>
    /// <remarks>A type's declarations contain those of its nested types, so a nested type's hit also opens its outer type (whose
    /// callbacks leave the nested type's operations to the nested type's own actions).</remarks>
    public TypeText? ForType(INamedTypeSymbol type, bool mutex)
    {
        var refs = type.DeclaringSyntaxReferences;
        if (refs.IsEmpty) return TypeText.Unread;
        var parts = new (SyntaxTree Tree, TreeHits Hits)[refs.Length];
        var open = false;
        for (var i = 0; i < refs.Length; i++)
        {
            var tree = refs[i].SyntaxTree;
            var hits = For(tree);
            parts[i] = (tree, hits);
            var span = refs[i].Span;
            if (hits.AnyCall(span) || mutex && hits.AnyCreation(span)) open = true;
        }
        return open ? new TypeText(this, parts, mutex) : null;
    }

    /// <summary>
    /// The names of the compilation's using aliases whose target may be <c>System.Threading.Mutex</c>: the directive's text
    /// contains <c>Mutex</c>, an escape, a character that is not ASCII, or the name of another such alias (an alias in a
    /// namespace may use one of the compilation unit or a global one). Conservative: any alias so spelled counts.
    /// </summary>
    internal static string[] MutexAliases(Compilation compilation)
    {
        var directives = new List<(string Name, string Text)>();
        foreach (var tree in compilation.SyntaxTrees)
        {
            if (tree.GetRoot() is not CompilationUnitSyntax root) continue;
            CollectAliases(root.Usings, directives);
            CollectAliases(root.Members, directives);
        }
        var names = new List<string>();
        for (var changed = directives.Count > 0; changed;)
        {
            changed = false;
            foreach (var (name, text) in directives)
            {
                if (names.Contains(name)) continue;
                if (MayNameMutex(text) || names.Any(n => text.IndexOf(n, StringComparison.Ordinal) >= 0))
                {
                    names.Add(name);
                    changed = true;
                }
            }
        }
        return names.ToArray();
    }

    private static void CollectAliases(SyntaxList<MemberDeclarationSyntax> members, List<(string, string)> directives)
    {
        foreach (var member in members)
        {
            if (member is not BaseNamespaceDeclarationSyntax ns) continue;
            CollectAliases(ns.Usings, directives);
            CollectAliases(ns.Members, directives);
        }
    }

    private static void CollectAliases(SyntaxList<UsingDirectiveSyntax> usings, List<(string, string)> directives)
    {
        foreach (var u in usings)
        {
            if (u.Alias is { } alias) directives.Add((alias.Name.Identifier.ValueText, u.ToString()));
        }
    }

    private static bool MayNameMutex(string text)
    {
        if (text.IndexOf("Mutex", StringComparison.Ordinal) >= 0 || text.IndexOf('\\') >= 0) return true;
        foreach (var c in text)
            if (c >= 0x80) return true;
        return false;
    }

    /// <summary>The sorted hit offsets of one tree's text: calls, and creations.</summary>
    internal sealed class TreeHits
    {
        private readonly int[] _calls;
        private readonly int[] _creations;

        private TreeHits(int[] calls, int[] creations)
        {
            _calls = calls;
            _creations = creations;
        }

        /// <summary>Whether a call mark (<see cref="CallWords"/>, an escape, a formatting character) starts inside <paramref name="span"/>.</summary>
        public bool AnyCall(TextSpan span) => Any(_calls, span);

        /// <summary>Whether a creation mark (<c>Mutex</c>, an alias of it, a target-typed <c>new(…)</c>, an escape, a formatting character) starts inside <paramref name="span"/>.</summary>
        public bool AnyCreation(TextSpan span) => Any(_creations, span);

        internal int CallCount => _calls.Length;
        internal int CreationCount => _creations.Length;

        private static bool Any(int[] hits, TextSpan span)
        {
            // The first hit at or after the span's start, then whether it is before its end.
            int lo = 0, hi = hits.Length;
            var start = span.Start;
            while (lo < hi)
            {
                var mid = (lo + hi) / 2;
                if (hits[mid] < start) lo = mid + 1;
                else hi = mid;
            }
            return lo < hits.Length && hits[lo] < span.End;
        }

        /// <summary>
        /// Searches <paramref name="text"/> (ordinal <see cref="string.IndexOf(string, StringComparison)"/>, vectorized by the
        /// runtime; the few scalar checks are at the candidates only, and over the whole text only when it is not ASCII).
        /// </summary>
        internal static TreeHits Scan(string text, string[] mutexAliases)
        {
            var calls = new List<int>();
            var creations = new List<int>();
            foreach (var word in CallWords) AddAll(text, word, calls);
            AddAll(text, "Mutex", creations);
            foreach (var alias in mutexAliases) AddAll(text, alias, creations);
            AddTargetTypedNew(text, creations);
            // \u and \U escapes: a mark of both kinds.
            for (var i = text.IndexOf('\\'); i >= 0 && i + 1 < text.Length; i = text.IndexOf('\\', i + 1))
            {
                if (text[i + 1] is 'u' or 'U')
                {
                    calls.Add(i);
                    creations.Add(i);
                }
            }
            // Formatting characters (dropped from identifiers by the compiler) and surrogates; a text whose UTF-8 length is its
            // length is ASCII (the count is vectorized), so only other texts are read character by character.
            if (Encoding.UTF8.GetByteCount(text) != text.Length)
            {
                for (var i = 0; i < text.Length; i++)
                {
                    var c = text[i];
                    if (c >= 0x80 && (char.IsSurrogate(c) || CharUnicodeInfo.GetUnicodeCategory(c) == UnicodeCategory.Format))
                    {
                        calls.Add(i);
                        creations.Add(i);
                    }
                }
            }
            calls.Sort();
            creations.Sort();
            return new TreeHits(calls.ToArray(), creations.ToArray());
        }

        private static void AddAll(string text, string word, List<int> hits)
        {
            if (word.Length == 0) return;
            for (var i = text.IndexOf(word, StringComparison.Ordinal); i >= 0; i = text.IndexOf(word, i + 1, StringComparison.Ordinal))
                hits.Add(i);
        }

        /// <summary>
        /// The keyword <c>new</c> (not inside an identifier) followed, after ASCII whitespace, by <c>(</c> and something other
        /// than <c>)</c> (a target-typed creation with arguments: <c>new()</c> cannot be <c>new Mutex(true, …)</c>), or by
        /// <c>/</c> (a comment), <c>#</c> (a directive) or a character that is not ASCII (other whitespace): what comes after
        /// those is not read, so they count.
        /// </summary>
        private static void AddTargetTypedNew(string text, List<int> hits)
        {
            for (var i = text.IndexOf("new", StringComparison.Ordinal); i >= 0; i = text.IndexOf("new", i + 3, StringComparison.Ordinal))
            {
                if (i > 0 && IsAsciiIdentifierCharOrAt(text[i - 1])) continue;
                var j = i + 3;
                if (j < text.Length && IsAsciiIdentifierCharOrAt(text[j])) continue;
                j = SkipAsciiWhitespace(text, j);
                if (j >= text.Length) continue;
                var c = text[j];
                if (c == '(')
                {
                    var k = SkipAsciiWhitespace(text, j + 1);
                    if (k < text.Length && text[k] == ')') continue;
                    hits.Add(i);
                }
                else if (c is '/' or '#' || c >= 0x80)
                {
                    hits.Add(i);
                }
            }
        }

        private static int SkipAsciiWhitespace(string text, int i)
        {
            while (i < text.Length && text[i] is ' ' or '\t' or '\r' or '\n' or '\v' or '\f') i++;
            return i;
        }

        private static bool IsAsciiIdentifierCharOrAt(char c) => c is >= 'a' and <= 'z' or >= 'A' and <= 'Z' or >= '0' and <= '9' or '_' or '@';
    }

    /// <summary>The gate of one type whose declarations hold a hit: which of its operation blocks need which action.</summary>
    internal sealed class TypeText
    {
        /// <summary>A type with no declaration to read (none in source): every block gets both actions.</summary>
        public static readonly TypeText Unread = new(null, Array.Empty<(SyntaxTree, TreeHits)>(), mutex: true);

        private readonly LockTextGate? _gate;
        private readonly (SyntaxTree Tree, TreeHits Hits)[] _parts;
        private readonly bool _mutex;

        public TypeText(LockTextGate? gate, (SyntaxTree, TreeHits)[] parts, bool mutex)
        {
            _gate = gate;
            _parts = parts;
            _mutex = mutex;
        }

        /// <summary>
        /// Whether the operation blocks of one member (its body, initializer, …) have a call hit (then the invocation action:
        /// acquires, and the releases the type's end needs) and a creation hit (then the object creation action).
        /// </summary>
        public void Blocks(ImmutableArray<IOperation> blocks, out bool calls, out bool creations)
        {
            if (_gate is null)
            {
                calls = true;
                creations = _mutex;
                return;
            }
            calls = creations = false;
            foreach (var block in blocks)
            {
                var syntax = block.Syntax;
                var hits = HitsOf(syntax);
                var span = syntax.Span;
                if (!calls && hits.AnyCall(span)) calls = true;
                if (_mutex && !creations && hits.AnyCreation(span)) creations = true;
            }
        }

        private TreeHits HitsOf(SyntaxNode syntax)
        {
            // A member's blocks are inside one of the declarations of its type (or of a type it is nested in, which are then
            // inside ours): with one declaration, that one.
            if (_parts.Length == 1) return _parts[0].Hits;
            var tree = syntax.SyntaxTree;
            foreach (var (t, hits) in _parts)
                if (ReferenceEquals(t, tree)) return hits;
            return _gate!.For(tree);
        }
    }
}
