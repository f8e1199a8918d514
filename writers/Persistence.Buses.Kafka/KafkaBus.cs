using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using Persistence.Runtime.Bus;

namespace Persistence.Buses.Kafka;

/// <summary>Kafka / MSK: the same topic is published to and consumed; each writer reads in its own consumer group.</summary>
public sealed class KafkaBus(KafkaBusOptions options, ILoggerFactory logs) : IMessageBus, IDisposable
{
    private readonly Lazy<IProducer<byte[]?, byte[]>> _producer = new(() =>
        new ProducerBuilder<byte[]?, byte[]>(new ProducerConfig(options.ClientConfig())
        {
            Acks = Acks.All,
            EnableIdempotence = true,
            LingerMs = 5,
            MessageTimeoutMs = 60_000,
        }).SetLogHandler((_, m) => logs.CreateLogger("kafka.producer").LogDebug("librdkafka {Facility}: {Message}", m.Facility, m.Message)).Build());

    /// <summary>Kafka reads the address's topic in its consumer group; a subscription means nothing here.</summary>
    public IMessageSource OpenSource(SourceAddress address)
    {
        var (topic, group) = (address.RequireTopic("Kafka"), address.RequireConsumerGroup("Kafka"));
        return new KafkaSource(topic, group, options, logs.CreateLogger($"kafka.{group}"));
    }

    private bool _disposed;

    /// <summary>A disposed producer would take a publish and never answer it: refuse it instead.</summary>
    public IMessagePublisher OpenPublisher(string topic)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return new KafkaPublisher(_producer.Value, topic);
    }

    public void Dispose()
    {
        _disposed = true;
        if (!_producer.IsValueCreated) return;
        _producer.Value.Flush(TimeSpan.FromSeconds(10));
        _producer.Value.Dispose();
    }
}
