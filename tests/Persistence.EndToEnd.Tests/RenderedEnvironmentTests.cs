using Persistence.Buses.Tests;
using Persistence.Contracts;
using Persistence.Infra.Config;
using Persistence.Runtime.Pipeline;
using Persistence.Stores.Tests;
using static Persistence.Contracts.SettingNames;

namespace Persistence.EndToEnd.Tests;

/// <summary>
/// What the cluster runs is what this runs: every writer Deployment of a stack, rendered by `persistence-infra
/// render`'s code, started as a separate `persistence-writer` process with the Deployment's args and its env as
/// rendered (only endpoints and credentials point at loopback servers), on the topics and subscriptions the desired
/// state names. Then query results, query-log entries, vectors and one malformed message are published and what
/// landed in Redis, PostgreSQL, the mirror target and the DLQ is checked.
/// </summary>
public sealed class RenderedEnvironmentTests(LoopbackFixture servers)
{
    private const int Results = 60;
    private const int QueryLogs = 10;
    private const int VectorCount = 5;

    [Theory]
    [InlineData("prod")] // GCP: Pub/Sub (emulator), Redis standalone, PostgreSQL
    [InlineData("dev")]  // AWS: Kafka/MSK (librdkafka's mock cluster), Redis Cluster, PostgreSQL
    public async Task Every_rendered_writer_runs_with_its_rendered_environment_and_lands_what_was_published(string stackName)
    {
        servers.SkipIfMissing();
        var stack = RenderedStack.Render(stackName);
        var postgres = stack.Config.Stores.Postgres!;
        await servers.ResetStoresAsync(postgres.Database, postgres.Username);
        var clustered = stack.Config.Stores.Redis!.Clustered;
        var redis = clustered ? servers.RedisCluster.Redis : servers.Redis.Redis;

        using var kafka = stack.Config.Bus.Backend == Persistence.Infra.Config.BusBackend.Kafka ? new KafkaMockCluster() : null;
        await using var bus = kafka is null ? await StackBus.PubSubAsync(stack, servers.PubSub.HostPort) : StackBus.Kafka(stack, kafka.BootstrapServers);
        var loopback = new LoopbackServers(kafka?.BootstrapServers, servers.WritersPubSubHostPort,
            clustered ? string.Join(',', servers.RedisCluster.Ports.Select(p => $"127.0.0.1:{p}")) : $"127.0.0.1:{servers.Redis.Port}",
            "127.0.0.1", servers.Postgres.Port, LoopbackFixture.PostgresPassword, servers.Mirror.Url);
        await using var pods = new WriterPods(stack, loopback);
        await pods.StartAsync(stack.Writers);

        var topics = stack.Config.Bus.Topics;
        var workload = new Workload(users: 12, start: DateTimeOffset.UtcNow.AddMinutes(-5));
        await bus.PublishAsync(topics.Topic(LogicalBus.ResultBus)!, [.. Enumerable.Range(0, Results).Select(i => workload.Result(i)), Workload.Malformed("result-bus")]);
        await bus.PublishAsync(topics.Topic(LogicalBus.OperationBus)!, [.. Enumerable.Range(0, QueryLogs).Select(workload.QueryLog)]);
        await bus.PublishAsync(topics.Topic(LogicalBus.VectorStoreBus)!, [workload.Vectors("user.embedding", VectorCount)]);

        await using var database = servers.Database(postgres.Database);
        var landed = new Landed(redis, database);
        string Progress() => $"\n{pods.Outputs()}";
        await Eventually.WaitAsync(async () => await landed.CountAsync("SELECT count(*) FROM feature__user__age") == Results
                                               && await landed.CountAsync("SELECT count(*) FROM feature__user__score") == Results
                                               && await landed.CountAsync("SELECT count(*) FROM query_log") == Results,
            () => $"{Results} offline rows per feature and query_log rows (OFFLINE_WRITER → streaming insert bus → OFFLINE_STORE_STREAMING_INSERT_WRITER){Progress()}", 120);
        await Eventually.WaitAsync(async () => await landed.CountAsync("SELECT count(*) FROM feature_metrics WHERE feature_fqn = 'user.age'") == Results,
            () => $"{Results} user.age metrics (METRICS_WRITER → metrics bus → METRICS_BUS_WRITER){Progress()}", 60);
        await Eventually.WaitAsync(async () => await OnlineIsNewestAsync(landed, workload), () => $"the newest online value per user (ONLINE_WRITER){Progress()}", 60);
        await Eventually.WaitAsync(async () => (await Task.WhenAll(Enumerable.Range(0, VectorCount).Select(i => landed.ExistsAsync($"vector:user.embedding:item-{i}")))).All(e => e),
            () => $"{VectorCount} vectors (ONLINE_VECTOR_STORE_WRITER){Progress()}", 60);
        await Eventually.WaitAsync(() => servers.Mirror.Requests >= QueryLogs, () => $"{QueryLogs} mirrored queries, got {servers.Mirror.Requests} (QUERY_MIRROR_CONSUMER){Progress()}", 60);

        Assert.Equal((Results, Results), await landed.OfflineAsync("feature__user__age"));
        // The malformed result reaches the DLQ once from each of the three result-bus writers, each naming what it read.
        var letters = await bus.DrainDeadLettersAsync(TimeSpan.FromSeconds(5));
        var contexts = letters.Select(l => DeadLetterPublisher.FromAttributes(l.Attributes)!).ToList();
        var resultBusWriters = stack.Writers.Where(w => WriterCatalog.Get(Enum.Parse<WriterType>(w.Type)).Reads == LogicalBus.ResultBus).ToList();
        Assert.Equal(resultBusWriters.Select(w => w.Name).Order(), contexts.Select(c => c.WriterName).Order());
        foreach (var writer in resultBusWriters)
        {
            var consumed = pods.EnvironmentOf(writer.Name)[ToEnvironmentVariable(SettingNames.Writer.Subscription)];
            var context = contexts.Single(c => c.WriterName == writer.Name);
            Assert.Equal("decode", context.ErrorClass);
            // Pub/Sub: the rendered subscription itself (issue #9 item 1); Kafka: the consumer group reading the rendered topic.
            Assert.True(kafka is null ? context.Source.EndsWith($"/subscriptions/{consumed}", StringComparison.Ordinal) : context.Source == writer.Name,
                $"{writer.Name} read from {context.Source}, but its rendered {SettingNames.Writer.Subscription} is {consumed}");
        }
        pods.AssertAllRunning();

        // A rollout: SIGTERM drains and exits 0, as the kubelet expects within terminationGracePeriodSeconds.
        foreach (var writer in stack.Writers)
            Assert.True(await pods.Process(writer.Name).TerminateAsync(TimeSpan.FromSeconds(40)) == 0, $"{writer.Name} did not exit 0 on SIGTERM:\n{pods.Process(writer.Name).Tail()}");
    }

    /// <summary>For failure messages: how many users' online values are not the newest, and one example.</summary>
    internal static async Task<string> OnlineMismatchAsync(Landed landed, Workload workload)
    {
        var wrong = new List<string>();
        foreach (var (user, newest) in workload.Newest)
        {
            var age = await landed.OnlineAsync(Workload.Age, user);
            if (age?.IntValue != newest) wrong.Add($"user {user}: {age?.IntValue.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "missing"} instead of {newest}");
        }
        return wrong.Count == 0 ? "all newest" : $"{wrong.Count} of {workload.Newest.Count} users not newest, e.g. {wrong[0]}";
    }

    internal static async Task<bool> OnlineIsNewestAsync(Landed landed, Workload workload)
    {
        foreach (var (user, newest) in workload.Newest)
        {
            var age = await landed.OnlineAsync(Workload.Age, user);
            var score = await landed.OnlineAsync(Workload.Score, user);
            if (age?.IntValue != newest || score?.FloatValue != newest * 0.5) return false;
        }
        return true;
    }
}
