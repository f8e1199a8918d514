using System.Collections.Concurrent;
using Persistence.Runtime.Pipeline;

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
    private long _settleFailures;
    private readonly ConcurrentDictionary<string, long> _errorsByClass = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _deadLettersByClass = new(StringComparer.Ordinal);

    public string WriterName => writerName;
    public long Received => Interlocked.Read(ref _received);
    /// <summary>Messages durably written and acknowledged.</summary>
    public long Written => Interlocked.Read(ref _written);
    public long DeadLettered => Interlocked.Read(ref _deadLettered);
    /// <summary>Failed writes that were retried (transient, or unknown within its bounded attempts).</summary>
    public long Retries => Interlocked.Read(ref _retries);
    public long Batches => Interlocked.Read(ref _batches);
    /// <summary>Messages given back unacknowledged (drain timeout, or a batch whose settling failed), to be redelivered.</summary>
    public long HandedBack => Interlocked.Read(ref _handedBack);
    /// <summary>Batches that failed after their write, e.g. an acknowledgement that threw; their unsettled messages are handed back.</summary>
    public long SettleFailures => Interlocked.Read(ref _settleFailures);
    /// <summary>Failed write attempts per error class ("network", "postgres_22021", "redis_wrongtype", an exception type...).</summary>
    public IReadOnlyDictionary<string, long> ErrorsByClass => _errorsByClass;
    /// <summary>Dead-lettered messages per error class ("decode", "schema_conflict", "postgres_22021"...).</summary>
    public IReadOnlyDictionary<string, long> DeadLettersByClass => _deadLettersByClass;
    public DateTimeOffset? LastWriteAt { get; private set; }
    public string? LastError { get; private set; }

    internal void OnReceived() => Interlocked.Increment(ref _received);

    internal void OnRetry(WriteError error, Exception exception)
    {
        Interlocked.Increment(ref _retries);
        OnError(error.ErrorClass, exception);
    }

    /// <summary>A failure that is not retried further (permanent, or unknown after its attempts).</summary>
    internal void OnError(string errorClass, Exception exception)
    {
        _errorsByClass.AddOrUpdate(errorClass, 1, (_, n) => n + 1);
        LastError = exception.Message;
    }

    internal void OnHandedBack(int count) => Interlocked.Add(ref _handedBack, count);

    internal void OnSettleFailed(int unsettled, Exception exception)
    {
        Interlocked.Increment(ref _settleFailures);
        Interlocked.Add(ref _handedBack, unsettled);
        LastError = exception.Message;
    }

    internal void OnDeadLettered(string errorClass) => _deadLettersByClass.AddOrUpdate(errorClass, 1, (_, n) => n + 1);

    internal void OnBatch(int written, int deadLettered)
    {
        Interlocked.Add(ref _written, written);
        Interlocked.Add(ref _deadLettered, deadLettered);
        Interlocked.Increment(ref _batches);
        LastWriteAt = DateTimeOffset.UtcNow;
    }
}
