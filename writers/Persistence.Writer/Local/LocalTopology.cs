using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Persistence.Contracts;
using Persistence.Runtime.Bus;
using Persistence.Runtime.Bus.InProcess;
using Persistence.Runtime.Pipeline;
using Persistence.Writer.Hosting;

namespace Persistence.Writer.Local;

/// <summary>
/// All eight writers in one process over one bus: one writer host each, composed by the same
/// <see cref="ServiceCollectionExtensions.AddPersistenceWriter"/> as `run`, from the settings a Deployment would
/// get (its type, subscription, output topic, DLQ and stores), with the run's bus shared among them.
/// </summary>
public sealed class LocalTopology : IAsyncDisposable
{
    private readonly IReadOnlyList<IHost> _hosts;

    private LocalTopology(IReadOnlyList<IHost> hosts) => _hosts = hosts;

    /// <summary>The running writers; resolved once <see cref="StartAsync"/> returned.</summary>
    public IReadOnlyList<IRunnableWriter> Writers { get; private set; } = [];

    /// <summary>The first writer that failed, if any (a failed writer stops its host, as a pod would exit).</summary>
    public Exception? Failure => _hosts.Select(h => h.Services.GetRequiredService<WriterReadiness>().Failure).FirstOrDefault(f => f is not null);

    /// <param name="bus">The bus to run on; an <see cref="InProcessBus"/> gets its subscriptions declared here.</param>
    /// <param name="stores">Embedded, or Redis/PostgreSQL where the run asked for them.</param>
    /// <param name="budgetBytes">Each writer's in-flight budget; 0 derives it as `run` does.</param>
    public static LocalTopology Create(IMessageBus bus, LocalStores stores, LogLevel logLevel, long budgetBytes = 0)
    {
        var inProcess = (bus as CountingBus)?.Inner as InProcessBus ?? bus as InProcessBus;
        foreach (var info in WriterCatalog.All)
            inProcess?.EnsureSubscription(LocalTopics.TopicOf(info.Reads), LocalTopics.SubscriptionOf(info.Type));
        inProcess?.EnsureSubscription(LocalTopics.DeadLetter, LocalBus.DeadLetterInspector);

        var hosts = new List<IHost>();
        try
        {
            foreach (var info in WriterCatalog.All)
            {
                var name = LocalTopics.SubscriptionOf(info.Type);
                var settings = new Dictionary<string, string?>(stores.WriterSettings)
                {
                    [SettingNames.Writer.Type] = info.Type.ToString(),
                    [SettingNames.Writer.Name] = name,
                    [SettingNames.Writer.Subscription] = name,
                    [SettingNames.Writer.OutputTopic] = info.Publishes is { } publishes ? LocalTopics.TopicOf(publishes) : null,
                    [SettingNames.Writer.HealthPort] = "0",
                    [SettingNames.Bus.DeadLetterTopic] = LocalTopics.DeadLetter,
                };
                if (budgetBytes > 0) settings[SettingNames.Writer.MemoryBudgetBytes] = budgetBytes.ToString(System.Globalization.CultureInfo.InvariantCulture);
                var builder = WriterHost.CreateEmptyBuilder(settings);
                builder.Logging.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(logLevel);
                hosts.Add(WriterHost.Build(builder, bus));
            }
        }
        catch
        {
            foreach (var host in hosts) host.Dispose();
            throw;
        }
        return new LocalTopology(hosts);
    }

    /// <summary>Starts every writer host: each checks its stores, then consumes.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var host in _hosts)
        {
            await host.StartAsync(cancellationToken).ConfigureAwait(false);
            WriterHost.ThrowIfStartupFailed(host);
        }
        Writers = _hosts.Select(h => h.Services.GetRequiredService<IRunnableWriter>()).ToList();
    }

    /// <summary>Stops every writer at once: each drains what it holds, as on SIGTERM.</summary>
    public Task StopAsync() => Task.WhenAll(_hosts.Select(h => h.StopAsync(CancellationToken.None)));

    public async ValueTask DisposeAsync()
    {
        foreach (var host in _hosts)
        {
            if (host is IAsyncDisposable async) await async.DisposeAsync().ConfigureAwait(false);
            else host.Dispose();
        }
    }
}
