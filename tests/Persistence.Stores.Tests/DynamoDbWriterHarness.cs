using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Logging.Abstractions;
using Persistence.Contracts.V1;
using Persistence.Runtime.Bus;
using Persistence.Runtime.Bus.InProcess;
using Persistence.Runtime.Options;
using Persistence.Runtime.Pipeline;
using Persistence.Sinks.Registry;
using ValueType = Persistence.Contracts.V1.ValueType;

namespace Persistence.Stores.Tests;

/// <summary>An ONLINE_WRITER over the in-process bus writing to a given online store, for the DynamoDB loop tests.</summary>
internal static class DynamoDbWriterHarness
{
    public static readonly FeatureDescriptor Score = new() { Fqn = "user.score", Type = ValueType.Float, MaxStaleness = Duration.FromTimeSpan(TimeSpan.FromHours(1)) };

    /// <summary>A query result with one row for entity user:{entity}.</summary>
    public static QueryResult Result(string entity, double value) => new()
    {
        QueryId = $"dynamo-{Guid.NewGuid():N}", Environment = "test", OperationName = "op", Namespace = "user", PrimaryKeys = { "user.id" },
        Features = { Score }, StoreOnline = true,
        Rows = { new ResultRow { PrimaryKeys = { Values.Of(entity) }, Values = { Values.Of(value) }, ObservedAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow) } },
    };

    public static (IRunnableWriter Writer, InProcessSubscription Input, IMessagePublisher Publisher, InProcessSubscription DeadLetters) OnlineWriter(IOnlineStore store)
    {
        var bus = new InProcessBus();
        var input = bus.EnsureSubscription("in", "writer");
        var deadLetters = bus.EnsureSubscription("dlq", "inspect");
        var options = new WriterOptions { MaxBatchMessages = 20, BatchLingerMilliseconds = 5, RetryInitialMilliseconds = 50, RetryMaxMilliseconds = 300 };
        var parts = new LoopParts(new WriterIdentity("dynamo-writer", nameof(Persistence.Contracts.WriterType.ONLINE_WRITER)), bus.OpenSource("in", "writer"),
            new DeadLetterPublisher(bus.OpenPublisher("dlq")), options, new ByteBudget(1 << 20), NullLogger.Instance);
        var deps = new WriterDependencies(bus.OpenPublisher, Online: store);
        return (WriterFactory.Create(Persistence.Contracts.WriterType.ONLINE_WRITER, "", deps, parts), input, bus.OpenPublisher("in"), deadLetters);
    }
}
