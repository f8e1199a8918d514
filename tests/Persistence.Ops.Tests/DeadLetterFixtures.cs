using System.Text;
using Persistence.Buses.Kafka.Dlq;
using Persistence.Buses.PubSub;
using Persistence.Buses.PubSub.Dlq;
using Persistence.Runtime.Bus;
using Persistence.Runtime.Pipeline;

namespace Persistence.Ops.Tests;

/// <summary>Dead letters as writers publish them (through the real DeadLetterPublisher), and a reader of what reached a topic.</summary>
public static class DeadLetterFixtures
{
    /// <summary>Payload "m-i"; odd i by writer-b with class decode, even i by writer-a with schema_conflict; original attribute origin=i.</summary>
    public static async Task DeadLetterAsync(IMessagePublisher dlq, string source, Func<int, string> originalId, int count)
    {
        var letters = Enumerable.Range(0, count).Select(i => (
            new InboundMessage(originalId(i), Encoding.UTF8.GetBytes($"m-{i}"), new Dictionary<string, string> { ["origin"] = i.ToString() }),
            new DeadLetterContext(source, originalId(i), i % 2 == 0 ? "writer-a" : "writer-b", "OFFLINE_WRITER",
                i % 2 == 0 ? "schema_conflict" : "decode", $"message {i} refused", 1))).ToList();
        await new DeadLetterPublisher(dlq).PublishAsync(letters, CancellationToken.None);
    }

    /// <summary>Every message on a topic, read once through: (payload, attributes).</summary>
    public static async Task<List<(string Payload, IReadOnlyDictionary<string, string> Attributes)>> DrainAsync(IDeadLetterReader reader)
    {
        var seen = new List<(string, IReadOnlyDictionary<string, string>)>();
        await using (reader)
            while (await reader.NextAsync(CancellationToken.None) is { } m)
            {
                seen.Add((Encoding.UTF8.GetString(m.Payload.Span), m.Attributes));
                await reader.AckAsync(m, CancellationToken.None);
            }
        return seen;
    }

    public static PubSubDeadLetterReader PubSubReader(PubSubBus bus, string subscription) => new(bus, subscription, TimeSpan.FromSeconds(3));

    public static KafkaDeadLetterReader KafkaReader(Buses.Tests.KafkaMockCluster kafka, string topic, string group) => new(kafka.Options(), topic, group);
}

/// <summary>Cancels a replay right after the Nth confirmed publish: the window between a republish and its ack.</summary>
public sealed class CancelAfter(int after, CancellationTokenSource cancel)
{
    private readonly int _after = after;
    private readonly CancellationTokenSource _cancel = cancel;
    private int _published;
    public int Published => _published;

    public IMessagePublisher Wrap(IMessagePublisher inner) => new Publisher(inner, this);

    private sealed class Publisher(IMessagePublisher inner, CancelAfter owner) : IMessagePublisher
    {
        public string Topic => inner.Topic;

        public async ValueTask PublishAsync(IReadOnlyList<OutboundMessage> messages, CancellationToken cancellationToken)
        {
            await inner.PublishAsync(messages, cancellationToken);
            if (Interlocked.Increment(ref owner._published) >= owner._after) await owner._cancel.CancelAsync();
        }

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}
