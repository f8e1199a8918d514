using Persistence.Contracts.V1;

namespace Persistence.Stores;

// The store interfaces the sinks write through. Embedded (DuckDB) implementations serve `local` and
// tests; Redis and PostgreSQL implementations serve clusters. Every write must be idempotent:
// the runtime redelivers whatever it could not acknowledge.

/// <summary>One feature value of one entity, for the online store.</summary>
/// <param name="Key">Store key; see the online writer sink's OnlineKeys.</param>
/// <param name="Ttl">Freshness left at write time: stores with relative expiry (Redis EXPIRE) use it.</param>
public sealed record OnlineValue(string Key, string FeatureFqn, Value Value, DateTimeOffset ObservedAt, TimeSpan Ttl)
{
    /// <summary>When the value stops being fresh: observed-at plus max_staleness.</summary>
    public DateTimeOffset ExpiresAt { get; init; } = ObservedAt + Ttl;
}

public interface IOnlineStore
{
    /// <summary>Writes each value unless the store already holds a newer one for its key (observed-at wins).</summary>
    Task WriteAsync(IReadOnlyList<OnlineValue> values, CancellationToken cancellationToken);
}

/// <summary>Rows decoded from parquet, in the column order of their schema.</summary>
public sealed record TableRows(string Table, TableSchema Schema, IReadOnlyList<object?[]> Rows);

public interface IOfflineStore
{
    /// <summary>Creates the table when missing. Throws <see cref="SchemaConflictException"/> when it exists with other columns.</summary>
    Task EnsureTableAsync(string table, TableSchema schema, CancellationToken cancellationToken);

    /// <summary>Inserts rows in one transaction, skipping rows whose idempotency column is already present. Returns rows inserted.</summary>
    /// <remarks>Implementations pass a single chunk to the chunked overload, so both share one code path.</remarks>
    Task<long> InsertAsync(TableRows rows, CancellationToken cancellationToken);

    /// <summary>
    /// Inserts every chunk in ONE transaction, consuming them one at a time so only one chunk need be in
    /// memory. If enumerating a chunk throws (a corrupt tail, a row count check), nothing is committed.
    /// Returns rows inserted (rows whose idempotency column is already present are skipped).
    /// </summary>
    Task<long> InsertAsync(string table, TableSchema schema, IAsyncEnumerable<IReadOnlyList<object?[]>> chunks, CancellationToken cancellationToken);

    /// <summary>
    /// Inserts several tables' rows (one batch of streaming inserts); returns rows inserted per group. Stores that
    /// can put them in one transaction and round trip do (PostgreSQL); by default each group is its own insert.
    /// </summary>
    async Task<IReadOnlyList<long>> InsertManyAsync(IReadOnlyList<TableRows> groups, CancellationToken cancellationToken)
    {
        var inserted = new long[groups.Count];
        for (var g = 0; g < groups.Count; g++)
            inserted[g] = await InsertAsync(groups[g], cancellationToken).ConfigureAwait(false);
        return inserted;
    }
}

/// <summary>Helpers for <see cref="IOfflineStore"/> implementations.</summary>
public static class RowChunks
{
    /// <summary>One batch of rows as a one-chunk stream, for the single-batch insert.</summary>
    public static async IAsyncEnumerable<IReadOnlyList<object?[]>> Single(IReadOnlyList<object?[]> rows)
    {
        await Task.CompletedTask.ConfigureAwait(false);
        yield return rows;
    }
}

/// <summary>A table exists with a schema the message cannot be written into. Permanent for that message.</summary>
/// <remarks>A <see cref="Persistence.Contracts.PermanentWriteException"/>, so one that escapes a sink is still isolated and dead-lettered, never retried.</remarks>
public sealed class SchemaConflictException(string message) : Persistence.Contracts.PermanentWriteException(message, null, "schema_conflict");

public interface IMetricsStore
{
    /// <summary>Inserts metrics, skipping those whose metric_id is already stored.</summary>
    Task WriteAsync(IReadOnlyList<FeatureWindowMetric> metrics, CancellationToken cancellationToken);
}

public interface IVectorStore
{
    /// <summary>Upserts vectors per (index, key); an older observation never replaces a newer one.</summary>
    Task WriteAsync(IReadOnlyList<VectorBatch> batches, CancellationToken cancellationToken);
}

/// <summary>The outcome of replaying one query against the mirror target.</summary>
public sealed record MirrorOutcome(string QueryId, int Status, TimeSpan Latency, string? Error = null);

public interface IQueryMirrorTarget
{
    /// <summary>Replays the queries and records their outcomes. Throws when the target is unavailable (transient).</summary>
    Task<IReadOnlyList<MirrorOutcome>> ReplayAsync(IReadOnlyList<QueryLogEntry> entries, CancellationToken cancellationToken);
}

public interface IObjectStore
{
    /// <summary>URI schemes served, e.g. "file", "s3", "gs".</summary>
    IReadOnlyCollection<string> Schemes { get; }

    /// <summary>
    /// Copies an object into <paramref name="destination"/> as it downloads, never holding it whole in memory.
    /// Throws <see cref="FileNotFoundException"/> when it does not exist, <see cref="Persistence.Contracts.PermanentWriteException"/>
    /// when access is denied, and anything else (network) for the writer loop to retry.
    /// </summary>
    Task CopyToAsync(Uri uri, Stream destination, CancellationToken cancellationToken);
}
