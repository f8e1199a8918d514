using System.Net;
using System.Text;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Persistence.Writer.Hosting.Settings;

namespace Persistence.Writer.Hosting;

/// <summary>
/// /healthz (the process serves), /readyz (startup checks passed and the loop runs) and /metrics (prometheus-net)
/// for the Deployment's probes and scraping. Started first, so the probes answer while the writer waits for its
/// stores. HttpListener keeps the image free of a web framework.
/// </summary>
public sealed class HealthServer(IOptions<WriterSettings> settings, WriterReadiness readiness, WriterMetrics metrics, ILogger<HealthServer> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var port = settings.Value.HealthPort;
        if (port <= 0) return;
        using var listener = await StartAsync(port, stoppingToken).ConfigureAwait(false);
        if (listener is null) return;
        await using var stop = stoppingToken.Register(listener.Stop);
        while (!stoppingToken.IsCancellationRequested)
        {
            HttpListenerContext context;
            try { context = await listener.GetContextAsync().ConfigureAwait(false); }
            catch (Exception) when (stoppingToken.IsCancellationRequested) { break; }
            catch (HttpListenerException) { break; }
            // Each request on its own task: a slow scrape never holds a probe.
            _ = RespondAsync(context, stoppingToken);
        }
    }

    /// <summary>
    /// A restarted pod can find its port briefly held (a connection it closed itself, in TIME_WAIT): try for a while.
    /// Never fatal to the writer: without the endpoint its probes fail, and Kubernetes shows and restarts it.
    /// </summary>
    private async Task<HttpListener?> StartAsync(int port, CancellationToken stoppingToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var listener = new HttpListener();
            listener.Prefixes.Add($"http://*:{port}/");
            try
            {
                listener.Start();
                return listener;
            }
            catch (Exception e) when (e is HttpListenerException or ArgumentException or InvalidOperationException)
            {
                ((IDisposable)listener).Dispose();
                if (attempt >= 10 || stoppingToken.IsCancellationRequested)
                {
                    logger.LogError("health endpoint not started on port {Port} (Writer:HealthPort) after {Attempts} attempts: {Error}", port, attempt, e.Message);
                    return null;
                }
                await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken).ConfigureAwait(false);
            }
        }
    }

    private async Task RespondAsync(HttpListenerContext context, CancellationToken cancellationToken)
    {
        try
        {
            var response = context.Response;
            if (context.Request.Url?.AbsolutePath == "/metrics")
            {
                response.StatusCode = 200;
                response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
                await metrics.ExportAsync(response.OutputStream, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                var (status, body) = context.Request.Url?.AbsolutePath switch
                {
                    "/healthz" => (200, "ok\n"),
                    "/readyz" => readiness.IsReady ? (200, "ready\n") : (503, "not ready\n"),
                    _ => (404, "not found\n"),
                };
                response.StatusCode = status;
                response.ContentType = "text/plain; charset=utf-8";
                await response.OutputStream.WriteAsync(Encoding.UTF8.GetBytes(body), cancellationToken).ConfigureAwait(false);
            }
            response.Close();
        }
        catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or OperationCanceledException or IOException)
        {
            // The client went away or the host is stopping: nothing to answer.
        }
    }
}
