using Google.Protobuf;
using Persistence.Sinks.Stores;
using StackExchange.Redis;

namespace Persistence.Stores.Redis;

/// <summary>
/// Online values in Redis, one hash per key (layout: docs/online-key-layout.md): field "v" holds the
/// serialized persistence.v1.Value — a null is an explicit null_value, so a reader tells a known null from
/// a miss — and field "t" the observed-at in Unix milliseconds. A Lua script per key refuses an older
/// observation, which makes redelivery and out-of-order delivery safe; it touches one key, so it runs on
/// Redis Cluster unchanged. The key expires at observed-at + max_staleness.
/// </summary>
public sealed class RedisOnlineStore(IDatabaseAsync redis) : IOnlineStore
{
    // Returns 1 when written, 0 when a newer (or the same) observation is already stored.
    internal const string NewerWinsScript = """
        local held = redis.call('HGET', KEYS[1], 't')
        if held and tonumber(held) >= tonumber(ARGV[1]) then return 0 end
        redis.call('HSET', KEYS[1], 't', ARGV[1], 'v', ARGV[2])
        if ARGV[3] ~= '' then redis.call('PEXPIREAT', KEYS[1], ARGV[3]) end
        return 1
        """;

    public async Task WriteAsync(IReadOnlyList<OnlineValue> values, CancellationToken cancellationToken)
    {
        // All calls go out pipelined; awaiting them together surfaces any failure so the batch is retried.
        var writes = values.Select(v => redis.ScriptEvaluateAsync(NewerWinsScript, [v.Key],
            [v.ObservedAt.ToUnixTimeMilliseconds(), v.Value.ToByteArray(), v.ExpiresAt.ToUnixTimeMilliseconds()]));
        await Task.WhenAll(writes).WaitAsync(cancellationToken).ConfigureAwait(false);
    }
}
