using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Persistence.Writer.Hosting.Settings;

namespace Persistence.Writer.Hosting;

/// <summary>
/// /healthz (the process serves), /readyz (startup checks passed and the loop runs) and /metrics (prometheus-net)
/// for the Deployment's probes and scraping. Started first, so the probes answer while the writer waits for its
/// stores. A plain socket with SO_REUSEADDR, not HttpListener: a container restarted in its pod keeps the pod's
/// network namespace, where the connections the killed process had served wait in TIME_WAIT for a minute, and
/// HttpListener (which binds without SO_REUSEADDR) could not listen on the port again until they were gone.
/// </summary>
public sealed class HealthServer(IOptions<WriterSettings> settings, WriterReadiness readiness, WriterMetrics metrics, ILogger<HealthServer> logger) : BackgroundService
{
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(5);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var port = settings.Value.HealthPort;
        if (port <= 0) return;
        using var listener = await StartAsync(port, stoppingToken).ConfigureAwait(false);
        if (listener is null) return;
        while (!stoppingToken.IsCancellationRequested)
        {
            Socket client;
            try { client = await listener.AcceptAsync(stoppingToken).ConfigureAwait(false); }
            catch (OperationCanceledException) { break; }
            catch (SocketException e)
            {
                logger.LogWarning("health endpoint on port {Port}: accept failed ({Error})", port, e.SocketErrorCode);
                continue;
            }
            // Each request on its own task: a slow scrape never holds a probe.
            _ = RespondAsync(client, stoppingToken);
        }
    }

    /// <summary>Another process on the port is retried for a while; never fatal to the writer (its probes fail, and Kubernetes shows it).</summary>
    private async Task<Socket?> StartAsync(int port, CancellationToken stoppingToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            // Both families where the node has IPv6 (probes come from the kubelet on the pod's address), IPv4 where not.
            var socket = Socket.OSSupportsIPv6
                ? new Socket(AddressFamily.InterNetworkV6, SocketType.Stream, ProtocolType.Tcp) { DualMode = true }
                : new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
                socket.Bind(new IPEndPoint(socket.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, port));
                socket.Listen(64);
                return socket;
            }
            catch (SocketException e)
            {
                socket.Dispose();
                if (attempt >= 10 || stoppingToken.IsCancellationRequested)
                {
                    logger.LogError("health endpoint not started on port {Port} (Writer:HealthPort) after {Attempts} attempts: {Error}", port, attempt, e.Message);
                    return null;
                }
                try { await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken).ConfigureAwait(false); }
                catch (OperationCanceledException) { return null; }
            }
        }
    }

    private async Task RespondAsync(Socket client, CancellationToken stoppingToken)
    {
        using var _ = client;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        timeout.CancelAfter(RequestTimeout);
        try
        {
            await using var stream = new NetworkStream(client, ownsSocket: false);
            var path = await ReadPathAsync(stream, timeout.Token).ConfigureAwait(false);
            if (path is null) return;
            var (status, contentType, body) = await AnswerAsync(path, timeout.Token).ConfigureAwait(false);
            var head = $"HTTP/1.1 {status} {(status switch { 200 => "OK", 404 => "Not Found", 503 => "Service Unavailable", _ => "Bad Request" })}\r\n" +
                       $"Content-Type: {contentType}\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n";
            await stream.WriteAsync(Encoding.ASCII.GetBytes(head), timeout.Token).ConfigureAwait(false);
            await stream.WriteAsync(body, timeout.Token).ConfigureAwait(false);
            client.Shutdown(SocketShutdown.Send);
        }
        catch (Exception e) when (e is SocketException or IOException or OperationCanceledException or ObjectDisposedException)
        {
            // The client went away, was too slow, or the host is stopping: nothing to answer.
        }
    }

    private async Task<(int Status, string ContentType, byte[] Body)> AnswerAsync(string path, CancellationToken cancellationToken)
    {
        const string Text = "text/plain; charset=utf-8";
        if (path == "/metrics")
        {
            using var buffer = new MemoryStream();
            await metrics.ExportAsync(buffer, cancellationToken).ConfigureAwait(false);
            return (200, "text/plain; version=0.0.4; charset=utf-8", buffer.ToArray());
        }
        var (status, body) = path switch
        {
            "/healthz" => (200, "ok\n"),
            "/readyz" => readiness.IsReady ? (200, "ready\n") : (503, "not ready\n"),
            _ => (404, "not found\n"),
        };
        return (status, Text, Encoding.UTF8.GetBytes(body));
    }

    /// <summary>The path of a request's first line ("GET /readyz HTTP/1.1"), without its query; null when there is none.</summary>
    private static async Task<string?> ReadPathAsync(NetworkStream stream, CancellationToken cancellationToken)
    {
        var buffer = new byte[4096];
        var filled = 0;
        while (filled < buffer.Length)
        {
            var read = await stream.ReadAsync(buffer.AsMemory(filled), cancellationToken).ConfigureAwait(false);
            if (read == 0) return null;
            filled += read;
            var text = Encoding.ASCII.GetString(buffer, 0, filled);
            if (!text.Contains("\r\n\r\n", StringComparison.Ordinal) && !text.Contains("\n\n", StringComparison.Ordinal)) continue;
            var parts = text[..text.IndexOf('\n', StringComparison.Ordinal)].Trim().Split(' ');
            if (parts.Length < 2) return null;
            var target = parts[1];
            var query = target.IndexOf('?', StringComparison.Ordinal);
            return query < 0 ? target : target[..query];
        }
        return null;
    }
}
