using System.Diagnostics.Metrics;
using System.Text;
using Persistence.Runtime.Bus;
using Persistence.Runtime.Pipeline;
using Prometheus;

namespace Persistence.Writer.Hosting;

/// <summary>
/// /metrics of one writer through prometheus-net (HELP and TYPE lines, label escaping, safe concurrent
/// scrapes), in a registry of its own so the eight writers of `local` never mix. The values are read off the
/// writer's counters at each scrape. The names are what KEDA's and the dashboards' queries use: keep them.
/// </summary>
public sealed class WriterMetrics : IDisposable
{
    /// <summary>The System.Diagnostics.Metrics meter of the same counters, for OpenTelemetry's OTLP export.</summary>
    public const string MeterName = "Persistence.Writer";

    private static readonly string[] WriterLabels = ["writer", "type"];
    private readonly CollectorRegistry _registry = Metrics.NewCustomRegistry();
    private readonly IMetricFactory _factory;
    private readonly Func<IRunnableWriter?> _writer;
    private readonly HashSet<string> _partitions = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private readonly Counter _received, _written, _deadLettered, _retries;
    private readonly Gauge _inFlight, _budget;
    private readonly Meter _meter = new(MeterName);
    private Gauge? _backlog;
    private Gauge? _partitionLag;

    public WriterMetrics(Func<IRunnableWriter?> writer)
    {
        _writer = writer;
        _factory = Metrics.WithCustomRegistry(_registry);
        _received = Counter("persistence_writer_received_total", "Messages received from the bus.");
        _written = Counter("persistence_writer_written_total", "Messages durably written and acknowledged.");
        _deadLettered = Counter("persistence_writer_dead_lettered_total", "Messages moved to the dead-letter queue.");
        _retries = Counter("persistence_writer_retries_total", "Transient write failures that were retried.");
        _inFlight = Gauge("persistence_writer_inflight_bytes", "Payload bytes received and not yet settled.");
        _budget = Gauge("persistence_writer_inflight_budget_bytes", "The in-flight byte budget; receiving pauses when it is full.");
        Observe("persistence.writer.received", "Messages received from the bus.", s => s.Received);
        Observe("persistence.writer.written", "Messages durably written and acknowledged.", s => s.Written);
        Observe("persistence.writer.dead_lettered", "Messages moved to the dead-letter queue.", s => s.DeadLettered);
        Observe("persistence.writer.retries", "Transient write failures that were retried.", s => s.Retries);
        _meter.CreateObservableUpDownCounter("persistence.writer.inflight", () => Measure(w => w.Budget.InUse), "By", "Payload bytes received and not yet settled.");
        _registry.AddBeforeCollectCallback(() =>
        {
            if (_writer() is not { } w) return;
            // Concurrent scrapes run this callback at once; the lazily created families and the partition set need one at a time.
            lock (_gate) Update(w);
        });
    }

    private void Update(IRunnableWriter w)
    {
        var (name, type) = (w.Identity.Name, w.Identity.Type);
        _received.WithLabels(name, type).IncTo(w.Stats.Received);
        _written.WithLabels(name, type).IncTo(w.Stats.Written);
        _deadLettered.WithLabels(name, type).IncTo(w.Stats.DeadLettered);
        _retries.WithLabels(name, type).IncTo(w.Stats.Retries);
        _inFlight.WithLabels(name, type).Set(w.Budget.InUse);
        _budget.WithLabels(name, type).Set(w.Budget.Capacity);
        ExportBacklog(w);
    }

    /// <summary>The exposition text, as a scrape gets it.</summary>
    public async Task<string> ExportAsync(CancellationToken cancellationToken = default)
    {
        using var buffer = new MemoryStream();
        await ExportAsync(buffer, cancellationToken).ConfigureAwait(false);
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    public Task ExportAsync(Stream destination, CancellationToken cancellationToken) => _registry.CollectAndExportAsTextAsync(destination, cancellationToken);

    private void ExportBacklog(IRunnableWriter writer)
    {
        // Created only when the bus knows a backlog: Pub/Sub's lives in Cloud Monitoring, and an empty family would mislead.
        if (writer.Source.Backlog is { } backlog)
        {
            _backlog ??= Gauge("persistence_writer_backlog_messages", "Messages published to the writer's topic and not yet acknowledged.");
            _backlog.WithLabels(writer.Identity.Name, writer.Identity.Type).Set(backlog);
        }
        if (writer.Source is not IPartitionedBacklog { BacklogByPartition: { Count: > 0 } partitions }) return;
        // Per-partition consumer lag: a hot or stuck partition hides inside a healthy-looking sum.
        _partitionLag ??= _factory.CreateGauge("persistence_writer_partition_lag_messages", "Consumer lag of one Kafka partition.",
            new GaugeConfiguration { LabelNames = ["writer", "topic", "partition"] });
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (partition, lag) in partitions)
        {
            var slash = partition.LastIndexOf('/');
            _partitionLag.WithLabels(writer.Identity.Name, partition[..slash], partition[(slash + 1)..]).Set(lag);
            seen.Add(partition);
        }
        // A partition revoked in a rebalance is another pod's now: stop exporting its stale lag.
        foreach (var gone in _partitions.Except(seen).ToList())
        {
            var slash = gone.LastIndexOf('/');
            _partitionLag.RemoveLabelled(writer.Identity.Name, gone[..slash], gone[(slash + 1)..]);
            _partitions.Remove(gone);
        }
        _partitions.UnionWith(seen);
    }

    private void Observe(string name, string description, Func<Persistence.Runtime.Diagnostics.WriterStats, long> value) =>
        _meter.CreateObservableCounter(name, () => Measure(w => value(w.Stats)), "{message}", description);

    private IEnumerable<Measurement<long>> Measure(Func<IRunnableWriter, long> value) =>
        _writer() is { } w ? [new Measurement<long>(value(w), new("writer", w.Identity.Name), new("type", w.Identity.Type))] : [];

    public void Dispose() => _meter.Dispose();

    private Counter Counter(string name, string help) => _factory.CreateCounter(name, help, new CounterConfiguration { LabelNames = WriterLabels });

    private Gauge Gauge(string name, string help) => _factory.CreateGauge(name, help, new GaugeConfiguration { LabelNames = WriterLabels });
}
