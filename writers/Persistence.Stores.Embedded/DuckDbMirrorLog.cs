using Persistence.Contracts.V1;
using Persistence.Stores;

namespace Persistence.Stores.Embedded;

/// <summary>
/// The mirror target of `local`, where no API server runs: records each query that would be replayed
/// (status 0, "not sent") so the summary can account for it. Clusters use the HTTP mirror target.
/// </summary>
public sealed class DuckDbMirrorLog(DuckDbDatabase db) : IQueryMirrorTarget
{
    private const string Schema =
        "CREATE TABLE IF NOT EXISTS query_mirror (query_id VARCHAR PRIMARY KEY, operation_name VARCHAR, status BIGINT, latency_ms DOUBLE, error VARCHAR)";

    public async Task<IReadOnlyList<MirrorOutcome>> ReplayAsync(IReadOnlyList<QueryLogEntry> entries, CancellationToken cancellationToken)
    {
        var outcomes = entries.Select(e => new MirrorOutcome(e.QueryId, 0, TimeSpan.Zero, "not sent: no API server in local mode")).ToList();
        await db.UseAsync(c =>
        {
            DuckDbDatabase.Execute(c, Schema);
            DuckDbDatabase.StageAndInsert(c, "query_mirror", entries.Zip(outcomes, (e, o) => new object?[]
                { e.QueryId, e.OperationName, (long)o.Status, o.Latency.TotalMilliseconds, o.Error }), stage => $"INSERT OR IGNORE INTO query_mirror SELECT DISTINCT ON (query_id) * FROM {stage}");
        }, cancellationToken).ConfigureAwait(false);
        return outcomes;
    }
}
