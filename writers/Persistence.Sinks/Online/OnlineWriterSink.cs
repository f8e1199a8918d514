using Persistence.Contracts.V1;
using Persistence.Runtime.Pipeline;
using Persistence.Stores;

namespace Persistence.Sinks.Online;

/// <summary>
/// ONLINE_WRITER: writes features that have a max_staleness to the online store; features without one
/// are never read online (the debugging guide's cache-miss check), so they are not written.
/// A value's TTL is what is left of its max_staleness since it was observed: a value that is already
/// stale when it arrives (a drained backlog) is not written, so it cannot pose as fresh.
/// Nulls are written: a known null is different from a miss.
/// </summary>
public sealed class OnlineWriterSink(IOnlineStore store, TimeProvider clock) : ISink<QueryResult>
{
    public async ValueTask<WriteResult> WriteAsync(IReadOnlyList<Decoded<QueryResult>> batch, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        // Newest observation per key within the batch; the store guards across batches.
        var newest = new Dictionary<string, OnlineValue>(StringComparer.Ordinal);
        foreach (var (result, _) in batch)
        {
            if (!result.StoreOnline) continue;
            for (var f = 0; f < result.Features.Count; f++)
            {
                var feature = result.Features[f];
                if (feature.MaxStaleness is null || feature.MaxStaleness.ToTimeSpan() <= TimeSpan.Zero) continue;
                foreach (var row in result.Rows)
                {
                    var observedAt = row.ObservedAt.ToDateTimeOffset();
                    var ttl = feature.MaxStaleness.ToTimeSpan() - (now - observedAt);
                    if (ttl <= TimeSpan.Zero) continue;
                    var key = OnlineKeys.For(feature.Fqn, ResultValidation.EntityKey(result, row));
                    if (newest.TryGetValue(key, out var held) && held.ObservedAt >= observedAt) continue;
                    newest[key] = new OnlineValue(key, feature.Fqn, row.Values[f], observedAt, ttl) { ExpiresAt = observedAt + feature.MaxStaleness.ToTimeSpan() };
                }
            }
        }
        if (newest.Count > 0)
            await store.WriteAsync([.. newest.Values], cancellationToken).ConfigureAwait(false);
        return WriteResult.Ok;
    }
}
