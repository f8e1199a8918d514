using System.Globalization;
using System.Net;
using System.Text;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Persistence.Runtime.Bus;
using Persistence.Runtime.Pipeline;

namespace Persistence.Writer.Hosting;

/// <summary>
/// /healthz (the process serves), /readyz (the writer loop is running) and /metrics (Prometheus text)
/// for the Deployment's probes and scraping. HttpListener keeps the image free of a web framework.
/// </summary>
public sealed class HealthServer(IRunnableWriter writer, int port, ILogger<HealthServer> logger) : BackgroundService
{
    private volatile bool _running;

    public void MarkRunning(bool running) => _running = running;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (port <= 0) return;
        using var listener = new HttpListener();
        listener.Prefixes.Add($"http://*:{port}/");
        try { listener.Start(); }
        catch (HttpListenerException e)
        {
            logger.LogWarning("health endpoint not started on port {Port}: {Error}", port, e.Message);
            return;
        }
        _running = true;
        await using var _ = stoppingToken.Register(listener.Stop);
        while (!stoppingToken.IsCancellationRequested)
        {
            HttpListenerContext context;
            try { context = await listener.GetContextAsync().ConfigureAwait(false); }
            catch (Exception) when (stoppingToken.IsCancellationRequested) { break; }
            catch (HttpListenerException) { break; }
            Respond(context);
        }
    }

    private void Respond(HttpListenerContext context)
    {
        var (status, body) = context.Request.Url?.AbsolutePath switch
        {
            "/healthz" => (200, "ok\n"),
            "/readyz" => _running ? (200, "ready\n") : (503, "not ready\n"),
            "/metrics" => (200, Metrics()),
            _ => (404, "not found\n"),
        };
        var bytes = Encoding.UTF8.GetBytes(body);
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/plain; version=0.0.4";
        context.Response.OutputStream.Write(bytes);
        context.Response.Close();
    }

    /// <summary>Prometheus text for this writer; public so tests can read it without a listener.</summary>
    public string Metrics()
    {
        var s = writer.Stats;
        var labels = $"{{writer=\"{writer.Identity.Name}\",type=\"{writer.Identity.Type}\"}}";
        var text = new StringBuilder();
        void Metric(string name, string kind, double value)
        {
            text.Append(CultureInfo.InvariantCulture, $"# TYPE {name} {kind}\n{name}{labels} {value.ToString(CultureInfo.InvariantCulture)}\n");
        }
        Metric("persistence_writer_received_total", "counter", s.Received);
        Metric("persistence_writer_written_total", "counter", s.Written);
        Metric("persistence_writer_dead_lettered_total", "counter", s.DeadLettered);
        Metric("persistence_writer_retries_total", "counter", s.Retries);
        Metric("persistence_writer_inflight_bytes", "gauge", writer.Budget.InUse);
        Metric("persistence_writer_inflight_budget_bytes", "gauge", writer.Budget.Capacity);
        if (writer.Source.Backlog is { } backlog) Metric("persistence_writer_backlog_messages", "gauge", backlog);
        if (writer.Source is IPartitionedBacklog { BacklogByPartition: { Count: > 0 } partitions })
        {
            // Per-partition consumer lag: a hot or stuck partition hides inside a healthy-looking sum.
            text.Append("# TYPE persistence_writer_partition_lag_messages gauge\n");
            foreach (var (partition, lag) in partitions.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                var slash = partition.LastIndexOf('/');
                text.Append(CultureInfo.InvariantCulture,
                    $"persistence_writer_partition_lag_messages{{writer=\"{writer.Identity.Name}\",topic=\"{partition[..slash]}\",partition=\"{partition[(slash + 1)..]}\"}} {lag}\n");
            }
        }
        return text.ToString();
    }
}
