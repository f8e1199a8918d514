using System.Globalization;
using k8s.Models;
using Persistence.Infra.Config;
using Persistence.Infra.Desired.Kubernetes;

namespace Persistence.Infra.Desired.Keda;

/// <summary>
/// A ScaledObject per autoscaled writer and the TriggerAuthentication it uses. AWS: the kafka trigger on the
/// writer's consumer-group lag. GCP: the prometheus trigger on Cloud Monitoring's PromQL endpoint for the
/// subscription's undelivered messages (KEDA deprecated gcp-pubsub).
/// </summary>
public static class KedaScaling
{
    /// <summary>pubsub.googleapis.com/subscription/num_undelivered_messages in PromQL spelling (first "/" to ":", other "." and "/" to "_").</summary>
    public const string UndeliveredMessagesMetric = "pubsub_googleapis_com:subscription_num_undelivered_messages";

    public static string TriggerAuthenticationName(WriterConfig w) => $"{w.Name}-keda";

    public static string PrometheusServer(string project) =>
        $"https://monitoring.googleapis.com/v1/projects/{project}/location/global/prometheus";

    public static string UndeliveredQuery(string project, string subscription) =>
        $"sum({UndeliveredMessagesMetric}{{monitored_resource=\"pubsub_subscription\",project_id=\"{project}\",subscription_id=\"{subscription}\"}})";

    /// <summary>KEDA's spelling of the SASL mechanism: SCRAM-SHA-512 -> scram_sha512, PLAIN -> plaintext.</summary>
    public static string KedaSasl(string mechanism) => mechanism.ToUpperInvariant() switch
    {
        "SCRAM-SHA-512" => "scram_sha512",
        "SCRAM-SHA-256" => "scram_sha256",
        "PLAIN" => "plaintext",
        var other => throw new ArgumentOutOfRangeException(nameof(mechanism), other, "KEDA's kafka scaler knows SCRAM-SHA-512, SCRAM-SHA-256 and PLAIN"),
    };

    public static KedaTriggerAuthentication? TriggerAuthentication(WriterConfig w, StackConfig c, Credentials credentials)
    {
        if (w.Scaling is null) return null;
        var spec = c.Bus.Backend == BusBackend.Kafka
            ? credentials.KafkaSasl
                ? new TriggerAuthenticationSpec
                {
                    SecretTargetRef =
                    [
                        new() { Parameter = "username", Name = Credentials.SecretName, Key = Credentials.KafkaUsernameKey },
                        new() { Parameter = "password", Name = Credentials.SecretName, Key = Credentials.KafkaPasswordKey },
                    ],
                }
                : null
            : new TriggerAuthenticationSpec { PodIdentity = new PodIdentity { Provider = "gcp" } };
        if (spec is null) return null;
        return new KedaTriggerAuthentication
        {
            Metadata = Metadata(TriggerAuthenticationName(w), w, c),
            Spec = spec,
        };
    }

    public static KedaScaledObject? ScaledObject(WriterConfig w, StackConfig c, bool hasAuthentication)
    {
        if (w.Scaling is not { } scaling) return null;
        var trigger = c.Bus.Backend == BusBackend.Kafka ? KafkaTrigger(w, c, scaling) : PrometheusTrigger(w, c, scaling);
        if (hasAuthentication) trigger.AuthenticationRef = new AuthenticationRef { Name = TriggerAuthenticationName(w) };
        return new KedaScaledObject
        {
            Metadata = Metadata(w.Name, w, c),
            Spec = new ScaledObjectSpec
            {
                ScaleTargetRef = new ScaleTargetRef { ApiVersion = "apps/v1", Kind = "Deployment", Name = w.Name },
                MinReplicaCount = scaling.MinReplicas,
                MaxReplicaCount = scaling.MaxReplicas,
                PollingInterval = scaling.PollingIntervalSeconds,
                CooldownPeriod = scaling.CooldownSeconds,
                Triggers = [trigger],
            },
        };
    }

    private static ScaleTrigger KafkaTrigger(WriterConfig w, StackConfig c, ScalingConfig scaling)
    {
        var kafka = c.Bus.Kafka!;
        var metadata = new Dictionary<string, string>
        {
            ["bootstrapServers"] = string.Join(',', kafka.BootstrapServers),
            // The writer's consumer group is its name (Bus:Kafka:ConsumerGroup is not set).
            ["consumerGroup"] = w.Name,
            ["topic"] = c.Bus.ConsumedId(w.Type)!,
            ["lagThreshold"] = Text(scaling.Threshold(BusBackend.Kafka)),
            // The writer starts a new group at the earliest offset; KEDA must count lag the same way.
            ["offsetResetPolicy"] = "earliest",
        };
        if (kafka.SecurityProtocol.StartsWith("SASL_", StringComparison.OrdinalIgnoreCase) && kafka.SaslMechanism is { } mechanism)
            metadata["sasl"] = KedaSasl(mechanism);
        if (kafka.SecurityProtocol.Equals("SASL_SSL", StringComparison.OrdinalIgnoreCase) || kafka.SecurityProtocol.Equals("SSL", StringComparison.OrdinalIgnoreCase))
            metadata["tls"] = "enable";
        return new ScaleTrigger { Type = "kafka", Metadata = metadata };
    }

    private static ScaleTrigger PrometheusTrigger(WriterConfig w, StackConfig c, ScalingConfig scaling)
    {
        var project = c.Bus.PubSub!.ProjectId;
        return new ScaleTrigger
        {
            Type = "prometheus",
            Metadata = new Dictionary<string, string>
            {
                ["serverAddress"] = PrometheusServer(project),
                ["query"] = UndeliveredQuery(project, c.Bus.ConsumedId(w.Type)!),
                ["threshold"] = Text(scaling.Threshold(BusBackend.PubSub)),
                // Wake a scaled-to-zero writer on the first undelivered message.
                ["activationThreshold"] = "0",
                // Cloud Monitoring returns no series for an idle subscription; that is zero, not an error.
                ["ignoreNullValues"] = "true",
            },
        };
    }

    private static V1ObjectMeta Metadata(string name, WriterConfig w, StackConfig c) =>
        new() { Name = name, NamespaceProperty = c.Namespace, Labels = Labels.ForWriter(w.Name, w.Type) };

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);
}
