namespace Persistence.Runtime.Diagnostics;

/// <summary>Live counters of one writer, read by progress displays, health checks and metrics.</summary>
public sealed class WriterStats(string writerName)
{
    private long _received;
    private long _written;
    private long _deadLettered;
    private long _retries;
    private long _batches;
    private long _handedBack;

    public string WriterName => writerName;
    public long Received => Interlocked.Read(ref _received);
    /// <summary>Messages durably written and acknowledged.</summary>
    public long Written => Interlocked.Read(ref _written);
    public long DeadLettered => Interlocked.Read(ref _deadLettered);
    /// <summary>Transient write failures that were retried.</summary>
    public long Retries => Interlocked.Read(ref _retries);
    public long Batches => Interlocked.Read(ref _batches);
    /// <summary>Messages given back unacknowledged (drain timeout), to be redelivered.</summary>
    public long HandedBack => Interlocked.Read(ref _handedBack);
    public DateTimeOffset? LastWriteAt { get; private set; }
    public string? LastError { get; private set; }

    internal void OnReceived() => Interlocked.Increment(ref _received);
    internal void OnRetry(Exception error) { Interlocked.Increment(ref _retries); LastError = error.Message; }
    internal void OnHandedBack(int count) => Interlocked.Add(ref _handedBack, count);

    internal void OnBatch(int written, int deadLettered)
    {
        Interlocked.Add(ref _written, written);
        Interlocked.Add(ref _deadLettered, deadLettered);
        Interlocked.Increment(ref _batches);
        LastWriteAt = DateTimeOffset.UtcNow;
    }
}
