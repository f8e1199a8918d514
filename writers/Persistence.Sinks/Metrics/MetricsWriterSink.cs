using Persistence.Stores;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Persistence.Contracts.V1;
using Persistence.Runtime.Bus;
using Persistence.Runtime.Pipeline;

namespace Persistence.Sinks.Metrics;

/// <summary>
/// METRICS_WRITER: turns each result into per-feature metrics for its time window (value count, null count,
/// query latency) and publishes one metrics-bus message per result. Metric ids derive from the query and the
/// feature, so a redelivered result yields the same ids and the metrics store counts it once.
/// </summary>
public sealed class MetricsWriterSink(IMessagePublisher metricsBus, int windowSeconds = 60) : ISink<QueryResult>
{
    public async ValueTask<WriteResult> WriteAsync(IReadOnlyList<Decoded<QueryResult>> batch, CancellationToken cancellationToken)
    {
        var outbound = new List<OutboundMessage>(batch.Count);
        foreach (var (result, _) in batch)
            outbound.Add(new OutboundMessage(ToMetrics(result, windowSeconds).ToByteArray(), Key: result.QueryId));
        await metricsBus.PublishAsync(outbound, cancellationToken).ConfigureAwait(false);
        return WriteResult.Ok;
    }

    public static MetricsBatch ToMetrics(QueryResult result, int windowSeconds)
    {
        var at = (result.FinishedAt ?? result.StartedAt)?.ToDateTimeOffset() ?? DateTimeOffset.UnixEpoch;
        var windowStart = DateTimeOffset.FromUnixTimeSeconds(at.ToUnixTimeSeconds() / windowSeconds * windowSeconds);
        var latencyMs = result.Latency?.ToTimeSpan().TotalMilliseconds ?? 0;
        var batch = new MetricsBatch { SourceQueryId = result.QueryId };
        for (var f = 0; f < result.Features.Count; f++)
        {
            var nulls = result.Rows.Count(r => Values.IsNull(r.Values[f]));
            batch.Metrics.Add(new FeatureWindowMetric
            {
                FeatureFqn = result.Features[f].Fqn,
                Environment = result.Environment,
                WindowStart = Timestamp.FromDateTimeOffset(windowStart),
                WindowSeconds = (uint)windowSeconds,
                ValueCount = result.Rows.Count - nulls,
                NullCount = nulls,
                QueryCount = 1,
                LatencySumMs = latencyMs,
                LatencyMaxMs = latencyMs,
                MetricId = $"{result.QueryId}/{result.Features[f].Fqn}",
            });
        }
        return batch;
    }
}
