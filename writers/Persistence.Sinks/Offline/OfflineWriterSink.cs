using System.Collections.Concurrent;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Persistence.Contracts.V1;
using Persistence.Runtime.Bus;
using Persistence.Runtime.Pipeline;
using Persistence.Stores;
using ValueType = Persistence.Contracts.V1.ValueType;

namespace Persistence.Sinks.Offline;

/// <summary>
/// OFFLINE_WRITER, stage one of the offline path: creates each feature's table when missing, turns the
/// batch's results into parquet streaming-insert messages (one per table, chunked) and publishes them.
/// It never inserts rows itself: OFFLINE_STORE_STREAMING_INSERT_WRITER does. Its messages come flat, read from the
/// wire by <see cref="OfflineResultDecoder"/>.
/// </summary>
public sealed class OfflineWriterSink(IOfflineStore catalog, IMessagePublisher streamingInsert, int maxRowsPerMessage = 5_000) : ISink<OfflineResult>
{
    // Per fqn: its table name (TableFor runs a regex and ToLowerInvariant; a writer sees the same few fqns all day).
    private readonly ConcurrentDictionary<string, string> _tables = new(StringComparer.Ordinal);
    // (fqn, type) whose table is known to exist with that type.
    private readonly ConcurrentDictionary<(string Fqn, ValueType Type), bool> _ensured = new();
    private bool _queryLogEnsured;
    private readonly SemaphoreSlim _ensuring = new(1, 1);
    private readonly ConcurrentBag<MemoryStream> _buffers = [];
    private const int MaxPooledBuffer = 1 << 20;
    // Table -> the fqn that first wrote it here: a second fqn on the same table is refused, never mixed in.
    private readonly ConcurrentDictionary<string, string> _owners = new(StringComparer.Ordinal);

    public async ValueTask<WriteResult> WriteAsync(IReadOnlyList<Decoded<OfflineResult>> batch, CancellationToken cancellationToken)
    {
        var rejected = new List<Rejection>();
        var candidates = new List<(int Index, OfflineResult Result)>(batch.Count);
        var missing = new Dictionary<(string, ValueType), FeatureDescriptor>();
        OfflineResult? checkedLast = null;
        for (var i = 0; i < batch.Count; i++)
        {
            var result = batch[i].Value;
            if (!result.StoreOffline) continue;
            // Results of one query shape repeat the same features: checked once, not per result.
            if (checkedLast is null || !SameFeatures(checkedLast, result))
            {
                if (Collision(result) is { } collision)
                {
                    rejected.Add(new Rejection(i, "table_collision", collision));
                    continue;
                }
                foreach (var feature in result.Features)
                    if (!_ensured.ContainsKey((feature.Fqn, feature.Type))) missing.TryAdd((feature.Fqn, feature.Type), feature);
                checkedLast = result;
            }
            candidates.Add((i, result));
        }
        if (candidates.Count == 0) return new WriteResult(rejected);

        // New tables are created while the batch is encoded; nothing is published before they exist, and a result
        // whose table the catalog refuses is left out (its rows encoded again without it: rare, a type change).
        var ensuring = missing.Count > 0 || !_queryLogEnsured ? EnsureTablesAsync(missing.Values, cancellationToken) : null;
        List<OutboundMessage> outbound;
        try
        {
            outbound = await EncodeAsync([.. candidates.Select(c => c.Result)], batch, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception) when (ensuring is not null)
        {
            // Two types of one feature in the batch cannot share a table: the catalog refuses one, then it encodes.
            if ((await ensuring.ConfigureAwait(false)).Count == 0) throw;
            outbound = [];
        }
        if (ensuring is not null && await ensuring.ConfigureAwait(false) is { Count: > 0 } conflicts)
        {
            var kept = new List<OfflineResult>(candidates.Count);
            foreach (var (index, result) in candidates)
            {
                if (result.Features.Select(f => conflicts.GetValueOrDefault((f.Fqn, f.Type))).FirstOrDefault(reason => reason is not null) is { } reason)
                    rejected.Add(new Rejection(index, "schema_conflict", reason));
                else
                    kept.Add(result);
            }
            outbound = kept.Count > 0 ? await EncodeAsync(kept, batch, cancellationToken).ConfigureAwait(false) : [];
        }
        if (outbound.Count > 0)
            await streamingInsert.PublishAsync(outbound, cancellationToken).ConfigureAwait(false);
        return new WriteResult([.. rejected.OrderBy(r => r.Index)]);
    }

    private async Task<List<OutboundMessage>> EncodeAsync(List<OfflineResult> results, IReadOnlyList<Decoded<OfflineResult>> batch, CancellationToken cancellationToken)
    {
        var outbound = new List<OutboundMessage>();
        using var columns = new BatchColumns(results);
        foreach (var (table, rows) in columns.Tables(TableOf))
            using (rows)
                await AddAsync(outbound, table, rows, batch, cancellationToken).ConfigureAwait(false);
        await AddAsync(outbound, FeatureTables.QueryLog, columns.QueryLog(), batch, cancellationToken).ConfigureAwait(false);
        return outbound;
    }

    private async Task AddAsync(List<OutboundMessage> outbound, string table, TableColumns rows, IReadOnlyList<Decoded<OfflineResult>> batch, CancellationToken cancellationToken)
    {
        var buffer = RentBuffer();
        try
        {
            for (var start = 0; start < rows.RowCount; start += maxRowsPerMessage)
            {
                var chunk = rows.RowCount <= maxRowsPerMessage ? rows : rows.Slice(start, Math.Min(maxRowsPerMessage, rows.RowCount - start));
                buffer.SetLength(0);
                await ParquetCodec.EncodeAsync(buffer, chunk, cancellationToken).ConfigureAwait(false);
                var insert = new StreamingInsert
                {
                    Table = table,
                    Schema = rows.Schema,
                    // Wrapped, not copied: the message's own bytes are its one copy (the buffer is reused for the next).
                    Parquet = UnsafeByteOperations.UnsafeWrap(buffer.GetBuffer().AsMemory(0, (int)buffer.Length)),
                    RowCount = chunk.RowCount,
                    SourceQueryId = batch.Count == 1 ? batch[0].Value.QueryId : "",
                    ProducedAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow),
                };
                outbound.Add(new OutboundMessage(insert.ToByteArray(), Key: table));
            }
        }
        finally
        {
            ReturnBuffer(buffer);
        }
    }

    // Encoding buffers, one per concurrent batch: a table's parquet grows a fresh stream past the large object heap's
    // threshold, and each such buffer is a gen2 allocation. Big ones are not kept.
    private MemoryStream RentBuffer() => _buffers.TryTake(out var buffer) ? buffer : new MemoryStream();

    private void ReturnBuffer(MemoryStream buffer)
    {
        if (buffer.Capacity <= MaxPooledBuffer && _buffers.Count < 4) _buffers.Add(buffer);
    }

    private static bool SameFeatures(OfflineResult a, OfflineResult b)
    {
        if (ReferenceEquals(a.Features, b.Features)) return true; // decoded one after another: one array
        if (a.Features.Length != b.Features.Length) return false;
        for (var f = 0; f < a.Features.Length; f++)
            if (a.Features[f].Type != b.Features[f].Type || !string.Equals(a.Features[f].Fqn, b.Features[f].Fqn, StringComparison.Ordinal)) return false;
        return true;
    }

    private string? Collision(OfflineResult result)
    {
        foreach (var feature in result.Features)
        {
            var table = TableOf(feature.Fqn);
            if (_owners.GetOrAdd(table, feature.Fqn) is var owner && owner != feature.Fqn)
                return $"features {owner} and {feature.Fqn} both map to table {table}; rename one of them";
        }
        return null;
    }

    /// <summary>
    /// Creates the tables not yet known, one at a time on one pooled connection; batches written at the same time
    /// wait for each other's pass rather than checking the same tables twice. Returns the reason per refused feature.
    /// </summary>
    private async Task<Dictionary<(string, ValueType), string>> EnsureTablesAsync(IEnumerable<FeatureDescriptor> features, CancellationToken cancellationToken)
    {
        var conflicts = new Dictionary<(string, ValueType), string>();
        await _ensuring.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!_queryLogEnsured)
            {
                await catalog.EnsureTableAsync(FeatureTables.QueryLog, FeatureTables.QueryLogSchema, cancellationToken).ConfigureAwait(false);
                _queryLogEnsured = true;
            }
            foreach (var feature in features)
            {
                if (_ensured.ContainsKey((feature.Fqn, feature.Type))) continue; // another batch's pass made it
                var table = TableOf(feature.Fqn);
                try
                {
                    await catalog.EnsureTableAsync(table, FeatureTables.FeatureSchema(feature), cancellationToken).ConfigureAwait(false);
                    _ensured[(feature.Fqn, feature.Type)] = true;
                }
                catch (SchemaConflictException e)
                {
                    conflicts[(feature.Fqn, feature.Type)] = $"feature {feature.Fqn} ({feature.Type}) cannot be written to table {table}: {e.Message}. " +
                        "A feature's type cannot change in place: give the new type a new feature name, or migrate the table.";
                }
            }
        }
        finally
        {
            _ensuring.Release();
        }
        return conflicts;
    }

    private string TableOf(string fqn)
    {
        if (_tables.TryGetValue(fqn, out var table)) return table;
        table = FeatureTables.TableFor(fqn);
        if (_tables.Count < 100_000) _tables[fqn] = table; // bounded, should a producer invent fqns
        return table;
    }
}
