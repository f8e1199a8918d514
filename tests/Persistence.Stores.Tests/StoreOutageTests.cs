using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Logging.Abstractions;
using Persistence.Contracts.V1;
using Persistence.Runtime.Bus;
using Persistence.Runtime.Bus.InProcess;
using Persistence.Runtime.Options;
using Persistence.Runtime.Pipeline;
using Persistence.Sinks;
using Persistence.Sinks.Online;
using Persistence.Sinks.Registry;
using Persistence.Stores;
using Persistence.Stores.Postgres;
using Persistence.Stores.Redis;
using ValueType = Persistence.Contracts.V1.ValueType;
using static Persistence.Tests.Shared.Eventually;

namespace Persistence.Stores.Tests;

/// <summary>A store that goes away and comes back: the writer retries, loses nothing and dead-letters nothing.</summary>
public sealed class StoreOutageTests(RedisFixture redis, PostgresFixture postgres) : IClassFixture<RedisFixture>, IClassFixture<PostgresFixture>
{
    private static readonly FeatureDescriptor Score = new() { Fqn = "user.score", Type = ValueType.Float, MaxStaleness = Duration.FromTimeSpan(TimeSpan.FromHours(1)) };

    private static QueryResult Result(int i) => new()
    {
        QueryId = $"outage-{Guid.NewGuid():N}", Environment = "test", OperationName = "op", Namespace = "user", PrimaryKeys = { "user.id" },
        Features = { Score }, StoreOnline = true, StoreOffline = true,
        Rows = { new ResultRow { PrimaryKeys = { Values.Of((long)i) }, Values = { Values.Of(i * 1.0) }, ObservedAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow) } },
    };

    private static (IRunnableWriter Writer, InProcessSubscription Input, IMessagePublisher Publisher) Writer(Persistence.Contracts.WriterType type, WriterDependencies deps, string output = "")
    {
        var bus = new InProcessBus();
        var input = bus.EnsureSubscription("in", "writer");
        var options = new WriterOptions { MaxBatchMessages = 20, BatchLingerMilliseconds = 5, RetryInitialMilliseconds = 50, RetryMaxMilliseconds = 300 };
        var parts = new LoopParts(new WriterIdentity("outage-writer", type.ToString()), bus.OpenSource("in", "writer"),
            new DeadLetterPublisher(bus.OpenPublisher("dlq")), options, new ByteBudget(1 << 20), NullLogger.Instance);
        return (WriterFactory.Create(type, output, deps with { OpenPublisher = bus.OpenPublisher }, parts), input, bus.OpenPublisher("in"));
    }

    [Fact]
    public async Task The_online_writer_rides_out_a_redis_restart_without_loss_or_dead_letters()
    {
        redis.SkipIfMissing();
        var deps = new WriterDependencies(_ => throw new InvalidOperationException(), Online: new RedisOnlineStore(redis.Redis.GetDatabase()));
        var (writer, input, publisher) = Writer(Persistence.Contracts.WriterType.ONLINE_WRITER, deps);
        using var stop = new CancellationTokenSource();
        var run = writer.RunAsync(stop.Token);
        var offset = Random.Shared.Next(1_000_000);

        await publisher.PublishAsync(Enumerable.Range(offset, 50).Select(i => new OutboundMessage(Result(i).ToByteArray())).ToList(), default);
        await WaitAsync(() => input.Acked == 50, "the first 50 written");
        var db = redis.Redis.GetDatabase();
        for (var i = offset; i < offset + 50; i++)
            Assert.True(await db.KeyExistsAsync(OnlineKeys.For("user.score", $"user:{i}")), $"user:{i} missing");

        // The test server keeps nothing on disk, so what it held is gone with it; what matters is what arrives meanwhile.
        redis.Stop();
        await publisher.PublishAsync(Enumerable.Range(offset + 50, 50).Select(i => new OutboundMessage(Result(i).ToByteArray())).ToList(), default);
        await WaitAsync(() => writer.Stats.Retries > 0, "writes to fail while Redis is down");
        Assert.True(input.Acked < 100, "nothing may be acknowledged while the store is down");
        await redis.StartAsync();

        await WaitAsync(() => input.Acked == 100, "everything written after Redis came back");
        Assert.Equal(0, writer.Stats.DeadLettered);
        for (var i = offset + 50; i < offset + 100; i++)
            Assert.True(await db.KeyExistsAsync(OnlineKeys.For("user.score", $"user:{i}")), $"user:{i} missing");
        await stop.CancelAsync();
        await run;
    }

    [Fact]
    public async Task The_streaming_insert_writer_rides_out_a_postgres_restart_without_loss_or_dead_letters()
    {
        postgres.SkipIfMissing();
        var store = new PostgresOfflineStore(postgres.DataSource);
        var table = $"feature__outage_{Guid.NewGuid():N}"[..40];
        var schema = Persistence.Sinks.Offline.FeatureTables.FeatureSchema(Score);
        StreamingInsert Insert(int i) => new()
        {
            Table = table, Schema = schema, RowCount = 1,
            Parquet = ByteString.CopyFrom(Persistence.Sinks.Offline.ParquetCodec.EncodeAsync(schema, [[$"o{i}", $"user:{i}", i * 1.0, DateTime.UtcNow, "q", "test"]]).Result),
        };
        var (writer, input, publisher) = Writer(Persistence.Contracts.WriterType.OFFLINE_STORE_STREAMING_INSERT_WRITER, new WriterDependencies(_ => throw new InvalidOperationException(), Offline: store));
        using var stop = new CancellationTokenSource();
        var run = writer.RunAsync(stop.Token);

        await publisher.PublishAsync(Enumerable.Range(0, 20).Select(i => new OutboundMessage(Insert(i).ToByteArray())).ToList(), default);
        await WaitAsync(() => input.Acked == 20, "the first 20 written");
        await postgres.StopAsync();
        await publisher.PublishAsync(Enumerable.Range(20, 20).Select(i => new OutboundMessage(Insert(i).ToByteArray())).ToList(), default);
        await WaitAsync(() => writer.Stats.Retries > 0, "writes to fail while PostgreSQL is down");
        await postgres.StartAsync();

        await WaitAsync(() => input.Acked == 40, "everything written after PostgreSQL came back");
        Assert.Equal(0, writer.Stats.DeadLettered);
        await using var count = postgres.DataSource.CreateCommand($"SELECT count(*) FROM {table}");
        Assert.Equal(40L, await count.ExecuteScalarAsync());
        await stop.CancelAsync();
        await run;
    }
}
