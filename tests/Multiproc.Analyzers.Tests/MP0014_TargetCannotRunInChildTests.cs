using Verify = Multiproc.Analyzers.Tests.Verifiers.CSharpAnalyzerVerifier<Multiproc.Analyzers.MultiprocAnalyzer, Multiproc.Analyzers.Tests.Verifiers.MP0014Rule>;
using VerifyAll = Multiproc.Analyzers.Tests.Verifiers.CSharpAnalyzerVerifier<Multiproc.Analyzers.MultiprocAnalyzer>;

namespace Multiproc.Analyzers.Tests;

public class MP0014_TargetCannotRunInChildTests
{
    private static Task Flagged(string body, string message) =>
        Verify.VerifyAnalyzerAsync(PoolSources.InMethod(body),
            Verify.Diagnostic(Descriptors.MP0014_TargetCannotRunInChild).WithLocation(0).WithArguments(message));

    private static Task Compliant(string body) => Verify.VerifyAnalyzerAsync(PoolSources.InMethod(body));

    // ChildProcess targets: not one call.

    [Fact]
    public Task ChildObjectCreation_IsFlagged() =>
        Flagged("var p = new ChildProcess(() => {|#0:new Worker()|});",
            "A ChildProcess target must be one method call, like () => Worker(x, y); got 'new Worker()'.");

    [Fact]
    public Task ChildPropertyAccess_IsFlagged() =>
        Flagged("var p = new ChildProcess(() => {|#0:Work.Pending|});",
            "A ChildProcess target must be one method call, like () => Worker(x, y); got 'Work.Pending'.");

    [Fact]
    public Task ChildLambdaInvoked_IsFlagged() =>
        Flagged("var p = new ChildProcess(() => {|#0:((Action)(() => Work.Run(1)))()|});",
            "A ChildProcess target must be one method call, like () => Worker(x, y); got '((Action)(() => Work.Run(1)))()'.");

    [Fact]
    public Task ChildDelegateCalled_IsFlagged() =>
        Flagged("Action a = () => Work.Run(1);\n        var p = new ChildProcess(() => {|#0:a()|});",
            "A ChildProcess target must be one method call, like () => Worker(x, y); got 'a()'.");

    // ChildProcess targets: the method.

    [Fact]
    public Task ChildGenericMethod_IsFlagged() =>
        Flagged("var p = new ChildProcess(() => {|#0:Work.Echo(1)|});",
            "The target 'Echo' is generic or declared in a generic type; call it through a non-generic method.");

    [Fact]
    public Task ChildMethodOfGenericType_IsFlagged() =>
        Flagged("var p = new ChildProcess(() => {|#0:Box<int>.Run()|});",
            "The target 'Run' is generic or declared in a generic type; call it through a non-generic method.");

    [Fact]
    public Task ChildDelegateInvokeOfGenericType_IsFlagged() =>
        Flagged("Func<Task> f = () => Task.CompletedTask;\n        var p = new ChildProcess(() => {|#0:f.Invoke()|});",
            "The target 'Invoke' is generic or declared in a generic type; call it through a non-generic method.");

    [Fact]
    public Task ChildRefArgument_IsFlagged() =>
        Flagged("var k = 1;\n        var p = new ChildProcess(() => Work.ByRef(ref {|#0:k|}));",
            "Parameter 'n' of Work.ByRef is passed by reference; a child process cannot write back to the parent.");

    [Fact]
    public Task ChildInArgument_IsFlagged() =>
        Flagged("var p = new ChildProcess(() => Work.ByIn({|#0:n|}));",
            "Parameter 'n' of Work.ByIn is passed by reference; a child process cannot write back to the parent.");

    // ChildProcess targets: the receiver.

    [Fact]
    public Task ChildUnsendableReceiver_IsFlagged() =>
        Flagged("var p = new ChildProcess(() => {|#0:holder|}.Run());",
            "Cannot send the instance of Holder that Holder.Run is called on to a child process: constructor parameter 's' of 'Holder' matches no public property, so System.Text.Json cannot use the constructor.");

    [Fact]
    public Task ChildStreamReceiver_IsFlagged() =>
        Flagged("var p = new ChildProcess(() => {|#0:stream|}.Flush());",
            "Cannot send the instance of Stream that Stream.Flush is called on to a child process: a stream is bound to handles and buffers of this process.");

    [Fact]
    public Task ChildDelegateInvokeReceiver_IsFlagged() =>
        Flagged("Action a = () => Work.Run(1);\n        var p = new ChildProcess(() => {|#0:a|}.Invoke());",
            "Cannot send the instance of Action that Action.Invoke is called on to a child process: a delegate is code and captured state of this process, not data.");

    // ChildProcess targets the runtime accepts.

    [Fact]
    public Task ChildStaticCall_IsCompliant() => Compliant("var p = new ChildProcess(() => Work.Run(n));");

    [Fact]
    public Task ChildAsyncTarget_IsCompliant() =>
        Compliant("var p = new ChildProcess(() => Work.RunAsync(n));\n        var q = new ChildProcess(() => Work.SquareAsync(n));");

    [Fact]
    public Task ChildCallOnCallResult_IsCompliant() => Compliant("var p = new ChildProcess(() => Work.Make().Run());");

    [Fact]
    public Task ChildArgumentComputedInParent_IsCompliant() => Compliant("var p = new ChildProcess(() => Work.Run(Work.Square(n) + 1));");

    [Fact]
    public Task ChildSendableReceiver_IsCompliant() => Compliant("var p = new ChildProcess(() => worker.Run());");

    [Fact]
    public Task ChildExpressionBuiltElsewhere_IsCompliant() =>
        Compliant("Expression<Action> target = () => Work.Run(1);\n        var p = new ChildProcess(target);");

    [Fact]
    public Task ChildUnsendableArgument_IsMP0008sNotThisRules() => Compliant("var p = new ChildProcess(() => Work.Keep(stream));");

    [Fact]
    public Task UnsendableArgument_OneDiagnostic_WithEveryRuleOn() =>
        VerifyAll.VerifyAnalyzerAsync(PoolSources.InMethod("var p = new ChildProcess(() => Work.Keep({|#0:stream|}));"),
            VerifyAll.Diagnostic(Descriptors.MP0008_UnsendableArgument).WithLocation(0)
                .WithArguments("s", "Stream", "a stream is bound to handles and buffers of this process"));

    // Pool calls: not one call.

    [Fact]
    public Task PoolFunctionNotACall_IsFlagged() =>
        Flagged("var r = pool.Map(items, x => {|#0:x * x|});",
            "A pool function must be one method call whose arguments are the item and values that can be sent, like x => Worker.Compute(x, y); got 'x * x'.");

    [Fact]
    public Task PoolTaskNotACall_IsFlagged() =>
        Flagged("var r = pool.Apply(() => {|#0:Work.Square(1) + Work.Square(2)|});",
            "A pool task must be one method call, like () => Worker.Compute(x, y); got 'Work.Square(1) + Work.Square(2)'.");

    [Fact]
    public Task PoolTaskObjectCreation_IsFlagged() =>
        Flagged("var r = pool.Apply(() => {|#0:new Worker()|});",
            "A pool task must be one method call, like () => Worker.Compute(x, y); got 'new Worker()'.");

    [Fact]
    public Task PoolResultConverted_IsFlagged() =>
        Flagged("var r = pool.Map<int, long>(items, x => {|#0:Work.Square(x)|});",
            "The pool function 'x => Work.Square(x)' converts the method's result (Int32 to Int64); the result travels as the method's own return type, so declare the method to return Int64 or map to Int32.");

    // Pool calls: the method and its results.

    [Fact]
    public Task PoolGenericMethod_IsFlagged() =>
        Flagged("var r = pool.Map(items, x => {|#0:Work.Echo(x)|});",
            "The target 'Echo' is generic or declared in a generic type; call it through a non-generic method.");

    [Fact]
    public Task PoolMethodOfGenericType_IsFlagged() =>
        Flagged("var r = pool.Imap(items, x => {|#0:Box<int>.Square(x)|});",
            "The target 'Square' is generic or declared in a generic type; call it through a non-generic method.");

    [Fact]
    public Task PoolUnsendableResult_IsFlagged() =>
        Flagged("var r = pool.Map(items, x => {|#0:Work.Open(x)|});",
            "The results of Work.Open cannot come back from a worker process: Stream is an open stream of this process.");

    [Fact]
    public Task PoolTaskResultOfApplyAsync_IsFlagged() =>
        Flagged("var r = await pool.ApplyAsync(() => {|#0:Work.SquareAsync(3)|});",
            "The results of Work.SquareAsync cannot come back from a worker process: Task is a task of this process.");

    // Pool calls: the item.

    [Fact]
    public Task PoolItemTwice_IsFlagged() =>
        Flagged("var r = pool.Map(items, x => Work.Twice(x, {|#0:x|}));",
            "The pool function 'x => Work.Twice(x, x)' passes the item twice; pass it once and let Twice use it twice.");

    [Fact]
    public Task PoolItemConverted_IsFlagged() =>
        Flagged("var r = pool.Map(items, x => Work.Wide({|#0:x|}));",
            "Parameter 'x' of Work.Wide is Int64, the items are Int32; the item travels as it is, so make the parameter Int32.");

    [Fact]
    public Task PoolArgumentComputedFromItem_IsFlagged() =>
        Flagged("var r = pool.ImapUnordered(items, x => Work.Square({|#0:x + 1|}));",
            "Argument 'x' of Work.Square is computed from the item ('x + 1'); a pool function passes the item itself: do the computation inside Square.");

    [Fact]
    public Task PoolMethodOnItem_IsFlagged() =>
        Flagged("var r = pool.Map(workers, w => {|#0:w|}.Apply(2));",
            "The pool function 'w => w.Apply(2)' calls Apply on the item; make it a static method that takes the item.");

    [Fact]
    public Task PoolItemNotPassed_IsFlagged() =>
        Flagged("var r = await pool.MapAsync(items, x => {|#0:Work.Square(3)|});",
            "The pool function 'x => Work.Square(3)' does not pass the item to Square; pass it as an argument, like x => Work.Square(x).");

    [Fact]
    public Task PoolUnsendableItems_IsFlagged() =>
        Flagged("var r = pool.Map(streams, s => Work.Size({|#0:s|}));",
            "Items of type Stream cannot be sent to a worker process: Stream is an open stream of this process.");

    // Pool calls: by reference and the receiver.

    [Fact]
    public Task PoolInParameter_IsFlagged() =>
        Flagged("var r = pool.Map(items, x => Work.SquareIn({|#0:x|}));",
            "Parameter 'x' of Work.SquareIn is passed by reference; a child process cannot write back to the parent.");

    [Fact]
    public Task PoolUnsendableReceiver_IsFlagged() =>
        Flagged("var r = pool.Apply(() => {|#0:holder|}.Count());",
            "Cannot send the instance of Holder that Holder.Count is called on to a child process: constructor parameter 's' of 'Holder' matches no public property, so System.Text.Json cannot use the constructor.");

    // Pool calls the runtime accepts.

    [Fact]
    public Task PoolStaticFunctionOfItem_IsCompliant() => Compliant("""
        var a = pool.Map(items, x => Work.Square(x));
        var b = pool.Map(items, x => Work.Scale(x, n));
        var c = pool.Imap(items, x => Work.Scale(x, Work.Square(3)), 4);
        var d = pool.ImapUnordered(items, x => Work.Scale(n, x));
        var e = await pool.MapAsync(items, x => Work.Square(x));
""");

    [Fact]
    public Task PoolApply_IsCompliant() => Compliant("""
        var a = pool.Apply(() => Work.Square(3));
        var b = await pool.ApplyAsync(() => Work.Square(n));
        await pool.ApplyAsync(() => Work.Run(n));
""");

    [Fact]
    public Task PoolSendableReceiver_IsCompliant() => Compliant("var a = pool.Map(items, x => worker.Apply(x));");

    [Fact]
    public Task PoolFunctionBuiltElsewhere_IsCompliant() =>
        Compliant("Expression<Func<int, int>> f = x => x * x;\n        var a = pool.Map(items, f);");

    [Fact]
    public Task OtherMapMethod_IsCompliant() => Compliant("""
        var list = new List<int>();
        list.ForEach(x => Work.Run(x + 1));
""");
}
