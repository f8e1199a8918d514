using Persistence.Stores;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Persistence.Contracts.V1;
using Persistence.Runtime.Bus;
using Persistence.Runtime.Pipeline;
using Persistence.Sinks;
using Persistence.Stores.Embedded;
using ValueType = Persistence.Contracts.V1.ValueType;

namespace Persistence.Writers.Tests;

public static class TestData
{
    public static FeatureDescriptor Feature(string fqn, ValueType type, TimeSpan? maxStaleness = null)
    {
        var feature = new FeatureDescriptor { Fqn = fqn, Type = type };
        if (maxStaleness is { } s) feature.MaxStaleness = Duration.FromTimeSpan(s);
        return feature;
    }

    /// <summary>A result with one row per (user id, values) pair.</summary>
    public static QueryResult Result(string queryId, DateTimeOffset observedAt, FeatureDescriptor[] features, params (long UserId, Persistence.Contracts.V1.Value[] Values)[] rows)
    {
        var result = new QueryResult
        {
            QueryId = queryId, Environment = "test", DeploymentId = "dep-1", OperationName = "op",
            StartedAt = Timestamp.FromDateTimeOffset(observedAt), FinishedAt = Timestamp.FromDateTimeOffset(observedAt.AddMilliseconds(3)),
            Latency = Duration.FromTimeSpan(TimeSpan.FromMilliseconds(3)),
            Namespace = "user", PrimaryKeys = { "user.id" }, Features = { features }, StoreOnline = true, StoreOffline = true,
        };
        foreach (var (userId, values) in rows)
            result.Rows.Add(new ResultRow { PrimaryKeys = { Values.Of(userId) }, Values = { values }, ObservedAt = Timestamp.FromDateTimeOffset(observedAt) });
        return result;
    }

    public static Decoded<T> Decoded<T>(T message, string id = "m-1") where T : IMessage =>
        new(message, new InboundMessage(id, message.ToByteArray(), InboundMessage.NoAttributes));

    public static IReadOnlyList<Decoded<T>> Batch<T>(params T[] messages) where T : IMessage =>
        messages.Select((m, i) => Decoded(m, $"m-{i}")).ToList();

    /// <summary>Results as the offline writer receives them: serialized, then read by its decoder.</summary>
    public static IReadOnlyList<Decoded<Persistence.Sinks.Offline.OfflineResult>> OfflineBatch(params QueryResult[] results) =>
        Batch(results).Select(d => new Decoded<Persistence.Sinks.Offline.OfflineResult>(Persistence.Sinks.Registry.WriterFactory.OfflineResults.Decode(d.Message), d.Message)).ToList();
}

/// <summary>A fresh DuckDB file per test, the embedded store every writer type can write to.</summary>
public sealed class TempDatabase : IAsyncDisposable
{
    private readonly string _directory = System.IO.Directory.CreateTempSubdirectory("persistence-tests-").FullName;

    public TempDatabase() => Db = new DuckDbDatabase(Path.Combine(_directory, "stores.duckdb"));

    public DuckDbDatabase Db { get; }
    public string Directory => _directory;

    public long Count(string sql) => Db.UseAsync(c => Convert.ToInt64(DuckDbDatabase.Scalar(c, sql)), CancellationToken.None).Result;
    public byte[] Blob(string sql)
    {
        var value = Scalar(sql);
        if (value is byte[] bytes) return bytes;
        using var copy = new MemoryStream();
        ((Stream)value!).CopyTo(copy);
        return copy.ToArray();
    }

    public object? Scalar(string sql) => Db.UseAsync(c => DuckDbDatabase.Scalar(c, sql), CancellationToken.None).Result;

    public async ValueTask DisposeAsync()
    {
        await Db.DisposeAsync();
        try { System.IO.Directory.Delete(_directory, recursive: true); } catch (IOException) { }
    }
}

/// <summary>Records what a republishing writer publishes.</summary>
public sealed class RecordingPublisher(string topic = "out") : IMessagePublisher
{
    public List<OutboundMessage> Published { get; } = [];
    public string Topic => topic;
    public ValueTask PublishAsync(IReadOnlyList<OutboundMessage> messages, CancellationToken cancellationToken)
    {
        Published.AddRange(messages);
        return ValueTask.CompletedTask;
    }
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
