using System.Globalization;
using System.Text;

namespace Multiproc.Analyzers;

/// <summary>
/// Edits an analyzer hands to its fixer through <c>Diagnostic.Properties</c>: a list of
/// (kind, span) pairs in the diagnostic's own document, encoded as <c>K@start:length;…</c>.
/// </summary>
internal static class FixEdits
{
    public const string Property = "Edits";

    public static string Encode(IEnumerable<(char Kind, TextSpan Span)> edits)
    {
        var sb = new StringBuilder();
        foreach (var (kind, span) in edits)
        {
            if (sb.Length > 0) sb.Append(';');
            sb.Append(kind).Append('@')
              .Append(span.Start.ToString(CultureInfo.InvariantCulture)).Append(':')
              .Append(span.Length.ToString(CultureInfo.InvariantCulture));
        }
        return sb.ToString();
    }

    public static List<(char Kind, TextSpan Span)> Decode(string? encoded)
    {
        var result = new List<(char, TextSpan)>();
        if (string.IsNullOrEmpty(encoded)) return result;
        foreach (var part in encoded!.Split(';'))
        {
            var at = part.IndexOf('@');
            var colon = part.IndexOf(':');
            if (at != 1 || colon < at) continue;
            if (!int.TryParse(part.Substring(at + 1, colon - at - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var start)) continue;
            if (!int.TryParse(part.Substring(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var length)) continue;
            result.Add((part[0], new TextSpan(start, length)));
        }
        return result;
    }
}
