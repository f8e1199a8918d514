using System.Collections.Concurrent;
using Persistence.Runtime.Bus;

namespace Persistence.Writer.Local;

/// <summary>Counts what is published per topic, so `local` reconciles the same way on any bus.</summary>
public sealed class CountingBus(IMessageBus inner) : IMessageBus
{
    private readonly ConcurrentDictionary<string, long> _published = new(StringComparer.Ordinal);

    public IMessageBus Inner => inner;

    public long Published(string topic) => _published.GetValueOrDefault(topic);

    /// <summary>The writer hosts open their source with their subscription as `run` does; the in-process bus needs its topic too.</summary>
    public IMessageSource OpenSource(SourceAddress address) =>
        inner.OpenSource(address.Subscription is { } subscription && address.Topic == subscription
            ? address with { Topic = LocalTopics.TopicOfSubscription(subscription) }
            : address);

    public IMessagePublisher OpenPublisher(string topic) => new Counting(this, topic, inner.OpenPublisher(topic));

    private sealed class Counting(CountingBus bus, string topic, IMessagePublisher publisher) : IMessagePublisher
    {
        public string Topic => publisher.Topic;

        public async ValueTask PublishAsync(IReadOnlyList<OutboundMessage> messages, CancellationToken cancellationToken)
        {
            await publisher.PublishAsync(messages, cancellationToken).ConfigureAwait(false);
            bus._published.AddOrUpdate(topic, messages.Count, (_, n) => n + messages.Count);
        }

        public ValueTask DisposeAsync() => publisher.DisposeAsync();
    }
}
