using Persistence.Contracts.V1;
using Persistence.Runtime.Pipeline;
using Persistence.Stores;

namespace Persistence.Sinks.Metrics;

/// <summary>METRICS_BUS_WRITER: persists metrics-bus messages into the metrics store (idempotent on metric_id).</summary>
public sealed class MetricsBusWriterSink(IMetricsStore store) : ISink<MetricsBatch>
{
    public async ValueTask<WriteResult> WriteAsync(IReadOnlyList<Decoded<MetricsBatch>> batch, CancellationToken cancellationToken)
    {
        var metrics = batch.SelectMany(b => b.Value.Metrics).ToList();
        if (metrics.Count > 0)
            await store.WriteAsync(metrics, cancellationToken).ConfigureAwait(false);
        return WriteResult.Ok;
    }

    public static string? Problem(MetricsBatch batch) =>
        batch.Metrics.Select((m, i) => string.IsNullOrEmpty(m.MetricId) ? $"metric #{i} has no metric_id"
            : string.IsNullOrEmpty(m.FeatureFqn) ? $"metric {m.MetricId} has no feature_fqn"
            : m.WindowStart is null ? $"metric {m.MetricId} has no window_start" : null).FirstOrDefault(p => p is not null);
}
