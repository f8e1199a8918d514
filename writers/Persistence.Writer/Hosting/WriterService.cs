using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Persistence.Runtime.Pipeline;

namespace Persistence.Writer.Hosting;

/// <summary>Runs one writer until the host stops (SIGTERM), then lets it drain; a failed writer stops the process non-zero.</summary>
public sealed class WriterService(IRunnableWriter writer, IHostApplicationLifetime lifetime, ILogger<WriterService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        logger.LogInformation("{Writer} ({Type}) consuming {Source}; in-flight budget {Budget} bytes",
            writer.Identity.Name, writer.Identity.Type, writer.Source.Name, writer.Budget.Capacity);
        try
        {
            await writer.RunAsync(stoppingToken).ConfigureAwait(false);
            logger.LogInformation("{Writer} stopped after writing {Written} and dead-lettering {Dead} messages",
                writer.Identity.Name, writer.Stats.Written, writer.Stats.DeadLettered);
        }
        catch (Exception e)
        {
            logger.LogCritical(e, "{Writer} failed: {Error}", writer.Identity.Name, e.Message);
            Environment.ExitCode = 1;
            lifetime.StopApplication();
        }
        finally
        {
            await writer.Source.DisposeAsync().ConfigureAwait(false);
        }
    }
}
