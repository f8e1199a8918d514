using Npgsql;
using Persistence.Stores.Postgres;
using Persistence.Writer.Hosting;
using StackExchange.Redis;

namespace Persistence.Writer.Local;

/// <summary>
/// Counts from Redis (online keys and vectors, by SCAN under the run's key prefix on every primary, so a
/// cluster is covered), DynamoDB (online keys, by a scan of the run's table) and PostgreSQL (tables in the run's schema, which the data source's search path names);
/// whatever has no real store configured is counted in the embedded file.
/// </summary>
public sealed class RealStoreLandedCounts(SelectedStores stores, string redisKeyPrefix, string postgresSchema, ILandedCounts embedded) : ILandedCounts
{
    public string Description => string.Join(", ", new[]
    {
        stores.UsesDynamoDb ? $"DynamoDB table {stores.DynamoDb!.Table}" : null,
        stores.UsesRedis ? $"Redis keys {redisKeyPrefix}*" : null,
        stores.UsesPostgres ? $"PostgreSQL schema {postgresSchema}" : null,
        embedded.Description,
    }.OfType<string>());

    public async Task<IReadOnlySet<string>> OnlineKeysAsync(CancellationToken cancellationToken)
    {
        if (stores.UsesDynamoDb) return await LocalDynamoDbTable.KeysAsync(stores.DynamoDbClient, stores.DynamoDb!.Table, cancellationToken).ConfigureAwait(false);
        if (!stores.UsesRedis) return await embedded.OnlineKeysAsync(cancellationToken).ConfigureAwait(false);
        var keys = await ScanAsync("online:", cancellationToken).ConfigureAwait(false);
        return keys.Select(k => "online:" + k).ToHashSet(StringComparer.Ordinal);
    }

    public async Task<IReadOnlySet<string>> VectorsAsync(CancellationToken cancellationToken)
    {
        if (!stores.UsesRedis) return await embedded.VectorsAsync(cancellationToken).ConfigureAwait(false);
        // "vector:{index}:{key}": index names have no ':' (the workload's is user.embedding), keys may.
        var keys = await ScanAsync("vector:", cancellationToken).ConfigureAwait(false);
        return keys.Select(k => k.IndexOf(':', StringComparison.Ordinal) is var at and > 0 ? $"{k[..at]}|{k[(at + 1)..]}" : k).ToHashSet(StringComparer.Ordinal);
    }

    public async Task<long> OfflineRowsAsync(string table, CancellationToken cancellationToken)
    {
        if (!stores.UsesPostgres) return await embedded.OfflineRowsAsync(table, cancellationToken).ConfigureAwait(false);
        await using var connection = await stores.Postgres.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var exists = new NpgsqlCommand("SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = $1", connection)
        {
            Parameters = { new() { Value = table } },
        };
        if ((long)(await exists.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))! == 0) return 0;
        await using var count = new NpgsqlCommand($"SELECT count(*) FROM {LocalStores.QuoteIdentifier(table)}", connection);
        return (long)(await count.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    public Task<long> MetricRowsAsync(CancellationToken cancellationToken) =>
        stores.UsesPostgres ? OfflineRowsAsync(PostgresMetricsStore.Table, cancellationToken) : embedded.MetricRowsAsync(cancellationToken);

    public Task<long> MirroredQueriesAsync(CancellationToken cancellationToken) => embedded.MirroredQueriesAsync(cancellationToken);

    /// <summary>Keys under the run's prefix and <paramref name="under"/>, with both stripped.</summary>
    private async Task<List<string>> ScanAsync(string under, CancellationToken cancellationToken)
    {
        var pattern = redisKeyPrefix + under;
        var keys = new List<string>();
        foreach (var server in stores.Redis.GetServers().Where(s => !s.IsReplica))
            await foreach (var key in server.KeysAsync(pattern: pattern + "*", pageSize: 1_000).WithCancellation(cancellationToken).ConfigureAwait(false))
                keys.Add(((string)key!)[pattern.Length..]);
        return keys;
    }

    /// <summary>The store clients belong to the run; only the embedded counts' connection is this object's.</summary>
    public ValueTask DisposeAsync() => embedded.DisposeAsync();
}
