using Persistence.Contracts;

namespace Persistence.Infra.Config;

/// <summary>One writer Deployment.</summary>
public sealed record WriterConfig
{
    /// <summary>Deployment name: a DNS-1123 label, unique in the stack.</summary>
    public required string Name { get; init; }

    public required WriterType Type { get; init; }
    public required ResourceSpec Request { get; init; }
    public required ResourceSpec Limit { get; init; }

    /// <summary>Image tag pin for this writer; null means the content-hash tag.</summary>
    public string? Version { get; init; }

    /// <summary>
    /// Replicas when not autoscaled (default 1). With <see cref="Scaling"/> KEDA owns the count, so this is ignored
    /// (validate warns and names scaling.minReplicas, the floor that does work).
    /// </summary>
    public int? Replicas { get; init; }

    /// <summary>The fixed count of a writer without <see cref="Scaling"/>.</summary>
    public int FixedReplicas => Replicas ?? 1;

    /// <summary>KEDA autoscaling; null means a fixed <see cref="Replicas"/>.</summary>
    public ScalingConfig? Scaling { get; init; }

    /// <summary>
    /// OFFLINE_STORE_BULK_INSERT_WRITER only: local disk for spooling the object being loaded (an emptyDir and an
    /// ephemeral-storage request of this size), so it must hold the largest parquet file. Default <see cref="DefaultSpoolSize"/>.
    /// </summary>
    public string? SpoolSize { get; init; }

    public const string DefaultSpoolSize = "10Gi";
}

/// <summary>Kubernetes quantities as written ("500m", "1", "512Mi", "2Gi"); validation parses them.</summary>
public sealed record ResourceSpec
{
    public required string Cpu { get; init; }
    public required string Memory { get; init; }
}

public sealed record ScalingConfig
{
    public int MinReplicas { get; init; } = 1;
    public int MaxReplicas { get; init; } = 10;

    /// <summary>Kafka: consumer-group lag per replica that triggers a scale-up.</summary>
    public int? LagThreshold { get; init; }

    /// <summary>Pub/Sub: undelivered messages per replica that triggers a scale-up.</summary>
    public int? UndeliveredThreshold { get; init; }

    public int PollingIntervalSeconds { get; init; } = 30;
    public int CooldownSeconds { get; init; } = 300;

    public const int DefaultThreshold = 1000;

    /// <summary>The threshold for the bus in use, or <see cref="DefaultThreshold"/>.</summary>
    public int Threshold(BusBackend backend) =>
        (backend == BusBackend.Kafka ? LagThreshold : UndeliveredThreshold) ?? DefaultThreshold;
}
