using Persistence.Runtime.Bus;

namespace Persistence.Writer.Bench;

/// <summary>
/// A bus with a backlog of <paramref name="total"/> messages, each a fresh copy of a template payload (as a bus
/// hands over fresh buffers). The backlog lives nowhere until it is received, so the process's memory is the
/// writer's alone; with Kafka, librdkafka's own prefetch (QueuedMaxMessagesKbytes) comes on top.
/// </summary>
public sealed class BacklogSource(byte[] template, long total) : IMessageSource
{
    private long _handedOut;
    private long _acked;

    public string Name => "backlog";
    public long Acked => Interlocked.Read(ref _acked);
    public long? Backlog => total - Interlocked.Read(ref _acked);

    public ValueTask<IDelivery> ReceiveAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var n = Interlocked.Increment(ref _handedOut);
        if (n > total) return WaitForeverAsync(cancellationToken);
        return ValueTask.FromResult<IDelivery>(new Delivery(this, new InboundMessage($"backlog-{n}", template.ToArray(), InboundMessage.NoAttributes)));
    }

    private static async ValueTask<IDelivery> WaitForeverAsync(CancellationToken cancellationToken)
    {
        await Task.Delay(Timeout.Infinite, cancellationToken).ConfigureAwait(false);
        throw new OperationCanceledException(cancellationToken);
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private sealed class Delivery(BacklogSource source, InboundMessage message) : IDelivery
    {
        public InboundMessage Message => message;
        public ValueTask AckAsync(CancellationToken cancellationToken) { Interlocked.Increment(ref source._acked); return ValueTask.CompletedTask; }
        // A handed-back message would be redelivered; the bench stops before that can matter.
        public ValueTask NackAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;
    }
}
