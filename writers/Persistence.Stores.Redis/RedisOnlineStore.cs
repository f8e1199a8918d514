using Google.Protobuf;
using Persistence.Stores;
using StackExchange.Redis;

namespace Persistence.Stores.Redis;

/// <summary>
/// Online values in Redis, one hash per key (layout: docs/online-key-layout.md): field "v" holds the
/// serialized persistence.v1.Value — a null is an explicit null_value, so a reader tells a known null from
/// a miss — and field "t" the observed-at in Unix milliseconds. A Lua script refuses an older observation
/// per key (<see cref="NewerWins"/>), which makes redelivery and out-of-order delivery safe; on Redis Cluster
/// its keys share a hash slot, so it runs there unchanged. The key expires at observed-at + max_staleness.
/// </summary>
public sealed class RedisOnlineStore(IDatabaseAsync redis) : IOnlineStore
{
    public async Task WriteAsync(IReadOnlyList<OnlineValue> values, CancellationToken cancellationToken)
    {
        // Every value serialized into one buffer (one allocation per batch, not one per value); the calls go out
        // pipelined and awaiting them together surfaces any failure, so the batch is retried.
        var sizes = new int[values.Count];
        var total = 0;
        for (var i = 0; i < values.Count; i++) total += sizes[i] = values[i].Value.CalculateSize();
        var buffer = new byte[total];
        var entries = new NewerWins.Entry[values.Count];
        var offset = 0;
        for (var i = 0; i < values.Count; i++)
        {
            var v = values[i];
            var slice = buffer.AsMemory(offset, sizes[i]);
            v.Value.WriteTo(slice.Span);
            offset += sizes[i];
            entries[i] = new NewerWins.Entry(v.Key, slice, v.ObservedAt.ToUnixTimeMilliseconds(), v.ExpiresAt.ToUnixTimeMilliseconds());
        }
        await RedisErrors.GuardAsync(NewerWins.WriteAsync(redis, "v", entries).WaitAsync(cancellationToken)).ConfigureAwait(false);
    }
}
