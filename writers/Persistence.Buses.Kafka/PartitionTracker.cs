namespace Persistence.Buses.Kafka;

/// <summary>
/// Offsets of one partition handed out and settled. Kafka commits a single position per partition, so only
/// the contiguous prefix of settled offsets may be committed: everything below the lowest unsettled offset.
/// </summary>
internal sealed class PartitionTracker
{
    private readonly SortedSet<long> _inFlight = [];
    private long _highestSettled = -1;
    private long _committed = -1;

    /// <summary>Bumped on nack (seek back) and on revoke: settlements from an older generation are ignored.</summary>
    public int Generation { get; private set; }

    public void Received(long offset) => _inFlight.Add(offset);

    public void Settled(long offset)
    {
        if (_inFlight.Remove(offset)) _highestSettled = Math.Max(_highestSettled, offset);
    }

    /// <summary>The offset to commit (next to read), or null when nothing new is committable.</summary>
    public long? Committable()
    {
        var next = _inFlight.Count > 0 ? _inFlight.Min : _highestSettled + 1;
        return next > _committed && next > 0 ? next : null;
    }

    /// <summary>The offset settled up to (next to read), committed or not; null before anything was settled.</summary>
    public long? Position()
    {
        var next = _inFlight.Count > 0 ? _inFlight.Min : _highestSettled + 1;
        return next > 0 ? next : null;
    }

    public void MarkCommitted(long next) => _committed = Math.Max(_committed, next);

    /// <summary>The position committed (or stored for the background commit) by this consumer; 0 before any.</summary>
    public long Committed => Math.Max(_committed, 0);

    /// <summary>Redeliver from <paramref name="offset"/>: later in-flight offsets come again.</summary>
    public void Rewind(long offset)
    {
        _inFlight.RemoveWhere(o => o >= offset);
        _highestSettled = Math.Min(_highestSettled, offset - 1);
        Generation++;
    }

    public long InFlight => _inFlight.Count;
}
