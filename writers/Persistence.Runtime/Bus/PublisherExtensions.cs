namespace Persistence.Runtime.Bus;

public static class PublisherExtensions
{
    public static ValueTask PublishAsync(this IMessagePublisher publisher, OutboundMessage message, CancellationToken cancellationToken) =>
        publisher.PublishAsync([message], cancellationToken);
}
