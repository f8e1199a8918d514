using Persistence.Contracts.V1;
using Persistence.Runtime.Pipeline;
using Persistence.Stores;

namespace Persistence.Sinks.Vectors;

/// <summary>ONLINE_VECTOR_STORE_WRITER: writes vector batches to the vector store in one call per runtime batch.</summary>
public sealed class VectorStoreSink(IVectorStore store) : ISink<VectorBatch>
{
    public async ValueTask<WriteResult> WriteAsync(IReadOnlyList<Decoded<VectorBatch>> batch, CancellationToken cancellationToken)
    {
        await store.WriteAsync(batch.Select(b => b.Value).ToList(), cancellationToken).ConfigureAwait(false);
        return WriteResult.Ok;
    }

    /// <summary>A batch whose vectors do not all have its declared dimensions is malformed.</summary>
    public static string? Problem(VectorBatch batch)
    {
        if (string.IsNullOrWhiteSpace(batch.Index)) return "index is empty";
        if (batch.Dimensions == 0) return $"index {batch.Index}: dimensions is 0";
        var bad = batch.Records.FirstOrDefault(r => r.Values.Count != batch.Dimensions || string.IsNullOrEmpty(r.Key));
        return bad is null ? null
            : string.IsNullOrEmpty(bad.Key) ? $"index {batch.Index}: a record has no key"
            : $"index {batch.Index}: record {bad.Key} has {bad.Values.Count} values, the batch declares {batch.Dimensions} dimensions";
    }
}
