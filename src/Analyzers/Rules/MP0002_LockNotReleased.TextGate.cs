namespace Multiproc.Analyzers;

internal static partial class LockNotReleased
{
    /// <summary>
    /// Which bodies may call a lock API, read from the source text: a body in whose text none of <see cref="Anchors"/>
    /// occurs (nor a <c>\u</c>/<c>\U</c> escape) has no invocation whose method name <see cref="LockApi.IsCandidateName"/>
    /// accepts, so its operations are not walked at all. One per compilation; each tree's text is searched once.
    /// </summary>
    /// <remarks>
    /// <para>
    /// Why it is exact: an invocation operation whose target is one of the lock APIs' acquire or release methods is written
    /// as a call of that name (<c>lk.Acquire()</c>, <c>Monitor.Enter(o)</c>, <c>Enter(o)</c> under <c>using static</c>,
    /// <c>@Enter(o)</c>); the invocations the compiler adds without writing their name (collection initializers' <c>Add</c>,
    /// query clauses, interpolated string handlers, constructor initializers) have other names, and an alias renames a
    /// type, never a method. Every candidate name contains one of the anchors (<c>"grade"</c> stands for
    /// <c>UpgradeToWriterLock</c> and <c>DowngradeFromWriterLock</c>; a test checks each name). A name spelled with a
    /// Unicode escape (<c>\u0045nter</c>) makes its body a hit through the backslash. Not seen: a name spelled with a
    /// formatting character inside it (a soft hyphen or a zero-width joiner between its letters, which C# ignores in identifiers).
    /// </para>
    /// <para>
    /// Why: on a large body of ordinary code, about one body in twelve mentions a lock method name; the others cost an
    /// operation callback per invocation (the driver's dispatch and a name comparison each) for nothing.
    /// </para>
    /// </remarks>
    internal sealed class TextGate
    {
        /// <summary>Substrings of every name <see cref="LockApi.IsCandidateName"/> accepts.</summary>
        internal static readonly string[] Anchors = { "Acquire", "Release", "Enter", "Exit", "Wait", "grade" };

        private readonly System.Collections.Concurrent.ConcurrentDictionary<SyntaxTree, int[]> _hits = new();

        /// <summary>Whether the text of <paramref name="node"/> contains an anchor or an escape (then its invocations are looked at).</summary>
        public bool MayCallLockApi(SyntaxNode node)
        {
            var tree = node.SyntaxTree;
            if (!_hits.TryGetValue(tree, out var hits)) hits = _hits.GetOrAdd(tree, Scan(tree));
            var span = node.Span;
            var i = Array.BinarySearch(hits, span.Start);
            if (i < 0) i = ~i;
            return i < hits.Length && hits[i] < span.End;
        }

        /// <summary>The sorted positions of the anchors and escapes in the tree's text.</summary>
        private static int[] Scan(SyntaxTree tree)
        {
            var text = tree.GetText().ToString();
            var positions = new List<int>();
            foreach (var anchor in Anchors)
                for (var i = text.IndexOf(anchor, StringComparison.Ordinal); i >= 0; i = text.IndexOf(anchor, i + 1, StringComparison.Ordinal))
                    positions.Add(i);
            for (var i = text.IndexOf('\\'); i >= 0; i = text.IndexOf('\\', i + 1))
                if (i + 1 < text.Length && text[i + 1] is 'u' or 'U') positions.Add(i);
            positions.Sort();
            return positions.ToArray();
        }
    }
}
