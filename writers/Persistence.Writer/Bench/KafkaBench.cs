using System.Diagnostics;
using Confluent.Kafka;
using Microsoft.Extensions.Logging.Abstractions;
using Persistence.Buses.Kafka;
using Persistence.Runtime.Bus;
using Persistence.Runtime.Bus.InProcess;
using Persistence.Runtime.Pipeline;

namespace Persistence.Writer.Bench;

/// <summary>
/// The Kafka source under the real loop (a sink that only counts, so the source is what is measured) against a
/// bare Confluent.Kafka consumer reading the same topic in its own group. Both are timed from their first
/// message, so the group join is not counted.
/// </summary>
public sealed class KafkaBench(string bootstrap)
{
    public sealed record Shape(int Messages, int Bytes)
    {
        public override string ToString() => $"{Messages} x {Bytes} B";
    }

    /// <summary>
    /// Reads of the topic per side and run, taking turns (<see cref="Turns"/>), each in a fresh group from the
    /// start: one read of 16,000 messages takes 15-40 ms here, so a single one measured mostly the machine's drift
    /// (single runs' ratios 0.36-0.77 in one invocation), and the mock cluster cannot hold a topic large enough to
    /// read longer.
    /// </summary>
    public const int Rounds = 4;

    public async Task<(double Ours, double Limit)> RunAsync(Shape shape)
    {
        var topic = $"bench-{Guid.NewGuid():N}";
        await ProduceAsync(topic, shape).ConfigureAwait(false);
        var (ours, bare) = (0d, 0d);
        for (var round = 0; round < Rounds; round++)
        {
            await Turns.TakeAsync(round,
                async () => ours += await OursAsync(topic, shape.Messages).ConfigureAwait(false),
                () => { bare += Bare(topic, shape.Messages); return Task.CompletedTask; }).ConfigureAwait(false);
        }
        return (Rounds * shape.Messages / ours, Rounds * shape.Messages / bare);
    }

    private async Task ProduceAsync(string topic, Shape shape)
    {
        using var producer = new ProducerBuilder<byte[]?, byte[]>(new ProducerConfig { BootstrapServers = bootstrap, LingerMs = 5 }).Build();
        var payload = new byte[shape.Bytes];
        Random.Shared.NextBytes(payload);
        for (var i = 0; i < shape.Messages; i++)
        {
            while (true)
            {
                try { producer.Produce(topic, new Message<byte[]?, byte[]> { Key = BitConverter.GetBytes(i), Value = payload }); break; }
                catch (ProduceException<byte[]?, byte[]> e) when (e.Error.Code == ErrorCode.Local_QueueFull) { producer.Poll(TimeSpan.FromMilliseconds(10)); }
            }
        }
        producer.Flush(TimeSpan.FromSeconds(60));
        await Task.CompletedTask.ConfigureAwait(false);
    }

    private double Bare(string topic, int messages)
    {
        using var consumer = new ConsumerBuilder<byte[]?, byte[]>(new ConsumerConfig
        {
            BootstrapServers = bootstrap, GroupId = $"bare-{Guid.NewGuid():N}", AutoOffsetReset = AutoOffsetReset.Earliest,
        }).Build();
        consumer.Subscribe(topic);
        Stopwatch? clock = null;
        var deadline = DateTime.UtcNow.AddMinutes(2);
        for (var seen = 0; seen < messages;)
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"bare consumer read {seen} of {messages}");
            var result = consumer.Consume(TimeSpan.FromMilliseconds(100));
            if (result?.Message is null) continue;
            clock ??= Stopwatch.StartNew();
            seen++;
        }
        consumer.Close();
        return clock!.Elapsed.TotalSeconds;
    }

    private async Task<double> OursAsync(string topic, int messages)
    {
        using var bus = new KafkaBus(new KafkaBusOptions { BootstrapServers = bootstrap, SessionTimeoutMs = 10_000 }, NullLoggerFactory.Instance);
        await using var source = bus.OpenSource(SourceAddress.Kafka(topic, $"ours-{Guid.NewGuid():N}"));
        var sink = new CountingSink();
        var (seconds, stats) = await LoopRun.RunUntilAsync(source, "BENCH", new RawDecoder(), sink, LoopRun.Options(500),
            new InProcessBus().OpenPublisher("dlq"), () => sink.Count >= messages, fromFirstMessage: true).ConfigureAwait(false);
        if (stats.DeadLettered > 0) throw new InvalidOperationException("kafka bench: messages were dead-lettered");
        return seconds;
    }

    private sealed class RawDecoder : IMessageDecoder<ReadOnlyMemory<byte>>
    {
        public ReadOnlyMemory<byte> Decode(InboundMessage message) => message.Payload;
    }

    private sealed class CountingSink : ISink<ReadOnlyMemory<byte>>
    {
        private long _count;
        public long Count => Interlocked.Read(ref _count);

        public ValueTask<WriteResult> WriteAsync(IReadOnlyList<Decoded<ReadOnlyMemory<byte>>> batch, CancellationToken cancellationToken)
        {
            Interlocked.Add(ref _count, batch.Count);
            return ValueTask.FromResult(WriteResult.Ok);
        }
    }
}
