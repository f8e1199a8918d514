using Persistence.Contracts;
using StackExchange.Redis;

namespace Persistence.Stores.Redis;

/// <summary>Bound from Stores:Redis. Clustered mirrors the spec's redis_is_clustered; the client discovers the cluster either way.</summary>
public sealed class RedisStoreOptions
{
    public string Connection { get; set; } = "";
    public bool Clustered { get; set; }

    /// <summary>PEM file of the CA(s) that sign the server's certificate (Memorystore's server CA); requires ssl=true in <see cref="Connection"/>.</summary>
    public string CaCertificatePath { get; set; } = "";

    /// <summary>Settings that cannot work, by key; checked at start so the writer exits 3 instead of failing every write.</summary>
    public IEnumerable<string> Problems()
    {
        if (string.IsNullOrWhiteSpace(CaCertificatePath)) yield break;
        if (RedisServerCa.Load(CaCertificatePath).Problem is { } problem)
            yield return $"{SettingNames.Stores.RedisCaCertificatePath} {problem}; mount the Redis server CA there (stack: stores.redis.serverCa) or unset it";
        if (string.IsNullOrWhiteSpace(Connection)) yield break;
        ConfigurationOptions? parsed = null;
        string? parseError = null;
        try
        {
            parsed = ConfigurationOptions.Parse(Connection);
        }
        catch (ArgumentException e)
        {
            parseError = e.Message;
        }
        if (parseError is not null)
            yield return $"{SettingNames.Stores.RedisConnection} cannot be parsed ({parseError})";
        else if (parsed is { Ssl: false })
            yield return $"{SettingNames.Stores.RedisCaCertificatePath} is set but {SettingNames.Stores.RedisConnection} does not use TLS: add ssl=true, or unset the CA";
    }

    public async Task<IConnectionMultiplexer> ConnectAsync()
    {
        if (string.IsNullOrWhiteSpace(Connection))
            throw new InvalidOperationException($"{SettingNames.Stores.RedisConnection} is required, e.g. 'redis:6379' or 'node1:6379,node2:6379' for a cluster");
        var options = ConfigurationOptions.Parse(Connection);
        // Start even while Redis is away: writes then fail (and are retried) instead of the pod crash-looping.
        options.AbortOnConnectFail = false;
        options.ConnectTimeout = 5_000;
        options.AsyncTimeout = 5_000;
        if (!string.IsNullOrWhiteSpace(CaCertificatePath))
        {
            var (authorities, problem) = RedisServerCa.Load(CaCertificatePath);
            if (authorities is null) throw new InvalidOperationException($"{SettingNames.Stores.RedisCaCertificatePath} {problem}");
            options.CertificateValidation += RedisServerCa.Validator(authorities);
        }
        var multiplexer = await ConnectionMultiplexer.ConnectAsync(options).ConfigureAwait(false);
        return multiplexer;
    }
}
