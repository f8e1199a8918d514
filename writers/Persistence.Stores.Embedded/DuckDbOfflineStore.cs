using DuckDB.NET.Data;
using Persistence.Contracts.V1;
using Persistence.Stores;

namespace Persistence.Stores.Embedded;

/// <summary>
/// Offline store tables in DuckDB. Inserts stage rows (chunk by chunk, in one transaction) and add only those
/// whose idempotency key is new.
/// </summary>
public sealed class DuckDbOfflineStore(DuckDbDatabase db) : IOfflineStore
{
    public Task EnsureTableAsync(string table, TableSchema schema, CancellationToken cancellationToken) =>
        db.UseAsync(c => Ensure(c, table, schema), cancellationToken);

    public Task<long> InsertAsync(TableRows rows, CancellationToken cancellationToken) =>
        InsertAsync(rows.Table, rows.Schema, RowChunks.Single(rows.Rows), cancellationToken);

    public Task<long> InsertAsync(string table, TableSchema schema, IAsyncEnumerable<IReadOnlyList<object?[]>> chunks, CancellationToken cancellationToken) =>
        db.UseStreamingAsync(c =>
        {
            Ensure(c, table, schema);
            var columns = ColumnList(schema);
            // DISTINCT ON: a batch may carry the same observation twice (a redelivery inside one batch).
            return DuckDbDatabase.StageAndInsertAsync(c, table, chunks, stage => string.IsNullOrEmpty(schema.IdempotencyColumn)
                ? $"INSERT INTO {table} ({columns}) SELECT * FROM {stage}"
                : $"INSERT OR IGNORE INTO {table} ({columns}) SELECT DISTINCT ON ({schema.IdempotencyColumn}) * FROM {stage}", columns, cancellationToken);
        }, cancellationToken);

    private static void Ensure(DuckDBConnection c, string table, TableSchema schema)
    {
        if (TableName.Problem(table) is { } problem)
            throw new SchemaConflictException(problem);
        var existing = ExistingColumns(c, table);
        if (existing.Count == 0)
        {
            var columns = schema.Columns.Select(col => $"{col.Name} {DuckDbDatabase.SqlType(col)}").ToList();
            if (!string.IsNullOrEmpty(schema.IdempotencyColumn))
                columns.Add($"PRIMARY KEY ({schema.IdempotencyColumn})");
            DuckDbDatabase.Execute(c, $"CREATE TABLE IF NOT EXISTS {table} ({string.Join(", ", columns)})");
            return;
        }
        foreach (var column in schema.Columns)
        {
            if (!existing.TryGetValue(column.Name, out var type))
                throw new SchemaConflictException($"table {table} has no column {column.Name}; add it (ALTER TABLE {table} ADD COLUMN {column.Name} {DuckDbDatabase.SqlType(column)}) or write to a new table");
            if (!string.Equals(type, DuckDbDatabase.SqlType(column), StringComparison.OrdinalIgnoreCase))
                throw new SchemaConflictException($"table {table} column {column.Name} is {type}, the message has {DuckDbDatabase.SqlType(column)}");
        }
    }

    private static Dictionary<string, string> ExistingColumns(DuckDBConnection c, string table)
    {
        using var command = c.CreateCommand();
        command.CommandText = "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = $t AND table_schema = 'main'";
        command.Parameters.Add(new DuckDBParameter("t", table));
        using var reader = command.ExecuteReader();
        var columns = new Dictionary<string, string>(StringComparer.Ordinal);
        while (reader.Read())
            columns[reader.GetString(0)] = reader.GetString(1);
        return columns;
    }

    private static string ColumnList(TableSchema schema) => string.Join(", ", schema.Columns.Select(c => c.Name));
}
