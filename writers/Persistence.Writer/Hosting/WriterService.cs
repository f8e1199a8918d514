using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Persistence.Runtime.Pipeline;

namespace Persistence.Writer.Hosting;

/// <summary>
/// Runs the writer loop until the host stops (SIGTERM), then lets it drain; a failed writer stops the process
/// non-zero. The loop is built here, after <see cref="StartupGate"/> passed, so nothing consumes before the
/// stores answer.
/// </summary>
public sealed class WriterService(IServiceProvider services, WriterReadiness readiness, IHostApplicationLifetime lifetime, ILogger<WriterService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (readiness.StartupProblem is not null) return; // the gate failed: nothing may consume
        IRunnableWriter? writer = null;
        try
        {
            writer = services.GetRequiredService<IRunnableWriter>();
            logger.LogInformation("{Writer} ({Type}) consuming {Source}; in-flight budget {Budget} bytes",
                writer.Identity.Name, writer.Identity.Type, writer.Source.Name, writer.Budget.Capacity);
            await using var notReady = stoppingToken.Register(() => readiness.MarkRunning(false));
            readiness.MarkRunning(!stoppingToken.IsCancellationRequested);
            await writer.RunAsync(stoppingToken).ConfigureAwait(false);
            readiness.MarkRunning(false);
            logger.LogInformation("{Writer} stopped after writing {Written} and dead-lettering {Dead} messages",
                writer.Identity.Name, writer.Stats.Written, writer.Stats.DeadLettered);
        }
        catch (Exception e)
        {
            readiness.MarkFailed(e);
            logger.LogCritical(e, "{Writer} failed: {Error}", writer?.Identity.Name ?? "writer", e.Message);
            Environment.ExitCode = 1;
            lifetime.StopApplication();
        }
        finally
        {
            if (writer is not null) await writer.Source.DisposeAsync().ConfigureAwait(false);
        }
    }
}
