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
        using var listener = new HttpListener();
        listener.Prefixes.Add($"http://*:{port}/");
        try { listener.Start(); }
        catch (HttpListenerException e)
        {
            logger.LogWarning("health endpoint not started on port {Port}: {Error}", port, e.Message);
            return;
        }
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
