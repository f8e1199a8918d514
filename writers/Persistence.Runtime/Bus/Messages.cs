namespace Persistence.Runtime.Bus;

/// <summary>A message as it arrived from a bus, before decoding.</summary>
/// <param name="Id">Pub/Sub message id, or "topic/partition@offset" on Kafka.</param>
/// <param name="DeliveryAttempt">1 on first delivery; higher on redelivery where the bus reports it.</param>
public sealed record InboundMessage(
    string Id,
    ReadOnlyMemory<byte> Payload,
    IReadOnlyDictionary<string, string> Attributes,
    int DeliveryAttempt = 1)
{
    public static readonly IReadOnlyDictionary<string, string> NoAttributes = new Dictionary<string, string>();
}

/// <summary>A message to publish. Key orders messages on Kafka; Pub/Sub ignores it unless ordering is on.</summary>
public sealed record OutboundMessage(
    ReadOnlyMemory<byte> Payload,
    IReadOnlyDictionary<string, string>? Attributes = null,
    string? Key = null);
