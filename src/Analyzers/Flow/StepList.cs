namespace Multiproc.Analyzers;

/// <summary>
/// The steps of a block (<see cref="FlowGraph.Steps(int)"/>): its operations, then its branch value if any; in a linear
/// graph, the statements of the function. A struct, so that asking for them allocates nothing (the path searches ask once
/// per block visited).
/// </summary>
internal readonly struct StepList : IReadOnlyList<IOperation>
{
    private readonly ImmutableArray<IOperation> _operations;
    private readonly IOperation? _branch;
    private readonly IReadOnlyList<IOperation>? _list;

    public StepList(ImmutableArray<IOperation> operations, IOperation? branch)
    {
        _operations = operations;
        _branch = branch;
        _list = null;
    }

    public StepList(IReadOnlyList<IOperation> steps)
    {
        _operations = ImmutableArray<IOperation>.Empty;
        _branch = null;
        _list = steps;
    }

    public int Count => _list?.Count ?? _operations.Length + (_branch is null ? 0 : 1);

    public IOperation this[int index] =>
        _list is not null ? _list[index]
        : index < _operations.Length ? _operations[index] : _branch ?? throw new ArgumentOutOfRangeException(nameof(index));

    public Enumerator GetEnumerator() => new(this);

    IEnumerator<IOperation> IEnumerable<IOperation>.GetEnumerator()
    {
        for (var i = 0; i < Count; i++) yield return this[i];
    }

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => ((IEnumerable<IOperation>)this).GetEnumerator();

    public struct Enumerator
    {
        private readonly StepList _list;
        private int _index;

        public Enumerator(StepList list)
        {
            _list = list;
            _index = -1;
        }

        public IOperation Current => _list[_index];

        public bool MoveNext() => ++_index < _list.Count;
    }
}
