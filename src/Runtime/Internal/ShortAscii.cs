using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Multiproc.Internal;

/// <summary>
/// Short ASCII strings to and from their UTF-8 bytes (which are the same bytes), without the runtime's UTF-8
/// transcoders. Those are large methods (<c>Utf8Utility.TranscodeToUtf16</c>, <c>GetPointerToFirstInvalidByte</c>, the
/// ASCII widening and narrowing helpers): a fresh child that puts or gets string items runs them thousands of times at
/// once, so its runtime re-compiles each of them, twice with tiered PGO (instrumented, then final), on the cores the
/// producer and the consumer need (bench/README.md, "joinable_1p1c: the two modes"). These loops are small and
/// precompiled with the rest of Multiproc.dll. Longer or non-ASCII strings go through <see cref="System.Text.Encoding.UTF8"/>;
/// the wire format (UTF-8) is the same either way.
/// </summary>
internal static class ShortAscii
{
    /// <summary>The longest string (in chars, or bytes) handled here; above it the vectorized transcoders pay off.</summary>
    public const int MaxLength = 256;

    /// <summary>Writes <paramref name="s"/> as bytes into <paramref name="dest"/> (at least <c>s.Length</c> long) if it is short and all ASCII.</summary>
    [MethodImpl(Jit.HotPath)]
    public static bool TryNarrow(string s, Span<byte> dest)
    {
        var n = s.Length;
        if (n > MaxLength || dest.Length < n) return false;
        ref var src = ref MemoryMarshal.GetReference(s.AsSpan());
        ref var dst = ref MemoryMarshal.GetReference(dest);
        var i = 0;
        for (; i + 4 <= n; i += 4)
        {
            var w = Unsafe.ReadUnaligned<ulong>(ref Unsafe.As<char, byte>(ref Unsafe.Add(ref src, i)));
            if ((w & 0xFF80_FF80_FF80_FF80UL) != 0) return false;
            var v = (uint)(w & 0xFF) | (uint)((w >> 8) & 0xFF00) | (uint)((w >> 16) & 0xFF_0000) | (uint)((w >> 24) & 0xFF00_0000);
            Unsafe.WriteUnaligned(ref Unsafe.Add(ref dst, i), v);
        }
        for (; i < n; i++)
        {
            var c = Unsafe.Add(ref src, i);
            if (c >= 0x80) return false;
            Unsafe.Add(ref dst, i) = (byte)c;
        }
        return true;
    }

    /// <summary>The string of <paramref name="bytes"/> if they are few and all ASCII; else null.</summary>
    [MethodImpl(Jit.HotPath)]
    public static string? TryWiden(ReadOnlySpan<byte> bytes)
    {
        var n = bytes.Length;
        if (n > MaxLength) return null;
        if (n == 0) return string.Empty;
        ref var src = ref MemoryMarshal.GetReference(bytes);
        var i = 0;
        for (; i + 8 <= n; i += 8)
            if ((Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref src, i)) & 0x8080_8080_8080_8080UL) != 0) return null;
        for (; i < n; i++)
            if (Unsafe.Add(ref src, i) >= 0x80) return null;
        Span<char> chars = stackalloc char[n];
        ref var dst = ref Unsafe.As<char, byte>(ref MemoryMarshal.GetReference(chars));
        i = 0;
        for (; i + 4 <= n; i += 4)
        {
            ulong v = Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref src, i));
            var w = (v & 0xFF) | ((v & 0xFF00) << 8) | ((v & 0xFF_0000) << 16) | ((v & 0xFF00_0000) << 24);
            Unsafe.WriteUnaligned(ref Unsafe.Add(ref dst, i * 2), w);
        }
        for (; i < n; i++) chars[i] = (char)Unsafe.Add(ref src, i);
        return new string(chars);
    }
}
