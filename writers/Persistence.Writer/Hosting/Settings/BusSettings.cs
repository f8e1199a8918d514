using Microsoft.Extensions.Configuration;
using Persistence.Buses.Kafka;
using Persistence.Buses.PubSub;
using Persistence.Contracts;

namespace Persistence.Writer.Hosting.Settings;

public enum BusBackend { Kafka, PubSub }

/// <summary>The Bus section: which backend, its settings, and the dead-letter topic.</summary>
public sealed class BusSettings
{
    public BusBackend? Backend { get; private set; }
    public string DeadLetterTopic { get; private set; } = "";
    /// <summary>Kafka consumer group (default: the writer's name).</summary>
    public string? ConsumerGroup { get; private set; }
    public KafkaBusOptions Kafka { get; private set; } = new();
    public PubSubBusOptions PubSub { get; private set; } = new();

    /// <summary>The bus is handed in by the caller (`local`), so no backend is needed and the host does not own it.</summary>
    internal bool Shared { get; set; }

    internal List<string> BindingProblems { get; } = [];

    internal static void Bind(IConfiguration configuration, BusSettings settings)
    {
        settings.DeadLetterTopic = configuration[SettingNames.Bus.DeadLetterTopic] ?? "";
        settings.ConsumerGroup = configuration[SettingNames.Bus.KafkaConsumerGroup];
        var backend = configuration[SettingNames.Bus.Backend];
        switch (backend?.ToUpperInvariant())
        {
            case null or "":
                if (!settings.Shared) settings.BindingProblems.Add($"{SettingNames.Bus.Backend} is required: Kafka (AWS/MSK) or PubSub (GCP)");
                break;
            case "KAFKA":
                settings.Backend = BusBackend.Kafka;
                settings.Kafka = SectionBinding.Bind<KafkaBusOptions>(configuration, "Bus:Kafka", settings.BindingProblems);
                break;
            case "PUBSUB":
                settings.Backend = BusBackend.PubSub;
                settings.PubSub = SectionBinding.Bind<PubSubBusOptions>(configuration, "Bus:PubSub", settings.BindingProblems);
                break;
            default:
                settings.BindingProblems.Add($"{SettingNames.Bus.Backend} '{backend}' is not a bus backend; valid: Kafka (AWS/MSK), PubSub (GCP); the in-process bus is for `local` only");
                break;
        }
    }

    internal IEnumerable<string> Problems()
    {
        foreach (var p in BindingProblems) yield return p;
        if (string.IsNullOrWhiteSpace(DeadLetterTopic))
            yield return $"{SettingNames.Bus.DeadLetterTopic} is required: messages that can never be written go there instead of blocking the writer";
        // Backend settings that bound are checked only when they bound: a conversion error is already listed.
        if (BindingProblems.Count > 0) yield break;
        var backendProblems = Backend switch
        {
            BusBackend.Kafka => Kafka.Problems(),
            BusBackend.PubSub => PubSub.Problems(),
            _ => [],
        };
        foreach (var p in backendProblems) yield return p;
    }
}
