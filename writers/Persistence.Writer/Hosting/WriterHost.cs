using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Persistence.Runtime.Bus;

namespace Persistence.Writer.Hosting;

/// <summary>Builds and runs writer hosts: `run` builds one from the environment, `local` eight from in-memory settings.</summary>
public static class WriterHost
{
    /// <summary>A builder reading environment and appsettings (as `run` does), plus <paramref name="settings"/> on top.</summary>
    public static HostApplicationBuilder CreateBuilder(IReadOnlyDictionary<string, string?>? settings = null)
    {
        var builder = Host.CreateApplicationBuilder();
        if (settings is not null) builder.Configuration.AddInMemoryCollection(settings);
        return builder;
    }

    /// <summary>
    /// A builder with only <paramref name="settings"/>: no environment, files or console lifetime, so eight of
    /// them share a process (`local`) and its Ctrl-C stays the caller's.
    /// </summary>
    public static HostApplicationBuilder CreateEmptyBuilder(IReadOnlyDictionary<string, string?> settings)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddSingleton<IHostLifetime, CallerLifetime>();
        return builder;
    }

    private sealed class CallerLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    /// <summary>
    /// Composes the writer and checks every setting before anything connects: throws
    /// <see cref="ConfigurationProblemException"/> listing each problem by key (exit 3).
    /// </summary>
    public static IHost Build(HostApplicationBuilder builder, IMessageBus? sharedBus = null)
    {
        builder.AddPersistenceWriter(sharedBus);
        var host = builder.Build();
        try
        {
            host.Services.GetRequiredService<IStartupValidator>().Validate();
            return host;
        }
        catch (Exception e) when (Problems(e) is { Count: > 0 } problems)
        {
            host.Dispose();
            throw new ConfigurationProblemException(problems);
        }
    }

    /// <summary>Runs until SIGTERM. A bus or store never reached at start surfaces as <see cref="ConfigurationProblemException"/>.</summary>
    public static async Task<int> RunAsync(IHost host)
    {
        var readiness = host.Services.GetRequiredService<WriterReadiness>(); // RunAsync disposes the host's services
        try
        {
            await host.RunAsync().ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // SIGTERM while waiting for the stores: nothing was consumed, nothing to drain.
        }
        if (readiness.StartupProblem is { } problem) throw problem;
        return Environment.ExitCode;
    }

    /// <summary>Throws what the startup checks could not reach, if anything.</summary>
    public static void ThrowIfStartupFailed(IHost host)
    {
        if (host.Services.GetRequiredService<WriterReadiness>().StartupProblem is { } problem) throw problem;
    }

    private static List<string> Problems(Exception e) => e switch
    {
        OptionsValidationException v => v.Failures.ToList(),
        AggregateException a => a.InnerExceptions.SelectMany(Problems).ToList(),
        _ => [],
    };
}
