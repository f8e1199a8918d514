using Persistence.Contracts.V1;
using Persistence.Stores;
using StackExchange.Redis;

namespace Persistence.Stores.Redis;

/// <summary>
/// Vectors as Redis hashes "vector:{index}:{key}" with field "embedding" holding FLOAT32 little-endian
/// bytes (the layout RediSearch vector indexes read) and "t" the observed-at; an older observation never
/// replaces a newer one.
/// </summary>
public sealed class RedisVectorStore(IDatabaseAsync redis) : IVectorStore
{
    public static string KeyOf(string index, string key) => $"vector:{index}:{key}";

    public async Task WriteAsync(IReadOnlyList<VectorBatch> batches, CancellationToken cancellationToken)
    {
        var entries = batches.SelectMany(b => b.Records.Select(r => new NewerWins.Entry(KeyOf(b.Index, r.Key),
            VectorBytes.Encode(r.Values.ToArray()), r.ObservedAt?.ToDateTimeOffset().ToUnixTimeMilliseconds() ?? 0, ExpiresAtMs: 0))).ToList();
        await RedisErrors.GuardAsync(NewerWins.WriteAsync(redis, "embedding", entries).WaitAsync(cancellationToken)).ConfigureAwait(false);
    }
}
