using Persistence.Contracts.V1;
using Persistence.Stores;
using Persistence.Stores.Embedded;

namespace Persistence.Stores.Http.Mirror;

/// <summary>
/// Keeps outcomes in the embedded DuckDB file's query_mirror table, the table `local` fills with its
/// not-sent records, so one query answers "what was mirrored, with what status and latency" in both modes.
/// </summary>
public sealed class DuckDbMirrorOutcomeLog(DuckDbDatabase db) : IMirrorOutcomeLog
{
    private const string Table =
        "CREATE TABLE IF NOT EXISTS query_mirror (query_id VARCHAR PRIMARY KEY, operation_name VARCHAR, status BIGINT, latency_ms DOUBLE, error VARCHAR)";

    public Task RecordAsync(IReadOnlyList<QueryLogEntry> entries, IReadOnlyList<MirrorOutcome> outcomes, CancellationToken cancellationToken)
    {
        if (entries.Count == 0) return Task.CompletedTask;
        var rows = entries.Zip(outcomes, (e, o) => new object?[] { o.QueryId, e.OperationName, (long)o.Status, o.Latency.TotalMilliseconds, o.Error }).ToList();
        return db.UseAsync(c =>
        {
            DuckDbDatabase.Execute(c, Table);
            DuckDbDatabase.StageAndInsert(c, "query_mirror", rows,
                stage => $"INSERT INTO query_mirror SELECT DISTINCT ON (query_id) * FROM {stage} ON CONFLICT (query_id) DO NOTHING");
        }, cancellationToken);
    }
}
