using System.Net;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Npgsql;
using Persistence.Contracts.V1;
using Persistence.Runtime.Bus;
using Persistence.Runtime.Bus.InProcess;
using Persistence.Sinks;
using Persistence.Sinks.Online;
using Persistence.Stores.Http.Mirror;
using Persistence.Writer.Hosting;
using ValueType = Persistence.Contracts.V1.ValueType;
using static Persistence.Tests.Shared.Eventually;

namespace Persistence.Stores.Tests;

/// <summary>
/// The writer host owns its store clients: it opens only the stores its type uses (no embedded file beside Redis
/// or PostgreSQL), keeps the mirror's outcomes in PostgreSQL, and closes Redis and Npgsql when it is disposed.
/// </summary>
public sealed class WriterHostOwnershipTests(RedisFixture redis, PostgresFixture postgres) : IClassFixture<RedisFixture>, IClassFixture<PostgresFixture>
{
    private readonly string _workDir = Directory.CreateTempSubdirectory("host-ownership-").FullName;
    private string EmbeddedPath => Path.Combine(_workDir, "persistence.duckdb");

    private Dictionary<string, string?> Writer(string type, string subscription) => new()
    {
        ["Writer:Type"] = type, ["Writer:Subscription"] = subscription, ["Writer:HealthPort"] = "0", ["Writer:StartupTimeoutSeconds"] = "30",
        ["Writer:BatchLingerMilliseconds"] = "5", ["Bus:DeadLetterTopic"] = "dlq", ["Stores:Embedded:Path"] = EmbeddedPath,
    };

    private async Task<string> FreshSchemaAsync()
    {
        var schema = $"host_{Guid.NewGuid():N}"[..20];
        await using var create = postgres.DataSource.CreateCommand($"CREATE SCHEMA {schema}");
        await create.ExecuteNonQueryAsync();
        return schema;
    }

    private async Task<long> PostgresSessionsAsync(string application)
    {
        await using var count = postgres.DataSource.CreateCommand("SELECT count(*) FROM pg_stat_activity WHERE application_name = $1");
        count.Parameters.Add(new NpgsqlParameter { Value = application });
        return (long)(await count.ExecuteScalarAsync())!;
    }

    /// <summary>Asked of the server (CLIENT LIST), not of the client: what matters is that the socket is gone.</summary>
    private bool RedisClientConnected(string name)
    {
        using var admin = StackExchange.Redis.ConnectionMultiplexer.Connect($"127.0.0.1:{redis.Port},allowAdmin=true");
        return admin.GetServers().Single().ClientList().Any(c => c.Name == name);
    }

    [Fact]
    public async Task Disposing_the_host_closes_its_redis_connection_and_its_postgres_sessions_and_no_embedded_file_is_opened()
    {
        redis.SkipIfMissing();
        postgres.SkipIfMissing();
        var bus = new InProcessBus();
        var redisName = $"host-online-{Guid.NewGuid():N}";
        var online = Writer("ONLINE_WRITER", "result-bus-host");
        online["Stores:Redis:Connection"] = $"127.0.0.1:{redis.Port},name={redisName}";
        bus.EnsureSubscription("result-bus-host", "online-writer");

        var pgApplication = $"host-offline-{Guid.NewGuid():N}"[..30];
        var offline = Writer("OFFLINE_STORE_STREAMING_INSERT_WRITER", "streaming-host");
        offline["Stores:Postgres:Connection"] = $"{postgres.ConnectionString};Application Name={pgApplication};Search Path={await FreshSchemaAsync()}";
        bus.EnsureSubscription("streaming-host", "offline-store-streaming-insert-writer");

        var onlineHost = WriterHost.Build(WriterHost.CreateEmptyBuilder(online), bus);
        var offlineHost = WriterHost.Build(WriterHost.CreateEmptyBuilder(offline), bus);
        await onlineHost.StartAsync();
        await offlineHost.StartAsync();

        var result = Result("host-q1");
        await using (var publisher = bus.OpenPublisher("result-bus-host"))
            await publisher.PublishAsync(new OutboundMessage(result.ToByteArray()), CancellationToken.None);
        var key = OnlineKeys.For("user.score", ResultValidation.EntityKey(result, result.Rows[0]));
        await WaitAsync(() => redis.Redis.GetDatabase().KeyExists(key), $"the online writer to write {key} through its own Redis connection");
        Assert.True(RedisClientConnected(redisName));
        Assert.True(await PostgresSessionsAsync(pgApplication) > 0, "the startup check opened a pooled session");
        Assert.False(File.Exists(EmbeddedPath), "a writer on Redis or PostgreSQL opened the embedded DuckDB file");

        await onlineHost.StopAsync();
        await offlineHost.StopAsync();
        onlineHost.Dispose();
        offlineHost.Dispose();
        await WaitAsync(() => !RedisClientConnected(redisName), "the host to close its Redis connection", seconds: 20);
        var sessions = -1L;
        for (var i = 0; i < 200 && (sessions = await PostgresSessionsAsync(pgApplication)) > 0; i++) await Task.Delay(50);
        Assert.Equal(0, sessions);
    }

    [Fact]
    public async Task The_mirror_keeps_its_outcomes_in_postgres_not_in_a_file_in_the_pod()
    {
        postgres.SkipIfMissing();
        var schema = await FreshSchemaAsync();
        var apiPort = Persistence.Tests.Shared.ServerProcess.FreePort();
        using var api = new HttpListener { Prefixes = { $"http://127.0.0.1:{apiPort}/" } };
        api.Start();
        var serving = Task.Run(async () =>
        {
            while (api.IsListening)
            {
                HttpListenerContext context;
                try { context = await api.GetContextAsync(); }
                catch (HttpListenerException) { return; }
                catch (ObjectDisposedException) { return; }
                context.Response.StatusCode = 200;
                context.Response.Close();
            }
        });
        var bus = new InProcessBus();
        var mirror = Writer("QUERY_MIRROR_CONSUMER", "operation-bus-host");
        mirror["Stores:Postgres:Connection"] = $"{postgres.ConnectionString};Search Path={schema}";
        mirror["Stores:Mirror:ApiServerHost"] = $"http://127.0.0.1:{apiPort}";
        bus.EnsureSubscription("operation-bus-host", "query-mirror-consumer");
        using (var host = WriterHost.Build(WriterHost.CreateEmptyBuilder(mirror), bus))
        {
            await host.StartAsync();
            await using (var publisher = bus.OpenPublisher("operation-bus-host"))
                await publisher.PublishAsync(new OutboundMessage(new QueryLogEntry { QueryId = "mirror-q1", OperationName = "fraud_check", Environment = "test" }.ToByteArray()), CancellationToken.None);
            await WaitAsync(() => MirrorRows(schema, "mirror-q1 200") == 1, "the outcome of mirror-q1 in PostgreSQL");
            await host.StopAsync();
        }
        api.Stop();
        await serving;
        Assert.False(File.Exists(EmbeddedPath), "the mirror wrote its outcome log to a file in the pod");
    }

    [Fact]
    public async Task A_redelivered_outcome_adds_no_row()
    {
        postgres.SkipIfMissing();
        var schema = await FreshSchemaAsync();
        await using var dataSource = NpgsqlDataSource.Create($"{postgres.ConnectionString};Search Path={schema}");
        var log = new PostgresMirrorOutcomeLog(dataSource);
        var entries = new[] { new QueryLogEntry { QueryId = "q-a", OperationName = "op" }, new QueryLogEntry { QueryId = "q-b", OperationName = "op" } };
        var outcomes = new[] { new MirrorOutcome("q-a", 200, TimeSpan.FromMilliseconds(3)), new MirrorOutcome("q-b", 503, TimeSpan.FromMilliseconds(4), "Service Unavailable") };
        await log.RecordAsync(entries, outcomes, CancellationToken.None);
        await log.RecordAsync(entries, outcomes, CancellationToken.None);
        Assert.Equal(1, MirrorRows(schema, "q-a 200"));
        Assert.Equal(1, MirrorRows(schema, "q-b 503"));
    }

    private long MirrorRows(string schema, string idAndStatus)
    {
        var (id, status) = (idAndStatus.Split(' ')[0], long.Parse(idAndStatus.Split(' ')[1]));
        using var count = postgres.DataSource.CreateCommand(
            $"SELECT count(*) FROM information_schema.tables WHERE table_schema = '{schema}' AND table_name = 'query_mirror'");
        if ((long)count.ExecuteScalar()! == 0) return 0;
        using var rows = postgres.DataSource.CreateCommand($"SELECT count(*) FROM {schema}.query_mirror WHERE query_id = $1 AND status = $2");
        rows.Parameters.Add(new NpgsqlParameter { Value = id });
        rows.Parameters.Add(new NpgsqlParameter { Value = status });
        return (long)rows.ExecuteScalar()!;
    }

    private static QueryResult Result(string queryId) => new()
    {
        QueryId = queryId, Environment = "test", OperationName = "op", Namespace = "user", PrimaryKeys = { "user.id" },
        Features = { new FeatureDescriptor { Fqn = "user.score", Type = ValueType.Float, MaxStaleness = Duration.FromTimeSpan(TimeSpan.FromHours(1)) } },
        StoreOnline = true, StoreOffline = true,
        Rows = { new ResultRow { PrimaryKeys = { Values.Of(7L) }, Values = { Values.Of(0.5) }, ObservedAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow) } },
    };
}
