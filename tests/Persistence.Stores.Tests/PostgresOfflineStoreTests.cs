using Persistence.Stores.Objects;
using Google.Protobuf;
using Npgsql;
using Persistence.Contracts.V1;
using Persistence.Sinks.Offline;
using Persistence.Stores;
using Persistence.Runtime.Bus;
using Persistence.Runtime.Pipeline;
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
        // observation_id is the primary key and cannot be null: the second row fails inside the transaction (23502, permanent).
        var error = await Assert.ThrowsAsync<Persistence.Contracts.PermanentWriteException>(() => store.InsertAsync(new TableRows(table, Schema(ValueType.Int), [Row("o1", 1L), Row(null!, 2L)]), default));
        Assert.Equal("23502", Assert.IsType<PostgresException>(error.InnerException).SqlState);
        Assert.Equal(0L, await ScalarAsync($"SELECT count(*) FROM {table}"));
    }

    [Fact]
    public async Task A_file_of_twenty_row_groups_is_copied_chunk_by_chunk_and_lands_completely_once()
    {
        fixture.SkipIfMissing();
        var table = $"feature__bulk_{Guid.NewGuid():N}"[..40];
        using var directory = new TempDirectory();
        var file = await MultiGroupFile.WriteAsync(Path.Combine(directory.Path, "big.parquet"), Schema(ValueType.Float), groups: 20, rowsPerGroup: 500);
        var sink = new BulkInsertSink([new FileObjectStore()], new PostgresOfflineStore(fixture.DataSource), uploadBucket: null, directory.Path);

        Assert.Empty((await sink.WriteAsync([Notification(file, table)], default)).Rejected);
        Assert.Empty((await sink.WriteAsync([Notification(file, table)], default)).Rejected);

        Assert.Equal(10_000L, await ScalarAsync($"SELECT count(*) FROM {table}"));
        Assert.Equal(1.5 * 9_999, await ScalarAsync($"SELECT max(value) FROM {table}"));
        Assert.Equal(["big.parquet"], Directory.GetFiles(directory.Path).Select(Path.GetFileName));
    }

    [Fact]
    public async Task A_file_whose_last_row_group_is_corrupt_commits_none_of_the_rows_already_copied()
    {
        fixture.SkipIfMissing();
        var table = $"feature__tail_{Guid.NewGuid():N}"[..40];
        using var directory = new TempDirectory();
        var file = await MultiGroupFile.WriteAsync(Path.Combine(directory.Path, "tail.parquet"), Schema(ValueType.Float), groups: 20, rowsPerGroup: 500);
        await file.CorruptLastRowGroupAsync();
        var sink = new BulkInsertSink([new FileObjectStore()], new PostgresOfflineStore(fixture.DataSource), uploadBucket: null, directory.Path);

        var rejection = Assert.Single((await sink.WriteAsync([Notification(file, table)], default)).Rejected);

        Assert.Contains("row group 20 of 20 is not readable", rejection.Reason);
        Assert.Equal(0L, await ScalarAsync($"SELECT count(*) FROM {table}"));
        Assert.Equal(["tail.parquet"], Directory.GetFiles(directory.Path).Select(Path.GetFileName));
    }

    [Fact]
    public async Task A_chunk_stream_that_fails_after_copying_some_chunks_rolls_back_all_of_them()
    {
        fixture.SkipIfMissing();
        var store = new PostgresOfflineStore(fixture.DataSource);
        var table = $"feature__chunks_{Guid.NewGuid():N}"[..40];
        await store.EnsureTableAsync(table, Schema(ValueType.Int), default);

        var error = await Assert.ThrowsAsync<InvalidDataException>(() => store.InsertAsync(table, Schema(ValueType.Int), FailingAfterTwoChunks(), default));

        Assert.Equal("third chunk unreadable", error.Message);
        Assert.Equal(0L, await ScalarAsync($"SELECT count(*) FROM {table}"));
        // The connection went back to the pool clean: the next load on it works.
        Assert.Equal(1, await store.InsertAsync(new TableRows(table, Schema(ValueType.Int), [Row("after", 1L)]), default));
    }

    private static async IAsyncEnumerable<IReadOnlyList<object?[]>> FailingAfterTwoChunks()
    {
        yield return [Row("c1", 1L), Row("c2", 2L)];
        await Task.Yield();
        yield return [Row("c3", 3L)];
        throw new InvalidDataException("third chunk unreadable");
    }

    private static Decoded<BulkInsertNotification> Notification(MultiGroupFile file, string table)
    {
        var note = new BulkInsertNotification { ObjectUri = new Uri(file.Path).AbsoluteUri, Table = table, Schema = Schema(ValueType.Float), RowCount = file.Rows };
        return new Decoded<BulkInsertNotification>(note, new InboundMessage("m-1", note.ToByteArray(), InboundMessage.NoAttributes));
    }

    private sealed class TempDirectory : IDisposable
    {
        public string Path { get; } = Directory.CreateTempSubdirectory("pg-bulk-").FullName;
        public void Dispose() => Directory.Delete(Path, recursive: true);
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
