using System.Net.Security;
using System.Net.Sockets;
using System.Text;
using Npgsql;

namespace Persistence.Infra.Doctor;

/// <summary>Are the stores reachable from here: Redis answers PING (a NOAUTH answer still proves it is up), PostgreSQL runs SELECT 1.</summary>
public static class StoreProbe
{
    public static async Task<StoreReport> RedisAsync(string hostPort, bool tls, CancellationToken cancel)
    {
        var (host, port) = Split(hostPort, 6379);
        try
        {
            using var tcp = new TcpClient();
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancel);
            timeout.CancelAfter(TimeSpan.FromSeconds(5));
            await tcp.ConnectAsync(host, port, timeout.Token).ConfigureAwait(false);
            Stream stream = tcp.GetStream();
            if (tls)
            {
                // Reachability only: the writer checks the server certificate against its CA; doctor may not have it.
                var ssl = new SslStream(stream, false, (_, _, _, _) => true);
                await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = host }, timeout.Token).ConfigureAwait(false);
                stream = ssl;
            }
            await stream.WriteAsync("PING\r\n"u8.ToArray(), timeout.Token).ConfigureAwait(false);
            var buffer = new byte[256];
            var read = await stream.ReadAsync(buffer, timeout.Token).ConfigureAwait(false);
            var answer = Encoding.ASCII.GetString(buffer, 0, read).Trim();
            return answer.StartsWith("+PONG", StringComparison.Ordinal) || answer.StartsWith("-NOAUTH", StringComparison.Ordinal)
                ? new StoreReport("redis", hostPort, true, answer.StartsWith('+') ? "PING: PONG" : "PING: needs AUTH (reachable)")
                : new StoreReport("redis", hostPort, false, $"PING answered '{answer}': not a Redis server?");
        }
        catch (Exception e) when (e is SocketException or IOException or OperationCanceledException or System.Security.Authentication.AuthenticationException && !cancel.IsCancellationRequested)
        {
            return new StoreReport("redis", hostPort, false, $"not reachable: {e.Message}");
        }
    }

    public static async Task<StoreReport> PostgresAsync(string connectionString, CancellationToken cancel)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString) { Timeout = 5 };
        var endpoint = $"{builder.Host}:{builder.Port}/{builder.Database}";
        try
        {
            await using var connection = new NpgsqlConnection(builder.ConnectionString);
            await connection.OpenAsync(cancel).ConfigureAwait(false);
            await using var command = new NpgsqlCommand("SELECT 1", connection);
            await command.ExecuteScalarAsync(cancel).ConfigureAwait(false);
            return new StoreReport("postgres", endpoint, true, "SELECT 1: ok");
        }
        catch (PostgresException e) when (e.SqlState is "28P01" or "28000")
        {
            return new StoreReport("postgres", endpoint, true, $"reachable, login refused for {builder.Username} ({e.MessageText}): set PGPASSWORD to check further");
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or SocketException && !cancel.IsCancellationRequested)
        {
            return new StoreReport("postgres", endpoint, false, $"not reachable: {e.Message}");
        }
    }

    private static (string Host, int Port) Split(string hostPort, int fallback)
    {
        var colon = hostPort.LastIndexOf(':');
        return colon > 0 && int.TryParse(hostPort[(colon + 1)..], out var port) ? (hostPort[..colon], port) : (hostPort, fallback);
    }
}
