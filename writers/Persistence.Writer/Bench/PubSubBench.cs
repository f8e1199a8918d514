using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Diagnostics;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.Extensions.Logging.Abstractions;
using Persistence.Buses.PubSub;
using Persistence.Buses.PubSub.V1;
using Persistence.Runtime.Bus;
using Persistence.Runtime.Pipeline;

namespace Persistence.Writer.Bench;

/// <summary>
/// Publish-to-visible latency on the Pub/Sub emulator at 200 messages/s: the Pub/Sub source under the real loop
/// (visible = its batch written) against a plain StreamingPull subscriber on a second subscription of the same
/// topic (visible = received), both reading the same published messages at the same time. Figures: p99 in ms.
/// </summary>
public sealed class PubSubBench(string emulator)
{
    private const int Rate = 200;

    public async Task<(double Ours, double Limit)> RunAsync(int messages)
    {
        var run = $"bench-{Guid.NewGuid():N}"[..20];
        using var bus = new PubSubBus(new PubSubBusOptions { ProjectId = "bench", EmulatorHost = emulator, AckDeadlineSeconds = 30 });
        await bus.EnsureAsync(run, $"{run}-ours").ConfigureAwait(false);
        await bus.EnsureAsync(run, $"{run}-plain").ConfigureAwait(false);

        var ours = new ConcurrentBag<double>();
        var plain = new ConcurrentBag<double>();
        using var stop = new CancellationTokenSource();
        var plainTask = PlainAsync(bus, bus.Options.SubscriptionPath($"{run}-plain"), plain, stop.Token);
        await using var source = bus.OpenSource(SourceAddress.PubSub($"{run}-ours"));
        var sink = new LatencySink(ours);
        var oursTask = LoopRun.RunUntilAsync(source, "BENCH", new RawDecoder(), sink, LoopRun.Options(500),
            new DiscardingPublisher(), () => ours.Count >= messages || stop.IsCancellationRequested);

        await PublishAsync(bus, bus.Options.TopicPath(run), messages).ConfigureAwait(false);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while ((ours.Count < messages || plain.Count < messages) && DateTime.UtcNow < deadline) await Task.Delay(50).ConfigureAwait(false);
        await stop.CancelAsync().ConfigureAwait(false);
        await oursTask.ConfigureAwait(false);
        try { await plainTask.ConfigureAwait(false); } catch (OperationCanceledException) { } catch (RpcException) { }
        if (ours.Count < messages || plain.Count < messages)
            throw new TimeoutException($"pubsub bench: ours saw {ours.Count}, plain {plain.Count} of {messages} within 60 s");
        return (P99(ours), P99(plain));
    }

    private static async Task PublishAsync(PubSubBus bus, string topic, int messages)
    {
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < messages; i++)
        {
            var due = TimeSpan.FromSeconds((double)i / Rate);
            if (clock.Elapsed < due) await Task.Delay(due - clock.Elapsed).ConfigureAwait(false);
            var payload = new byte[1024];
            BinaryPrimitives.WriteInt64LittleEndian(payload, Stopwatch.GetTimestamp());
            var request = new PublishRequest { Topic = topic, Messages = { new PubsubMessage { Data = ByteString.CopyFrom(payload) } } };
            _ = bus.Publisher.PublishAsync(request).ResponseAsync;
        }
        await Task.CompletedTask.ConfigureAwait(false);
    }

    /// <summary>A plain StreamingPull subscriber: records each message's latency at receipt and acknowledges it.</summary>
    private static async Task PlainAsync(PubSubBus bus, string subscription, ConcurrentBag<double> latencies, CancellationToken cancellationToken)
    {
        using var call = bus.Subscriber.StreamingPull(cancellationToken: cancellationToken);
        await call.RequestStream.WriteAsync(new StreamingPullRequest { Subscription = subscription, StreamAckDeadlineSeconds = 30, MaxOutstandingMessages = 1000 }, cancellationToken).ConfigureAwait(false);
        await foreach (var response in call.ResponseStream.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            var now = Stopwatch.GetTimestamp();
            var ack = new StreamingPullRequest();
            foreach (var received in response.ReceivedMessages)
            {
                latencies.Add(Milliseconds(now, received.Message.Data.Span));
                ack.AckIds.Add(received.AckId);
            }
            await call.RequestStream.WriteAsync(ack, cancellationToken).ConfigureAwait(false);
        }
    }

    private static double Milliseconds(long now, ReadOnlySpan<byte> payload) =>
        Stopwatch.GetElapsedTime(BinaryPrimitives.ReadInt64LittleEndian(payload), now).TotalMilliseconds;

    private static double P99(ConcurrentBag<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(sorted.Length * 0.99) - 1)];
    }

    private sealed class RawDecoder : IMessageDecoder<ReadOnlyMemory<byte>>
    {
        public ReadOnlyMemory<byte> Decode(InboundMessage message) => message.Payload;
    }

    private sealed class LatencySink(ConcurrentBag<double> latencies) : ISink<ReadOnlyMemory<byte>>
    {
        public ValueTask<WriteResult> WriteAsync(IReadOnlyList<Decoded<ReadOnlyMemory<byte>>> batch, CancellationToken cancellationToken)
        {
            var now = Stopwatch.GetTimestamp();
            foreach (var message in batch) latencies.Add(Milliseconds(now, message.Value.Span));
            return ValueTask.FromResult(WriteResult.Ok);
        }
    }

    private sealed class DiscardingPublisher : IMessagePublisher
    {
        public string Topic => "dlq";
        public ValueTask PublishAsync(IReadOnlyList<OutboundMessage> messages, CancellationToken cancellationToken) => ValueTask.CompletedTask;
        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
