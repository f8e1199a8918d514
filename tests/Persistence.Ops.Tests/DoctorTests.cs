using System.Text.Json;
using Confluent.Kafka;
using Persistence.Buses.Tests;
using Persistence.Infra.Cli;
using Persistence.Infra.Doctor;
using Persistence.Stores.Tests;
using Persistence.Writer.Dlq;
using static Persistence.Ops.Tests.ClusterObjects;

namespace Persistence.Ops.Tests;

/// <summary>
/// `persistence-infra doctor` against a loopback Kubernetes API stub with recorded objects, librdkafka's mock cluster,
/// the Pub/Sub emulator and real Redis and PostgreSQL, for the repository's dev (AWS/Kafka) and prod (GCP/Pub/Sub) stacks.
/// </summary>
public sealed class DoctorTests(RedisFixture redis, PostgresFixture postgres, PubSubEmulator emulator)
    : IClassFixture<RedisFixture>, IClassFixture<PostgresFixture>, IClassFixture<PubSubEmulator>
{
    private static readonly string Root = FindRoot();
    private static readonly string[] DevWriters = ["result-bus-online-writer", "result-bus-offline-writer", "offline-store-streaming-insert-writer",
        "offline-store-bulk-insert-writer", "result-bus-metrics-writer", "metrics-bus-writer", "query-mirror-consumer", "online-vector-store-writer"];

    private (int Code, string Out, string Err) Doctor(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var code = InfraCli.Run(["doctor", "--dir", Root, .. args], stdout, stderr);
        TestContext.Current.TestOutputHelper?.WriteLine(stdout.ToString());
        TestContext.Current.TestOutputHelper?.WriteLine(stderr.ToString());
        return (code, stdout.ToString(), stderr.ToString());
    }

    private static DoctorReport Parse(string json) => JsonSerializer.Deserialize<DoctorReport>(json, DoctorText.Json)!;

    private void SkipIfStoresMissing()
    {
        if (redis.SkipReason is { } r) Assert.Skip(r);
        if (postgres.SkipReason is { } p) Assert.Skip(p);
    }

    [Fact]
    public async Task Kafka_stack_with_failing_writers_names_each_cause_with_its_fix_and_exits_4()
    {
        SkipIfStoresMissing();
        using var kafka = new KafkaMockCluster();
        using var bus = kafka.Bus();
        using var cluster = new KubernetesApiStub();
        cluster.Namespaces.Add(Ns);
        foreach (var name in DevWriters.Where(n => n != "offline-store-streaming-insert-writer"))
        {
            cluster.Deployments.Add(Deployment(name, name == "result-bus-online-writer" ? "1Gi" : "2Gi"));
            cluster.ScaledObjects.Add($"{Ns}/{name}");
        }
        cluster.Pods.Add(OomKilled("result-bus-online-writer", restarts: 4));
        cluster.Pods.Add(CrashLooping("result-bus-offline-writer", exitCode: 3));
        cluster.Logs["result-bus-offline-writer-5c4b-c"] = "starting writer\nconfiguration error:\n  - Stores:Postgres:Connection is required\n";
        cluster.Pods.Add(ContainerCreating("result-bus-metrics-writer", TimeSpan.FromMinutes(12)));
        cluster.Events.Add(Event("result-bus-metrics-writer-9a8b-d", "FailedMount", "MountVolume.SetUp failed for volume \"credentials\" : secret \"persistence-credentials\" not found"));
        cluster.Pods.Add(Unschedulable("online-vector-store-writer", "0/3 nodes are available: 3 Insufficient memory."));
        foreach (var name in new[] { "offline-store-bulk-insert-writer", "metrics-bus-writer", "query-mirror-consumer" }) cluster.Pods.Add(Running(name));

        // The online writer's topic grows while doctor samples it; the DLQ holds 3 schema conflicts and 2 decode failures.
        await using (var results = bus.OpenPublisher("result-bus-1"))
            for (var i = 0; i < 5; i++) await results.PublishAsync([new(new byte[] { 1 })], CancellationToken.None);
        await using (var dlq = bus.OpenPublisher("dlq-1"))
            await DeadLetterFixtures.DeadLetterAsync(dlq, "result-bus-offline-writer", i => $"result-bus-1/0@{i}", 5);
        // Producers keep publishing while doctor runs, so the lag grows between any two samples.
        using var producing = new CancellationTokenSource();
        var growth = Task.Run(async () =>
        {
            await using var results = bus.OpenPublisher("result-bus-1");
            while (!producing.IsCancellationRequested)
            {
                await results.PublishAsync([new(new byte[] { 2 })], CancellationToken.None);
                await Task.Delay(100);
            }
        });

        var (code, json, _) = Doctor("--stack", "dev", "--kubeconfig", cluster.WriteKubeconfig(), "--json", "--sample-seconds", "3",
            "--bootstrap-servers", kafka.BootstrapServers, "--redis", $"127.0.0.1:{redis.Port}", "--postgres", postgres.ConnectionString);
        await producing.CancelAsync();
        await growth;

        Assert.Equal(4, code);
        var report = Parse(json);
        string Findings(string writer) => string.Join("\n", report.Writers.Single(w => w.Name == writer).Findings.Select(f => $"{f.Severity} {f.Message} | {f.Fix}"));

        Assert.Contains("OOMKilled (restarted 4 time(s)", Findings("result-bus-online-writer"), StringComparison.Ordinal);
        Assert.Contains("pulumi config set --path 'persistence:writers[0].limit.memory' 2Gi", Findings("result-bus-online-writer"), StringComparison.Ordinal);
        Assert.Contains("Stores:Postgres:Connection is required", Findings("result-bus-offline-writer"), StringComparison.Ordinal);
        Assert.Contains("exit code 3 is a configuration error", Findings("result-bus-offline-writer"), StringComparison.Ordinal);
        Assert.Contains("ContainerCreating for 12 min; FailedMount: MountVolume.SetUp failed for volume \"credentials\"", Findings("result-bus-metrics-writer"), StringComparison.Ordinal);
        Assert.Contains("Pending: 0/3 nodes are available: 3 Insufficient memory.", Findings("online-vector-store-writer"), StringComparison.Ordinal);
        Assert.Contains("Deployment background-persistence/offline-store-streaming-insert-writer is missing", Findings("offline-store-streaming-insert-writer"), StringComparison.Ordinal);
        Assert.DoesNotContain(report.Writers.Single(w => w.Name == "metrics-bus-writer").Findings, f => f.Severity == Severity.Action);

        var online = report.Writers.Single(w => w.Name == "result-bus-online-writer").Queue!;
        Assert.Equal(("ok", "growing"), (online.Status, online.Trend));
        Assert.True(online.Second > online.First && online.First >= 5, $"lag {online.First} -> {online.Second}");
        Assert.Equal(online.Second, online.ByPartition!.Values.Sum());
        Assert.Contains(report.Findings, f => f.Subject == "offline pair" && f.Message.StartsWith("OFFLINE_STORE_STREAMING_INSERT_WRITER is declared but not deployed", StringComparison.Ordinal));
        Assert.All(report.Stores, s => Assert.True(s.Reachable, $"{s.Store}: {s.Detail}"));
        Assert.Equal(5, report.Dlq!.Depth);
        Assert.Equal(new Dictionary<string, int> { ["schema_conflict"] = 3, ["decode"] = 2 }, report.Dlq.TopErrorClasses);
        Assert.Contains(report.Symptoms, s => s.Symptom == "Online store stale or null: OOMKilled writer" && s.Fix.Contains("writers[0].limit.memory", StringComparison.Ordinal));
        Assert.Contains(report.Symptoms, s => s.Symptom.StartsWith("Offline queries return incomplete data", StringComparison.Ordinal));
        Assert.Contains(report.Symptoms, s => s.Symptom == "Online store stale or null: consumer lag increasing (clogged bus)");

        // The same report as a table names the same causes.
        var (_, table, _) = Doctor("--stack", "dev", "--kubeconfig", cluster.WriteKubeconfig(), "--sample-seconds", "0",
            "--bootstrap-servers", kafka.BootstrapServers, "--redis", $"127.0.0.1:{redis.Port}", "--postgres", postgres.ConnectionString);
        Assert.Contains("Symptoms (debugging guide)", table, StringComparison.Ordinal);
        Assert.Contains("RESULT: ", table, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PubSub_stack_all_healthy_exits_0_says_the_backlog_is_not_reachable_and_leaves_the_dead_letters_it_counted()
    {
        SkipIfStoresMissing();
        emulator.SkipIfMissing();
        using var cluster = new KubernetesApiStub();
        cluster.Namespaces.Add(Ns);
        foreach (var name in DevWriters)
        {
            cluster.Deployments.Add(Deployment(name, "2Gi"));
            cluster.ScaledObjects.Add($"{Ns}/{name}");
            cluster.Pods.Add(Running(name));
        }
        var options = new Buses.PubSub.PubSubBusOptions { ProjectId = "acme-features-prod", EmulatorHost = emulator.HostPort };
        using var bus = new Buses.PubSub.PubSubBus(options);
        await bus.EnsureAsync("persistence-dlq-1", "persistence-dlq-1-hold");
        await bus.EnsureAsync("result-bus-1", "result-bus-online-store-1");
        await using (var dlq = bus.OpenPublisher("persistence-dlq-1"))
            await DeadLetterFixtures.DeadLetterAsync(dlq, options.SubscriptionPath("result-bus-online-store-1"), i => $"id-{i}", 2);

        var (code, json, _) = Doctor("--stack", "prod", "--kubeconfig", cluster.WriteKubeconfig(), "--json", "--sample-seconds", "0",
            "--pubsub-emulator", emulator.HostPort, "--monitoring-endpoint", $"http://127.0.0.1:{ServerProcess.FreePort()}",
            "--redis", $"127.0.0.1:{redis.Port}", "--postgres", postgres.ConnectionString);

        Assert.Equal(0, code);
        var report = Parse(json);
        Assert.All(report.Writers, w => Assert.True(w.Deployed && w.ScaledObject == true && w.Pods.Single().State == "Running", w.Name));
        Assert.All(report.Writers, w => Assert.StartsWith("not reachable", w.Queue!.Status, StringComparison.Ordinal));
        Assert.Equal(2, report.Dlq!.Depth);
        Assert.Equal(new Dictionary<string, int> { ["schema_conflict"] = 1, ["decode"] = 1 }, report.Dlq.TopErrorClasses);
        Assert.Contains(report.Findings, f => f.Severity == Severity.Warning && f.Subject == "dlq");

        var still = await new DeadLetterReplay(DeadLetterFixtures.PubSubReader(bus, "persistence-dlq-1-hold"), bus.OpenPublisher, TextWriter.Null)
            .RunAsync(new ReplayPlan(new ReplayFilter(), DryRun: true), CancellationToken.None);
        Assert.Equal(2, still.Read);
    }

    [Fact]
    public void A_missing_namespace_and_an_unreachable_store_need_action()
    {
        using var cluster = new KubernetesApiStub();
        var (code, json, _) = Doctor("--stack", "dev", "--kubeconfig", cluster.WriteKubeconfig(), "--json", "--sample-seconds", "0",
            "--bootstrap-servers", $"127.0.0.1:{ServerProcess.FreePort()}", "--redis", $"127.0.0.1:{ServerProcess.FreePort()}",
            "--postgres", $"Host=127.0.0.1;Port={ServerProcess.FreePort()};Username=postgres;Database=postgres");
        Assert.Equal(4, code);
        var report = Parse(json);
        Assert.False(report.NamespaceExists);
        Assert.Contains(report.Symptoms, s => s.Symptom == "All stores affected: the writers do not exist");
        Assert.All(report.Stores, s => Assert.False(s.Reachable, s.Store));
        Assert.Contains(report.Symptoms, s => s.Symptom.Contains("redis unreachable", StringComparison.Ordinal));
        Assert.DoesNotContain(cluster.Requests, r => r.Contains("/pods", StringComparison.Ordinal));
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Pulumi.yaml"))) return dir.FullName;
        throw new InvalidOperationException("no Pulumi.yaml above the test output");
    }
}
