using Persistence.Stores;
using Microsoft.Extensions.Time.Testing;
using Persistence.Contracts.V1;
using Persistence.Sinks;
using Persistence.Sinks.Online;
using Persistence.Stores.Embedded;
using ValueType = Persistence.Contracts.V1.ValueType;

namespace Persistence.Writers.Tests;

/// <summary>ONLINE_WRITER: max_staleness decides what is written and for how long; newer observations win.</summary>
public sealed class OnlineWriterTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 24, 12, 0, 0, TimeSpan.Zero);
    private static readonly FeatureDescriptor Score = TestData.Feature("user.score", ValueType.Float, TimeSpan.FromHours(1));
    private static readonly FeatureDescriptor Name = TestData.Feature("user.name", ValueType.String);

    [Fact]
    public async Task Only_features_with_max_staleness_are_written_with_the_remaining_freshness_as_ttl()
    {
        await using var temp = new TempDatabase();
        var sink = new OnlineWriterSink(new DuckDbOnlineStore(temp.Db), new FakeTimeProvider(Now));
        var observed = Now.AddMinutes(-10);
        await sink.WriteAsync(TestData.Batch(TestData.Result("q1", observed, [Score, Name], (1, [Values.Of(0.5), Values.Of("ann")]))), default);

        Assert.Equal(1, temp.Count("SELECT count(*) FROM online_values"));
        Assert.Equal(OnlineKeys.For("user.score", "user:1"), temp.Scalar("SELECT key FROM online_values"));
        // Observed 10 minutes ago with a 1 hour max_staleness: fresh until observed + 1 hour.
        Assert.Equal(observed.AddHours(1).UtcDateTime, (DateTime)temp.Scalar("SELECT expires_at FROM online_values")!);
    }

    [Fact]
    public async Task An_older_observation_never_replaces_a_newer_one()
    {
        await using var temp = new TempDatabase();
        var sink = new OnlineWriterSink(new DuckDbOnlineStore(temp.Db), new FakeTimeProvider(Now));
        await sink.WriteAsync(TestData.Batch(TestData.Result("new", Now.AddMinutes(-1), [Score], (1, [Values.Of(2.0)]))), default);
        await sink.WriteAsync(TestData.Batch(TestData.Result("old", Now.AddMinutes(-5), [Score], (1, [Values.Of(1.0)]))), default);

        var stored = Persistence.Contracts.V1.Value.Parser.ParseFrom(temp.Blob("SELECT value FROM online_values"));
        Assert.Equal(2.0, stored.FloatValue);

        // Within one batch too: the newest per key wins whatever the order.
        await sink.WriteAsync(TestData.Batch(
            TestData.Result("b2", Now.AddSeconds(-10), [Score], (1, [Values.Of(4.0)])),
            TestData.Result("b1", Now.AddSeconds(-20), [Score], (1, [Values.Of(3.0)]))), default);
        stored = Persistence.Contracts.V1.Value.Parser.ParseFrom(temp.Blob("SELECT value FROM online_values"));
        Assert.Equal(4.0, stored.FloatValue);
    }

    [Fact]
    public async Task Nulls_are_stored_as_known_nulls_and_stale_or_online_disabled_results_are_skipped()
    {
        await using var temp = new TempDatabase();
        var sink = new OnlineWriterSink(new DuckDbOnlineStore(temp.Db), new FakeTimeProvider(Now));
        var offlineOnly = TestData.Result("q-off", Now, [Score], (2, [Values.Of(1.0)]));
        offlineOnly.StoreOnline = false;
        await sink.WriteAsync(TestData.Batch(
            TestData.Result("q-null", Now, [Score], (1, [Values.Null()])),
            TestData.Result("q-stale", Now.AddHours(-2), [Score], (3, [Values.Of(1.0)])),
            offlineOnly), default);

        Assert.Equal(1, temp.Count("SELECT count(*) FROM online_values"));
        Assert.Equal(true, temp.Scalar("SELECT is_null FROM online_values WHERE key = 'online:user.score:user:1'"));
    }
}
