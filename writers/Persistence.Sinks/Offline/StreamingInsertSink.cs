using Persistence.Contracts.V1;
using Persistence.Runtime.Pipeline;
using Persistence.Stores;

namespace Persistence.Sinks.Offline;

/// <summary>
/// OFFLINE_STORE_STREAMING_INSERT_WRITER, stage two: inserts parquet streaming-insert messages into their
/// tables, whoever published them. Rows are deduplicated on the schema's idempotency column, so a
/// redelivered message never duplicates a row. A message whose parquet or schema is wrong is rejected alone.
/// </summary>
public sealed class StreamingInsertSink(IOfflineStore store) : ISink<StreamingInsert>
{
    public async ValueTask<WriteResult> WriteAsync(IReadOnlyList<Decoded<StreamingInsert>> batch, CancellationToken cancellationToken)
    {
        var rejected = new List<Rejection>();
        var byTable = new Dictionary<string, (TableSchema Schema, List<object?[]> Rows, List<int> From)>(StringComparer.Ordinal);
        for (var i = 0; i < batch.Count; i++)
        {
            var insert = batch[i].Value;
            try
            {
                var rows = await ParquetCodec.DecodeAsync(insert.Parquet.Memory, insert.Table, insert.Schema, cancellationToken).ConfigureAwait(false);
                if (insert.RowCount != 0 && insert.RowCount != rows.Count)
                    throw new SchemaConflictException($"table {insert.Table}: message declares {insert.RowCount} rows but its parquet holds {rows.Count}");
                var key = $"{insert.Table}\n{insert.Schema}";
                if (!byTable.TryGetValue(key, out var group))
                    byTable[key] = group = (insert.Schema, [], []);
                group.Rows.AddRange(rows);
                group.From.Add(i);
            }
            catch (SchemaConflictException e)
            {
                rejected.Add(new Rejection(i, "bad_parquet", e.Message));
            }
        }

        foreach (var (key, (schema, rows, from)) in byTable)
        {
            var table = key[..key.IndexOf('\n')];
            try
            {
                await store.EnsureTableAsync(table, schema, cancellationToken).ConfigureAwait(false);
                await store.InsertAsync(new TableRows(table, schema, rows), cancellationToken).ConfigureAwait(false);
            }
            catch (SchemaConflictException e)
            {
                rejected.AddRange(from.Select(i => new Rejection(i, "schema_conflict", e.Message)));
            }
        }
        return new WriteResult(rejected);
    }
}
