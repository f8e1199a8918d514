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

    private static IRunnableWriter Writer(IMessageSource source, string name = "online-writer")
    {
        var bus = new InProcessBus();
        return new LoopParts(new WriterIdentity(name, "ONLINE_WRITER"), source, new DeadLetterPublisher(bus.OpenPublisher("dlq")),
            new WriterOptions(), new ByteBudget(1 << 20), NullLogger.Instance).Loop(new TextDecoder(), new ScriptedSink());
    }

    private static string Metrics(IMessageSource source) => new WriterMetrics(() => Writer(source)).ExportAsync().GetAwaiter().GetResult();

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

    [Fact]
    public async Task Every_family_has_help_and_type_lines()
    {
        var text = await new WriterMetrics(() => Writer(new PubSubLikeSource())).ExportAsync();
        foreach (var family in new[] { "persistence_writer_received_total", "persistence_writer_written_total", "persistence_writer_dead_lettered_total",
                     "persistence_writer_retries_total", "persistence_writer_inflight_bytes", "persistence_writer_inflight_budget_bytes" })
        {
            Assert.Contains($"# HELP {family} ", text);
            Assert.Contains($"# TYPE {family} ", text);
        }
    }

    [Fact]
    public async Task Label_values_are_escaped()
    {
        var text = await new WriterMetrics(() => Writer(new PubSubLikeSource(), "odd\"name\\with\nbreaks")).ExportAsync();
        Assert.Contains("persistence_writer_received_total{writer=\"odd\\\"name\\\\with\\nbreaks\",type=\"ONLINE_WRITER\"} 0", text);
    }

    [Fact]
    public async Task A_revoked_partition_is_no_longer_exported()
    {
        var lag = new Dictionary<string, long> { ["result-bus-1/0"] = 5, ["result-bus-1/1"] = 7 };
        var writer = Writer(new LaggingSource(lag));
        var metrics = new WriterMetrics(() => writer);
        Assert.Contains("partition=\"1\"} 7", await metrics.ExportAsync());
        lag.Remove("result-bus-1/1");
        var text = await metrics.ExportAsync();
        Assert.DoesNotContain("partition=\"1\"", text);
        Assert.Contains("partition=\"0\"} 5", text);
    }

    [Fact]
    public async Task Concurrent_scrapes_each_get_the_whole_exposition()
    {
        var writer = Writer(new LaggingSource(new Dictionary<string, long> { ["t/0"] = 1, ["t/1"] = 2, ["t/2"] = 3 }));
        var metrics = new WriterMetrics(() => writer);
        var scrapes = await Task.WhenAll(Enumerable.Range(0, 32).Select(_ => Task.Run(() => metrics.ExportAsync())));
        Assert.All(scrapes, text =>
        {
            Assert.Contains("persistence_writer_backlog_messages{writer=\"online-writer\",type=\"ONLINE_WRITER\"} 6", text);
            Assert.Equal(3, text.Split('\n').Count(l => l.StartsWith("persistence_writer_partition_lag_messages{", StringComparison.Ordinal)));
        });
    }

    [Fact]
    public void The_same_counters_are_published_on_a_system_diagnostics_meter()
    {
        var writer = Writer(new PubSubLikeSource(), "meter-writer");
        using var metrics = new WriterMetrics(() => writer);
        var seen = new List<(string Instrument, long Value, string? Writer)>();
        using var listener = new System.Diagnostics.Metrics.MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == WriterMetrics.MeterName) l.EnableMeasurementEvents(instrument);
            },
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            var name = tags.ToArray().FirstOrDefault(t => t.Key == "writer").Value as string;
            if (name == "meter-writer") seen.Add((instrument.Name, value, name));
        });
        listener.Start();
        listener.RecordObservableInstruments();
        Assert.Contains(seen, m => m.Instrument == "persistence.writer.received" && m.Value == 0);
        Assert.Contains(seen, m => m.Instrument == "persistence.writer.inflight");
    }
}
