using System.Runtime.InteropServices;
using System.Text;
using Multiproc.Platform;

namespace Multiproc.Tests;

/// <summary>The native argument and environment vectors a child is spawned with, written by hand as UTF-8.</summary>
public sealed unsafe class SpawnBlockTests
{
    [Fact]
    public void Entries_are_utf8_c_strings_in_order_and_the_vector_ends_with_null()
    {
        string[] names = ["PATH", "LANG", "NAME_Ä", "EMPTY", "SURROGATE"];
        string?[] values = ["/usr/bin:/bin", "de_DE.UTF-8", "Käufer € 😀", "", "a\ud800b"];
        var block = ProcessSpawner.Block(names, names.Length, values, "=");
        try
        {
            for (var i = 0; i < names.Length; i++)
            {
                var expected = Encoding.UTF8.GetBytes(names[i] + "=" + values[i]);
                var actual = new ReadOnlySpan<byte>(block[i], expected.Length + 1);
                Assert.True(actual[..^1].SequenceEqual(expected), $"entry {i}: {Marshal.PtrToStringUTF8((IntPtr)block[i])}");
                Assert.Equal(0, actual[^1]);
            }
            Assert.True(block[names.Length] == null);
        }
        finally
        {
            NativeMemory.Free(block);
        }
    }

    [Fact]
    public void An_argument_vector_has_no_separator()
    {
        string[] argv = ["/usr/share/dotnet/dotnet", "exec", "ünïcode path/x.dll", "3"];
        var block = ProcessSpawner.Block(argv, argv.Length, null, null);
        try
        {
            for (var i = 0; i < argv.Length; i++)
                Assert.Equal(argv[i], Marshal.PtrToStringUTF8((IntPtr)block[i]));
            Assert.True(block[argv.Length] == null);
        }
        finally
        {
            NativeMemory.Free(block);
        }
    }
}
