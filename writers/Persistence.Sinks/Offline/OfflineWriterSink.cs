using System.Collections.Concurrent;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Persistence.Contracts.V1;
using Persistence.Runtime.Bus;
using Persistence.Runtime.Pipeline;
using Persistence.Stores;

namespace Persistence.Sinks.Offline;

/// <summary>
/// OFFLINE_WRITER, stage one of the offline path: creates each feature's table when missing, turns the
/// batch's results into parquet streaming-insert messages (one per table, chunked) and publishes them.
/// It never inserts rows itself: OFFLINE_STORE_STREAMING_INSERT_WRITER does.
/// </summary>
public sealed class OfflineWriterSink(IOfflineStore catalog, IMessagePublisher streamingInsert, int maxRowsPerMessage = 5_000) : ISink<QueryResult>
{
    // Per fqn: its table name (TableFor runs a regex and ToLowerInvariant; a writer sees the same few fqns all day).
    private readonly ConcurrentDictionary<string, string> _tables = new(StringComparer.Ordinal);
    // (fqn, type) whose table is known to exist with that type.
    private readonly ConcurrentDictionary<(string Fqn, Persistence.Contracts.V1.ValueType Type), bool> _ensured = new();
    private bool _queryLogEnsured;
    // Table -> the fqn that first wrote it here: a second fqn on the same table is refused, never mixed in.
    private readonly ConcurrentDictionary<string, string> _owners = new(StringComparer.Ordinal);

    public async ValueTask<WriteResult> WriteAsync(IReadOnlyList<Decoded<QueryResult>> batch, CancellationToken cancellationToken)
    {
        var rejected = new Dictionary<int, Rejection>();
        var tables = new Dictionary<string, (TableSchema Schema, List<object?[]> Rows)>(StringComparer.Ordinal);
        var queryLog = new List<object?[]>();

        for (var i = 0; i < batch.Count; i++)
        {
            var result = batch[i].Value;
            if (!result.StoreOffline) continue;
            var conflict = await EnsureTablesAsync(result, cancellationToken).ConfigureAwait(false);
            if (conflict is not null)
            {
                rejected[i] = new Rejection(i, conflict.Value.ErrorClass, conflict.Value.Reason);
                continue;
            }
            AddObservations(result, tables);
            queryLog.Add(QueryLogRow(result));
        }
        if (queryLog.Count > 0)
            tables[FeatureTables.QueryLog] = (FeatureTables.QueryLogSchema, queryLog);

        var outbound = new List<OutboundMessage>();
        foreach (var (table, (schema, rows)) in tables)
        {
            foreach (var chunk in rows.Chunk(maxRowsPerMessage))
            {
                var insert = new StreamingInsert
                {
                    Table = table,
                    Schema = schema,
                    // Wrapped, not copied: the encoded buffer is ours and is not touched again.
                    Parquet = UnsafeByteOperations.UnsafeWrap(await ParquetCodec.EncodeToMemoryAsync(schema, chunk, cancellationToken).ConfigureAwait(false)),
                    RowCount = chunk.Length,
                    SourceQueryId = batch.Count == 1 ? batch[0].Value.QueryId : "",
                    ProducedAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow),
                };
                outbound.Add(new OutboundMessage(insert.ToByteArray(), Key: table));
            }
        }
        if (outbound.Count > 0)
            await streamingInsert.PublishAsync(outbound, cancellationToken).ConfigureAwait(false);
        return new WriteResult([.. rejected.Values]);
    }

    private async Task<(string ErrorClass, string Reason)?> EnsureTablesAsync(QueryResult result, CancellationToken cancellationToken)
    {
        if (!_queryLogEnsured)
        {
            await catalog.EnsureTableAsync(FeatureTables.QueryLog, FeatureTables.QueryLogSchema, cancellationToken).ConfigureAwait(false);
            _queryLogEnsured = true;
        }
        foreach (var feature in result.Features)
        {
            var table = TableOf(feature.Fqn);
            if (_owners.GetOrAdd(table, feature.Fqn) is var owner && owner != feature.Fqn)
                return ("table_collision", $"features {owner} and {feature.Fqn} both map to table {table}; rename one of them");
            if (_ensured.ContainsKey((feature.Fqn, feature.Type))) continue;
            try
            {
                await catalog.EnsureTableAsync(table, FeatureTables.FeatureSchema(feature), cancellationToken).ConfigureAwait(false);
                _ensured[(feature.Fqn, feature.Type)] = true;
            }
            catch (SchemaConflictException e)
            {
                return ("schema_conflict", $"feature {feature.Fqn} ({feature.Type}) cannot be written to table {table}: {e.Message}. " +
                       "A feature's type cannot change in place: give the new type a new feature name, or migrate the table.");
            }
        }
        return null;
    }

    private string TableOf(string fqn)
    {
        if (_tables.TryGetValue(fqn, out var table)) return table;
        table = FeatureTables.TableFor(fqn);
        if (_tables.Count < 100_000) _tables[fqn] = table; // bounded, should a producer invent fqns
        return table;
    }

    private void AddObservations(QueryResult result, Dictionary<string, (TableSchema, List<object?[]>)> tables)
    {
        // What every feature's row shares is computed once per row, not once per feature and row.
        var rows = result.Rows.Count;
        var entities = new string[rows];
        var observed = new object[rows];
        for (var r = 0; r < rows; r++)
        {
            entities[r] = ResultValidation.EntityKey(result, result.Rows[r]);
            observed[r] = result.Rows[r].ObservedAt.ToDateTime();
        }
        for (var f = 0; f < result.Features.Count; f++)
        {
            var feature = result.Features[f];
            var table = TableOf(feature.Fqn);
            if (!tables.TryGetValue(table, out var entry))
                tables[table] = entry = (FeatureTables.FeatureSchema(feature), []);
            for (var r = 0; r < rows; r++)
                entry.Item2.Add([FeatureTables.ObservationIdOf(result.QueryId, r, feature.Fqn), entities[r], Values.ToColumn(result.Rows[r].Values[f]), observed[r], result.QueryId, result.Environment]);
        }
    }

    private static object?[] QueryLogRow(QueryResult result) =>
    [
        result.QueryId,
        result.Environment,
        result.DeploymentId,
        result.OperationName,
        result.StartedAt?.ToDateTime(),
        result.Latency?.ToTimeSpan().TotalMilliseconds ?? 0d,
        (long)result.Rows.Count,
        (long)result.Features.Count,
    ];
}
