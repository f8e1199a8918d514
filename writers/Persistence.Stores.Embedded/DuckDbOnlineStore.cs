using Google.Protobuf;
using Persistence.Stores;

namespace Persistence.Stores.Embedded;

/// <summary>Online values in DuckDB: one row per key, replaced only by a newer observation. Nulls are stored as known nulls.</summary>
public sealed class DuckDbOnlineStore(DuckDbDatabase db) : IOnlineStore
{
    private const string Schema =
        "CREATE TABLE IF NOT EXISTS online_values (key VARCHAR PRIMARY KEY, feature VARCHAR, value BLOB, is_null BOOLEAN, observed_at TIMESTAMP, expires_at TIMESTAMP)";

    public Task WriteAsync(IReadOnlyList<OnlineValue> values, CancellationToken cancellationToken) =>
        db.UseAsync(c =>
        {
            DuckDbDatabase.Execute(c, Schema);
            DuckDbDatabase.StageAndInsert(c, "online_values", values.Select(v => new object?[]
            {
                v.Key, v.FeatureFqn, v.Value.ToByteArray(), Values.IsNull(v.Value),
                v.ObservedAt.UtcDateTime, v.ExpiresAt.UtcDateTime,
            }), stage =>
                $"INSERT INTO online_values SELECT * FROM {stage} ON CONFLICT (key) DO UPDATE SET " +
                "value = excluded.value, is_null = excluded.is_null, observed_at = excluded.observed_at, expires_at = excluded.expires_at " +
                "WHERE excluded.observed_at > online_values.observed_at");
        }, cancellationToken);
}
