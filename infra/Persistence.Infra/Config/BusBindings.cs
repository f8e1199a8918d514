using Persistence.Contracts;

namespace Persistence.Infra.Config;

/// <summary>Which subscription a writer type consumes and which topics it reads and publishes, as config key paths and ids.</summary>
public static class BusBindings
{
    /// <summary>The <see cref="BusSubscriptions"/> property (camelCase, as in config) a writer type consumes.</summary>
    public static string SubscriptionKey(WriterType type) => type switch
    {
        WriterType.ONLINE_WRITER => "resultBusOnline",
        WriterType.OFFLINE_WRITER => "resultBusOffline",
        WriterType.METRICS_WRITER => "resultBusMetrics",
        WriterType.OFFLINE_STORE_STREAMING_INSERT_WRITER => "streamingInsert",
        WriterType.OFFLINE_STORE_BULK_INSERT_WRITER => "bulkInsert",
        WriterType.METRICS_BUS_WRITER => "metricsBus",
        WriterType.QUERY_MIRROR_CONSUMER => "operation",
        WriterType.ONLINE_VECTOR_STORE_WRITER => "vectorStore",
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, null),
    };

    /// <summary>The <see cref="BusTopics"/> property (camelCase) of a logical bus; the DLQ is bus.deadLetterTopic.</summary>
    public static string TopicKey(LogicalBus bus) => bus switch
    {
        LogicalBus.ResultBus => "resultBus",
        LogicalBus.StreamingInsertBus => "streamingInsert",
        LogicalBus.BulkInsertBus => "bulkInsert",
        LogicalBus.MetricsBus => "metricsBus",
        LogicalBus.OperationBus => "operationBus",
        LogicalBus.VectorStoreBus => "vectorStoreBus",
        _ => throw new ArgumentOutOfRangeException(nameof(bus), bus, "the DLQ is bus.deadLetterTopic"),
    };

    public static string? Subscription(this BusSubscriptions s, WriterType type) => SubscriptionKey(type) switch
    {
        "resultBusOnline" => s.ResultBusOnline,
        "resultBusOffline" => s.ResultBusOffline,
        "resultBusMetrics" => s.ResultBusMetrics,
        "streamingInsert" => s.StreamingInsert,
        "bulkInsert" => s.BulkInsert,
        "metricsBus" => s.MetricsBus,
        "operation" => s.Operation,
        _ => s.VectorStore,
    };

    public static string? Topic(this BusTopics t, LogicalBus bus) => bus switch
    {
        LogicalBus.ResultBus => t.ResultBus,
        LogicalBus.StreamingInsertBus => t.StreamingInsert,
        LogicalBus.BulkInsertBus => t.BulkInsert,
        LogicalBus.MetricsBus => t.MetricsBus,
        LogicalBus.OperationBus => t.OperationBus,
        LogicalBus.VectorStoreBus => t.VectorStoreBus,
        _ => null,
    };

    /// <summary>Every configured topic with its config path, e.g. ("persistence:bus.topics.resultBus", "result-bus-1").</summary>
    public static IEnumerable<(string Path, string Id)> ConfiguredTopics(this BusConfig bus) =>
        Enum.GetValues<LogicalBus>()
            .Where(b => b != LogicalBus.DeadLetterQueue && bus.Topics.Topic(b) is not null)
            .Select(b => (TopicPath(b), bus.Topics.Topic(b)!));

    public static string TopicPath(LogicalBus bus) => $"persistence:bus.topics.{TopicKey(bus)}";
    public static string SubscriptionPath(WriterType type) => $"persistence:bus.subscriptions.{SubscriptionKey(type)}";

    /// <summary>
    /// What a writer consumes: its subscription on Pub/Sub; on Kafka the topic of the bus it reads
    /// (Kafka has no subscriptions; a writer's consumer group reads the topic).
    /// </summary>
    public static string? ConsumedId(this BusConfig bus, WriterType type) =>
        bus.Backend == BusBackend.Kafka
            ? bus.Topics.Topic(WriterCatalog.Get(type).Reads) ?? bus.Subscriptions.Subscription(type)
            : bus.Subscriptions.Subscription(type);

    /// <summary>The topic a writer republishes to (OFFLINE_WRITER, METRICS_WRITER), else null.</summary>
    public static string? PublishedTopic(this BusConfig bus, WriterType type) =>
        WriterCatalog.Get(type).Publishes is { } published ? bus.Topics.Topic(published) : null;
}
