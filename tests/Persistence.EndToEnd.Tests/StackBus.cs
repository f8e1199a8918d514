using System.Text;
using Confluent.Kafka;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Logging.Abstractions;
using Persistence.Buses.Kafka;
using Persistence.Buses.PubSub;
using Persistence.Buses.PubSub.V1;
using Persistence.Runtime.Bus;

namespace Persistence.EndToEnd.Tests;

/// <summary>
/// The rendered stack's bus on loopback: the topics and subscriptions its desired state names, created on the
/// emulator (prod) or the mock cluster (dev), and a publisher and DLQ reader that use them, as a query server and
/// an operator would.
/// </summary>
public sealed class StackBus : IAsyncDisposable
{
    private readonly IMessageBus _bus;
    private readonly IDisposable _owned;
    private readonly Dictionary<string, IMessagePublisher> _publishers = new(StringComparer.Ordinal);
    private readonly SourceAddress _deadLetters;

    private StackBus(IMessageBus bus, IDisposable owned, SourceAddress deadLetters)
    {
        _bus = bus;
        _owned = owned;
        _deadLetters = deadLetters;
    }

    /// <summary>Pub/Sub: every topic and subscription of the desired state, with its ack deadline, retry and dead-letter policy.</summary>
    public static async Task<StackBus> PubSubAsync(RenderedStack stack, string emulator)
    {
        var gcp = stack.State.Gcp!;
        var bus = new PubSubBus(new PubSubBusOptions { ProjectId = gcp.ProjectId, EmulatorHost = emulator });
        foreach (var topic in gcp.Topics)
            await bus.EnsureAsync(topic.Name);
        foreach (var s in gcp.Subscriptions)
        {
            var subscription = new Subscription
            {
                Name = s.Name, Topic = s.Topic, AckDeadlineSeconds = s.AckDeadlineSeconds,
                RetryPolicy = new RetryPolicy { MinimumBackoff = Seconds(s.MinimumBackoff), MaximumBackoff = Seconds(s.MaximumBackoff) },
            };
            if (s.DeadLetter is { } dl)
                subscription.DeadLetterPolicy = new Persistence.Buses.PubSub.V1.DeadLetterPolicy { DeadLetterTopic = dl.Topic, MaxDeliveryAttempts = dl.MaxDeliveryAttempts };
            await bus.EnsureSubscriptionAsync(subscription);
        }
        var hold = gcp.Subscriptions.Single(s => s.Writer is null);
        return new StackBus(bus, bus, SourceAddress.PubSub(hold.Name));
    }

    /// <summary>Kafka: the desired state's topics on the mock cluster (it creates a topic when metadata asks for it).</summary>
    public static StackBus Kafka(RenderedStack stack, string bootstrap)
    {
        var aws = stack.State.Aws!;
        using (var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = bootstrap }).Build())
            foreach (var topic in aws.KafkaTopics)
            {
                var metadata = admin.GetMetadata(topic.Name, TimeSpan.FromSeconds(10));
                Assert.True(metadata.Topics.Single().Error.Code == ErrorCode.NoError, $"mock cluster could not create {topic.Name}: {metadata.Topics.Single().Error.Reason}");
            }
        var bus = new KafkaBus(new KafkaBusOptions { BootstrapServers = bootstrap, SessionTimeoutMs = 6_000 }, NullLoggerFactory.Instance);
        var dlq = aws.KafkaTopics.Single(t => t.IsDeadLetter).Name;
        return new StackBus(bus, bus, SourceAddress.Kafka(dlq, $"dlq-inspector-{Guid.NewGuid():N}"));
    }

    public async Task PublishAsync(string topic, IReadOnlyList<OutboundMessage> messages)
    {
        if (!_publishers.TryGetValue(topic, out var publisher)) _publishers[topic] = publisher = _bus.OpenPublisher(topic);
        // As a query server would: a publish that timed out is sent again (on a starved machine the emulator can
        // stall); a repeat is harmless, since every store write is idempotent and the assertions count distinct rows.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await publisher.PublishAsync(messages, CancellationToken.None);
                return;
            }
            catch (Exception e) when (attempt < 5 && e is PubSubUnavailableException or KafkaException or BusUnavailableException)
            {
                await Task.Delay(TimeSpan.FromSeconds(attempt));
            }
        }
    }

    /// <summary>Everything on the DLQ until it has been quiet for <paramref name="quiet"/>; acknowledged, so a second read sees only new ones.</summary>
    public async Task<List<InboundMessage>> DrainDeadLettersAsync(TimeSpan quiet)
    {
        var letters = new List<InboundMessage>();
        await using var source = _bus.OpenSource(_deadLetters);
        while (true)
        {
            using var wait = new CancellationTokenSource(quiet);
            try
            {
                var delivery = await source.ReceiveAsync(wait.Token);
                letters.Add(delivery.Message);
                await delivery.AckAsync(CancellationToken.None);
            }
            catch (OperationCanceledException) { break; }
        }
        await Task.Delay(500); // let the acknowledgements flush before the source closes
        return letters;
    }

    public static string Text(InboundMessage message) => Encoding.UTF8.GetString(message.Payload.Span);

    private static Duration Seconds(string text) => Duration.FromTimeSpan(TimeSpan.FromSeconds(double.Parse(text.TrimEnd('s'), System.Globalization.CultureInfo.InvariantCulture)));

    public async ValueTask DisposeAsync()
    {
        foreach (var publisher in _publishers.Values) await publisher.DisposeAsync();
        _owned.Dispose();
    }
}
