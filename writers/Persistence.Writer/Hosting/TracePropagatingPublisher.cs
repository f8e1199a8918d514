using System.Diagnostics;
using Persistence.Runtime.Bus;
using Persistence.Runtime.Diagnostics;

namespace Persistence.Writer.Hosting;

/// <summary>
/// What a writer republishes (streaming inserts, metrics batches) carries the trace context of the batch span
/// it was produced in, so one trace runs from the query result to the offline table write.
/// </summary>
public sealed class TracePropagatingPublisher(IMessagePublisher inner) : IMessagePublisher
{
    public string Topic => inner.Topic;

    public ValueTask PublishAsync(IReadOnlyList<OutboundMessage> messages, CancellationToken cancellationToken) =>
        inner.PublishAsync(Activity.Current is null ? messages : messages.Select(m => m with { Attributes = WriterTracing.Propagate(m.Attributes) }).ToList(), cancellationToken);

    public ValueTask DisposeAsync() => inner.DisposeAsync();
}
