using Persistence.Contracts.V1;
using Persistence.Runtime.Pipeline;
using Persistence.Stores;

namespace Persistence.Sinks.Mirror;

/// <summary>
/// QUERY_MIRROR_CONSUMER: replays query-log entries against the mirror target. The target rate-limits and
/// records each outcome; a target that is down throws, and the runtime backs off rather than amplifying load.
/// </summary>
public sealed class QueryMirrorSink(IQueryMirrorTarget target) : ISink<QueryLogEntry>
{
    public async ValueTask<WriteResult> WriteAsync(IReadOnlyList<Decoded<QueryLogEntry>> batch, CancellationToken cancellationToken)
    {
        await target.ReplayAsync(batch.Select(b => b.Value).ToList(), cancellationToken).ConfigureAwait(false);
        return WriteResult.Ok;
    }

    public static string? Problem(QueryLogEntry entry) =>
        string.IsNullOrWhiteSpace(entry.QueryId) ? "query_id is empty"
        : string.IsNullOrWhiteSpace(entry.OperationName) ? $"query {entry.QueryId}: operation_name is empty" : null;
}
