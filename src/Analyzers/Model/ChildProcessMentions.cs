using System.Collections.Concurrent;
using System.Threading;

namespace Multiproc.Analyzers;

/// <summary>
/// Whether the text of a type's declaration names <c>ChildProcess</c>, found by a plain text search: a type whose
/// declaration does not name it creates no child (a <c>new ChildProcess(…)</c>, or a target-typed <c>new(…)</c>
/// assigned to something declared <c>ChildProcess</c> in the type), so its symbol end has nothing to decide.
/// </summary>
/// <remarks>
/// Each top-level declaration is searched once, from its start, and the search stops at the first mention: most types
/// that name <c>ChildProcess</c> do so well before their end, so less text is read than by finding every mention in the
/// whole tree (on the benchmark corpus about 60%). The text is copied in chunks into a buffer of the thread, so nothing is
/// allocated per search whatever kind of <see cref="SourceText"/> the tree has.
/// </remarks>
internal sealed class ChildProcessMentions
{
    private const string Name = "ChildProcess";
    private const int ChunkLength = 4096;
    [ThreadStatic] private static char[]? t_buffer;
    private readonly ConcurrentDictionary<(SyntaxTree Tree, int Start), bool> _byDeclaration = new();

    /// <summary>Whether the text of <paramref name="declaration"/> names <c>ChildProcess</c> (a mention that starts inside its span).</summary>
    public bool In(SyntaxReference declaration, CancellationToken ct)
    {
        var span = declaration.Span;
        var key = (declaration.SyntaxTree, span.Start);
        if (_byDeclaration.TryGetValue(key, out var found)) return found;
        return _byDeclaration.GetOrAdd(key, StartsIn(declaration.SyntaxTree.GetText(ct), span));
    }

    /// <summary>Whether <c>ChildProcess</c> occurs in <paramref name="text"/> at a position inside <paramref name="span"/>.</summary>
    internal static bool StartsIn(SourceText text, TextSpan span)
    {
        var buffer = t_buffer ??= new char[ChunkLength];
        // A mention that starts before the span's end may end after it.
        var end = Math.Min(text.Length, span.End + Name.Length - 1);
        var start = span.Start;
        while (end - start >= Name.Length)
        {
            var count = Math.Min(buffer.Length, end - start);
            text.CopyTo(start, buffer, 0, count);
            var index = new ReadOnlySpan<char>(buffer, 0, count).IndexOf(Name.AsSpan(), StringComparison.Ordinal);
            // The first mention from here decides: inside the span, or none starts inside it.
            if (index >= 0) return start + index < span.End;
            if (start + count >= end) break;
            // The next chunk starts where a mention cut by this chunk's end could start.
            start += count - (Name.Length - 1);
        }
        return false;
    }
}
