using System.Globalization;
using System.Net.Http;
using Microsoft.Extensions.Hosting;
using Persistence.Runtime.Bus.InProcess;
using Persistence.Tests.Shared;
using Persistence.Writer.Hosting;

namespace Persistence.Writers.Tests;

/// <summary>
/// The probes' endpoint: what it answers, and that a writer restarted in its pod listens again at once although the
/// connections its predecessor served still wait in TIME_WAIT on the port (the pod keeps its network namespace).
/// </summary>
public sealed class HealthEndpointTests
{
    private static IHost Writer(int healthPort) => WriterHost.Build(WriterHost.CreateEmptyBuilder(new Dictionary<string, string?>
    {
        ["Writer:Type"] = "METRICS_WRITER", ["Writer:Name"] = "health-writer", ["Writer:Subscription"] = "result-bus-metrics",
        ["Writer:OutputTopic"] = "metrics-bus", ["Bus:DeadLetterTopic"] = "dlq",
        ["Writer:HealthPort"] = healthPort.ToString(CultureInfo.InvariantCulture),
    }), new InProcessBus());

    [Fact]
    public async Task Answers_the_probes_and_listens_again_at_once_after_a_restart_on_a_port_in_time_wait()
    {
        var port = ServerProcess.FreePort();
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/"), Timeout = TimeSpan.FromSeconds(5) };
        using (var first = Writer(port))
        {
            await first.StartAsync();
            await Eventually.WaitAsync(async () => await StatusAsync(http, "healthz") == 200, () => "/healthz to answer", 30);
            // Readiness follows the startup checks, which run after the endpoint is up: wait for it, do not race it.
            await Eventually.WaitAsync(async () => await StatusAsync(http, "readyz?probe=kubelet") == 200, () => "/readyz to turn ready", 30);
            Assert.Equal(404, await StatusAsync(http, "nothing-here"));
            Assert.Contains("persistence_writer_received_total{writer=\"health-writer\",type=\"METRICS_WRITER\"} 0", await http.GetStringAsync("metrics"));
            for (var i = 0; i < 20; i++) Assert.Equal(200, await StatusAsync(http, "healthz"));
            await first.StopAsync();
        }
        Assert.True(TimeWaitOn(port) > 0, $"no connection in TIME_WAIT on port {port}: the restart below would prove nothing");

        using var second = Writer(port);
        await second.StartAsync();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await Eventually.WaitAsync(async () => await StatusAsync(http, "healthz") == 200, () => $"/healthz after the restart ({TimeWaitOn(port)} in TIME_WAIT)", 30);
        // The old HttpListener server retried once a second and gave up after 10; the socket with SO_REUSEADDR binds at once.
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1), $"the restarted writer answered only after {clock.Elapsed.TotalSeconds:F1}s");
        await second.StopAsync();
    }

    private static async Task<int> StatusAsync(HttpClient http, string path)
    {
        // A fresh connection per probe, as the kubelet's: the server closes each one, which is what leaves TIME_WAIT.
        using var request = new HttpRequestMessage(HttpMethod.Get, path) { Headers = { ConnectionClose = true } };
        try { return (int)(await http.SendAsync(request)).StatusCode; }
        catch (HttpRequestException) { return 0; }
    }

    /// <summary>Sockets in TIME_WAIT (state 06) on the local port, from the kernel's tables.</summary>
    private static int TimeWaitOn(int port)
    {
        var hex = port.ToString("X4", CultureInfo.InvariantCulture);
        return new[] { "/proc/net/tcp", "/proc/net/tcp6" }.Where(File.Exists)
            .SelectMany(File.ReadLines).Skip(1)
            .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Count(fields => fields.Length > 3 && fields[1].EndsWith(":" + hex, StringComparison.Ordinal) && fields[3] == "06");
    }
}
