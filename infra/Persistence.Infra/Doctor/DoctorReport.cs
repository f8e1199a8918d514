using System.Text.Json.Serialization;

namespace Persistence.Infra.Doctor;

[JsonConverter(typeof(JsonStringEnumConverter<Severity>))]
public enum Severity { Ok, Info, Warning, Action }

/// <summary>One thing doctor found; <see cref="Fix"/> says what to do when it needs action.</summary>
public sealed record Finding(Severity Severity, string Subject, string Message, string? Fix = null);

/// <summary>A pod and what its containers went through (restarts, last termination, waiting reason).</summary>
public sealed record PodReport(string Name, string Phase, string State, int Restarts, string? LastTermination, IReadOnlyList<string> Details);

/// <summary>Consumer-group lag (Kafka) or undelivered messages (Pub/Sub), sampled twice to tell growing from draining.</summary>
/// <param name="Trend">growing, shrinking, steady, or null when one sample only.</param>
public sealed record QueueReport(string Source, string Status, long? First, long? Second, string? Trend, IReadOnlyDictionary<string, long>? ByPartition);

public sealed record WriterReport(
    int Index,
    string Name,
    string Type,
    bool Deployed,
    string Replicas,
    bool? ScaledObject,
    string? MemoryLimit,
    IReadOnlyList<PodReport> Pods,
    QueueReport? Queue,
    IReadOnlyList<Finding> Findings);

public sealed record StoreReport(string Store, string Endpoint, bool Reachable, string Detail);

public sealed record DlqReport(string Queue, string Status, long? Depth, IReadOnlyDictionary<string, int> TopErrorClasses, IReadOnlyDictionary<string, int> ByWriter);

/// <summary>A symptom of the debugging guide, and what doctor found that explains it.</summary>
public sealed record SymptomReport(string Symptom, string Evidence, string Fix);

public sealed record DoctorReport(
    string Stack,
    string Namespace,
    string Bus,
    bool NamespaceExists,
    IReadOnlyList<WriterReport> Writers,
    IReadOnlyList<StoreReport> Stores,
    DlqReport? Dlq,
    IReadOnlyList<Finding> Findings,
    IReadOnlyList<SymptomReport> Symptoms)
{
    /// <summary>Something needs someone to act: the exit code is non-zero.</summary>
    public bool NeedsAction => Findings.Any(f => f.Severity == Severity.Action) || Writers.Any(w => w.Findings.Any(f => f.Severity == Severity.Action));
}
