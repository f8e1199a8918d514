using System.Collections.Concurrent;
using Npgsql;
using Persistence.Contracts.V1;
using Persistence.Stores;

namespace Persistence.Stores.Postgres;

/// <summary>
/// Offline store tables in PostgreSQL. Batches of rows (streaming inserts, metrics) go as one
/// <see cref="UnnestInsert"/> statement per table, all tables of a batch in one transaction and one round
/// trip; files (bulk insert) go chunk by chunk by binary COPY into a temporary staging table. Either way rows
/// move with ON CONFLICT DO NOTHING on the idempotency column, in one transaction: a redelivered batch adds
/// nothing, a failed one adds nothing. A table's columns are checked once per schema and remembered; a
/// statement that fails because the table changed since then forgets it and checks again, and every check is
/// renewed after a minute.
/// </summary>
/// <param name="recheckSchemasAfter">How long a verified schema is trusted (default a minute): a table retyped by hand
/// in a way PostgreSQL would silently cast into (bigint to text) is refused within that time.</param>
public sealed class PostgresOfflineStore(NpgsqlDataSource dataSource, TimeSpan? recheckSchemasAfter = null) : IOfflineStore
{
    private readonly TimeSpan _recheck = recheckSchemasAfter ?? TimeSpan.FromMinutes(1);
    // Table -> the schema last verified against it, when, and its insert statement. Bounded by the number of tables.
    private readonly ConcurrentDictionary<string, (string Signature, DateTime At, UnnestInsert Insert)> _verified = new(StringComparer.Ordinal);

    // Public calls go through PostgresErrors, so every driver error leaves the store classified.
    public Task EnsureTableAsync(string table, TableSchema schema, CancellationToken cancellationToken) =>
        PostgresErrors.GuardAsync(EnsureTableCoreAsync(table, schema, cancellationToken));

    private async Task EnsureTableCoreAsync(string table, TableSchema schema, CancellationToken cancellationToken)
    {
        if (IsVerified(table, schema)) return;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await EnsureAsync(connection, table, schema, cancellationToken).ConfigureAwait(false);
    }

    public async Task<long> InsertAsync(TableRows rows, CancellationToken cancellationToken) =>
        (await InsertManyAsync([rows], cancellationToken).ConfigureAwait(false))[0];

    /// <summary>
    /// Inserts every table's rows in ONE transaction; returns rows inserted per group. A table's rows go by binary
    /// COPY straight into it when there are at least <see cref="CopyAtRows"/> (COPY inserts in bulk, an INSERT row
    /// by row); should any of them already be there (a redelivery) the unique key refuses the COPY, the transaction
    /// rolls back whole, and the batch is inserted again as <see cref="UnnestInsert"/> statements with ON CONFLICT
    /// DO NOTHING, which skip them. Smaller groups take that path at once, all in one round trip.
    /// </summary>
    public Task<IReadOnlyList<long>> InsertManyAsync(IReadOnlyList<TableRows> groups, CancellationToken cancellationToken) =>
        PostgresErrors.GuardAsync(InsertManyCoreAsync(groups, cancellationToken));

    private async Task<IReadOnlyList<long>> InsertManyCoreAsync(IReadOnlyList<TableRows> groups, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var inserts = new UnnestInsert[groups.Count];
        for (var g = 0; g < groups.Count; g++)
            inserts[g] = Verified(groups[g].Table, groups[g].Schema) ?? await EnsureAsync(connection, groups[g].Table, groups[g].Schema, cancellationToken).ConfigureAwait(false);
        var copy = true;
        var rechecked = false;
        while (true)
        {
            try
            {
                return await InsertVerifiedAsync(connection, groups, inserts, copy, cancellationToken).ConfigureAwait(false);
            }
            catch (PostgresException e) when (copy && e.SqlState == PostgresErrorCodes.UniqueViolation)
            {
                copy = false; // some rows are there already: skip them
            }
            catch (PostgresException e) when (!rechecked && e.SqlState.StartsWith("42", StringComparison.Ordinal))
            {
                // Class 42 (undefined table or column, datatype mismatch): a table changed since it was checked.
                // Check again (a conflict now throws SchemaConflictException naming it; a dropped table is recreated), once.
                rechecked = true;
                for (var g = 0; g < groups.Count; g++)
                {
                    _verified.TryRemove(groups[g].Table, out _);
                    inserts[g] = await EnsureAsync(connection, groups[g].Table, groups[g].Schema, cancellationToken).ConfigureAwait(false);
                }
            }
        }
    }

    /// <summary>Rows of one table from which COPY beats one INSERT statement, even counting a rare retry.</summary>
    public const int CopyAtRows = 200;

    private static async Task<IReadOnlyList<long>> InsertVerifiedAsync(NpgsqlConnection connection, IReadOnlyList<TableRows> groups, UnnestInsert[] inserts, bool copy, CancellationToken cancellationToken)
    {
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var inserted = new long[groups.Count];
        await using var batch = new NpgsqlBatch(connection, transaction);
        var counted = new List<(int Group, NpgsqlBatchCommand Command)>(groups.Count);
        for (var g = 0; g < groups.Count; g++)
        {
            var rows = groups[g].Rows;
            if (rows.Count == 0) continue;
            if (copy && rows.Count >= CopyAtRows)
            {
                inserted[g] = await TypedCopy.IntoAsync(connection, groups[g].Table, groups[g].Schema, rows, cancellationToken).ConfigureAwait(false);
                continue;
            }
            var command = inserts[g].Command(rows);
            batch.BatchCommands.Add(command);
            counted.Add((g, command));
        }
        if (counted.Count > 0)
            await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        foreach (var (g, command) in counted) inserted[g] = command.RecordsAffected;
        return inserted;
    }

    private bool IsVerified(string table, TableSchema schema) => Verified(table, schema) is not null;

    private UnnestInsert? Verified(string table, TableSchema schema) =>
        _verified.TryGetValue(table, out var held) && held.Signature == Signature(schema) && DateTime.UtcNow - held.At < _recheck ? held.Insert : null;

    private static string Signature(TableSchema schema) =>
        schema.IdempotencyColumn + "|" + string.Join(",", schema.Columns.Select(c => $"{c.Name}:{PostgresColumns.Declaration(c)}"));

    public Task<long> InsertAsync(string table, TableSchema schema, IAsyncEnumerable<IReadOnlyList<object?[]>> chunks, CancellationToken cancellationToken) =>
        PostgresErrors.GuardAsync(InsertCoreAsync(table, schema, chunks, cancellationToken));

    private async Task<long> InsertCoreAsync(string table, TableSchema schema, IAsyncEnumerable<IReadOnlyList<object?[]>> chunks, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        if (!IsVerified(table, schema)) await EnsureAsync(connection, table, schema, cancellationToken).ConfigureAwait(false);
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

    private async Task<UnnestInsert> EnsureAsync(NpgsqlConnection connection, string table, TableSchema schema, CancellationToken cancellationToken)
    {
        await CheckOrCreateAsync(connection, table, schema, cancellationToken).ConfigureAwait(false);
        var insert = new UnnestInsert(table, schema);
        _verified[table] = (Signature(schema), DateTime.UtcNow, insert);
        return insert;
    }

    private static async Task CheckOrCreateAsync(NpgsqlConnection connection, string table, TableSchema schema, CancellationToken cancellationToken)
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
