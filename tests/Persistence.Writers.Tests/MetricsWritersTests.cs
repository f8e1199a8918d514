using Persistence.Stores;
using Persistence.Contracts.V1;
using Persistence.Sinks;
using Persistence.Sinks.Metrics;
using Persistence.Stores.Embedded;
using ValueType = Persistence.Contracts.V1.ValueType;

namespace Persistence.Writers.Tests;

/// <summary>METRICS_WRITER aggregates per feature and window; METRICS_BUS_WRITER stores each metric once.</summary>
public sealed class MetricsWritersTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 24, 12, 0, 42, TimeSpan.Zero);

    [Fact]
    public async Task Results_become_per_feature_window_metrics_that_land_once_in_the_metrics_store()
    {
        var result = TestData.Result("q1", At,
            [TestData.Feature("user.age", ValueType.Int), TestData.Feature("user.name", ValueType.String)],
            (1, [Values.Of(3L), Values.Null()]), (2, [Values.Null(), Values.Null()]), (3, [Values.Of(4L), Values.Of("c")]));
        var bus = new RecordingPublisher("metrics-bus");
        await new MetricsWriterSink(bus).WriteAsync(TestData.Batch(result), default);

        var batch = MetricsBatch.Parser.ParseFrom(Assert.Single(bus.Published).Payload.Span);
        var age = batch.Metrics.Single(m => m.FeatureFqn == "user.age");
        Assert.Equal((2L, 1L, 1L), (age.ValueCount, age.NullCount, age.QueryCount));
        Assert.Equal(new DateTimeOffset(2026, 11, 24, 12, 0, 0, TimeSpan.Zero), age.WindowStart.ToDateTimeOffset());
        Assert.Equal(3.0, age.LatencySumMs, 3);
        var name = batch.Metrics.Single(m => m.FeatureFqn == "user.name");
        Assert.Equal((1L, 2L), (name.ValueCount, name.NullCount));

        await using var temp = new TempDatabase();
        var store = new MetricsBusWriterSink(new DuckDbMetricsStore(temp.Db));
        await store.WriteAsync(TestData.Batch(batch), default);
        await store.WriteAsync(TestData.Batch(batch, batch), default); // redelivered, even twice in one batch
        Assert.Equal(2, temp.Count("SELECT count(*) FROM feature_metrics"));
        Assert.Equal(2L, temp.Scalar("SELECT null_count FROM feature_metrics WHERE feature_fqn = 'user.name'"));
    }
}
