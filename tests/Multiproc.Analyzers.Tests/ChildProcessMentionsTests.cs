using System.IO;
using System.Text;
using Microsoft.CodeAnalysis.Text;

namespace Multiproc.Analyzers.Tests;

/// <summary>
/// <c>ChildProcessMentions</c>, which decides whether a type gets a symbol-end action (MP0001, MP0009 and MP0013 reported
/// per document): a chunked search from the declaration's start that stops at the first mention must give what finding every
/// mention of the tree did, a mention that starts inside the span, for spans of every length and mentions cut by a chunk's end.
/// </summary>
public class ChildProcessMentionsTests
{
    private const string Name = "ChildProcess";

    /// <summary>The earlier answer: every mention of the whole text, then whether one starts inside the span.</summary>
    private static bool Reference(string text, TextSpan span)
    {
        for (var i = text.IndexOf(Name, StringComparison.Ordinal); i >= 0; i = text.IndexOf(Name, i + Name.Length, StringComparison.Ordinal))
            if (i >= span.Start && i < span.End) return true;
        return false;
    }

    private static string Filler(int length, int seed)
    {
        var random = new Random(seed);
        const string alphabet = "abcdefghijklmnopqrstuvwxyzChildProcess {}();\n";
        var sb = new StringBuilder(length);
        for (var i = 0; i < length; i++) sb.Append(alphabet[random.Next(alphabet.Length)]);
        return sb.ToString();
    }

    public static IEnumerable<object[]> Cases()
    {
        // Mention positions around the chunk length (4096) and its multiples, and at both ends of the text.
        foreach (var at in new[] { 0, 1, 100, 4084, 4085, 4090, 4095, 4096, 4097, 8180, 8181, 8192, 12000, 19988, 45000, 89988 })
            yield return new object[] { at };
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void AgreesWithEveryMentionOfTheTree(int at)
    {
        var text = Filler(90000, at).Insert(at, Name);
        foreach (var source in new[] { SourceText.From(text), SourceText.From(new MemoryStream(Encoding.UTF8.GetBytes(text)), Encoding.UTF8) })
        {
            foreach (var (start, end) in new[]
            {
                (0, text.Length), (0, at), (0, at + 1), (at, text.Length), (at + 1, text.Length), (Math.Max(0, at - 3), at + 3),
                (at, at + 1), (at, at), (Math.Max(0, at - 5000), Math.Min(text.Length, at + 5000)), (0, 4096), (4085, 8200),
            })
            {
                var span = TextSpan.FromBounds(start, Math.Min(end, text.Length));
                Assert.Equal(Reference(text, span), ChildProcessMentions.StartsIn(source, span));
            }
        }
    }

    [Fact]
    public void ShortSpansAndTexts()
    {
        foreach (var text in new[] { "", "Child", Name, "x" + Name, Name + "x", "ChildProcesChildProcess", "ChildProcessChildProcess" })
        {
            var source = SourceText.From(text);
            for (var start = 0; start <= text.Length; start++)
            for (var end = start; end <= text.Length; end++)
            {
                var span = TextSpan.FromBounds(start, end);
                Assert.Equal(Reference(text, span), ChildProcessMentions.StartsIn(source, span));
            }
        }
    }
}
