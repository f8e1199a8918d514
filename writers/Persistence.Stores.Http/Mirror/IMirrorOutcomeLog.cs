using Persistence.Contracts.V1;
using Persistence.Stores;

namespace Persistence.Stores.Http.Mirror;

/// <summary>Where the status and latency of each replayed query are kept.</summary>
public interface IMirrorOutcomeLog
{
    /// <summary>Records outcomes (one per entry, same order). Idempotent per query id: a redelivered entry adds nothing.</summary>
    Task RecordAsync(IReadOnlyList<QueryLogEntry> entries, IReadOnlyList<MirrorOutcome> outcomes, CancellationToken cancellationToken);
}
