using System.Collections.Concurrent;

namespace Persistence.Runtime.Bus.InProcess;

/// <summary>
/// A bus inside one process with Pub/Sub semantics: every subscription of a topic gets every message
/// published after it exists; unacknowledged messages are redelivered when nacked or when their
/// source closes (as an expired lease would). Used by `local` and by tests.
/// </summary>
public sealed class InProcessBus : IMessageBus
{
    private readonly ConcurrentDictionary<string, InProcessTopic> _topics = new(StringComparer.Ordinal);

    public InProcessTopic Topic(string name) => _topics.GetOrAdd(name, n => new InProcessTopic(n));

    /// <summary>Creates the subscription now, so messages published from here on are kept for it.</summary>
    public InProcessSubscription EnsureSubscription(string topic, string subscription) =>
        Topic(topic).Subscription(subscription);

    public IMessageSource OpenSource(SourceAddress address)
    {
        var topic = address.RequireTopic("the in-process bus");
        // A writer's address names one thing for both (Writer:Subscription): as on Kafka, the writer then reads that
        // topic in its own group, which here is a subscription named after the group.
        var subscription = address.Subscription == topic && !string.IsNullOrEmpty(address.ConsumerGroup)
            ? address.ConsumerGroup
            : address.RequireSubscription("the in-process bus");
        return new InProcessSource(EnsureSubscription(topic, subscription));
    }

    /// <summary>Shorthand for tests and `local`: a subscription on a topic.</summary>
    public IMessageSource OpenSource(string topic, string subscription) => OpenSource(SourceAddress.TopicSubscription(topic, subscription));

    public IMessagePublisher OpenPublisher(string topic) => new InProcessPublisher(Topic(topic));

    private sealed class InProcessPublisher(InProcessTopic topic) : IMessagePublisher
    {
        public string Topic => topic.Name;

        public ValueTask PublishAsync(IReadOnlyList<OutboundMessage> messages, CancellationToken cancellationToken)
        {
            cancellationToken.ThrowIfCancellationRequested();
            foreach (var message in messages)
                topic.Publish(message);
            return ValueTask.CompletedTask;
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}

public sealed class InProcessTopic(string name)
{
    private readonly ConcurrentDictionary<string, InProcessSubscription> _subscriptions = new(StringComparer.Ordinal);
    private long _sequence;
    private long _published;

    public string Name => name;
    public long Published => Interlocked.Read(ref _published);

    public InProcessSubscription Subscription(string subscription) =>
        _subscriptions.GetOrAdd(subscription, s => new InProcessSubscription(this, s));

    internal void Publish(OutboundMessage message)
    {
        var id = $"{name}-{Interlocked.Increment(ref _sequence)}";
        // Copy: the publisher may reuse its buffer once publish returns.
        var payload = message.Payload.ToArray();
        var attributes = message.Attributes ?? InboundMessage.NoAttributes;
        foreach (var subscription in _subscriptions.Values)
            subscription.Enqueue(new InboundMessage(id, payload, attributes));
        Interlocked.Increment(ref _published);
    }
}
