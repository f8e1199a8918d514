using Npgsql;
using NpgsqlTypes;
using Persistence.Contracts.V1;

namespace Persistence.Stores.Http.Mirror;

/// <summary>
/// Keeps the mirror's outcomes in the configured PostgreSQL (table query_mirror, the same columns as the
/// embedded log): a pod's filesystem is gone with the pod, the database is where people look. Idempotent per
/// query id, so a redelivered entry adds nothing.
/// </summary>
public sealed class PostgresMirrorOutcomeLog(NpgsqlDataSource dataSource) : IMirrorOutcomeLog
{
    public const string Table = "query_mirror";

    private const string CreateTable =
        "CREATE TABLE IF NOT EXISTS query_mirror (query_id text PRIMARY KEY, operation_name text, status bigint, latency_ms double precision, error text, " +
        "recorded_at timestamptz NOT NULL DEFAULT now())";

    private const string Insert =
        "INSERT INTO query_mirror (query_id, operation_name, status, latency_ms, error) " +
        "SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::double precision[], $5::text[]) ON CONFLICT (query_id) DO NOTHING";

    private volatile bool _created;

    public async Task RecordAsync(IReadOnlyList<QueryLogEntry> entries, IReadOnlyList<MirrorOutcome> outcomes, CancellationToken cancellationToken)
    {
        if (entries.Count == 0) return;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        if (!_created)
        {
            await using var create = new NpgsqlCommand(CreateTable, connection);
            await create.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            _created = true;
        }
        await using var insert = new NpgsqlCommand(Insert, connection)
        {
            Parameters =
            {
                new() { Value = outcomes.Select(o => o.QueryId).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text },
                new() { Value = entries.Select(e => e.OperationName).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text },
                new() { Value = outcomes.Select(o => (long)o.Status).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint },
                new() { Value = outcomes.Select(o => o.Latency.TotalMilliseconds).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Double },
                new() { Value = outcomes.Select(o => o.Error).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text },
            },
        };
        await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
