using Persistence.Contracts;

namespace Persistence.Infra.Doctor;

/// <summary>
/// The debugging guide's symptoms (../shared/reference/debugging-persistence.md: "Identify the symptom" and "Common
/// issues and solutions"), each stated with what doctor found that explains it.
/// </summary>
public static class SymptomMap
{
    public static IReadOnlyList<SymptomReport> Map(DoctorReport report, bool hasOfflinePair)
    {
        var symptoms = new List<SymptomReport>();
        if (!report.NamespaceExists)
            symptoms.Add(new("All stores affected: the writers do not exist", $"namespace {report.Namespace} is missing", "pulumi up for this stack creates it and the writers"));
        foreach (var w in report.Writers)
        {
            var store = StoreOf(w.Type);
            foreach (var f in w.Findings.Where(f => f.Severity == Severity.Action))
            {
                var kind = f.Message.Contains("OOMKilled", StringComparison.Ordinal) ? "OOMKilled writer"
                    : f.Message.Contains("CrashLoopBackOff", StringComparison.Ordinal) ? "writer crash loop"
                    : f.Message.Contains("ContainerCreating", StringComparison.Ordinal) ? "writer stuck in ContainerCreating"
                    : f.Message.Contains("Pending", StringComparison.Ordinal) ? "writer not scheduled"
                    : f.Message.Contains("missing", StringComparison.Ordinal) ? "writer not deployed"
                    : "unhealthy writer";
                symptoms.Add(new($"{store}: {kind}", $"{w.Name}: {f.Message.Split(Environment.NewLine)[0].Replace("; last log lines:", "", StringComparison.Ordinal)}", f.Fix ?? ""));
            }
            if (w.Queue is { Trend: "growing" } q)
                symptoms.Add(new($"{store}: consumer lag increasing (clogged bus)", $"{w.Name}: {q.Source} lag {q.First} -> {q.Second}",
                    w.Findings.Any(f => f.Severity == Severity.Action) ? "fix the writer above first; then the backlog drains" : $"raise persistence:writers[{w.Index}].scaling.maxReplicas or its resources; check the writer's logs for store errors"));
            else if (w.Queue is { Trend: "shrinking" } d && w.Findings.All(f => f.Severity != Severity.Action))
                symptoms.Add(new("Result bus backlog draining", $"{w.Name}: {d.Source} lag {d.First} -> {d.Second}", "wait for it to drain, or raise replicas temporarily"));
        }
        if (!hasOfflinePair)
            symptoms.Add(new("Offline queries return incomplete data: offline pipeline incomplete",
                string.Join("; ", report.Findings.Where(f => f.Subject == "offline pair").Select(f => f.Message)), "deploy both stages (validate refuses a stack with one of them)"));
        foreach (var s in report.Stores.Where(s => !s.Reachable))
            symptoms.Add(new($"Writers process messages but fail to write ({s.Store} unreachable)", $"{s.Store} {s.Endpoint}: {s.Detail}", "the writers retry and lag grows; restore the store or its network path"));
        if (report.Dlq is { Depth: > 0 } dlq)
            symptoms.Add(new("Writers log errors deserializing or processing messages (dead letters)",
                $"{dlq.Queue}: {dlq.Depth} dead letter(s); top classes {string.Join(", ", dlq.TopErrorClasses.Select(c => $"{c.Key} x{c.Value}"))}",
                "fix the cause, then `persistence-writer dlq replay --dry-run` and `dlq replay`"));
        return symptoms;
    }

    public static string StoreOf(string type) => Enum.TryParse<WriterType>(type, out var t) ? t switch
    {
        WriterType.ONLINE_WRITER => "Online store stale or null",
        WriterType.OFFLINE_WRITER or WriterType.OFFLINE_STORE_STREAMING_INSERT_WRITER => "Offline data stale or incomplete",
        WriterType.OFFLINE_STORE_BULK_INSERT_WRITER => "Offline query results (store_offline=True) missing",
        WriterType.METRICS_WRITER or WriterType.METRICS_BUS_WRITER => "Missing metrics in the dashboard",
        WriterType.ONLINE_VECTOR_STORE_WRITER => "Vector search stale",
        WriterType.QUERY_MIRROR_CONSUMER => "Query mirror behind",
        _ => type,
    } : type;
}
