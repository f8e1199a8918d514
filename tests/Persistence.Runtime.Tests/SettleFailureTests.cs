using Persistence.Runtime.Bus;

namespace Persistence.Runtime.Tests;

/// <summary>A batch whose settling fails (an acknowledgement that throws) is observed: logged, counted, handed back, redelivered.</summary>
public sealed class SettleFailureTests
{
    [Fact]
    public async Task A_throwing_ack_hands_the_message_back_counts_it_and_the_redelivery_is_written()
    {
        var harness = new LoopHarness();
        harness.Publish("a", "b", "c");
        using var stop = new CancellationTokenSource();
        ThrowingAckSource? source = null;
        var writer = harness.Writer(wrapSource: inner => source = new ThrowingAckSource(inner, payload: "b"));
        var run = writer.RunAsync(stop.Token);

        // Before the fix the faulted batch task was dropped unobserved: "b" (and what followed it in the batch) was
        // neither acknowledged nor handed back, so it never came again and Acked stopped short of 3.
        await harness.WaitAckedAsync(writer, 3, "every message acknowledged, b after its redelivery");
        Assert.Equal(1, source!.AckFailures);
        Assert.Equal(1, writer.Stats.SettleFailures);
        Assert.True(writer.Stats.HandedBack >= 1, $"handed back {writer.Stats.HandedBack}");
        Assert.True(harness.Input.Redelivered >= 1, "the bus redelivered what was handed back");
        Assert.Equal(3, writer.Stats.Written);
        Assert.Equal(writer.Stats.Received, writer.Stats.Written + writer.Stats.DeadLettered + writer.Stats.HandedBack);
        Assert.Equal(2, harness.Sink.Written.Count(v => v == "b")); // written again on redelivery; stores are idempotent
        Assert.Contains("ack refused", writer.Stats.LastError);

        await stop.CancelAsync();
        await run; // returns normally: the failure was handled, not lost
    }

    /// <summary>Delegates to the bus, but the first acknowledgement of <paramref name="payload"/> throws, as a broken stream would.</summary>
    private sealed class ThrowingAckSource(IMessageSource inner, string payload) : IMessageSource
    {
        private int _ackFailures;
        public int AckFailures => _ackFailures;
        public string Name => inner.Name;
        public long? Backlog => inner.Backlog;

        public async ValueTask<IDelivery> ReceiveAsync(CancellationToken cancellationToken) =>
            new Delivery(this, await inner.ReceiveAsync(cancellationToken));

        public ValueTask DisposeAsync() => inner.DisposeAsync();

        private sealed class Delivery(ThrowingAckSource source, IDelivery delivery) : IDelivery
        {
            public InboundMessage Message => delivery.Message;

            public ValueTask AckAsync(CancellationToken cancellationToken) =>
                System.Text.Encoding.UTF8.GetString(Message.Payload.Span) == source.Payload && Interlocked.CompareExchange(ref source._ackFailures, 1, 0) == 0
                    ? throw new InvalidOperationException("ack refused: the stream is broken")
                    : delivery.AckAsync(cancellationToken);

            public ValueTask NackAsync(CancellationToken cancellationToken) => delivery.NackAsync(cancellationToken);
        }

        private string Payload => payload;
    }
}
