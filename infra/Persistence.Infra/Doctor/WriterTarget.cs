using Persistence.Contracts;
using Persistence.Infra.Config;
using Persistence.Infra.Desired.Keda;

namespace Persistence.Infra.Doctor;

/// <summary>A writer the stack declares, with what doctor checks for it: its Deployment, scaler, queue and memory limit.</summary>
/// <param name="Index">Its position in persistence:writers, for the `pulumi config set --path` that changes it.</param>
/// <param name="Consumed">Kafka topic, or Pub/Sub subscription id, it reads.</param>
/// <param name="ConsumerGroup">Its Kafka consumer group (the writer's name), null on Pub/Sub.</param>
public sealed record WriterTarget(int Index, string Name, WriterType Type, string MemoryLimit, string MemoryRequest, string? ScaledObjectName, string? Consumed, string? ConsumerGroup)
{
    public string MemoryPath => $"persistence:writers[{Index}].limit.memory";
    public string MemoryRequestPath => $"persistence:writers[{Index}].request.memory";

    public static IReadOnlyList<WriterTarget> From(StackConfig config) =>
        config.Writers.Select((w, i) => new WriterTarget(i, w.Name, w.Type, w.Limit.Memory, w.Request.Memory,
            KedaScaling.ScaledObject(w, config, hasAuthentication: false)?.Metadata.Name,
            config.Bus.ConsumedId(w.Type),
            config.Bus.Backend == BusBackend.Kafka ? w.Name : null)).ToList();
}
