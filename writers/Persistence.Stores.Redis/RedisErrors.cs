using Persistence.Contracts;
using StackExchange.Redis;

namespace Persistence.Stores.Redis;

/// <summary>
/// The Redis stores' error table (docs/bus-contracts.md, "Error classification"), by the error prefix Redis answers
/// with (https://redis.io/docs/latest/develop/reference/protocol-spec/#simple-errors):
/// WRONGTYPE (the key holds another type) and script errors: permanent for the message, dead-lettered;
/// LOADING, BUSY, OOM, cluster redirections and elections (MOVED, ASK, TRYAGAIN, CLUSTERDOWN, MASTERDOWN, READONLY),
/// connection failures and timeouts: transient. Any other server error is left unclassified (bounded retries).
/// </summary>
public static class RedisErrors
{
    public static Exception Classify(Exception error) => error switch
    {
        // Inside the script Redis 7 answers "WRONGTYPE ... script: ..."; older servers wrap it in "ERR Error running script".
        RedisServerException e when e.Message.Contains("WRONGTYPE", StringComparison.Ordinal) =>
            new PermanentWriteException($"Redis refused the write: {e.Message}; the key holds another type, so this value can never be written there (delete or rename the key)", e, "redis_wrongtype"),
        RedisServerException e when IsScriptError(e) =>
            new PermanentWriteException($"Redis refused the write in the newer-wins script: {e.Message}", e, "redis_script"),
        RedisServerException e when Prefix(e) is "LOADING" or "BUSY" or "OOM" or "MOVED" or "ASK" or "TRYAGAIN" or "CLUSTERDOWN" or "MASTERDOWN" or "READONLY" =>
            new TransientWriteException($"Redis is not accepting writes now (transient, retrying): {e.Message}", e, "redis_" + Prefix(e).ToLowerInvariant()),
        RedisConnectionException e => new TransientWriteException($"Redis unreachable (transient, retrying): {e.Message}", e, "redis_connection"),
        RedisTimeoutException e => new TransientWriteException($"Redis timed out (transient, retrying): {e.Message}", e, "redis_timeout"),
        _ => error,
    };

    /// <summary>Awaits pipelined Redis calls and rethrows the first driver error classified.</summary>
    public static async Task GuardAsync(Task calls)
    {
        try
        {
            await calls.ConfigureAwait(false);
        }
        catch (RedisException e)
        {
            throw Classify(e);
        }
    }

    private static string Prefix(RedisServerException e)
    {
        var space = e.Message.IndexOf(' ', StringComparison.Ordinal);
        return space < 0 ? e.Message : e.Message[..space];
    }

    // Redis reports a failing Lua script as "ERR user_script:..." (7.x) or "ERR Error running script ..." (older).
    private static bool IsScriptError(RedisServerException e) =>
        e.Message.Contains("user_script", StringComparison.Ordinal) || e.Message.Contains("Error running script", StringComparison.Ordinal);
}
