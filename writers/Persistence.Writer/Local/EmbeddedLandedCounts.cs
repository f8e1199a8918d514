using System.Globalization;
using Persistence.Stores.Embedded;

namespace Persistence.Writer.Local;

/// <summary>Counts from the embedded DuckDB file the local writers share.</summary>
public sealed class EmbeddedLandedCounts(string databasePath) : ILandedCounts
{
    private readonly DuckDbDatabase _db = new(databasePath);

    public string Description => $"DuckDB {databasePath}";

    public Task<IReadOnlySet<string>> OnlineKeysAsync(CancellationToken cancellationToken) =>
        KeysAsync("SELECT key FROM online_values", cancellationToken);

    public async Task<long> OfflineRowsAsync(string table, CancellationToken cancellationToken) =>
        await CountAsync($"SELECT count(*) FROM information_schema.tables WHERE table_name = '{table.Replace("'", "''", StringComparison.Ordinal)}'", cancellationToken).ConfigureAwait(false) == 0
            ? 0
            : await CountAsync($"SELECT count(*) FROM \"{table}\"", cancellationToken).ConfigureAwait(false);

    public Task<long> MetricRowsAsync(CancellationToken cancellationToken) => CountAsync("SELECT count(*) FROM feature_metrics", cancellationToken);

    public Task<IReadOnlySet<string>> VectorsAsync(CancellationToken cancellationToken) =>
        KeysAsync("SELECT index_name || '|' || key FROM vectors", cancellationToken);

    public Task<long> MirroredQueriesAsync(CancellationToken cancellationToken) => CountAsync("SELECT count(*) FROM query_mirror", cancellationToken);

    private Task<long> CountAsync(string sql, CancellationToken cancellationToken) =>
        _db.UseAsync(c => Convert.ToInt64(DuckDbDatabase.Scalar(c, sql), CultureInfo.InvariantCulture), cancellationToken);

    private Task<IReadOnlySet<string>> KeysAsync(string sql, CancellationToken cancellationToken) => _db.UseAsync<IReadOnlySet<string>>(c =>
    {
        using var command = c.CreateCommand();
        command.CommandText = sql;
        using var reader = command.ExecuteReader();
        var keys = new HashSet<string>(StringComparer.Ordinal);
        while (reader.Read()) keys.Add(reader.GetString(0));
        return keys;
    }, cancellationToken);

    public ValueTask DisposeAsync() => _db.DisposeAsync();
}
