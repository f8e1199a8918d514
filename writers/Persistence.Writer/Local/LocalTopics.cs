using Persistence.Contracts;

namespace Persistence.Writer.Local;

/// <summary>Topic and subscription names of the local topology; the same defaults the stacks use.</summary>
public static class LocalTopics
{
    public const string ResultBus = "result-bus";
    public const string StreamingInsert = "offline-store-streaming-insert-bus";
    public const string BulkInsert = "offline-store-bulk-insert-bus";
    public const string MetricsBus = "metrics-bus";
    public const string OperationBus = "operation-bus";
    public const string VectorStoreBus = "vector-store-bus";
    public const string DeadLetter = "dlq";

    public static string TopicOf(LogicalBus bus) => bus switch
    {
        LogicalBus.ResultBus => ResultBus,
        LogicalBus.StreamingInsertBus => StreamingInsert,
        LogicalBus.BulkInsertBus => BulkInsert,
        LogicalBus.MetricsBus => MetricsBus,
        LogicalBus.OperationBus => OperationBus,
        LogicalBus.VectorStoreBus => VectorStoreBus,
        _ => DeadLetter,
    };

    /// <summary>The topic a writer's subscription reads; any other name (the DLQ) is its own topic.</summary>
    public static string TopicOfSubscription(string name) =>
        WriterCatalog.All.FirstOrDefault(w => SubscriptionOf(w.Type) == name) is { } writer ? TopicOf(writer.Reads) : name;

    /// <summary>Each writer reads through its own subscription, so the three result-bus writers each see every result.</summary>
    public static string SubscriptionOf(WriterType type) => type.ToString().ToLowerInvariant().Replace('_', '-');
}
