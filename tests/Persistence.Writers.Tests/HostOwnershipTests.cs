using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Persistence.Buses.Kafka;
using Persistence.Buses.Tests;
using Persistence.Runtime.Bus;
using Persistence.Runtime.Bus.InProcess;
using Persistence.Writer.Hosting;

namespace Persistence.Writers.Tests;

/// <summary>The host owns the bus it built (Kafka here) and disposes it at shutdown; a bus handed in by `local` stays the caller's.</summary>
public sealed class HostOwnershipTests
{
    private static Dictionary<string, string?> MetricsWriter(string bootstrap) => new()
    {
        // METRICS_WRITER only republishes: no store, so the bus is all this host owns.
        ["Writer:Type"] = "METRICS_WRITER", ["Writer:Subscription"] = KafkaMockCluster.NewTopic(), ["Writer:OutputTopic"] = KafkaMockCluster.NewTopic(),
        ["Writer:HealthPort"] = "0", ["Writer:StartupTimeoutSeconds"] = "30", ["Bus:DeadLetterTopic"] = KafkaMockCluster.NewTopic(),
        ["Bus:Backend"] = "Kafka", ["Bus:Kafka:BootstrapServers"] = bootstrap, ["Bus:Kafka:SessionTimeoutMs"] = "6000",
        ["Stores:Embedded:Path"] = Path.Combine(Directory.CreateTempSubdirectory("host-kafka-").FullName, "persistence.duckdb"),
    };

    [Fact]
    public async Task Stopping_the_host_flushes_and_disposes_the_kafka_producer_it_built()
    {
        using var cluster = new KafkaMockCluster();
        var settings = MetricsWriter(cluster.BootstrapServers);
        IMessageBus bus;
        using (var host = WriterHost.Build(WriterHost.CreateEmptyBuilder(settings)))
        {
            await host.StartAsync();
            bus = host.Services.GetRequiredService<IMessageBus>();
            Assert.IsType<KafkaBus>(bus);
            await host.StopAsync();
        }
        // The producer behind every publisher of this bus was flushed and disposed with the host.
        Assert.Throws<ObjectDisposedException>(() => bus.OpenPublisher(settings["Bus:DeadLetterTopic"]!));
        Assert.False(File.Exists(settings["Stores:Embedded:Path"]), "a writer that only republishes opened the embedded store");
    }

    [Fact]
    public async Task A_bus_handed_in_is_not_disposed_with_the_host()
    {
        var shared = new InProcessBus();
        var settings = MetricsWriter("unused:9092");
        settings.Remove("Bus:Backend");
        shared.EnsureSubscription(settings["Writer:Subscription"]!, "metrics-writer");
        using (var host = WriterHost.Build(WriterHost.CreateEmptyBuilder(settings), shared))
        {
            await host.StartAsync();
            await host.StopAsync();
        }
        var sub = shared.EnsureSubscription("after", "reader");
        await using var publisher = shared.OpenPublisher("after");
        await publisher.PublishAsync([new OutboundMessage(new byte[] { 1 })], CancellationToken.None);
        Assert.Equal(1, sub.Backlog);
    }
}
