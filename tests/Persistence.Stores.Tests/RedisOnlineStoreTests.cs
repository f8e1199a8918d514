using Persistence.Contracts.V1;
using Persistence.Sinks;
using Persistence.Sinks.Offline;
using Persistence.Stores;
using Persistence.Stores.Redis;
using StackExchange.Redis;

namespace Persistence.Stores.Tests;

/// <summary>Redis online and vector stores against a real redis-server: TTLs, newer-wins, known nulls.</summary>
public sealed class RedisOnlineStoreTests(RedisFixture fixture) : IClassFixture<RedisFixture>
{
    private static OnlineValue Online(string key, Persistence.Contracts.V1.Value value, DateTimeOffset observedAt, TimeSpan maxStaleness) =>
        new(key, "user.score", value, observedAt, maxStaleness - (DateTimeOffset.UtcNow - observedAt)) { ExpiresAt = observedAt + maxStaleness };

    private static Persistence.Contracts.V1.Value Read(IDatabase db, string key) =>
        Persistence.Contracts.V1.Value.Parser.ParseFrom((byte[])db.HashGet(key, "v")!);

    [Fact]
    public async Task Values_expire_at_observed_at_plus_max_staleness_and_newer_observations_win()
    {
        fixture.SkipIfMissing();
        var db = fixture.Redis.GetDatabase();
        var store = new RedisOnlineStore(db);
        var key = $"online:user.score:user:{Guid.NewGuid():N}";
        var now = DateTimeOffset.UtcNow;

        await store.WriteAsync([Online(key, Values.Of(2.0), now, TimeSpan.FromMinutes(10))], default);
        await store.WriteAsync([Online(key, Values.Of(1.0), now.AddMinutes(-1), TimeSpan.FromMinutes(10))], default); // older, arrives later

        Assert.Equal(2.0, Read(db, key).FloatValue);
        var ttl = await db.KeyTimeToLiveAsync(key);
        Assert.InRange(ttl!.Value.TotalSeconds, 590, 600);

        await store.WriteAsync([Online(key, Values.Of(3.0), now.AddSeconds(1), TimeSpan.FromMinutes(10))], default);
        Assert.Equal(3.0, Read(db, key).FloatValue);
    }

    [Fact]
    public async Task A_null_is_stored_as_a_known_null_distinct_from_a_miss()
    {
        fixture.SkipIfMissing();
        var db = fixture.Redis.GetDatabase();
        var key = $"online:user.score:user:{Guid.NewGuid():N}";
        await new RedisOnlineStore(db).WriteAsync([Online(key, Values.Null(), DateTimeOffset.UtcNow, TimeSpan.FromMinutes(1))], default);
        Assert.True(Values.IsNull(Read(db, key)));
        Assert.False(await db.KeyExistsAsync(key + ":absent"));
    }

    [Fact]
    public async Task Vectors_are_float32_blobs_and_older_observations_do_not_replace_newer()
    {
        fixture.SkipIfMissing();
        var db = fixture.Redis.GetDatabase();
        var store = new RedisVectorStore(db);
        var index = $"idx{Guid.NewGuid():N}";
        VectorBatch Batch(float v, int secondsAgo) => new()
        {
            Index = index, Dimensions = 3,
            Records = { new VectorRecord { Key = "user:1", Values = { v, v, v }, ObservedAt = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddSeconds(-secondsAgo)) } },
        };
        await store.WriteAsync([Batch(5f, 10)], default);
        await store.WriteAsync([Batch(1f, 60)], default);

        var blob = (byte[])(await db.HashGetAsync(RedisVectorStore.KeyOf(index, "user:1"), "embedding"))!;
        Assert.Equal(12, blob.Length);
        Assert.Equal([5f, 5f, 5f], VectorBytes.Decode(blob));
    }
}

/// <summary>The same writes against a three-node Redis Cluster: the newer-wins script touches one key, so it routes to its slot.</summary>
public sealed class RedisClusterTests(RedisClusterFixture fixture) : IClassFixture<RedisClusterFixture>
{
    [Fact]
    public async Task Keys_spread_over_the_cluster_are_written_with_ttl_and_newer_wins()
    {
        fixture.SkipIfMissing();
        var db = fixture.Redis.GetDatabase();
        var store = new RedisOnlineStore(db);
        var now = DateTimeOffset.UtcNow;
        var keys = Enumerable.Range(0, 200).Select(i => $"online:user.score:user:{i}").ToList();
        await store.WriteAsync(keys.Select(k => new OnlineValue(k, "user.score", Values.Of(1.0), now, TimeSpan.FromMinutes(5)) { ExpiresAt = now.AddMinutes(5) }).ToList(), default);
        await store.WriteAsync(keys.Select(k => new OnlineValue(k, "user.score", Values.Of(0.0), now.AddSeconds(-1), TimeSpan.FromMinutes(5)) { ExpiresAt = now.AddMinutes(5) }).ToList(), default);

        foreach (var key in keys)
            Assert.Equal(1.0, Persistence.Contracts.V1.Value.Parser.ParseFrom((byte[])db.HashGet(key, "v")!).FloatValue);
        var slotsUsed = keys.Select(k => fixture.Redis.GetServer(fixture.Redis.GetEndPoints()[0]).ClusterConfiguration!.GetBySlot(k)!.EndPoint).Distinct().Count();
        Assert.Equal(3, slotsUsed);
        Assert.True((await db.KeyTimeToLiveAsync(keys[0]))!.Value.TotalSeconds > 200);
    }
}
