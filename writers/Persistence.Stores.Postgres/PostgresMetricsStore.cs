using Persistence.Contracts.V1;
using Persistence.Stores;
using ValueType = Persistence.Contracts.V1.ValueType;

namespace Persistence.Stores.Postgres;

/// <summary>The metrics store is one more idempotent table: feature_metrics, keyed by metric_id.</summary>
public sealed class PostgresMetricsStore(PostgresOfflineStore tables) : IMetricsStore
{
    public const string Table = "feature_metrics";

    public static readonly TableSchema Schema = new()
    {
        IdempotencyColumn = "metric_id",
        Columns =
        {
            Column("metric_id", ValueType.String), Column("feature_fqn", ValueType.String), Column("environment", ValueType.String),
            Column("window_start", ValueType.Timestamp), Column("window_seconds", ValueType.Int), Column("value_count", ValueType.Int),
            Column("null_count", ValueType.Int), Column("query_count", ValueType.Int), Column("latency_sum_ms", ValueType.Float),
            Column("latency_max_ms", ValueType.Float),
        },
    };

    public Task WriteAsync(IReadOnlyList<FeatureWindowMetric> metrics, CancellationToken cancellationToken) =>
        tables.InsertAsync(new TableRows(Table, Schema, metrics.Select(m => new object?[]
        {
            m.MetricId, m.FeatureFqn, m.Environment, m.WindowStart.ToDateTime(), (long)m.WindowSeconds,
            m.ValueCount, m.NullCount, m.QueryCount, m.LatencySumMs, m.LatencyMaxMs,
        }).ToList()), cancellationToken);

    private static Column Column(string name, ValueType type) => new() { Name = name, Type = type };
}
