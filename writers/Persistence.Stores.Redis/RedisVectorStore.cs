using Persistence.Contracts.V1;
using Persistence.Sinks.Offline;
using Persistence.Sinks.Stores;
using StackExchange.Redis;

namespace Persistence.Stores.Redis;

/// <summary>
/// Vectors as Redis hashes "vector:{index}:{key}" with field "embedding" holding FLOAT32 little-endian
/// bytes (the layout RediSearch vector indexes read) and "t" the observed-at; an older observation never
/// replaces a newer one.
/// </summary>
public sealed class RedisVectorStore(IDatabaseAsync redis) : IVectorStore
{
    private const string Script = """
        local held = redis.call('HGET', KEYS[1], 't')
        if held and tonumber(held) > tonumber(ARGV[1]) then return 0 end
        redis.call('HSET', KEYS[1], 't', ARGV[1], 'embedding', ARGV[2])
        return 1
        """;

    public static string KeyOf(string index, string key) => $"vector:{index}:{key}";

    public async Task WriteAsync(IReadOnlyList<VectorBatch> batches, CancellationToken cancellationToken)
    {
        var writes = batches.SelectMany(b => b.Records.Select(r => redis.ScriptEvaluateAsync(Script, [KeyOf(b.Index, r.Key)],
            [r.ObservedAt?.ToDateTimeOffset().ToUnixTimeMilliseconds() ?? 0, VectorBytes.Encode(r.Values.ToArray())])));
        await Task.WhenAll(writes).WaitAsync(cancellationToken).ConfigureAwait(false);
    }
}
