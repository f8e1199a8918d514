using Persistence.Stores;
using Persistence.Contracts.V1;
using Persistence.Runtime.Pipeline;
using Persistence.Sinks;
using Persistence.Sinks.Offline;
using Persistence.Stores.Embedded;
using ValueType = Persistence.Contracts.V1.ValueType;

namespace Persistence.Writers.Tests;

/// <summary>The two-stage offline path: OFFLINE_WRITER makes tables and parquet messages; the streaming insert writer lands them once.</summary>
public sealed class OfflineWriterTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 24, 12, 0, 0, TimeSpan.Zero);
    private static readonly FeatureDescriptor[] Features =
    [
        TestData.Feature("user.age", ValueType.Int), TestData.Feature("user.score", ValueType.Float),
        TestData.Feature("user.name", ValueType.String), TestData.Feature("user.active", ValueType.Bool),
        TestData.Feature("user.seen", ValueType.Timestamp), TestData.Feature("user.blob", ValueType.Bytes),
        new() { Fqn = "user.embedding", Type = ValueType.Vector, VectorDimensions = 2 },
    ];

    private static QueryResult Result(string queryId) => TestData.Result(queryId, At, Features,
        (1, [Values.Of(30L), Values.Of(0.5), Values.Of("ann"), Values.Of(true), Values.Of(At), new Persistence.Contracts.V1.Value { BytesValue = Google.Protobuf.ByteString.CopyFrom(1, 2) }, Values.Of([1f, 2f])]),
        (2, [Values.Null(), Values.Null(), Values.Null(), Values.Null(), Values.Null(), Values.Null(), Values.Null()]));

    [Fact]
    public async Task The_offline_writer_creates_feature_tables_and_publishes_parquet_that_the_streaming_writer_lands_once()
    {
        await using var temp = new TempDatabase();
        var store = new DuckDbOfflineStore(temp.Db);
        var published = new RecordingPublisher();
        await new OfflineWriterSink(store, published).WriteAsync(TestData.OfflineBatch(Result("q1")), default);

        // Stage one created every table but inserted nothing.
        foreach (var feature in Features)
            Assert.Equal(0, temp.Count($"SELECT count(*) FROM {FeatureTables.TableFor(feature.Fqn)}"));
        Assert.Equal(Features.Length + 1, published.Published.Count); // one per feature table + query_log

        var inserts = published.Published.Select(p => StreamingInsert.Parser.ParseFrom(p.Payload.Span)).ToArray();
        var streaming = new StreamingInsertSink(store);
        var result = await streaming.WriteAsync(TestData.Batch(inserts), default);
        Assert.Empty(result.Rejected);
        // Redelivery of the same messages adds nothing.
        await streaming.WriteAsync(TestData.Batch(inserts), default);

        Assert.Equal(2, temp.Count("SELECT count(*) FROM feature__user__age"));
        Assert.Equal(30L, temp.Scalar("SELECT value FROM feature__user__age WHERE entity_key = 'user:1'"));
        Assert.Equal(1, temp.Count("SELECT count(*) FROM feature__user__age WHERE value IS NULL"));
        Assert.Equal("ann", temp.Scalar("SELECT value FROM feature__user__name WHERE entity_key = 'user:1'"));
        Assert.Equal(true, temp.Scalar("SELECT value FROM feature__user__active WHERE entity_key = 'user:1'"));
        Assert.Equal(At.UtcDateTime, temp.Scalar("SELECT value FROM feature__user__seen WHERE entity_key = 'user:1'"));
        Assert.Equal("[1.0, 2.0]", temp.Scalar("SELECT value::VARCHAR FROM feature__user__embedding WHERE entity_key = 'user:1'"));
        Assert.Equal(2L, temp.Count("SELECT octet_length(value) FROM feature__user__blob WHERE entity_key = 'user:1'"));
        Assert.Equal(1, temp.Count("SELECT count(*) FROM query_log WHERE query_id = 'q1' AND row_count = 2 AND feature_count = 7"));
    }

    [Fact]
    public async Task Results_with_different_features_in_one_batch_and_tables_over_one_message_land_every_row_once()
    {
        await using var temp = new TempDatabase();
        var store = new DuckDbOfflineStore(temp.Db);
        var published = new RecordingPublisher();
        var (age, city) = (TestData.Feature("user.age", ValueType.Int), TestData.Feature("user.city", ValueType.String));
        var both = TestData.Result("q1", At, [age, city], (1, [Values.Of(1L), Values.Of("Oslo")]), (2, [Values.Null(), Values.Null()]), (3, [Values.Of(3L), Values.Of("Rome")]));
        var ageOnly = TestData.Result("q2", At, [age], (4, [Values.Of(4L)]), (5, [Values.Null()]));
        var cityFirst = TestData.Result("q3", At, [city, age], (6, [Values.Of("Lima"), Values.Of(6L)]));
        // Two rows per message: every table is split, and each table's rows come from a different set of results.
        await new OfflineWriterSink(store, published, maxRowsPerMessage: 2).WriteAsync(TestData.OfflineBatch(both, ageOnly, cityFirst), default);

        var inserts = published.Published.Select(p => StreamingInsert.Parser.ParseFrom(p.Payload.Span)).ToArray();
        Assert.All(inserts, insert => Assert.InRange(insert.RowCount, 1, 2));
        Assert.Empty((await new StreamingInsertSink(store).WriteAsync(TestData.Batch(inserts), default)).Rejected);

        Assert.Equal(6, temp.Count("SELECT count(*) FROM feature__user__age"));
        Assert.Equal(4, temp.Count("SELECT count(*) FROM feature__user__city"));
        Assert.Equal(2, temp.Count("SELECT count(*) FROM feature__user__age WHERE value IS NULL"));
        Assert.Equal(6L, temp.Scalar("SELECT value FROM feature__user__age WHERE observation_id = 'q3/0/user.age' AND entity_key = 'user:6' AND query_id = 'q3'"));
        Assert.Equal("Rome", temp.Scalar("SELECT value FROM feature__user__city WHERE observation_id = 'q1/2/user.city' AND entity_key = 'user:3'"));
        Assert.Equal(3, temp.Count("SELECT count(*) FROM query_log"));
    }

    [Fact]
    public async Task A_feature_whose_type_changed_is_rejected_with_the_reason_and_others_still_publish()
    {
        await using var temp = new TempDatabase();
        var store = new DuckDbOfflineStore(temp.Db);
        var published = new RecordingPublisher();
        var sink = new OfflineWriterSink(store, published);
        await sink.WriteAsync(TestData.OfflineBatch(TestData.Result("q1", At, [TestData.Feature("user.age", ValueType.Int)], (1, [Values.Of(1L)]))), default);

        var retyped = TestData.Result("q2", At, [TestData.Feature("user.age", ValueType.String)], (1, [Values.Of("one")]));
        var fine = TestData.Result("q3", At, [TestData.Feature("user.city", ValueType.String)], (1, [Values.Of("Oslo")]));
        var result = await new OfflineWriterSink(store, published).WriteAsync(TestData.OfflineBatch(retyped, fine), default);

        var rejection = Assert.Single(result.Rejected);
        Assert.Equal(0, rejection.Index);
        Assert.Contains("user.age", rejection.Reason);
        Assert.Contains("BIGINT", rejection.Reason);
        Assert.Contains("new feature name", rejection.Reason);
        Assert.Contains(published.Published, p => StreamingInsert.Parser.ParseFrom(p.Payload.Span).Table == "feature__user__city");
    }

    [Fact]
    public async Task Results_not_stored_offline_publish_nothing()
    {
        await using var temp = new TempDatabase();
        var published = new RecordingPublisher();
        var result = Result("q1");
        result.StoreOffline = false;
        await new OfflineWriterSink(new DuckDbOfflineStore(temp.Db), published).WriteAsync(TestData.OfflineBatch(result), default);
        Assert.Empty(published.Published);
    }

    [Fact]
    public async Task A_streaming_insert_with_corrupt_parquet_or_a_mismatched_schema_is_rejected_alone()
    {
        await using var temp = new TempDatabase();
        var store = new DuckDbOfflineStore(temp.Db);
        var feature = TestData.Feature("user.age", ValueType.Int);
        var schema = FeatureTables.FeatureSchema(feature);
        var good = new StreamingInsert
        {
            Table = "feature__user__age", Schema = schema, RowCount = 1,
            Parquet = Google.Protobuf.ByteString.CopyFrom(await ParquetCodec.EncodeAsync(schema, [["o1", "user:1", 5L, At.UtcDateTime, "q", "test"]])),
        };
        var corrupt = good.Clone();
        corrupt.Parquet = Google.Protobuf.ByteString.CopyFromUtf8("not parquet");
        var wrongSchema = good.Clone();
        wrongSchema.Schema = FeatureTables.FeatureSchema(TestData.Feature("user.age", ValueType.String));

        var result = await new StreamingInsertSink(store).WriteAsync(TestData.Batch(good, corrupt, wrongSchema), default);

        Assert.Equal([1, 2], result.Rejected.Select(r => r.Index).Order());
        Assert.Contains("not a readable parquet file", result.Rejected.Single(r => r.Index == 1).Reason);
        Assert.Contains("column 'value'", result.Rejected.Single(r => r.Index == 2).Reason);
        Assert.Equal(1, temp.Count("SELECT count(*) FROM feature__user__age"));
    }
}
