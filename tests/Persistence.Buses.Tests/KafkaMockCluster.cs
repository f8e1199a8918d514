using Confluent.Kafka;
using Microsoft.Extensions.Logging.Abstractions;
using Persistence.Buses.Kafka;

namespace Persistence.Buses.Tests;

/// <summary>
/// librdkafka's built-in mock cluster, owned by one producer; other clients find it through that client's
/// metadata. It speaks the protocol and consumer groups but drops old data under large backlogs, so these
/// tests keep to a few hundred small messages.
/// </summary>
public sealed class KafkaMockCluster : IDisposable
{
    private readonly IProducer<Null, byte[]> _owner;

    public KafkaMockCluster()
    {
        var config = new ProducerConfig();
        config.Set("test.mock.num.brokers", "3");
        _owner = new ProducerBuilder<Null, byte[]>(config).Build();
        using var admin = new DependentAdminClientBuilder(_owner.Handle).Build();
        var brokers = admin.GetMetadata(TimeSpan.FromSeconds(10)).Brokers;
        BootstrapServers = string.Join(",", brokers.Select(b => $"{b.Host}:{b.Port}"));
    }

    public string BootstrapServers { get; }

    public KafkaBusOptions Options() => new() { BootstrapServers = BootstrapServers, PrefetchMessages = 50, SessionTimeoutMs = 6_000 };

    public KafkaBus Bus() => new(Options(), NullLoggerFactory.Instance);

    /// <summary>The mock cluster creates a topic (with its default partition count) on first produce.</summary>
    public static string NewTopic() => $"t-{Guid.NewGuid():N}";

    public void Dispose() => _owner.Dispose();
}
