using Google.Protobuf;
using Persistence.Stores;
using StackExchange.Redis;

namespace Persistence.Stores.Redis;

/// <summary>
/// Online values in Redis, one hash per key (layout: docs/online-key-layout.md): field "v" holds the
/// serialized persistence.v1.Value — a null is an explicit null_value, so a reader tells a known null from
/// a miss — and field "t" the observed-at in Unix milliseconds. A Lua script per key refuses an older
/// observation (<see cref="NewerWins"/>), which makes redelivery and out-of-order delivery safe; it touches one key, so it runs on
/// Redis Cluster unchanged. The key expires at observed-at + max_staleness.
/// </summary>
public sealed class RedisOnlineStore(IDatabaseAsync redis) : IOnlineStore
{
    public async Task WriteAsync(IReadOnlyList<OnlineValue> values, CancellationToken cancellationToken)
    {
        // All calls go out pipelined; awaiting them together surfaces any failure so the batch is retried.
        var writes = values.Select(v => NewerWins.WriteAsync(redis, v.Key, "v", v.Value.ToByteArray(),
            v.ObservedAt.ToUnixTimeMilliseconds(), v.ExpiresAt.ToUnixTimeMilliseconds()));
        await RedisErrors.GuardAsync(Task.WhenAll(writes).WaitAsync(cancellationToken)).ConfigureAwait(false);
    }
}
