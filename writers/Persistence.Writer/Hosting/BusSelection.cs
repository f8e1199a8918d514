using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Persistence.Buses.Kafka;
using Persistence.Buses.PubSub;
using Persistence.Runtime.Bus;
using Persistence.Writer.Hosting.Settings;

namespace Persistence.Writer.Hosting;

/// <summary>Builds the bus backend that validated <see cref="BusSettings"/> name; the host's container owns (and disposes) it.</summary>
public static class BusSelection
{
    public static IMessageBus Create(BusSettings settings, ILoggerFactory logs) => settings.Backend switch
    {
        BusBackend.Kafka => new KafkaBus(settings.Kafka, logs),
        BusBackend.PubSub => new PubSubBus(settings.PubSub),
        _ => throw new InvalidOperationException("no bus backend is configured"),
    };

    /// <summary>Kafka settings outside a writer host (`topics ensure`).</summary>
    public static KafkaBusOptions KafkaOptions(IConfiguration configuration) =>
        configuration.GetSection("Bus:Kafka").Get<KafkaBusOptions>() ?? new KafkaBusOptions();
}
