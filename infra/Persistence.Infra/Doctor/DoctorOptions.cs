using Persistence.Buses.Kafka;
using Persistence.Buses.PubSub;

namespace Persistence.Infra.Doctor;

/// <summary>Where doctor looks besides the cluster: the bus and store endpoints (from the stack, overridable for a port-forward).</summary>
/// <param name="SampleInterval">Time between the two lag samples.</param>
/// <param name="Kafka">Null on a Pub/Sub stack, or when no cluster address is known.</param>
/// <param name="PubSub">Pub/Sub client settings (emulator or Google), for the DLQ.</param>
/// <param name="MonitoringEndpoint">Cloud Monitoring's API root; its token comes from the GKE metadata server.</param>
/// <param name="Redis">host:port to PING, or null to skip.</param>
/// <param name="Postgres">Npgsql connection string for SELECT 1, or null to skip.</param>
/// <param name="DlqSample">Dead letters read at most to rank error classes.</param>
public sealed record DoctorOptions(
    TimeSpan SampleInterval,
    KafkaBusOptions? Kafka,
    PubSubBusOptions? PubSub,
    string MonitoringEndpoint,
    string? Redis,
    bool RedisTls,
    string? Postgres,
    int DlqSample = 1000,
    TimeSpan? ContainerCreatingTooLong = null)
{
    public TimeSpan CreatingLimit => ContainerCreatingTooLong ?? TimeSpan.FromMinutes(3);
}
