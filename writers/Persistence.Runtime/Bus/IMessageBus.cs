using System.Diagnostics.CodeAnalysis;

namespace Persistence.Runtime.Bus;

/// <summary>One received message and the means to settle it. Settle exactly once.</summary>
public interface IDelivery
{
    InboundMessage Message { get; }

    /// <summary>The message is durably handled (written or dead-lettered): never deliver it again.</summary>
    ValueTask AckAsync(CancellationToken cancellationToken);

    /// <summary>The message was not handled: deliver it again (now or after a restart).</summary>
    ValueTask NackAsync(CancellationToken cancellationToken);
}

/// <summary>A subscription (Pub/Sub) or a consumer group on a topic (Kafka).</summary>
public interface IMessageSource : IAsyncDisposable
{
    /// <summary>Subscription or group name, recorded in dead-letter context.</summary>
    string Name { get; }

    /// <summary>Waits for the next message. Throws OperationCanceledException when cancelled.</summary>
    ValueTask<IDelivery> ReceiveAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Takes a message that is already here, without waiting; false when none is (or the source has failed, which the
    /// next <see cref="ReceiveAsync"/> reports). Lets the loop drain what is ready in one go. By default: never.
    /// </summary>
    bool TryReceive([NotNullWhen(true)] out IDelivery? delivery)
    {
        delivery = null;
        return false;
    }

    /// <summary>Messages published but not yet acknowledged, where the bus can tell; null otherwise.</summary>
    long? Backlog { get; }
}

/// <summary>A source that can tell its backlog per partition (Kafka consumer lag), for per-partition metrics.</summary>
public interface IPartitionedBacklog
{
    /// <summary>Backlog keyed by "topic/partition".</summary>
    IReadOnlyDictionary<string, long> BacklogByPartition { get; }
}

/// <summary>Publishes to one topic. A completed publish is durable on the bus.</summary>
public interface IMessagePublisher : IAsyncDisposable
{
    string Topic { get; }

    ValueTask PublishAsync(IReadOnlyList<OutboundMessage> messages, CancellationToken cancellationToken);
}

/// <summary>A bus backend: in-process, Kafka or Pub/Sub.</summary>
public interface IMessageBus
{
    /// <summary>Opens a source on what <paramref name="address"/> names; the bus takes the parts it addresses.</summary>
    IMessageSource OpenSource(SourceAddress address);

    IMessagePublisher OpenPublisher(string topic);
}
