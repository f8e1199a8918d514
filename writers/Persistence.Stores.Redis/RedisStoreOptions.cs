using Persistence.Contracts;
using StackExchange.Redis;

namespace Persistence.Stores.Redis;

/// <summary>Bound from Stores:Redis. Clustered mirrors the spec's redis_is_clustered; the client discovers the cluster either way.</summary>
public sealed class RedisStoreOptions
{
    public string Connection { get; set; } = "";
    public bool Clustered { get; set; }

    public async Task<IConnectionMultiplexer> ConnectAsync()
    {
        if (string.IsNullOrWhiteSpace(Connection))
            throw new InvalidOperationException($"{SettingNames.Stores.RedisConnection} is required, e.g. 'redis:6379' or 'node1:6379,node2:6379' for a cluster");
        var options = ConfigurationOptions.Parse(Connection);
        // Start even while Redis is away: writes then fail (and are retried) instead of the pod crash-looping.
        options.AbortOnConnectFail = false;
        options.ConnectTimeout = 5_000;
        options.AsyncTimeout = 5_000;
        var multiplexer = await ConnectionMultiplexer.ConnectAsync(options).ConfigureAwait(false);
        return multiplexer;
    }
}
