namespace Persistence.Stores.Http.Mirror;

/// <summary>
/// Query ids replayed lately, so a batch retried after a failure (or redelivered) does not send the queries
/// that already went through again. Bounded: the oldest ids are forgotten first.
/// </summary>
public sealed class RecentlyReplayed(int capacity)
{
    private readonly Lock _gate = new();
    private readonly HashSet<string> _ids = new(StringComparer.Ordinal);
    private readonly Queue<string> _order = new();

    public bool Contains(string queryId)
    {
        lock (_gate) return _ids.Contains(queryId);
    }

    public void Add(string queryId)
    {
        lock (_gate)
        {
            if (!_ids.Add(queryId)) return;
            _order.Enqueue(queryId);
            if (_order.Count > capacity) _ids.Remove(_order.Dequeue());
        }
    }
}
