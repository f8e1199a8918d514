using k8s;
using Persistence.Contracts;
using Persistence.Infra.Config;

namespace Persistence.Infra.Doctor;

/// <summary>
/// `persistence-infra doctor`: the debugging guide's triage for one stack, in one pass — each declared writer's
/// Deployment, scaler, pods and queue, the stores, the offline pair and the DLQ — ending with the guide's symptoms.
/// </summary>
public sealed class StackDoctor(StackConfig config, string stack, IKubernetes kubernetes, DoctorOptions options, HttpClient http, TimeProvider clock)
{
    private PubSubBacklogProbe? _backlog;
    private string? _kafkaUnreachable;

    public async Task<DoctorReport> RunAsync(CancellationToken cancel)
    {
        var ns = config.Namespace;
        var cluster = new ClusterProbe(kubernetes, ns, options.CreatingLimit, clock);
        var findings = new List<Finding>();
        var namespaceExists = await cluster.NamespaceExistsAsync(cancel).ConfigureAwait(false);
        if (!namespaceExists)
            findings.Add(new(Severity.Action, "namespace", $"namespace {ns} does not exist: no writer is deployed", $"pulumi up --stack {stack}"));

        // librdkafka waits out its timeouts per client on an unreachable cluster; one TCP look first keeps doctor quick.
        _kafkaUnreachable = options.Kafka is { } k ? await BrokerReachability.CheckAsync(k.BootstrapServers, cancel).ConfigureAwait(false) : null;
        var targets = WriterTarget.From(config);
        // Queues are sampled twice, an interval apart: all writers at once, while the cluster is read.
        var queues = targets.Select(t => QueueAsync(t, cancel)).ToList();
        var writers = new List<WriterReport>();
        foreach (var target in targets)
            writers.Add(namespaceExists
                ? await cluster.ProbeAsync(target, cancel).ConfigureAwait(false)
                : new WriterReport(target.Index, target.Name, target.Type.ToString(), false, "-", null, target.MemoryLimit, [], null, []));
        for (var i = 0; i < writers.Count; i++)
        {
            var queue = await queues[i].ConfigureAwait(false);
            var w = writers[i];
            var extra = new List<Finding>();
            if (queue?.Trend == "growing")
                extra.Add(new(Severity.Action, w.Name, $"lag growing on {queue.Source}: {queue.First} -> {queue.Second} in {options.SampleInterval.TotalSeconds:F0}s",
                    $"the writer falls behind: fix any pod problem above, else raise persistence:writers[{w.Index}].scaling.maxReplicas"));
            else if (queue is not null && queue.Status != "ok")
                extra.Add(new(Severity.Info, w.Name, $"queue {queue.Source}: {queue.Status}"));
            writers[i] = w with { Queue = queue, Findings = [.. w.Findings, .. extra] };
        }

        var hasPair = OfflinePair(writers, findings);
        var stores = await StoresAsync(cancel).ConfigureAwait(false);
        foreach (var s in stores.Where(s => !s.Reachable))
            findings.Add(new(Severity.Action, s.Store, $"{s.Store} at {s.Endpoint} {s.Detail}", "the writers retry without end while it is down; check the endpoint in stores.* and the network path"));
        var dlq = await DlqAsync(cancel).ConfigureAwait(false);
        if (dlq is { Depth: > 0 })
            findings.Add(new(Severity.Warning, "dlq", $"{dlq.Depth} dead letter(s) on {dlq.Queue}", "triage by error class, fix, then `persistence-writer dlq replay --dry-run`"));

        var report = new DoctorReport(stack, ns, config.Bus.Backend.ToString(), namespaceExists, writers, stores, dlq, findings, []);
        return report with { Symptoms = SymptomMap.Map(report, hasPair) };
    }

    private Task<QueueReport?> QueueAsync(WriterTarget target, CancellationToken cancel)
    {
        if (target.Consumed is null) return Task.FromResult<QueueReport?>(null);
        if (config.Bus.Backend == BusBackend.Kafka)
            return options.Kafka is { } kafka && _kafkaUnreachable is null
                ? Wrap(new KafkaLagProbe(kafka).ProbeAsync(target.Consumed, target.ConsumerGroup!, options.SampleInterval, cancel))
                : Task.FromResult<QueueReport?>(new QueueReport($"kafka {target.Consumed}", $"not reachable: {_kafkaUnreachable ?? "no bootstrap servers"}", null, null, null, null));
        _backlog ??= new PubSubBacklogProbe(http, options.MonitoringEndpoint, config.Bus.PubSub?.ProjectId ?? "", clock);
        return Wrap(_backlog.ProbeAsync(target.Consumed, cancel));

        static async Task<QueueReport?> Wrap(Task<QueueReport> probe) => await probe.ConfigureAwait(false);
    }

    /// <summary>The guide's most common offline mistake: one stage of the offline pipeline without the other.</summary>
    private bool OfflinePair(List<WriterReport> writers, List<Finding> findings)
    {
        bool Deployed(WriterType t) => writers.Any(w => w.Type == t.ToString() && w.Deployed);
        bool Declared(WriterType t) => config.Writers.Any(w => w.Type == t);
        var ok = true;
        if (Declared(WriterType.OFFLINE_WRITER) || Declared(WriterType.OFFLINE_STORE_STREAMING_INSERT_WRITER))
        {
            foreach (var stage in new[] { WriterType.OFFLINE_WRITER, WriterType.OFFLINE_STORE_STREAMING_INSERT_WRITER }.Where(s => !Deployed(s)))
            {
                ok = false;
                findings.Add(new(Severity.Action, "offline pair", $"{stage} is {(Declared(stage) ? "declared but not deployed" : "not declared")}: offline data stops at the streaming insert topic",
                    Declared(stage) ? $"pulumi up --stack {stack}" : $"add a {stage} writer to persistence:writers"));
            }
            if (config.Stores.OfflineStore != OfflineStoreKind.BigQuery && !Deployed(WriterType.OFFLINE_STORE_BULK_INSERT_WRITER))
                findings.Add(new(Severity.Warning, "offline pair", $"no OFFLINE_STORE_BULK_INSERT_WRITER deployed: store_offline=True results never reach {config.Stores.OfflineStore}",
                    "add one to persistence:writers"));
        }
        return ok;
    }

    private async Task<List<StoreReport>> StoresAsync(CancellationToken cancel)
    {
        var stores = new List<StoreReport>();
        if (options.Redis is { } redis) stores.Add(await StoreProbe.RedisAsync(redis, options.RedisTls, cancel).ConfigureAwait(false));
        if (options.Postgres is { } postgres) stores.Add(await StoreProbe.PostgresAsync(postgres, cancel).ConfigureAwait(false));
        return stores;
    }

    private async Task<DlqReport?> DlqAsync(CancellationToken cancel)
    {
        if (config.Bus.DeadLetterTopic is not { } dlq) return null;
        if (config.Bus.Backend == BusBackend.Kafka)
            return options.Kafka is not { } kafka ? null
                : _kafkaUnreachable is { } why ? new DlqReport($"kafka {dlq}", $"not reachable: {why}", null, new Dictionary<string, int>(), new Dictionary<string, int>())
                : await DlqProbe.KafkaAsync(kafka, dlq, options.DlqSample, cancel).ConfigureAwait(false);
        return options.PubSub is { } pubsub ? await DlqProbe.PubSubAsync(pubsub, $"{dlq}-hold", options.DlqSample, cancel).ConfigureAwait(false) : null;
    }
}
