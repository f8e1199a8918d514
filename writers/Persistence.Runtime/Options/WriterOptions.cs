using Persistence.Contracts;

namespace Persistence.Runtime.Options;

/// <summary>Settings of one writer, bound from the "Writer" section (see <see cref="SettingNames.Writer"/>).</summary>
public sealed record WriterOptions
{
    public WriterType? Type { get; set; }
    /// <summary>Deployment name; recorded in dead-letter context and metrics.</summary>
    public string Name { get; set; } = "";
    /// <summary>Pub/Sub subscription id, or the Kafka topic this writer consumes.</summary>
    public string Subscription { get; set; } = "";
    /// <summary>Topic the writer republishes to (OFFLINE_WRITER, METRICS_WRITER).</summary>
    public string OutputTopic { get; set; } = "";

    public int MaxBatchMessages { get; set; } = 500;
    public long MaxBatchBytes { get; set; } = 8 << 20;
    /// <summary>
    /// How long a partial batch may wait for messages that are still being handed over. A partial batch is written
    /// at once when nothing more is ready (the source has nothing waiting, or the budget is full).
    /// </summary>
    public int BatchLingerMilliseconds { get; set; } = 50;
    /// <summary>Batches written at once. Acknowledgement stays per message, so order of completion does not matter.</summary>
    public int Concurrency { get; set; } = 2;

    /// <summary>Explicit in-flight byte budget. 0: derive it from the memory limit.</summary>
    public long MemoryBudgetBytes { get; set; }
    /// <summary>The container's memory limit (downward API). 0: read the cgroup limit, if any.</summary>
    public long MemoryLimitBytes { get; set; }
    /// <summary>
    /// Share of the memory limit that in-flight payloads may take; decoded objects and store buffers need the rest.
    /// Unset: derived from the writer type's measured decode amplification (see <see cref="MemoryBudget"/>).
    /// </summary>
    public double? MemoryBudgetFraction { get; set; }

    /// <summary>On SIGTERM, how long in-flight batches may take to finish before they are handed back unacknowledged.</summary>
    public int DrainTimeoutSeconds { get; set; } = 25;
    public int RetryInitialMilliseconds { get; set; } = 200;
    public int RetryMaxMilliseconds { get; set; } = 30_000;
    /// <summary>
    /// Attempts a batch gets for an error no store classified (a bug) before it is split to isolate the message that
    /// fails; a message that still fails alone is dead-lettered with the exception type. Transient errors are not bounded.
    /// </summary>
    public int MaxAttemptsBeforeIsolation { get; set; } = 5;

    public IEnumerable<string> Problems()
    {
        if (Type is null) yield return $"{SettingNames.Writer.Type} is required; valid types: {string.Join(", ", Enum.GetNames<WriterType>())}";
        if (MaxBatchMessages < 1) yield return $"{SettingNames.Writer.MaxBatchMessages} must be at least 1 (got {MaxBatchMessages})";
        if (MaxBatchBytes < 1) yield return $"{SettingNames.Writer.MaxBatchBytes} must be at least 1 (got {MaxBatchBytes})";
        if (Concurrency < 1) yield return $"Writer:Concurrency must be at least 1 (got {Concurrency})";
        if (MemoryBudgetFraction is { } fraction && fraction is <= 0 or > 1) yield return $"Writer:MemoryBudgetFraction must be in (0, 1] (got {MemoryBudgetFraction})";
        // Polly's retry accepts delays up to one day.
        if (RetryInitialMilliseconds is < 0 or > 86_400_000) yield return $"Writer:RetryInitialMilliseconds must be between 0 and 86400000 (got {RetryInitialMilliseconds})";
        if (RetryMaxMilliseconds is < 0 or > 86_400_000) yield return $"Writer:RetryMaxMilliseconds must be between 0 and 86400000 (got {RetryMaxMilliseconds})";
        if (MaxAttemptsBeforeIsolation < 1) yield return $"{SettingNames.Writer.MaxAttemptsBeforeIsolation} must be at least 1 (got {MaxAttemptsBeforeIsolation})";
        if (DrainTimeoutSeconds < 0) yield return $"{SettingNames.Writer.DrainTimeoutSeconds} must not be negative";
    }
}
