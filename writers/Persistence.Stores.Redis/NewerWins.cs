using StackExchange.Redis;

namespace Persistence.Stores.Redis;

/// <summary>
/// The one write both Redis stores make: a hash holding a value field and "t" (observed-at, Unix ms),
/// refused when the stored observation is the same or newer, so redelivery and reordering are safe.
/// One key per call, so it runs on Redis Cluster unchanged.
/// </summary>
internal static class NewerWins
{
    private const string Script = """
        local held = redis.call('HGET', KEYS[1], 't')
        if held and tonumber(held) >= tonumber(ARGV[1]) then return 0 end
        redis.call('HSET', KEYS[1], 't', ARGV[1], ARGV[3], ARGV[2])
        if ARGV[4] ~= '' then redis.call('PEXPIREAT', KEYS[1], ARGV[4]) end
        return 1
        """;

    /// <param name="expiresAtMs">Unix ms at which the key expires; null keeps it.</param>
    public static Task<RedisResult> WriteAsync(IDatabaseAsync redis, string key, string field, byte[] value, long observedAtMs, long? expiresAtMs) =>
        redis.ScriptEvaluateAsync(Script, [key], [observedAtMs, value, field, expiresAtMs?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? ""]);
}
