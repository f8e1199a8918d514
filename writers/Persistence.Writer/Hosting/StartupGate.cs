using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Persistence.Runtime.Bus;
using Persistence.Writer.Hosting.Settings;

namespace Persistence.Writer.Hosting;

/// <summary>
/// Holds the host's start until the bus and the writer's stores answer. Anything never reached within
/// Writer:StartupTimeoutSeconds fails the start with a <see cref="ConfigurationProblemException"/> naming the
/// setting and the endpoint (exit 3, through <see cref="WriterReadiness.StartupProblem"/>); once started, later outages are the writer loop's to ride out.
/// </summary>
public sealed class StartupGate(
    IOptions<WriterSettings> writer, IOptions<BusSettings> bus, IMessageBus messageBus, SelectedStores stores, WriterReadiness readiness,
    IHostApplicationLifetime lifetime, ILogger<StartupGate> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var checks = StartupChecks.For(writer.Value, bus.Value, messageBus, stores);
        var timeout = TimeSpan.FromSeconds(writer.Value.StartupTimeoutSeconds);
        var warned = new HashSet<string>(StringComparer.Ordinal);
        try
        {
            await StartupChecks.WaitAsync(checks, timeout, (check, error) =>
        {
            // Once per check: the final error says it all if it never answers.
            lock (warned)
                if (warned.Add(check.Setting))
                    logger.LogWarning("waiting for {What} at {Endpoint} ({Setting}), up to {Timeout}s: {Error}", check.What, check.Endpoint, check.Setting, timeout.TotalSeconds, error.Message);
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (ConfigurationProblemException problem)
        {
            // Not thrown through the host: it would log a stack trace; the caller prints the problems and exits 3.
            readiness.MarkStartupFailed(problem);
            lifetime.StopApplication();
            return;
        }
        logger.LogInformation("{Count} startup checks passed: {Checks}", checks.Count, string.Join(", ", checks.Select(c => $"{c.What} at {c.Endpoint}")));
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
