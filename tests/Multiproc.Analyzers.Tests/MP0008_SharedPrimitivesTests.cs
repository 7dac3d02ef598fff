using Verify = Multiproc.Analyzers.Tests.Verifiers.CSharpAnalyzerVerifier<Multiproc.Analyzers.MultiprocAnalyzer, Multiproc.Analyzers.Tests.Verifiers.MP0008Rule>;

namespace Multiproc.Analyzers.Tests;

public class MP0008_SharedPrimitivesTests
{
    [Fact]
    public Task SecondRoundPrimitives_AreNotFlagged() =>
        Verify.VerifyAnalyzerAsync(ProcessSources.SendingProgram(
            "ProcessEvent e, ProcessSemaphore s, ProcessRLock r, ProcessCondition c, ProcessBarrier b, SharedValue<long> v, SharedArray<double> a",
            "e, s, r, c, b, v, a",
            setup: "var e = new ProcessEvent(); var s = new ProcessSemaphore(1, 2); var r = new ProcessRLock(); "
                + "var c = new ProcessCondition(new ProcessLock()); var b = new ProcessBarrier(2); var v = new SharedValue<long>(1); "
                + "var a = new SharedArray<double>(3);"));
}
