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
    private readonly ConcurrentDictionary<string, bool> _ensured = new(StringComparer.Ordinal);
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
                    Parquet = ByteString.CopyFrom(await ParquetCodec.EncodeAsync(schema, chunk, cancellationToken).ConfigureAwait(false)),
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
        if (_ensured.TryAdd(FeatureTables.QueryLog, true))
            await catalog.EnsureTableAsync(FeatureTables.QueryLog, FeatureTables.QueryLogSchema, cancellationToken).ConfigureAwait(false);
        foreach (var feature in result.Features)
        {
            var table = FeatureTables.TableFor(feature.Fqn);
            if (_owners.GetOrAdd(table, feature.Fqn) is var owner && owner != feature.Fqn)
                return ("table_collision", $"features {owner} and {feature.Fqn} both map to table {table}; rename one of them");
            var signature = $"{table}:{feature.Type}";
            if (_ensured.ContainsKey(signature)) continue;
            try
            {
                await catalog.EnsureTableAsync(table, FeatureTables.FeatureSchema(feature), cancellationToken).ConfigureAwait(false);
                _ensured[signature] = true;
            }
            catch (SchemaConflictException e)
            {
                return ("schema_conflict", $"feature {feature.Fqn} ({feature.Type}) cannot be written to table {table}: {e.Message}. " +
                       "A feature's type cannot change in place: give the new type a new feature name, or migrate the table.");
            }
        }
        return null;
    }

    private static void AddObservations(QueryResult result, Dictionary<string, (TableSchema, List<object?[]>)> tables)
    {
        for (var f = 0; f < result.Features.Count; f++)
        {
            var feature = result.Features[f];
            var table = FeatureTables.TableFor(feature.Fqn);
            if (!tables.TryGetValue(table, out var entry))
                tables[table] = entry = (FeatureTables.FeatureSchema(feature), []);
            for (var r = 0; r < result.Rows.Count; r++)
            {
                var row = result.Rows[r];
                entry.Item2.Add([
                    FeatureTables.ObservationIdOf(result.QueryId, r, feature.Fqn),
                    ResultValidation.EntityKey(result, row),
                    Values.ToColumn(row.Values[f]),
                    row.ObservedAt.ToDateTime(),
                    result.QueryId,
                    result.Environment,
                ]);
            }
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
