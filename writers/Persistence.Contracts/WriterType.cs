namespace Persistence.Contracts;

/// <summary>The eight writer types of the installation guide. Names are the wire and config spelling.</summary>
public enum WriterType
{
    ONLINE_WRITER,
    OFFLINE_WRITER,
    OFFLINE_STORE_STREAMING_INSERT_WRITER,
    OFFLINE_STORE_BULK_INSERT_WRITER,
    METRICS_WRITER,
    METRICS_BUS_WRITER,
    QUERY_MIRROR_CONSUMER,
    ONLINE_VECTOR_STORE_WRITER,
}

/// <summary>The logical buses of the persistence plane. Each maps to one topic (and its subscriptions).</summary>
public enum LogicalBus
{
    ResultBus,
    StreamingInsertBus,
    BulkInsertBus,
    MetricsBus,
    OperationBus,
    VectorStoreBus,
    DeadLetterQueue,
}

/// <summary>What one writer type reads, what it republishes, and what must run beside it.</summary>
public sealed record WriterTypeInfo(
    WriterType Type,
    LogicalBus Reads,
    LogicalBus? Publishes,
    string Description);

public static class WriterCatalog
{
    public static readonly IReadOnlyList<WriterTypeInfo> All =
    [
        new(WriterType.ONLINE_WRITER, LogicalBus.ResultBus, null,
            "Writes result rows of features with max_staleness to the online store."),
        new(WriterType.OFFLINE_WRITER, LogicalBus.ResultBus, LogicalBus.StreamingInsertBus,
            "Creates per-feature tables and republishes results as parquet streaming-insert messages."),
        new(WriterType.OFFLINE_STORE_STREAMING_INSERT_WRITER, LogicalBus.StreamingInsertBus, null,
            "Inserts parquet streaming-insert messages into the offline store tables."),
        new(WriterType.OFFLINE_STORE_BULK_INSERT_WRITER, LogicalBus.BulkInsertBus, null,
            "Loads parquet files named by bulk-insert notifications from S3/GCS into the offline store."),
        new(WriterType.METRICS_WRITER, LogicalBus.ResultBus, LogicalBus.MetricsBus,
            "Aggregates results into per-feature metric windows and publishes them to the metrics bus."),
        new(WriterType.METRICS_BUS_WRITER, LogicalBus.MetricsBus, null,
            "Persists metrics-bus messages into the metrics store."),
        new(WriterType.QUERY_MIRROR_CONSUMER, LogicalBus.OperationBus, null,
            "Replays query-log entries against a mirror API server."),
        new(WriterType.ONLINE_VECTOR_STORE_WRITER, LogicalBus.VectorStoreBus, null,
            "Writes vector batches to the vector store."),
    ];

    public static WriterTypeInfo Get(WriterType type) => All.Single(i => i.Type == type);

    /// <summary>Parses a writer type, naming the valid ones when it is unknown.</summary>
    public static bool TryParse(string? text, out WriterType type, out string error)
    {
        error = "";
        if (Enum.TryParse(text?.Trim(), ignoreCase: false, out type) && Enum.IsDefined(type))
            return true;
        error = $"unknown writer type '{text}'; valid types: {string.Join(", ", Enum.GetNames<WriterType>())}";
        return false;
    }
}
