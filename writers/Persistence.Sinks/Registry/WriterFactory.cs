using Persistence.Contracts;
using Persistence.Contracts.V1;
using Persistence.Runtime.Pipeline;
using Persistence.Sinks.Metrics;
using Persistence.Sinks.Mirror;
using Persistence.Sinks.Offline;
using Persistence.Sinks.Online;
using Persistence.Stores;
using Persistence.Sinks.Vectors;

namespace Persistence.Sinks.Registry;

/// <summary>Maps a writer type to its decoder and sink; the loop is the same for all of them.</summary>
public static class WriterFactory
{
    public static readonly IMessageDecoder<QueryResult> QueryResults = new ProtobufDecoder<QueryResult>(QueryResult.Parser, ResultValidation.Problem);
    public static readonly IMessageDecoder<OfflineResult> OfflineResults = new OfflineResultDecoder(QueryResults);
    public static readonly IMessageDecoder<StreamingInsert> StreamingInserts = new ProtobufDecoder<StreamingInsert>(StreamingInsert.Parser, StreamingInsertProblem);
    public static readonly IMessageDecoder<BulkInsertNotification> BulkInserts = new ProtobufDecoder<BulkInsertNotification>(BulkInsertNotification.Parser, BulkInsertProblem);
    public static readonly IMessageDecoder<MetricsBatch> MetricsBatches = new ProtobufDecoder<MetricsBatch>(MetricsBatch.Parser, MetricsBusWriterSink.Problem);
    public static readonly IMessageDecoder<QueryLogEntry> QueryLogEntries = new ProtobufDecoder<QueryLogEntry>(QueryLogEntry.Parser, QueryMirrorSink.Problem);
    public static readonly IMessageDecoder<VectorBatch> VectorBatches = new ProtobufDecoder<VectorBatch>(VectorBatch.Parser, VectorStoreSink.Problem);

    public static IRunnableWriter Create(WriterType type, string outputTopic, WriterDependencies deps, LoopParts parts) => type switch
    {
        WriterType.ONLINE_WRITER => parts.Loop(QueryResults, new OnlineWriterSink(Need(deps.Online, type, "an online store"), deps.Clock ?? TimeProvider.System)),
        WriterType.OFFLINE_WRITER => parts.Loop(OfflineResults, new OfflineWriterSink(Need(deps.Offline, type, "an offline store"), deps.OpenPublisher(NeedTopic(outputTopic, type)))),
        WriterType.OFFLINE_STORE_STREAMING_INSERT_WRITER => parts.Loop(StreamingInserts, new StreamingInsertSink(Need(deps.Offline, type, "an offline store"))),
        WriterType.OFFLINE_STORE_BULK_INSERT_WRITER => parts.Loop(BulkInserts, new BulkInsertSink(Need(deps.ObjectStores, type, "object stores (file://, s3://, gs://)"), Need(deps.Offline, type, "an offline store"), deps.UploadBucket, deps.SpoolDirectory)),
        WriterType.METRICS_WRITER => parts.Loop(QueryResults, new MetricsWriterSink(deps.OpenPublisher(NeedTopic(outputTopic, type)))),
        WriterType.METRICS_BUS_WRITER => parts.Loop(MetricsBatches, new MetricsBusWriterSink(Need(deps.Metrics, type, "a metrics store"))),
        WriterType.QUERY_MIRROR_CONSUMER => parts.Loop(QueryLogEntries, new QueryMirrorSink(Need(deps.Mirror, type, "a mirror target"))),
        WriterType.ONLINE_VECTOR_STORE_WRITER => parts.Loop(VectorBatches, new VectorStoreSink(Need(deps.Vectors, type, "a vector store"))),
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "unknown writer type"),
    };

    private static T Need<T>(T? dependency, WriterType type, string what) where T : class =>
        dependency ?? throw new InvalidOperationException($"{type} needs {what}, and none is configured");

    private static string NeedTopic(string topic, WriterType type) =>
        string.IsNullOrWhiteSpace(topic)
            ? throw new InvalidOperationException($"{type} republishes and needs {SettingNames.Writer.OutputTopic} (the {WriterCatalog.Get(type).Publishes} topic)")
            : topic;

    private static string? StreamingInsertProblem(StreamingInsert m) =>
        string.IsNullOrWhiteSpace(m.Table) ? "table is empty"
        : m.Schema is null || m.Schema.Columns.Count == 0 ? $"table {m.Table}: schema has no columns"
        : m.Parquet.IsEmpty ? $"table {m.Table}: parquet is empty"
        : TableName.Problem(m.Table) ?? IdempotencyProblem(m.Table, m.Schema);

    private static string? BulkInsertProblem(BulkInsertNotification m) =>
        string.IsNullOrWhiteSpace(m.ObjectUri) ? "object_uri is empty"
        : string.IsNullOrWhiteSpace(m.Table) ? $"{m.ObjectUri}: table is empty"
        : m.Schema is null || m.Schema.Columns.Count == 0 ? $"{m.ObjectUri}: schema has no columns"
        : TableName.Problem(m.Table) ?? IdempotencyProblem(m.Table, m.Schema);

    private static string? IdempotencyProblem(string table, TableSchema schema) =>
        string.IsNullOrEmpty(schema.IdempotencyColumn) || schema.Columns.Any(c => c.Name == schema.IdempotencyColumn) ? null
        : $"table {table}: idempotency_column '{schema.IdempotencyColumn}' is not one of its columns";
}
