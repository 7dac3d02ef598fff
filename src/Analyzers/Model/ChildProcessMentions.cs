using System.Collections.Concurrent;
using System.Threading;

namespace Multiproc.Analyzers;

/// <summary>
/// Where the text of each syntax tree names <c>ChildProcess</c>, found once per tree by a plain text search: a type
/// whose declaration does not name it creates no child (a <c>new ChildProcess(…)</c>, or a target-typed <c>new(…)</c>
/// assigned to something declared <c>ChildProcess</c> in the type), so its symbol end has nothing to decide.
/// </summary>
internal sealed class ChildProcessMentions
{
    private const string Name = "ChildProcess";
    private readonly ConcurrentDictionary<SyntaxTree, int[]> _byTree = new();

    /// <summary>Whether the text of <paramref name="declaration"/> names <c>ChildProcess</c>.</summary>
    public bool In(SyntaxReference declaration, CancellationToken ct)
    {
        var tree = declaration.SyntaxTree;
        if (!_byTree.TryGetValue(tree, out var positions)) positions = _byTree.GetOrAdd(tree, Find(tree, ct));
        var span = declaration.Span;
        foreach (var p in positions)
            if (p >= span.Start && p < span.End) return true;
        return false;
    }

    private static int[] Find(SyntaxTree tree, CancellationToken ct)
    {
        var text = tree.GetText(ct).ToString();
        List<int>? found = null;
        for (var i = text.IndexOf(Name, StringComparison.Ordinal); i >= 0; i = text.IndexOf(Name, i + Name.Length, StringComparison.Ordinal))
            (found ??= new List<int>()).Add(i);
        return found?.ToArray() ?? Array.Empty<int>();
    }
}
