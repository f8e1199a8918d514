using Microsoft.Extensions.Logging.Abstractions;
using Persistence.Runtime.Bus;
using Persistence.Runtime.Bus.InProcess;
using Persistence.Runtime.Options;
using Persistence.Runtime.Pipeline;
using Persistence.Runtime.Tests;
using Persistence.Writer.Hosting;

namespace Persistence.Writers.Tests;

/// <summary>/metrics: what KEDA and dashboards read off each writer.</summary>
public sealed class MetricsEndpointTests
{
    /// <summary>A source reporting Kafka-style lag per partition.</summary>
    private sealed class LaggingSource(IReadOnlyDictionary<string, long> lag) : IMessageSource, IPartitionedBacklog
    {
        public string Name => "lagging";
        public long? Backlog => lag.Values.Sum();
        public IReadOnlyDictionary<string, long> BacklogByPartition => lag;
        public ValueTask<IDelivery> ReceiveAsync(CancellationToken cancellationToken) => throw new NotSupportedException();
        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    private static string Metrics(IMessageSource source)
    {
        var bus = new InProcessBus();
        var writer = new LoopParts(new WriterIdentity("online-writer", "ONLINE_WRITER"), source, new DeadLetterPublisher(bus.OpenPublisher("dlq")),
            new WriterOptions(), new ByteBudget(1 << 20), NullLogger.Instance).Loop(new TextDecoder(), new ScriptedSink());
        return new HealthServer(writer, 0, NullLogger<HealthServer>.Instance).Metrics();
    }

    [Fact]
    public void Per_partition_lag_is_exported_beside_the_total_backlog()
    {
        var text = Metrics(new LaggingSource(new Dictionary<string, long> { ["result-bus-1/0"] = 12, ["result-bus-1/3"] = 4000 }));
        Assert.Contains("persistence_writer_backlog_messages{writer=\"online-writer\",type=\"ONLINE_WRITER\"} 4012", text);
        Assert.Contains("persistence_writer_partition_lag_messages{writer=\"online-writer\",topic=\"result-bus-1\",partition=\"3\"} 4000", text);
        Assert.Contains("persistence_writer_partition_lag_messages{writer=\"online-writer\",topic=\"result-bus-1\",partition=\"0\"} 12", text);
        Assert.Contains("persistence_writer_inflight_budget_bytes{writer=\"online-writer\",type=\"ONLINE_WRITER\"} 1048576", text);
    }

    [Fact]
    public void A_source_that_cannot_tell_its_backlog_exports_no_backlog_metrics()
    {
        var text = Metrics(new PubSubLikeSource());
        Assert.DoesNotContain("persistence_writer_backlog_messages", text);
        Assert.DoesNotContain("persistence_writer_partition_lag_messages", text);
        Assert.Contains("persistence_writer_received_total", text);
    }

    /// <summary>Like Pub/Sub: the backlog is known to Cloud Monitoring, not to the subscriber.</summary>
    private sealed class PubSubLikeSource : IMessageSource
    {
        public string Name => "pubsub-like";
        public long? Backlog => null;
        public ValueTask<IDelivery> ReceiveAsync(CancellationToken cancellationToken) => throw new NotSupportedException();
        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
