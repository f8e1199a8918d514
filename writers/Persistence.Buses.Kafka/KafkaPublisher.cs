using System.Text;
using Confluent.Kafka;
using Persistence.Runtime.Bus;

namespace Persistence.Buses.Kafka;

/// <summary>Publishes with acks=all and idempotence; a publish returns once every message is acknowledged by the brokers.</summary>
public sealed class KafkaPublisher(IProducer<byte[]?, byte[]> producer, string topic) : IMessagePublisher
{
    public string Topic => topic;

    public async ValueTask PublishAsync(IReadOnlyList<OutboundMessage> messages, CancellationToken cancellationToken)
    {
        var sends = messages.Select(m => producer.ProduceAsync(topic, new Message<byte[]?, byte[]>
        {
            Key = m.Key is null ? null : Encoding.UTF8.GetBytes(m.Key),
            Value = m.Payload.ToArray(),
            Headers = Headers(m.Attributes),
        }, cancellationToken));
        await KafkaErrors.GuardAsync(Task.WhenAll(sends)).ConfigureAwait(false);
    }

    private static Headers? Headers(IReadOnlyDictionary<string, string>? attributes)
    {
        if (attributes is null || attributes.Count == 0) return null;
        var headers = new Headers();
        foreach (var (key, value) in attributes) headers.Add(key, Encoding.UTF8.GetBytes(value));
        return headers;
    }

    // The producer is shared by the bus; it is disposed there.
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
