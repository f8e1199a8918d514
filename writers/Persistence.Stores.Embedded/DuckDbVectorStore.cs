using Persistence.Contracts.V1;
using Persistence.Stores;

namespace Persistence.Stores.Embedded;

/// <summary>Vectors as DuckDB FLOAT[] per (index, key); an older observation never replaces a newer one.</summary>
public sealed class DuckDbVectorStore(DuckDbDatabase db) : IVectorStore
{
    private const string Schema =
        "CREATE TABLE IF NOT EXISTS vectors (index_name VARCHAR, key VARCHAR, embedding FLOAT[], observed_at TIMESTAMP, PRIMARY KEY (index_name, key))";

    public Task WriteAsync(IReadOnlyList<VectorBatch> batches, CancellationToken cancellationToken)
    {
        // DuckDB updates a row once per statement: keep the newest record per (index, key).
        var newest = batches
            .SelectMany(b => b.Records.Select(r => (Index: b.Index, Record: r)))
            .GroupBy(x => (x.Index, x.Record.Key))
            .Select(g => g.MaxBy(x => x.Record.ObservedAt?.ToDateTime() ?? DateTime.MinValue))
            .Select(x => new object?[] { x.Index, x.Record.Key, x.Record.Values.ToArray(), x.Record.ObservedAt?.ToDateTime() ?? DateTime.UnixEpoch })
            .ToList();
        return db.UseAsync(c =>
        {
            DuckDbDatabase.Execute(c, Schema);
            DuckDbDatabase.StageAndInsert(c, "vectors", newest, stage =>
                $"INSERT INTO vectors SELECT * FROM {stage} ON CONFLICT (index_name, key) DO UPDATE SET " +
                "embedding = excluded.embedding, observed_at = excluded.observed_at WHERE excluded.observed_at >= vectors.observed_at");
        }, cancellationToken);
    }
}
