using Persistence.Contracts.V1;
using Persistence.Sinks;
using Persistence.Sinks.Offline;
using Persistence.Stores;
using Persistence.Stores.Embedded;
using ValueType = Persistence.Contracts.V1.ValueType;

namespace Persistence.Writers.Tests;

/// <summary>Feature table names are injective, canonical fqns keep the names their tables already have, observation ids name the feature.</summary>
public sealed class FeatureTableNamingTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 24, 12, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData("user.credit_score", "feature__user__credit_score")]
    [InlineData("user.age", "feature__user__age")]
    [InlineData("user", "feature__user")]
    [InlineData("driver.trip.count_7d", "feature__driver__trip__count_7d")]
    public void A_canonical_fqn_keeps_the_name_its_table_always_had(string fqn, string table) =>
        Assert.Equal(table, FeatureTables.TableFor(fqn));

    [Fact]
    public void Fqns_that_used_to_share_a_name_map_to_distinct_valid_tables()
    {
        string[] fqns =
        [
            "user.credit_score", "user.credit-score", "User.Credit_Score", "user.credit score", "user.credit__score",
            "user__credit.score", "user.credit_.score", "user._credit", "a.b", "a__b", "a._b", "a_.b",
            "user." + new string('x', 80), "user." + new string('x', 79) + "y", "User." + new string('x', 80),
        ];
        var tables = fqns.Select(FeatureTables.TableFor).ToList();
        Assert.Equal(fqns.Length, tables.Distinct(StringComparer.Ordinal).Count());
        foreach (var (fqn, table) in fqns.Zip(tables))
            Assert.True(TableName.Problem(table) is null, $"{fqn} -> {table}: {TableName.Problem(table)}");
        // Non-canonical names stay readable and carry the hash after "___", which no canonical name contains.
        Assert.StartsWith("feature__user__credit_score___", FeatureTables.TableFor("user.credit-score"));
        Assert.StartsWith("feature__user__credit_score___", FeatureTables.TableFor("User.Credit_Score"));
    }

    [Fact]
    public async Task Two_features_that_differ_only_in_case_and_punctuation_land_in_their_own_tables_with_all_their_rows()
    {
        await using var temp = new TempDatabase();
        var store = new DuckDbOfflineStore(temp.Db);
        var published = new RecordingPublisher();
        FeatureDescriptor[] features = [TestData.Feature("user.credit-score", ValueType.Float), TestData.Feature("User.Credit_Score", ValueType.Float)];
        // One query, the same rows: before, both features went to feature__user__credit_score with ids "q1/0", "q1/1",
        // so half of the rows dropped as duplicates.
        var result = TestData.Result("q1", At, features, (1, [Values.Of(0.1), Values.Of(10.0)]), (2, [Values.Of(0.2), Values.Of(20.0)]));

        var offline = await new OfflineWriterSink(store, published).WriteAsync(TestData.OfflineBatch(result), default);
        Assert.Empty(offline.Rejected);
        var inserts = published.Published.Select(p => StreamingInsert.Parser.ParseFrom(p.Payload.Span)).ToArray();
        Assert.Empty((await new StreamingInsertSink(store).WriteAsync(TestData.Batch(inserts), default)).Rejected);

        var dashed = FeatureTables.TableFor("user.credit-score");
        var cased = FeatureTables.TableFor("User.Credit_Score");
        Assert.NotEqual(dashed, cased);
        Assert.Equal(2, temp.Count($"SELECT count(*) FROM {dashed}"));
        Assert.Equal(2, temp.Count($"SELECT count(*) FROM {cased}"));
        Assert.Equal(0.2, temp.Scalar($"SELECT value FROM {dashed} WHERE entity_key = 'user:2'"));
        Assert.Equal(20.0, temp.Scalar($"SELECT value FROM {cased} WHERE entity_key = 'user:2'"));
        Assert.Equal("q1/1/User.Credit_Score", temp.Scalar($"SELECT observation_id FROM {cased} WHERE entity_key = 'user:2'"));
    }

    [Fact]
    public void The_observation_id_names_the_query_the_row_and_the_feature()
    {
        Assert.Equal("q1/0/user.age", FeatureTables.ObservationIdOf("q1", 0, "user.age"));
        Assert.NotEqual(FeatureTables.ObservationIdOf("q1", 0, "user.credit-score"), FeatureTables.ObservationIdOf("q1", 0, "User.Credit_Score"));
    }
}
