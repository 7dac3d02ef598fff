namespace Multiproc.Internal;

/// <summary>
/// Pipe ends sent to a child while <see cref="ChildProcess.Start"/> builds its start message. Each one gets a
/// holder slot in the parent's name at once (a "transit" slot), handed to the child's pid as soon as the child is
/// chosen: so a parent that closes its copy right after <c>Start()</c>, as Python programs do, never makes the
/// peer see end-of-stream before the child has attached, and a child that dies before attaching counts as closed.
/// An end in transit also keeps its pipe mapped here until the scope ends (<see cref="SharedPipe.AddRef"/>), even
/// if another thread closes both ends meanwhile; the segment itself stays for the child through the
/// <see cref="SegmentHold"/> its <see cref="ChildProcess"/> takes.
/// </summary>
internal sealed class PipeTransit : IDisposable
{
    [ThreadStatic] private static PipeTransit? _current;

    private readonly PipeTransit? _outer;
    private List<(SharedPipe Pipe, int End, int Slot)>? _slots;
    private bool _completed;

    private PipeTransit(PipeTransit? outer) => _outer = outer;

    /// <summary>Starts collecting the pipe ends serialized on this thread.</summary>
    public static PipeTransit Begin() => _current = new PipeTransit(_current);

    /// <summary>Called when an end's handle is serialized: inside a <see cref="Begin"/> scope, the end gets a transit slot.</summary>
    public static void Note(SharedPipe pipe, int end)
    {
        if (_current is not { } t) return;
        pipe.AddRef();
        try
        {
            (t._slots ??= []).Add((pipe, end, pipe.Register(end, Environment.ProcessId, transit: true)));
        }
        catch
        {
            pipe.Unref();
            throw;
        }
    }

    /// <summary>The child that got the message: its pid takes over the transit slots.</summary>
    public void Complete(int childPid)
    {
        if (_slots is not null)
            foreach (var (pipe, end, slot) in _slots) pipe.HandOver(end, slot, childPid);
        _completed = true;
    }

    /// <summary>Ends the scope; slots of a start that failed are dropped.</summary>
    public void Dispose()
    {
        _current = _outer;
        if (_slots is null) return;
        foreach (var (pipe, end, slot) in _slots)
        {
            if (!_completed) pipe.DropTransit(end, slot);
            pipe.Unref();
        }
        _slots = null;
    }
}
