using Persistence.Contracts.V1;
using Persistence.Stores;

namespace Persistence.Stores.Embedded;

/// <summary>Per-feature window metrics in DuckDB, one row per metric_id.</summary>
public sealed class DuckDbMetricsStore(DuckDbDatabase db) : IMetricsStore
{
    private const string Schema =
        "CREATE TABLE IF NOT EXISTS feature_metrics (metric_id VARCHAR PRIMARY KEY, feature_fqn VARCHAR, environment VARCHAR, " +
        "window_start TIMESTAMP, window_seconds BIGINT, value_count BIGINT, null_count BIGINT, query_count BIGINT, latency_sum_ms DOUBLE, latency_max_ms DOUBLE)";

    public Task WriteAsync(IReadOnlyList<FeatureWindowMetric> metrics, CancellationToken cancellationToken) =>
        db.UseAsync(c =>
        {
            DuckDbDatabase.Execute(c, Schema);
            DuckDbDatabase.StageAndInsert(c, "feature_metrics", metrics.Select(m => new object?[]
            {
                m.MetricId, m.FeatureFqn, m.Environment, m.WindowStart.ToDateTime(), (long)m.WindowSeconds,
                m.ValueCount, m.NullCount, m.QueryCount, m.LatencySumMs, m.LatencyMaxMs,
            }), stage => $"INSERT OR IGNORE INTO feature_metrics SELECT DISTINCT ON (metric_id) * FROM {stage}");
        }, cancellationToken);
}
