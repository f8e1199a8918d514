using StackExchange.Redis;

namespace Persistence.Stores.Redis;

/// <summary>
/// The one write both Redis stores make: a hash holding a value field and "t" (observed-at, Unix ms),
/// refused when the stored observation is the same or newer, so redelivery and reordering are safe.
/// Keys go many to a script call on a standalone server (one call per <see cref="KeysPerCall"/> keys), so a batch
/// costs a few round trips and Tasks instead of one per value; each key is checked and written exactly as the
/// one-key script does. On Redis Cluster each key still goes alone.
/// </summary>
public static class NewerWins
{
    /// <summary>The one-key form: the same check and write for a single key (the ceiling bench measures it).</summary>
    public const string SingleKeyScript = """
        local held = redis.call('HGET', KEYS[1], 't')
        if held and tonumber(held) >= tonumber(ARGV[1]) then return 0 end
        redis.call('HSET', KEYS[1], 't', ARGV[1], ARGV[3], ARGV[2])
        if ARGV[4] ~= '0' then redis.call('PEXPIREAT', KEYS[1], ARGV[4]) end
        return 1
        """;

    // ARGV[1] is the value field; then, per key i, observed-at ms, value and expire-at ms (0: keep) at 3i-1, 3i, 3i+1.
    private const string ManyKeysScript = """
        local written = 0
        for i, key in ipairs(KEYS) do
          local at = ARGV[3 * i - 1]
          local held = redis.call('HGET', key, 't')
          if not held or tonumber(held) < tonumber(at) then
            redis.call('HSET', key, 't', at, ARGV[1], ARGV[3 * i])
            local expires = ARGV[3 * i + 1]
            if expires ~= '0' then redis.call('PEXPIREAT', key, expires) end
            written = written + 1
          end
        end
        return written
        """;

    /// <summary>Keys per script call: enough to amortize the call, few enough not to hold Redis for long.</summary>
    public const int KeysPerCall = 128;

    /// <param name="ExpiresAtMs">Unix ms at which the key expires; 0 keeps it.</param>
    public readonly record struct Entry(string Key, ReadOnlyMemory<byte> Value, long ObservedAtMs, long ExpiresAtMs);

    /// <summary>Writes every entry unless its key holds the same or a newer observation; throws if any call fails.</summary>
    public static Task WriteAsync(IDatabaseAsync redis, string field, IReadOnlyList<Entry> entries)
    {
        var calls = new List<Task>();
        foreach (var group in Groups(redis, entries))
            for (var start = 0; start < group.Count; start += KeysPerCall)
            {
                var count = Math.Min(KeysPerCall, group.Count - start);
                var keys = new RedisKey[count];
                var args = new RedisValue[1 + 3 * count];
                args[0] = field;
                for (var i = 0; i < count; i++)
                {
                    var e = group[start + i];
                    keys[i] = e.Key;
                    args[1 + 3 * i] = e.ObservedAtMs;
                    args[2 + 3 * i] = e.Value;
                    args[3 + 3 * i] = e.ExpiresAtMs;
                }
                calls.Add(redis.ScriptEvaluateAsync(ManyKeysScript, keys, args));
            }
        return Task.WhenAll(calls);
    }

    /// <summary>
    /// One group on a standalone server. On a cluster a script's keys must share a slot, and the slot is that of the
    /// key as sent, which a key-prefixed database (WithKeyPrefix, as `local` uses) changes out of sight here; so on a
    /// cluster each key goes alone, as the one-key script always did.
    /// </summary>
    private static IEnumerable<IReadOnlyList<Entry>> Groups(IDatabaseAsync redis, IReadOnlyList<Entry> entries)
    {
        if (!MaybeClustered(redis.Multiplexer)) return [entries];
        return entries.Select(e => (IReadOnlyList<Entry>)[e]);
    }

    /// <summary>True on a cluster, and while the topology is not known yet (grouping by slot is right everywhere).</summary>
    private static bool MaybeClustered(IConnectionMultiplexer multiplexer)
    {
        var servers = multiplexer.GetServers();
        return servers.Length != 1 || !servers[0].IsConnected || servers[0].ServerType == ServerType.Cluster;
    }
}
