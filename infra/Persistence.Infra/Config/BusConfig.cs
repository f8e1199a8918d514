using System.Text.Json.Serialization;

namespace Persistence.Infra.Config;

public sealed record BusConfig
{
    public required BusBackend Backend { get; init; }

    /// <summary>Dead-letter topic every writer publishes unwritable messages to; required on Kafka.</summary>
    public string? DeadLetterTopic { get; init; }

    /// <summary>Required when backend is KAFKA.</summary>
    public KafkaConfig? Kafka { get; init; }

    /// <summary>Required when backend is PUBSUB.</summary>
    [JsonPropertyName("pubsub")]
    public PubSubConfig? PubSub { get; init; }

    public BusTopics Topics { get; init; } = new();

    /// <summary>Pub/Sub subscription ids. On Kafka a writer consumes the topic itself, so these may be left out
    /// (or must equal the topic).</summary>
    public BusSubscriptions Subscriptions { get; init; } = new();
}

public sealed record KafkaConfig
{
    public required IReadOnlyList<string> BootstrapServers { get; init; }

    /// <summary>PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL.</summary>
    public string SecurityProtocol { get; init; } = "SASL_SSL";

    /// <summary>PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 or none (null) when the protocol has no SASL.</summary>
    public string? SaslMechanism { get; init; } = "SCRAM-SHA-512";

    /// <summary>AWS Secrets Manager secret with {"username","password"} for SASL; for MSK SCRAM its name starts with AmazonMSK_.</summary>
    public string? SaslSecret { get; init; }

    /// <summary>
    /// True: <see cref="SaslSecret"/> already exists (the installation guide's kafka_sasl_secret names one) and the stack
    /// creates, changes and associates nothing; at `pulumi up` it reads the secret's {"username","password"} into the
    /// writers' Kubernetes Secret. False (default): the stack creates it from kafkaSaslUsername/kafkaSaslPassword.
    /// </summary>
    public bool UseExistingSaslSecret { get; init; }

    /// <summary>ARN of the MSK cluster; when set, the stack associates the SASL secret with it (SCRAM only).</summary>
    public string? ClusterArn { get; init; }

    /// <summary>Partitions of each topic the stack creates; KEDA never scales a writer past this.</summary>
    public int Partitions { get; init; } = 6;

    public int ReplicationFactor { get; init; } = 3;
    public int RetentionHours { get; init; } = 168;
}

public sealed record PubSubConfig
{
    /// <summary>Project of the topics and subscriptions.</summary>
    public required string ProjectId { get; init; }

    /// <summary>The project's number: the Pub/Sub service agent (service-&lt;number&gt;@gcp-sa-pubsub...) needs rights on the DLQ.</summary>
    public required string ProjectNumber { get; init; }

    /// <summary>
    /// Deliveries before Pub/Sub moves a message to the dead-letter topic (5-100). 10, not Pub/Sub's 5: every crash or
    /// restart of a writer costs what it held one attempt (the lease runs out), while messages a writer cannot write
    /// are dead-lettered by the writer itself, with their reason; the policy is the backstop for a message that kills
    /// the process.
    /// </summary>
    public int MaxDeliveryAttempts { get; init; } = 10;

    /// <summary>Ack deadline in seconds (10-600).</summary>
    public int AckDeadlineSeconds { get; init; } = 60;
}

/// <summary>Topic ids of the logical buses (see <see cref="BusBindings"/> for which writer needs which).</summary>
public sealed record BusTopics
{
    public string? ResultBus { get; init; }
    public string? StreamingInsert { get; init; }
    public string? BulkInsert { get; init; }
    public string? MetricsBus { get; init; }
    public string? OperationBus { get; init; }
    public string? VectorStoreBus { get; init; }
}

/// <summary>Subscription ids, one per consuming role (the result bus has three).</summary>
public sealed record BusSubscriptions
{
    public string? ResultBusOnline { get; init; }
    public string? ResultBusOffline { get; init; }
    public string? ResultBusMetrics { get; init; }
    public string? StreamingInsert { get; init; }
    public string? BulkInsert { get; init; }
    public string? MetricsBus { get; init; }
    public string? Operation { get; init; }
    public string? VectorStore { get; init; }
}
