using Npgsql;
using Persistence.Contracts.V1;
using Persistence.Sinks.Offline;
using Persistence.Sinks.Stores;
using Persistence.Stores.Postgres;
using ValueType = Persistence.Contracts.V1.ValueType;

namespace Persistence.Stores.Tests;

/// <summary>PostgreSQL offline and metrics stores against a real server: tables, idempotent COPY, schema conflicts.</summary>
public sealed class PostgresOfflineStoreTests(PostgresFixture fixture) : IClassFixture<PostgresFixture>
{
    private static readonly DateTime At = new(2026, 11, 24, 12, 0, 0, DateTimeKind.Utc);

    private static TableSchema Schema(ValueType type) =>
        FeatureTables.FeatureSchema(new FeatureDescriptor { Fqn = "user.x", Type = type, VectorDimensions = 2 });

    private static object?[] Row(string id, object? value) => [id, "user:1", value, At, "q1", "test"];

    private async Task<object?> ScalarAsync(string sql)
    {
        await using var command = fixture.DataSource.CreateCommand(sql);
        return await command.ExecuteScalarAsync();
    }

    [Fact]
    public async Task Every_column_type_lands_and_a_redelivered_batch_adds_nothing()
    {
        fixture.SkipIfMissing();
        var store = new PostgresOfflineStore(fixture.DataSource);
        var cases = new (ValueType Type, object Value)[]
        {
            (ValueType.Int, 42L), (ValueType.Float, 1.5), (ValueType.String, "ann"), (ValueType.Bool, true),
            (ValueType.Bytes, new byte[] { 1, 2 }), (ValueType.Timestamp, At), (ValueType.Vector, new[] { 1f, 2f }),
        };
        foreach (var (type, value) in cases)
        {
            var table = $"feature__t_{type.ToString().ToLowerInvariant()}_{Guid.NewGuid():N}"[..40];
            var rows = new TableRows(table, Schema(type), [Row("o1", value), Row("o2", null), Row("o1", value)]);
            Assert.Equal(2, await store.InsertAsync(rows, default));
            Assert.Equal(0, await store.InsertAsync(rows, default));
            Assert.Equal(2L, await ScalarAsync($"SELECT count(*) FROM {table}"));
            Assert.Equal(1L, await ScalarAsync($"SELECT count(*) FROM {table} WHERE value IS NULL"));
            var stored = await ScalarAsync($"SELECT value FROM {table} WHERE observation_id = 'o1'");
            Assert.Equal(value, stored is DateTime d ? d.ToUniversalTime() : stored);
        }
    }

    [Fact]
    public async Task A_type_change_is_refused_naming_table_column_and_types_and_nothing_is_half_loaded()
    {
        fixture.SkipIfMissing();
        var store = new PostgresOfflineStore(fixture.DataSource);
        var table = $"feature__retyped_{Guid.NewGuid():N}"[..40];
        await store.InsertAsync(new TableRows(table, Schema(ValueType.Int), [Row("o1", 1L)]), default);

        var error = await Assert.ThrowsAsync<SchemaConflictException>(() =>
            store.InsertAsync(new TableRows(table, Schema(ValueType.String), [Row("o2", "two")]), default));
        Assert.Contains($"table {table} column value is bigint, the message has text", error.Message);
        Assert.Equal(1L, await ScalarAsync($"SELECT count(*) FROM {table}"));
    }

    [Fact]
    public async Task A_failing_row_rolls_back_the_whole_insert()
    {
        fixture.SkipIfMissing();
        var store = new PostgresOfflineStore(fixture.DataSource);
        var table = $"feature__atomic_{Guid.NewGuid():N}"[..40];
        await store.EnsureTableAsync(table, Schema(ValueType.Int), default);
        // observation_id is the primary key and cannot be null: the second row fails inside the transaction.
        await Assert.ThrowsAsync<PostgresException>(() => store.InsertAsync(new TableRows(table, Schema(ValueType.Int), [Row("o1", 1L), Row(null!, 2L)]), default));
        Assert.Equal(0L, await ScalarAsync($"SELECT count(*) FROM {table}"));
    }

    [Fact]
    public async Task Metrics_are_stored_once_per_metric_id()
    {
        fixture.SkipIfMissing();
        var metrics = new PostgresMetricsStore(new PostgresOfflineStore(fixture.DataSource));
        var id = Guid.NewGuid().ToString("N");
        var metric = new FeatureWindowMetric
        {
            MetricId = id, FeatureFqn = "user.age", Environment = "test", WindowStart = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTime(At),
            WindowSeconds = 60, ValueCount = 3, NullCount = 1, QueryCount = 1, LatencySumMs = 4, LatencyMaxMs = 4,
        };
        await metrics.WriteAsync([metric, metric], default);
        await metrics.WriteAsync([metric], default);
        Assert.Equal(1L, await ScalarAsync($"SELECT count(*) FROM feature_metrics WHERE metric_id = '{id}'"));
        Assert.Equal(3L, await ScalarAsync($"SELECT value_count FROM feature_metrics WHERE metric_id = '{id}'"));
    }
}
