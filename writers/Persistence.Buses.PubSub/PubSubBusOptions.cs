using Persistence.Contracts;

namespace Persistence.Buses.PubSub;

/// <summary>Bound from Bus:PubSub. On GKE the identity comes from Workload Identity; the emulator needs none.</summary>
public sealed class PubSubBusOptions
{
    public string ProjectId { get; set; } = "";
    /// <summary>host:port of the Pub/Sub emulator; PUBSUB_EMULATOR_HOST is used when this is empty.</summary>
    public string EmulatorHost { get; set; } = "";
    public string Endpoint { get; set; } = "https://pubsub.googleapis.com";
    public int MaxOutstandingMessages { get; set; } = 1000;
    public long MaxOutstandingBytes { get; set; } = 100L << 20;
    /// <summary>The subscription's ack deadline (the stack sets it on the subscription); used when this bus creates one (emulator, `local`).</summary>
    public int AckDeadlineSeconds { get; set; } = 60;

    /// <summary>
    /// How long one lease on a received message lasts before the writer must extend it (it does, every third of
    /// it, while the message is in flight). Short on purpose: what a crashed writer held comes back this soon,
    /// instead of after the subscription's ack deadline. Pub/Sub's minimum is 10 s.
    /// </summary>
    public int LeaseSeconds { get; set; } = 10;

    public string? Emulator => !string.IsNullOrWhiteSpace(EmulatorHost) ? EmulatorHost : Environment.GetEnvironmentVariable("PUBSUB_EMULATOR_HOST");

    public IEnumerable<string> Problems()
    {
        if (string.IsNullOrWhiteSpace(ProjectId))
            yield return $"{SettingNames.Bus.PubSubProjectId} is required: the GCP project that owns the topics and subscriptions";
        if (AckDeadlineSeconds is < 10 or > 600)
            yield return $"Bus:PubSub:AckDeadlineSeconds must be between 10 and 600 (got {AckDeadlineSeconds})";
        if (LeaseSeconds is < 10 or > 600)
            yield return $"Bus:PubSub:LeaseSeconds must be between 10 and 600 (got {LeaseSeconds}): how long a received message stays leased between extensions";
    }

    public string TopicPath(string topic) => topic.StartsWith("projects/", StringComparison.Ordinal) ? topic : $"projects/{ProjectId}/topics/{topic}";
    public string SubscriptionPath(string subscription) => subscription.StartsWith("projects/", StringComparison.Ordinal) ? subscription : $"projects/{ProjectId}/subscriptions/{subscription}";
}
