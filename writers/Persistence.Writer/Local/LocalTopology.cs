using Microsoft.Extensions.Logging;
using Persistence.Contracts;
using Persistence.Runtime.Bus;
using Persistence.Runtime.Bus.InProcess;
using Persistence.Runtime.Options;
using Persistence.Runtime.Pipeline;
using Persistence.Sinks.Registry;
using Persistence.Stores.Embedded;
using Persistence.Writer.Hosting;

namespace Persistence.Writer.Local;

/// <summary>All eight writers in one process over one bus, writing to embedded DuckDB stores or the real ones selected.</summary>
public sealed class LocalTopology : IAsyncDisposable
{
    private readonly List<DuckDbDatabase> _connections = [];

    private LocalTopology(IMessageBus bus, IReadOnlyList<IRunnableWriter> writers, IReadOnlyList<DuckDbDatabase> connections)
    {
        Bus = bus;
        Writers = writers;
        _connections.AddRange(connections);
    }

    public IMessageBus Bus { get; }
    public IReadOnlyList<IRunnableWriter> Writers { get; }

    /// <param name="bus">The bus to run on; an <see cref="InProcessBus"/> gets its subscriptions declared here.</param>
    /// <param name="stores">Embedded, or Redis/PostgreSQL where the run asked for them; built as `run` builds them.</param>
    public static LocalTopology Create(IMessageBus bus, SelectedStores stores, ILoggerFactory logs, WriterOptions? template = null)
    {
        var inProcess = (bus as CountingBus)?.Inner as InProcessBus ?? bus as InProcessBus;
        foreach (var info in WriterCatalog.All)
            inProcess?.EnsureSubscription(LocalTopics.TopicOf(info.Reads), LocalTopics.SubscriptionOf(info.Type));
        inProcess?.EnsureSubscription(LocalTopics.DeadLetter, LocalBus.DeadLetterInspector);

        var connections = new List<DuckDbDatabase>();
        var writers = new List<IRunnableWriter>();
        foreach (var info in WriterCatalog.All)
        {
            var name = LocalTopics.SubscriptionOf(info.Type);
            var options = (template ?? new WriterOptions()) with { Type = info.Type, Name = name, Subscription = name };
            // One connection per writer, as each writer would own its store client in its own pod.
            var db = new DuckDbDatabase(stores.EmbeddedPath);
            connections.Add(db);
            var deps = stores.Build(bus, db);
            var parts = new LoopParts(
                new WriterIdentity(name, info.Type.ToString()),
                bus.OpenSource(SourceAddress.TopicSubscription(LocalTopics.TopicOf(info.Reads), name)),
                new DeadLetterPublisher(bus.OpenPublisher(LocalTopics.DeadLetter)),
                options,
                new ByteBudget(MemoryBudget.Resolve(options).Bytes),
                logs.CreateLogger($"writer.{name}"));
            var output = info.Publishes is { } publishes ? LocalTopics.TopicOf(publishes) : "";
            writers.Add(WriterFactory.Create(info.Type, output, deps, parts));
        }
        return new LocalTopology(bus, writers, connections);
    }

    public Task RunAsync(CancellationToken stopping) => Task.WhenAll(Writers.Select(w => w.RunAsync(stopping)));

    public async ValueTask DisposeAsync()
    {
        foreach (var writer in Writers) await writer.Source.DisposeAsync().ConfigureAwait(false);
        foreach (var db in _connections) await db.DisposeAsync().ConfigureAwait(false);
    }

}
