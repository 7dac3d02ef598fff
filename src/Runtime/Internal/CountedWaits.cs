namespace Multiproc.Internal;

/// <summary>
/// The async waits of this process counted in a primitive's shared waiter words, so that letting the primitive go
/// can take back the counts of the waits that will finish only after its memory is unmapped.
/// </summary>
/// <remarks>
/// <para>A primitive whose setters wake only when a waiter word says someone sleeps (<c>if (waiters &gt; 0) wake</c>)
/// counts an async wait in that word from <see cref="Begin"/> to <see cref="End"/>. Disposal cancels a pending wait,
/// which then finishes after the segment is unmapped and can no longer uncount itself: left so, the word would
/// count a waiter that does not exist, and every later set or release by another process would make a futile wake.
/// So the primitive calls <see cref="UncountAll"/> once no wait can touch the words any more (after
/// <see cref="DisposeGate.Close"/>, or whatever keeps its waits out) and before it unmaps them.</para>
/// <para>Each slot is one shared word (a pipe has one per ring and side). Synchronous waits need none of this: they
/// end before the primitive is disposed (a primitive must not be disposed while another thread uses it).</para>
/// </remarks>
internal sealed unsafe class CountedWaits
{
    private readonly nint[] _words;  // the shared waiter words, by slot
    private readonly int[] _pending; // async waits of this process counted in each, by slot

    /// <summary>Tracks waits counted in <paramref name="words"/> (pointers into the primitive's mapping), one slot each.</summary>
    public CountedWaits(params nint[] words)
    {
        _words = words;
        _pending = new int[words.Length];
    }

    /// <summary>Counts one async wait in slot <paramref name="slot"/>'s shared word (call it while the words may be touched).</summary>
    public void Begin(int slot = 0)
    {
        Interlocked.Increment(ref _pending[slot]);
        Interlocked.Increment(ref *(int*)_words[slot]);
    }

    /// <summary>
    /// Tracks one async wait that the caller has already counted in slot <paramref name="slot"/>'s shared word (a pipe
    /// counts a waiter before its last check, then keeps only the waits that will sleep): <see cref="End"/> or
    /// <see cref="UncountAll"/> takes it back as for <see cref="Begin"/>.
    /// </summary>
    public void Adopt(int slot) => Interlocked.Increment(ref _pending[slot]);

    /// <summary>Uncounts a wait <see cref="Begin"/> counted, ending while the words may still be touched.</summary>
    public void End(int slot = 0)
    {
        Interlocked.Decrement(ref _pending[slot]);
        Interlocked.Decrement(ref *(int*)_words[slot]);
    }

    /// <summary>
    /// Uncounts every wait still counted: the primitive is being let go, no wait touches the words any more, and
    /// those pending will finish without calling <see cref="End"/>. Call it once, just before unmapping.
    /// </summary>
    public void UncountAll()
    {
        for (var i = 0; i < _pending.Length; i++)
        {
            var n = Interlocked.Exchange(ref _pending[i], 0);
            if (n != 0) Interlocked.Add(ref *(int*)_words[i], -n);
        }
    }
}
