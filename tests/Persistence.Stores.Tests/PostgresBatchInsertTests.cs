using Npgsql;
using Persistence.Contracts.V1;
using Persistence.Sinks.Offline;
using Persistence.Stores.Postgres;
using ValueType = Persistence.Contracts.V1.ValueType;

namespace Persistence.Stores.Tests;

/// <summary>
/// The streaming insert's batch path in PostgreSQL: all tables of a batch in one transaction, large groups by COPY
/// straight into the table with a fall back to ON CONFLICT when a redelivery meets the key, schemas remembered
/// and checked again when a table changes under the writer.
/// </summary>
public sealed class PostgresBatchInsertTests(PostgresFixture fixture) : IClassFixture<PostgresFixture>
{
    private static readonly DateTime At = new(2026, 12, 1, 12, 0, 0, DateTimeKind.Utc);
    private static readonly TableSchema Schema = FeatureTables.FeatureSchema(new FeatureDescriptor { Fqn = "user.x", Type = ValueType.Int });

    private static string NewTable(string what) => $"feature__{what}_{Guid.NewGuid():N}"[..40];

    private static List<object?[]> Rows(int from, int count) =>
        [.. Enumerable.Range(from, count).Select(i => new object?[] { $"o{i}", $"user:{i}", (long)i, At, "q", "test" })];

    private async Task<long> CountAsync(string table)
    {
        await using var command = fixture.DataSource.CreateCommand($"SELECT count(*) FROM {table}");
        return (long)(await command.ExecuteScalarAsync())!;
    }

    [Fact]
    public async Task A_large_group_redelivered_in_part_lands_each_row_exactly_once()
    {
        fixture.SkipIfMissing();
        var store = new PostgresOfflineStore(fixture.DataSource);
        var table = NewTable("copy");
        var first = Rows(0, PostgresOfflineStore.CopyAtRows + 50);
        Assert.Equal(first.Count, (await store.InsertManyAsync([new TableRows(table, Schema, first)], default))[0]);

        // Half of these were inserted already: COPY meets the key, and the batch goes again with ON CONFLICT.
        var overlapping = Rows(first.Count / 2, PostgresOfflineStore.CopyAtRows + 50);
        var added = (await store.InsertManyAsync([new TableRows(table, Schema, overlapping)], default))[0];

        Assert.Equal(overlapping.Count - first.Count / 2, added);
        Assert.Equal(first.Count / 2 + overlapping.Count, await CountAsync(table));
    }

    [Fact]
    public async Task A_dropped_table_is_noticed_by_the_statement_and_created_again()
    {
        fixture.SkipIfMissing();
        var store = new PostgresOfflineStore(fixture.DataSource);
        var table = NewTable("dropped");
        await store.InsertManyAsync([new TableRows(table, Schema, Rows(0, 2))], default);
        await using (var drop = fixture.DataSource.CreateCommand($"DROP TABLE {table}"))
            await drop.ExecuteNonQueryAsync();

        Assert.Equal([2L], await store.InsertManyAsync([new TableRows(table, Schema, Rows(0, 2))], default));
        Assert.Equal(2L, await CountAsync(table));
    }

    [Fact]
    public async Task A_large_group_with_a_duplicate_inside_lands_it_once()
    {
        fixture.SkipIfMissing();
        var store = new PostgresOfflineStore(fixture.DataSource);
        var table = NewTable("dup");
        var rows = Rows(0, PostgresOfflineStore.CopyAtRows);
        rows.Add(rows[7]);
        Assert.Equal(PostgresOfflineStore.CopyAtRows, (await store.InsertManyAsync([new TableRows(table, Schema, rows)], default))[0]);
        Assert.Equal(PostgresOfflineStore.CopyAtRows, await CountAsync(table));
    }

    [Fact]
    public async Task The_tables_of_a_batch_commit_together_or_not_at_all()
    {
        fixture.SkipIfMissing();
        var store = new PostgresOfflineStore(fixture.DataSource);
        var (big, small, failing) = (NewTable("big"), NewTable("small"), NewTable("failing"));
        // The last table's second row has no observation id (the primary key): the whole batch must roll back.
        var groups = new[]
        {
            new TableRows(big, Schema, Rows(0, PostgresOfflineStore.CopyAtRows)),
            new TableRows(small, Schema, Rows(0, 3)),
            new TableRows(failing, Schema, [.. Rows(0, 1), [null, "user:1", 1L, At, "q", "test"]]),
        };
        // Classified at the store: 23502 (not null) is permanent for the message, the driver's error inside.
        var refused = await Assert.ThrowsAsync<Persistence.Contracts.PermanentWriteException>(() => store.InsertManyAsync(groups, default));
        Assert.Equal("23502", Assert.IsType<PostgresException>(refused.InnerException).SqlState);
        Assert.Equal((0L, 0L, 0L), (await CountAsync(big), await CountAsync(small), await CountAsync(failing)));

        var inserted = await store.InsertManyAsync(groups[..2], default);
        Assert.Equal([PostgresOfflineStore.CopyAtRows, 3L], inserted);
    }

    [Fact]
    public async Task A_table_retyped_after_it_was_checked_is_refused_naming_the_column_once_the_check_is_renewed()
    {
        fixture.SkipIfMissing();
        // Renewed at every batch here; a minute by default (PostgreSQL would cast bigint into text silently).
        var store = new PostgresOfflineStore(fixture.DataSource, recheckSchemasAfter: TimeSpan.Zero);
        var table = NewTable("retyped");
        await store.InsertManyAsync([new TableRows(table, Schema, Rows(0, 2))], default);

        // Someone migrates the table while the writer holds its schema as checked.
        await using (var alter = fixture.DataSource.CreateCommand($"ALTER TABLE {table} ALTER COLUMN value TYPE text"))
            await alter.ExecuteNonQueryAsync();

        var error = await Assert.ThrowsAsync<SchemaConflictException>(() => store.InsertManyAsync([new TableRows(table, Schema, Rows(2, 2))], default));
        Assert.Contains($"table {table} column value is text, the message has bigint", error.Message);
        Assert.Equal(2L, await CountAsync(table));
    }
}
