namespace Persistence.Runtime.Bus;

/// <summary>One message read from the dead-letter queue: the original bytes, its attributes (with the DLQ context) and where it sits.</summary>
/// <param name="Id">The DLQ message's own id: Pub/Sub message id, or "topic/partition@offset" on Kafka.</param>
/// <param name="DeadLetteredAt">When it was published to the DLQ (Pub/Sub publish time, Kafka timestamp), where known.</param>
public sealed record DeadLetter(
    string Id,
    ReadOnlyMemory<byte> Payload,
    IReadOnlyDictionary<string, string> Attributes,
    DateTimeOffset? DeadLetteredAt)
{
    /// <summary>The reader's handle to settle it (ack id, partition offset); only the reader that made it reads it.</summary>
    public object? Handle { get; init; }
}

/// <summary>
/// Reads a DLQ (a Kafka topic in a replay consumer group, or a Pub/Sub subscription on the DLQ topic) once through:
/// <see cref="NextAsync"/> returns null when what was there at the start (Kafka) or until it stays empty (Pub/Sub) is read.
/// A dead letter is removed only by <see cref="AckAsync"/>; one that is released, or never settled, stays for the next reader.
/// </summary>
public interface IDeadLetterReader : IAsyncDisposable
{
    string Name { get; }

    ValueTask<DeadLetter?> NextAsync(CancellationToken cancellationToken);

    /// <summary>The dead letter is dealt with (republished or exported for good): never read it again.</summary>
    ValueTask AckAsync(DeadLetter letter, CancellationToken cancellationToken);

    /// <summary>Leave it in the queue (a filter left it out, or a dry run).</summary>
    ValueTask ReleaseAsync(DeadLetter letter, CancellationToken cancellationToken);

    /// <summary>The topic the dead letter was originally read from, given its context's source (subscription / group) and message id.</summary>
    ValueTask<string?> OriginTopicAsync(string source, string originalMessageId, CancellationToken cancellationToken);
}
