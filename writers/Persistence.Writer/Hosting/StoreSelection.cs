using Microsoft.Extensions.Configuration;
using Persistence.Runtime.Bus;
using Persistence.Sinks.Registry;
using Persistence.Stores.Embedded;

namespace Persistence.Writer.Hosting;

/// <summary>Chooses the stores from the Stores section; without real stores configured, an embedded DuckDB file.</summary>
public static class StoreSelection
{
    public static Func<IMessageBus, WriterDependencies>? Create(IConfiguration configuration, List<string> problems)
    {
        var path = configuration["Stores:Embedded:Path"] ?? "persistence.duckdb";
        return bus =>
        {
            var db = new DuckDbDatabase(path);
            return new WriterDependencies(bus.OpenPublisher,
                Online: new DuckDbOnlineStore(db), Offline: new DuckDbOfflineStore(db), Metrics: new DuckDbMetricsStore(db),
                Vectors: new DuckDbVectorStore(db), Mirror: new DuckDbMirrorLog(db));
        };
    }
}
