using Npgsql;
using Persistence.Contracts.V1;
using StackExchange.Redis;

namespace Persistence.EndToEnd.Tests;

/// <summary>What the writers left in the real stores, read the way a feature server or an analyst would.</summary>
public sealed class Landed(IConnectionMultiplexer redis, NpgsqlDataSource postgres)
{
    /// <summary>The online value of a feature for a user, or null when the key is missing.</summary>
    public async Task<Value?> OnlineAsync(string fqn, long user)
    {
        var bytes = (byte[]?)await redis.GetDatabase().HashGetAsync($"online:{fqn}:user:{user}", "v");
        return bytes is null ? null : Value.Parser.ParseFrom(bytes);
    }

    public async Task<bool> ExistsAsync(string key) => await redis.GetDatabase().KeyExistsAsync(key);

    /// <summary>A count, or 0 while the table does not exist yet.</summary>
    public async Task<long> CountAsync(string sql)
    {
        try
        {
            await using var command = postgres.CreateCommand(sql);
            return Convert.ToInt64(await command.ExecuteScalarAsync());
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UndefinedTable) { return 0; }
    }

    /// <summary>Rows of a feature table, and how many distinct observations (entity, query) they hold.</summary>
    public async Task<(long Rows, long Distinct)> OfflineAsync(string table) =>
        (await CountAsync($"SELECT count(*) FROM {table}"), await CountAsync($"SELECT count(DISTINCT (entity_key, query_id)) FROM {table}"));
}
