using Persistence.Contracts.V1;
using Persistence.Runtime.Bus;
using Persistence.Runtime.Pipeline;
using Persistence.Sinks.Mirror;
using Persistence.Sinks.Registry;
using Persistence.Sinks.Vectors;
using Persistence.Stores.Embedded;

namespace Persistence.Writers.Tests;

/// <summary>QUERY_MIRROR_CONSUMER and ONLINE_VECTOR_STORE_WRITER transformations.</summary>
public sealed class MirrorAndVectorWritersTests
{
    [Fact]
    public async Task Query_log_entries_are_replayed_and_recorded_once()
    {
        await using var temp = new TempDatabase();
        var sink = new QueryMirrorSink(new DuckDbMirrorLog(temp.Db));
        var entry = new QueryLogEntry { QueryId = "q1", OperationName = "fraud_check" };
        await sink.WriteAsync(TestData.Batch(entry, new QueryLogEntry { QueryId = "q2", OperationName = "x" }), default);
        await sink.WriteAsync(TestData.Batch(entry), default);
        Assert.Equal(2, temp.Count("SELECT count(*) FROM query_mirror"));
        Assert.Equal("fraud_check", temp.Scalar("SELECT operation_name FROM query_mirror WHERE query_id = 'q1'"));
    }

    [Fact]
    public void A_query_log_entry_without_an_operation_cannot_be_mirrored()
    {
        var bytes = new QueryLogEntry { QueryId = "q1" }.ToByteArrayEx();
        var error = Assert.Throws<MessageDecodeException>(() => WriterFactory.QueryLogEntries.Decode(new InboundMessage("m", bytes, InboundMessage.NoAttributes)));
        Assert.Contains("operation_name is empty", error.Message);
    }

    [Fact]
    public async Task Vectors_land_as_float_arrays_and_newer_observations_win()
    {
        await using var temp = new TempDatabase();
        var sink = new VectorStoreSink(new DuckDbVectorStore(temp.Db));
        VectorBatch Batch(float value, int secondsAgo) => new()
        {
            Index = "user.embedding", Dimensions = 2,
            Records = { new VectorRecord { Key = "user:1", Values = { value, value }, ObservedAt = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTime(DateTime.UtcNow.AddSeconds(-secondsAgo)) } },
        };
        await sink.WriteAsync(TestData.Batch(Batch(2f, 10), Batch(1f, 20)), default);
        await sink.WriteAsync(TestData.Batch(Batch(0f, 30)), default);

        Assert.Equal(1, temp.Count("SELECT count(*) FROM vectors"));
        Assert.Equal("[2.0, 2.0]", temp.Scalar("SELECT embedding::VARCHAR FROM vectors"));
    }

    [Fact]
    public void A_vector_batch_with_the_wrong_dimensions_is_malformed()
    {
        var batch = new VectorBatch { Index = "idx", Dimensions = 3, Records = { new VectorRecord { Key = "k", Values = { 1f } } } };
        var error = Assert.Throws<MessageDecodeException>(() => WriterFactory.VectorBatches.Decode(new InboundMessage("m", batch.ToByteArrayEx(), InboundMessage.NoAttributes)));
        Assert.Contains("record k has 1 values, the batch declares 3 dimensions", error.Message);
    }
}

internal static class ProtoBytes
{
    public static byte[] ToByteArrayEx(this Google.Protobuf.IMessage message) => Google.Protobuf.MessageExtensions.ToByteArray(message);
}
