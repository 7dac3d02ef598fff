using System.Diagnostics;

namespace Multiproc.Tests;

public class ChildProcessTests
{
    [Fact]
    public void Names_count_up_and_can_be_set()
    {
        var a = new ChildProcess(() => Targets.Noop());
        var b = new ChildProcess(() => Targets.Noop());
        Assert.Matches(@"^ChildProcess-\d+$", a.Name);
        Assert.Equal(int.Parse(a.Name.Split('-')[1]) + 1, int.Parse(b.Name.Split('-')[1]));
        var c = new ChildProcess(() => Targets.Noop(), "worker");
        Assert.Equal("worker", c.Name);
        c.Name = "renamed";
        Assert.Equal("renamed", c.Name);
    }

    [Fact]
    public void Lifecycle_pid_is_alive_and_exit_code()
    {
        using var tmp = new TempDir();
        var p = new ChildProcess(() => Targets.Sleep(500));
        Assert.Null(p.Pid);
        Assert.False(p.IsAlive);
        Assert.Null(p.ExitCode);
        try
        {
            p.Start();
            Assert.NotNull(p.Pid);
            Assert.NotEqual(Environment.ProcessId, p.Pid);
            Assert.True(p.IsAlive);
            Assert.Null(p.ExitCode);
            Wait.Joined(p);
            Assert.False(p.IsAlive);
            Assert.Equal(0, p.ExitCode);
        }
        finally { Wait.Cleanup(p); }
    }

    [Fact]
    public void Pid_is_the_childs_own_pid_and_Current_describes_it()
    {
        using var tmp = new TempDir();
        var path = tmp.File("current");
        var p = new ChildProcess(() => Targets.ReportCurrent(path), "reporter");
        p.Start();
        Wait.Joined(p);
        var parts = File.ReadAllText(path).Split('|');
        Assert.Equal("reporter", parts[0]);
        Assert.Equal(p.Pid.ToString(), parts[1]);
        Assert.Equal("False", parts[2]);
        Assert.Equal(p.Pid.ToString(), parts[3]);
        Assert.Null(ChildProcess.Current);
    }

    [Fact]
    public void Current_reports_daemon()
    {
        using var tmp = new TempDir();
        var path = tmp.File("current");
        var p = new ChildProcess(() => Targets.ReportCurrent(path)) { Daemon = true };
        p.Start();
        Wait.Joined(p);
        Assert.EndsWith("|True|" + p.Pid, File.ReadAllText(path));
    }

    [Fact]
    public void Exception_in_target_gives_exit_code_1()
    {
        var p = new ChildProcess(() => Targets.Throw("expected failure (this stack trace is part of a test)"));
        p.Start();
        Wait.Joined(p);
        Assert.Equal(1, p.ExitCode);
    }

    [Fact]
    public void Environment_Exit_code_is_reported()
    {
        var p = new ChildProcess(() => Targets.Exit(7));
        p.Start();
        Wait.Joined(p);
        Assert.Equal(7, p.ExitCode);
    }

    [Fact]
    public void Terminate_gives_minus_15_and_Kill_minus_9()
    {
        var t = new ChildProcess(() => Targets.Sleep(60_000));
        var k = new ChildProcess(() => Targets.Sleep(60_000));
        try
        {
            t.Start();
            k.Start();
            Thread.Sleep(200);
            t.Terminate();
            k.Kill();
            Wait.Joined(t);
            Wait.Joined(k);
            Assert.Equal(-15, t.ExitCode);
            Assert.Equal(-9, k.ExitCode);
            Assert.False(t.IsAlive);
            // On an ended child both do nothing.
            t.Terminate();
            t.Kill();
            Assert.Equal(-15, t.ExitCode);
        }
        finally { Wait.Cleanup(t, k); }
    }

    [Fact]
    public void Terminate_gives_minus_15_after_the_child_started_dotnet_signal_handling()
    {
        var ready = Path.Combine(Path.GetTempPath(), "multiproc-ready-" + Guid.NewGuid().ToString("N"));
        var t = new ChildProcess(() => Targets.SleepAfterSignalHandlingStarted(ready, 60_000));
        try
        {
            t.Start();
            Assert.True(SpinWait.SpinUntil(() => File.Exists(ready), TimeSpan.FromSeconds(20)), "the child never got ready");
            t.Terminate();
            Wait.Joined(t);
            Assert.Equal(-15, t.ExitCode);
        }
        finally
        {
            Wait.Cleanup(t);
            File.Delete(ready);
        }
    }

    [Fact]
    public void Terminate_right_after_Start_still_ends_the_child()
    {
        var t = new ChildProcess(() => Targets.Sleep(60_000));
        try
        {
            t.Start();
            t.Terminate();
            Wait.Joined(t);
            Assert.True(t.ExitCode is -15 or -9, $"exit code {t.ExitCode}");
        }
        finally { Wait.Cleanup(t); }
    }

    [Fact]
    public void Start_twice_throws()
    {
        var p = new ChildProcess(() => Targets.Noop(), "twice");
        p.Start();
        var e = Assert.Throws<InvalidOperationException>(() => p.Start());
        Assert.Contains("Start() was called twice", e.Message);
        Assert.Contains("twice", e.Message);
        Wait.Joined(p);
    }

    [Fact]
    public void Join_before_Start_throws()
    {
        var p = new ChildProcess(() => Targets.Noop());
        var e = Assert.Throws<InvalidOperationException>(() => p.Join());
        Assert.Contains("before Start()", e.Message);
        Assert.Throws<InvalidOperationException>(() => p.Join(TimeSpan.FromSeconds(1)));
        Assert.Throws<InvalidOperationException>(() => p.Terminate());
    }

    [Fact]
    public void Daemon_after_Start_throws()
    {
        var p = new ChildProcess(() => Targets.Noop());
        p.Start();
        var e = Assert.Throws<InvalidOperationException>(() => p.Daemon = true);
        Assert.Contains("after Start()", e.Message);
        Wait.Joined(p);
    }

    [Fact]
    public void Daemon_cannot_have_children()
    {
        using var tmp = new TempDir();
        var path = tmp.File("out");
        var d = new ChildProcess(() => Targets.StartGrandchild(path)) { Daemon = true };
        d.Start();
        Wait.Joined(d);
        Assert.Equal("refused:daemon processes are not allowed to have children", File.ReadAllText(path));
    }

    [Fact]
    public void Non_daemon_child_can_have_children()
    {
        using var tmp = new TempDir();
        var path = tmp.File("out");
        var p = new ChildProcess(() => Targets.StartGrandchild(path));
        p.Start();
        Wait.Joined(p);
        Assert.Equal("started:0", File.ReadAllText(path));
    }

    [Fact]
    public void Join_with_timeout_returns_false_while_running_and_about_on_time()
    {
        var p = new ChildProcess(() => Targets.Sleep(60_000));
        try
        {
            p.Start();
            var sw = Stopwatch.StartNew();
            Assert.False(p.Join(TimeSpan.FromMilliseconds(300)));
            Assert.InRange(sw.ElapsedMilliseconds, 250, 5_000);
            Assert.True(p.IsAlive);
        }
        finally { Wait.Cleanup(p); }
    }

    [Fact]
    public void Join_after_exit_returns_at_once_every_time()
    {
        var p = new ChildProcess(() => Targets.Noop());
        p.Start();
        Wait.Joined(p);
        var sw = Stopwatch.StartNew();
        for (var i = 0; i < 100; i++)
        {
            p.Join();
            Assert.True(p.Join(TimeSpan.Zero));
        }
        Assert.True(sw.ElapsedMilliseconds < 1_000);
        Assert.Equal(0, p.ExitCode);
    }

    [Fact]
    public void Dispose_of_an_ended_child_keeps_its_state_and_a_running_child_running()
    {
        var ended = new ChildProcess(() => Targets.Noop());
        ended.Start();
        Wait.Joined(ended);
        ended.Dispose();
        ended.Dispose();
        Assert.Equal(0, ended.ExitCode);
        Assert.False(ended.IsAlive);
        Assert.True(ended.Join(TimeSpan.Zero));

        var running = new ChildProcess(() => Targets.Sleep(60_000));
        try
        {
            running.Start();
            running.Dispose();
            Assert.True(running.IsAlive);
            running.Kill();
            Wait.Joined(running);
            Assert.Equal(-9, running.ExitCode);
        }
        finally { Wait.Cleanup(running); }
    }

    [Fact]
    public async Task JoinAsync_completes_and_honours_cancellation()
    {
        var slow = new ChildProcess(() => Targets.Sleep(60_000));
        var quick = new ChildProcess(() => Targets.Sleep(200));
        try
        {
            slow.Start();
            quick.Start();
            using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => slow.JoinAsync(cts.Token));
            Assert.True(slow.IsAlive);
            await quick.JoinAsync().WaitAsync(TimeSpan.FromSeconds(60));
            Assert.Equal(0, quick.ExitCode);
        }
        finally { Wait.Cleanup(slow, quick); }
    }

    [Fact]
    public void Arguments_are_evaluated_at_Start_and_sent()
    {
        using var tmp = new TempDir();
        var path = tmp.File("out");
        var text = "before";
        var p = new ChildProcess(() => Targets.WriteText(path, text));
        text = "at start: \u00e9\u4e2d\ud83d\ude00";
        p.Start();
        Wait.Joined(p);
        Assert.Equal("at start: \u00e9\u4e2d\ud83d\ude00", File.ReadAllText(path));
    }

    [Fact]
    public void Records_and_collections_travel()
    {
        using var tmp = new TempDir();
        var path = tmp.File("out");
        var order = new Order(42, "bun", ["hot", "fresh"], 3.5m);
        var p = new ChildProcess(() => Targets.ReportRecord(order, path));
        p.Start();
        Wait.Joined(p);
        Assert.Equal("42|bun|hot,fresh|3.5", File.ReadAllText(path));
    }

    [Fact]
    public void Task_returning_target_is_awaited()
    {
        using var tmp = new TempDir();
        var path = tmp.File("out");
        var p = new ChildProcess(() => Targets.WriteLaterAsync(path, "after await"));
        p.Start();
        Wait.Joined(p);
        Assert.Equal(0, p.ExitCode);
        Assert.Equal("after await", File.ReadAllText(path));
    }

    [Fact]
    public void Static_field_written_in_child_is_not_seen_by_parent()
    {
        using var tmp = new TempDir();
        var path = tmp.File("out");
        Targets.StaticCounter = 1;
        var p = new ChildProcess(() => Targets.WriteStaticCounter(99, path));
        p.Start();
        Wait.Joined(p);
        Assert.Equal("99", File.ReadAllText(path));
        Assert.Equal(1, Targets.StaticCounter);
    }

    public static IEnumerable<object[]> Unsendable()
    {
        yield return ["s", "stream", new ChildProcess(() => Targets.TakeStream(new MemoryStream()))];
        yield return ["a", "delegate", new ChildProcess(() => Targets.TakeAction(Targets.Noop))];
        yield return ["t", "task", new ChildProcess(() => Targets.TakeTask(Task.CompletedTask))];
        yield return ["n", "round-trip", new ChildProcess(() => Targets.TakeNoSetters(new NoSetters(5, true)))];
        yield return ["o", "ProcessLock", new ChildProcess(() => Targets.TakeObject(new object()))];
    }

    [Theory]
    [MemberData(nameof(Unsendable))]
    public void Unsendable_argument_fails_Start_naming_the_parameter(string param, string why, ChildProcess p)
    {
        var e = Assert.Throws<ArgumentException>(() => p.Start());
        Assert.Equal(param, e.ParamName);
        Assert.Contains($"'{param}'", e.Message);
        Assert.Contains(why, e.Message);
        Assert.Null(p.Pid);
        Assert.False(p.IsAlive);
    }

    [Fact]
    public void Target_must_be_a_single_call_to_a_named_non_generic_method()
    {
        Action local = () => { };
        var invoke = Assert.Throws<ArgumentException>(() => new ChildProcess(() => local()));
        Assert.Contains("one method call", invoke.Message);
        var generic = Assert.Throws<ArgumentException>(() => new ChildProcess(() => Targets.Generic<int>()));
        Assert.Contains("generic", generic.Message);
    }


}
