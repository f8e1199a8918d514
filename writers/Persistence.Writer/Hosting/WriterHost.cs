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
        try
        {
            await host.RunAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (Unwrap(e) is ConfigurationProblemException problem && !ReferenceEquals(problem, e))
        {
            throw problem;
        }
        catch (OperationCanceledException)
        {
            // SIGTERM while waiting for the stores: nothing was consumed, nothing to drain.
        }
        return Environment.ExitCode;
    }

    /// <summary>Host start wraps what a hosted service throws; the configuration problem inside is what the user must see.</summary>
    public static Exception Unwrap(Exception e) => e switch
    {
        AggregateException { InnerExceptions.Count: 1 } a => Unwrap(a.InnerExceptions[0]),
        AggregateException a when a.InnerExceptions.OfType<ConfigurationProblemException>().ToList() is { Count: > 0 } found =>
            new ConfigurationProblemException(found.SelectMany(f => f.Problems).ToList()),
        _ => e,
    };

    private static List<string> Problems(Exception e) => e switch
    {
        OptionsValidationException v => v.Failures.ToList(),
        AggregateException a => a.InnerExceptions.SelectMany(Problems).ToList(),
        _ => [],
    };
}
