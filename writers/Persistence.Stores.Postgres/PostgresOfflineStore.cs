using Npgsql;
using Persistence.Contracts.V1;
using Persistence.Stores;

namespace Persistence.Stores.Postgres;

/// <summary>
/// Offline store tables in PostgreSQL. Rows arrive by binary COPY into a temporary staging table and move
/// to the target with ON CONFLICT DO NOTHING on the idempotency column, in one transaction: a redelivered
/// batch adds nothing, a failed one adds nothing.
/// </summary>
public sealed class PostgresOfflineStore(NpgsqlDataSource dataSource) : IOfflineStore
{
    // Public calls go through PostgresErrors, so every driver error leaves the store classified.
    public Task EnsureTableAsync(string table, TableSchema schema, CancellationToken cancellationToken) =>
        PostgresErrors.GuardAsync(EnsureTableCoreAsync(table, schema, cancellationToken));

    private async Task EnsureTableCoreAsync(string table, TableSchema schema, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await EnsureAsync(connection, table, schema, cancellationToken).ConfigureAwait(false);
    }

    public Task<long> InsertAsync(TableRows rows, CancellationToken cancellationToken) =>
        InsertAsync(rows.Table, rows.Schema, RowChunks.Single(rows.Rows), cancellationToken);

    public Task<long> InsertAsync(string table, TableSchema schema, IAsyncEnumerable<IReadOnlyList<object?[]>> chunks, CancellationToken cancellationToken) =>
        PostgresErrors.GuardAsync(InsertCoreAsync(table, schema, chunks, cancellationToken));

    private async Task<long> InsertCoreAsync(string table, TableSchema schema, IAsyncEnumerable<IReadOnlyList<object?[]>> chunks, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await EnsureAsync(connection, table, schema, cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var target = PostgresColumns.Quote(table);
        var columns = string.Join(", ", schema.Columns.Select(c => PostgresColumns.Quote(c.Name)));
        await ExecuteAsync(connection, $"CREATE TEMP TABLE stage (LIKE {target}) ON COMMIT DROP", cancellationToken).ConfigureAwait(false);

        // One COPY per chunk: the server holds the staged rows, the writer only the chunk in hand. A chunk that
        // fails to arrive (corrupt file, row count check) throws here and the transaction rolls back unstaged.
        var types = schema.Columns.Select(PostgresColumns.CopyType).ToArray();
        await foreach (var chunk in chunks.WithCancellation(cancellationToken).ConfigureAwait(false))
            await CopyAsync(connection, columns, types, chunk, cancellationToken).ConfigureAwait(false);

        var key = schema.IdempotencyColumn;
        var insert = string.IsNullOrEmpty(key)
            ? $"INSERT INTO {target} ({columns}) SELECT {columns} FROM stage"
            : $"INSERT INTO {target} ({columns}) SELECT DISTINCT ON ({PostgresColumns.Quote(key)}) {columns} FROM stage ON CONFLICT ({PostgresColumns.Quote(key)}) DO NOTHING";
        var inserted = await ExecuteAsync(connection, insert, cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return inserted;
    }

    private static async Task CopyAsync(NpgsqlConnection connection, string columns, NpgsqlTypes.NpgsqlDbType[] types, IReadOnlyList<object?[]> rows, CancellationToken cancellationToken)
    {
        await using var copy = await connection.BeginBinaryImportAsync($"COPY stage ({columns}) FROM STDIN (FORMAT BINARY)", cancellationToken).ConfigureAwait(false);
        foreach (var row in rows)
        {
            await copy.StartRowAsync(cancellationToken).ConfigureAwait(false);
            for (var c = 0; c < types.Length; c++)
            {
                if (row[c] is null) await copy.WriteNullAsync(cancellationToken).ConfigureAwait(false);
                else await copy.WriteAsync(row[c], types[c], cancellationToken).ConfigureAwait(false);
            }
        }
        await copy.CompleteAsync(cancellationToken).ConfigureAwait(false);
    }

    private static async Task EnsureAsync(NpgsqlConnection connection, string table, TableSchema schema, CancellationToken cancellationToken)
    {
        if (TableName.Problem(table) is { } problem)
            throw new SchemaConflictException(problem);
        var existing = await ExistingColumnsAsync(connection, table, cancellationToken).ConfigureAwait(false);
        if (existing.Count == 0)
        {
            var columns = schema.Columns.Select(c => $"{PostgresColumns.Quote(c.Name)} {PostgresColumns.Declaration(c)}").ToList();
            if (!string.IsNullOrEmpty(schema.IdempotencyColumn))
                columns.Add($"PRIMARY KEY ({PostgresColumns.Quote(schema.IdempotencyColumn)})");
            await ExecuteAsync(connection, $"CREATE TABLE IF NOT EXISTS {PostgresColumns.Quote(table)} ({string.Join(", ", columns)})", cancellationToken).ConfigureAwait(false);
            return;
        }
        foreach (var column in schema.Columns)
        {
            var wanted = PostgresColumns.Declaration(column);
            if (!existing.TryGetValue(column.Name, out var found))
                throw new SchemaConflictException($"table {table} has no column {column.Name}; add it (ALTER TABLE {table} ADD COLUMN {column.Name} {wanted}) or write to a new table");
            if (found != wanted)
                throw new SchemaConflictException($"table {table} column {column.Name} is {found}, the message has {wanted}");
        }
    }

    private static async Task<Dictionary<string, string>> ExistingColumnsAsync(NpgsqlConnection connection, string table, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            "SELECT column_name, data_type, udt_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1", connection);
        command.Parameters.AddWithValue(table);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var columns = new Dictionary<string, string>(StringComparer.Ordinal);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            columns[reader.GetString(0)] = PostgresColumns.Reported(reader.GetString(1), reader.GetString(2));
        return columns;
    }

    private static async Task<int> ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
