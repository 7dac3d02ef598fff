// Child targets are public static methods of the test classes (the child process calls them by reflection).
#pragma warning disable xUnit1013, CA1416

using System.Text;
using Multiproc.Internal;

namespace Multiproc.Tests.Queues;

/// <summary>
/// Short ASCII strings travel as their bytes without the runtime's UTF-8 transcoders (<see cref="ShortAscii"/>); every
/// other string as before. Either way the bytes on the wire are UTF-8 and the string that comes out is the one put.
/// </summary>
public class ShortAsciiTests
{
    private static readonly TimeSpan W = Bounded.Wait;

    /// <summary>Strings around every boundary: chunk sizes (4, 8), the length limit, non-ASCII at each position.</summary>
    public static string[] Samples()
    {
        var list = new List<string> { "", "a", "abc", "abcd", "abcdefg", "abcdefgh", "abcdefghi", new string('x', 32), "\u007f\u0000\t\n" };
        foreach (var n in new[] { ShortAscii.MaxLength - 1, ShortAscii.MaxLength, ShortAscii.MaxLength + 1, 4096 })
            list.Add(string.Concat(Enumerable.Range(0, n).Select(i => (char)(' ' + i % 95))));
        foreach (var odd in new[] { "é", "\u0080", "\u00ff", "\u0100", "€", "😀", "\ud800" })
            for (var at = 0; at < 10; at++)
                list.Add(new string('a', at) + odd + new string('b', 9 - at));
        list.Add(new string('a', ShortAscii.MaxLength - 1) + "é");
        return [.. list];
    }

    public static void Echo(ProcessQueue<string?> input, ProcessQueue<string?> output, int n)
    {
        for (var i = 0; i < n; i++) output.Put(input.Get(W));
    }

    [Fact]
    public void Narrow_and_widen_agree_with_UTF8_for_every_sample()
    {
        foreach (var s in Samples())
        {
            var utf8 = Encoding.UTF8.GetBytes(s);
            var buf = new byte[Math.Max(s.Length, 1)];
            var ascii = s.Length <= ShortAscii.MaxLength && s.All(c => c < 0x80);
            Assert.Equal(ascii, ShortAscii.TryNarrow(s, buf));
            if (ascii) Assert.Equal(utf8, buf.AsSpan(0, s.Length).ToArray());
            var widened = ShortAscii.TryWiden(utf8);
            if (ascii) Assert.Equal(s, widened);
            else Assert.Null(widened);
        }
    }

    [Fact]
    public void Narrow_refuses_a_buffer_too_short()
    {
        Assert.False(ShortAscii.TryNarrow("abcdef", new byte[5]));
    }

    [Fact]
    public void Strings_ASCII_or_not_short_or_long_round_trip_through_a_child()
    {
        var samples = Samples();
        using var toChild = new ProcessQueue<string?>();
        using var back = new ProcessQueue<string?>();
        var c = new ChildProcess(() => Echo(toChild, back, samples.Length + 1));
        c.Start();
        foreach (var s in samples) toChild.Put(s);
        toChild.Put(null);
        // A lone surrogate becomes U+FFFD on the way, as UTF-8 always made it.
        foreach (var s in samples) Assert.Equal(Encoding.UTF8.GetString(Encoding.UTF8.GetBytes(s)), back.Get(W));
        Assert.Null(back.Get(W));
        Bounded.Joined(c);
        Assert.Equal(0, c.ExitCode);
    }

    [Fact]
    public void A_lone_surrogate_is_replaced_as_UTF8_always_did()
    {
        using var q = new ProcessQueue<string?>();
        q.Put("ab\ud800cd");
        Assert.Equal(Encoding.UTF8.GetString(Encoding.UTF8.GetBytes("ab\ud800cd")), q.Get(W));
    }
}
