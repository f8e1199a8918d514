using Persistence.Contracts.V1;
using Persistence.Runtime.Pipeline;
using Persistence.Stores;

namespace Persistence.Sinks.Offline;

/// <summary>
/// OFFLINE_STORE_STREAMING_INSERT_WRITER, stage two: inserts parquet streaming-insert messages into their
/// tables, whoever published them. Rows are deduplicated on the schema's idempotency column, so a
/// redelivered message never duplicates a row. A message whose parquet or schema is wrong is rejected alone.
/// All tables of a batch go to the store together (one transaction and round trip where the store can);
/// if that meets a schema conflict, each table is written on its own so only the conflicting messages are rejected.
/// </summary>
public sealed class StreamingInsertSink(IOfflineStore store) : ISink<StreamingInsert>
{
    public async ValueTask<WriteResult> WriteAsync(IReadOnlyList<Decoded<StreamingInsert>> batch, CancellationToken cancellationToken)
    {
        var rejected = new List<Rejection>();
        var byTable = new Dictionary<(string Table, TableSchema Schema), (List<object?[]> Rows, List<int> From)>();
        for (var i = 0; i < batch.Count; i++)
        {
            var insert = batch[i].Value;
            try
            {
                var rows = await ParquetCodec.DecodeAsync(insert.Parquet.Memory, insert.Table, insert.Schema, cancellationToken).ConfigureAwait(false);
                if (insert.RowCount != 0 && insert.RowCount != rows.Count)
                    throw new SchemaConflictException($"table {insert.Table}: message declares {insert.RowCount} rows but its parquet holds {rows.Count}");
                // TableSchema is a protobuf message: equal by value, so messages of one table and schema share a group.
                if (!byTable.TryGetValue((insert.Table, insert.Schema), out var group))
                    byTable[(insert.Table, insert.Schema)] = group = ([], []);
                group.Rows.AddRange(rows);
                group.From.Add(i);
            }
            catch (SchemaConflictException e)
            {
                rejected.Add(new Rejection(i, "bad_parquet", e.Message));
            }
        }

        var groups = new List<(TableRows Rows, List<int> From)>(byTable.Count);
        foreach (var ((table, schema), (rows, from)) in byTable)
        {
            try
            {
                await store.EnsureTableAsync(table, schema, cancellationToken).ConfigureAwait(false);
                groups.Add((new TableRows(table, schema, rows), from));
            }
            catch (SchemaConflictException e)
            {
                rejected.AddRange(from.Select(i => new Rejection(i, "schema_conflict", e.Message)));
            }
        }
        if (groups.Count == 0) return new WriteResult(rejected);
        try
        {
            await store.InsertManyAsync([.. groups.Select(g => g.Rows)], cancellationToken).ConfigureAwait(false);
        }
        catch (SchemaConflictException)
        {
            // A table changed under us (another writer, a migration): isolate it, write the others.
            foreach (var (rows, from) in groups)
            {
                try
                {
                    await store.InsertAsync(rows, cancellationToken).ConfigureAwait(false);
                }
                catch (SchemaConflictException e)
                {
                    rejected.AddRange(from.Select(i => new Rejection(i, "schema_conflict", e.Message)));
                }
            }
        }
        return new WriteResult(rejected);
    }
}
