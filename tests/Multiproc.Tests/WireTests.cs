using Multiproc.Internal;
using Multiproc.Platform;

namespace Multiproc.Tests;

/// <summary>The control frame a child decodes by hand, and the integers it parses without globalization.</summary>
public sealed unsafe class WireTests
{
    [Fact]
    public void A_frame_read_back_from_a_pipe_equals_the_message_sent()
    {
        var message = new StartMessage
        {
            Name = "Käufer-" + new string('x', 300), // a length prefix of two bytes, non-ASCII text
            Daemon = true,
            WorkingDirectory = "/tmp/ünïcode dir",
            Assembly = "Some.Assembly",
            MethodToken = 0x06000123,
            Instance = null,
            Arguments = ["r42", null, "j{\"a\":[1,2,3]}", "", new string('€', 70_000)],
        };
        var frame = Wire.Frame(message);
        int* fds = stackalloc int[2];
        Assert.Equal(0, LinuxNative.pipe2(fds, LinuxNative.O_CLOEXEC));
        try
        {
            var writer = Task.Run(() => LinuxNative.WriteAll(fds[1], frame));
            var back = Wire.ReadFrame(fds[0]);
            Assert.True(writer.Wait(TimeSpan.FromSeconds(10)));
            Assert.NotNull(back);
            Assert.Equal(message.Name, back.Name);
            Assert.True(back.Daemon);
            Assert.Equal(message.WorkingDirectory, back.WorkingDirectory);
            Assert.Equal(message.Assembly, back.Assembly);
            Assert.Equal(message.MethodToken, back.MethodToken);
            Assert.Null(back.Instance);
            Assert.Equal(message.Arguments, back.Arguments);
        }
        finally
        {
            LinuxNative.close(fds[0]);
            LinuxNative.close(fds[1]);
        }
    }

    [Fact]
    public void A_truncated_frame_is_an_error_not_a_wrong_message()
    {
        var frame = Wire.Frame(new StartMessage { Name = "n", Assembly = "a", Arguments = ["rvalue"] });
        // Keep the length prefix honest about a body that ends inside the last string.
        var cut = frame[..^3];
        BitConverter.TryWriteBytes(cut, cut.Length - 4);
        int* fds = stackalloc int[2];
        Assert.Equal(0, LinuxNative.pipe2(fds, LinuxNative.O_CLOEXEC));
        try
        {
            LinuxNative.WriteAll(fds[1], cut);
            Assert.Throws<InvalidDataException>(() => Wire.ReadFrame(fds[0]));
        }
        finally
        {
            LinuxNative.close(fds[0]);
            LinuxNative.close(fds[1]);
        }
    }

    [Theory]
    [InlineData(0L)]
    [InlineData(7L)]
    [InlineData(-1L)]
    [InlineData(int.MaxValue)]
    [InlineData(int.MinValue)]
    [InlineData(long.MaxValue)]
    [InlineData(long.MinValue)]
    public void Integers_come_back_as_sent(long value) =>
        Assert.Equal(value, TargetCall.ParseInteger(value.ToString(System.Globalization.CultureInfo.InvariantCulture)));

    [Theory]
    [InlineData("")]
    [InlineData("-")]
    [InlineData("1x")]
    [InlineData("9223372036854775808")]
    [InlineData("-9223372036854775809")]
    [InlineData("99999999999999999999")]
    public void Malformed_or_out_of_range_integers_are_rejected(string text) =>
        Assert.ThrowsAny<Exception>(() => TargetCall.ParseInteger(text));
}

/// <summary>A launched spare's head start: its own frame decodes and binds as a target's does.</summary>
public sealed class PrepareFrameTests
{
    [Fact]
    public void The_prepare_frame_binds_to_the_prepared_method_with_no_arguments()
    {
        var message = ChildMain.PrepareMessage();
        Assert.Equal("Multiproc", message.Assembly);
        Assert.Null(message.Instance);
        Assert.Empty(message.Arguments);
        var (method, instance, args) = TargetCall.Bind(message);
        Assert.Equal("Prepared", method.Name);
        Assert.Equal(typeof(ChildMain), method.DeclaringType);
        Assert.Null(instance);
        Assert.Empty(args);
        Assert.Null(method.Invoke(instance, args));
    }

    [Fact]
    public void The_hand_made_prepare_frame_decodes_as_the_parents_encoder_would_write_it()
    {
        var message = ChildMain.PrepareMessage();
        var framed = Wire.Frame(new StartMessage { Assembly = "Multiproc", MethodToken = message.MethodToken });
        var expected = Wire.Decode(framed.AsSpan(4));
        Assert.Equal(expected.Version, message.Version);
        Assert.Equal(expected.Name, message.Name);
        Assert.Equal(expected.Daemon, message.Daemon);
        Assert.Equal(expected.WorkingDirectory, message.WorkingDirectory);
        Assert.Equal(expected.Assembly, message.Assembly);
        Assert.Equal(expected.MethodToken, message.MethodToken);
        Assert.Equal(expected.Instance, message.Instance);
        Assert.Equal(expected.Arguments, message.Arguments);
    }
}

/// <summary>The build the tests run against is what children load.</summary>
public sealed class BuildTests
{
#if RELEASE
    [Fact]
    public void A_Release_build_of_Multiproc_dll_is_precompiled_ReadyToRun()
    {
        using var file = File.OpenRead(typeof(ProcessLock).Assembly.Location);
        using var pe = new System.Reflection.PortableExecutable.PEReader(file);
        Assert.True(pe.PEHeaders.CorHeader!.ManagedNativeHeaderDirectory.Size > 0, "Multiproc.dll has no ReadyToRun header");
    }

    [Fact]
    public void A_Release_build_of_the_launcher_is_precompiled_ReadyToRun()
    {
        // A precompiled Main: a child's runtime needs no JIT before the child reports booted.
        var launcher = Path.Combine(Path.GetDirectoryName(typeof(ProcessLock).Assembly.Location)!, "Multiproc.Child.dll");
        using var file = File.OpenRead(launcher);
        using var pe = new System.Reflection.PortableExecutable.PEReader(file);
        Assert.True(pe.PEHeaders.CorHeader!.ManagedNativeHeaderDirectory.Size > 0, "Multiproc.Child.dll has no ReadyToRun header");
    }
#endif
}
