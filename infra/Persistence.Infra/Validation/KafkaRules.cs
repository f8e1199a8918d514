using Persistence.Infra.Config;
using static Persistence.Infra.Validation.ConfigProblem;

namespace Persistence.Infra.Validation;

/// <summary>Kafka / Amazon MSK settings: addresses, protocol and SASL/SCRAM with its secret and KMS key.</summary>
internal static class KafkaRules
{
    private static readonly string[] Protocols = ["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"];
    private static readonly string[] Mechanisms = ["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"];

    public static IEnumerable<ConfigProblem> Check(StackConfig c)
    {
        if (c.Bus.Backend != BusBackend.Kafka)
        {
            if (c.Bus.Kafka is not null)
                yield return Warning(Paths.Kafka, "ignored: bus backend is PUBSUB", $"remove it: pulumi config rm --path '{Paths.Kafka}'");
            yield break;
        }
        if (c.Bus.Kafka is not { } kafka)
        {
            yield return Error(Paths.Kafka, "bus backend KAFKA needs the Kafka settings",
                $"set {Paths.Kafka}.bootstrapServers (and securityProtocol, saslMechanism, saslSecret for MSK)");
            yield break;
        }

        if (kafka.BootstrapServers.Count == 0)
            yield return Error($"{Paths.Kafka}.bootstrapServers", "no bootstrap servers", "list the brokers as host:port, e.g. b-1.cluster.kafka.us-east-1.amazonaws.com:9096");
        foreach (var (server, i) in kafka.BootstrapServers.Select((s, i) => (s, i)).Where(s => !Names.IsHostPort(s.s)))
            yield return Error($"{Paths.Kafka}.bootstrapServers[{i}]", $"\"{server}\" is not host:port", "write one broker per list item, e.g. b-1.cluster.kafka.us-east-1.amazonaws.com:9096");

        if (!Protocols.Contains(kafka.SecurityProtocol))
            yield return Error($"{Paths.Kafka}.securityProtocol", $"unknown security protocol \"{kafka.SecurityProtocol}\"; valid: {string.Join(", ", Protocols)}", "MSK with SCRAM uses SASL_SSL");

        var sasl = kafka.SecurityProtocol.StartsWith("SASL_", StringComparison.Ordinal);
        var mechanism = kafka.SaslMechanism;
        if (mechanism is not null && !Mechanisms.Contains(mechanism))
            yield return Error($"{Paths.Kafka}.saslMechanism", $"unknown SASL mechanism \"{mechanism}\"; valid: {string.Join(", ", Mechanisms)}", "MSK supports SCRAM-SHA-512");
        if (sasl && mechanism is null)
            yield return Error($"{Paths.Kafka}.saslMechanism", $"security protocol {kafka.SecurityProtocol} needs a SASL mechanism", "set it to SCRAM-SHA-512 for MSK");
        if (!sasl && mechanism is not null)
            yield return Error($"{Paths.Kafka}.securityProtocol", $"SASL mechanism {mechanism} is set, but {kafka.SecurityProtocol} does not use SASL", "use SASL_SSL");

        var scram = mechanism?.StartsWith("SCRAM-", StringComparison.Ordinal) == true;
        if (scram && kafka.SecurityProtocol != "SASL_SSL")
            yield return Error($"{Paths.Kafka}.securityProtocol", $"Amazon MSK accepts SASL/SCRAM only over TLS, not {kafka.SecurityProtocol}", "use SASL_SSL (brokers on port 9096)");

        if (mechanism is not null && string.IsNullOrWhiteSpace(kafka.SaslSecret))
            yield return Error($"{Paths.Kafka}.saslSecret", $"SASL {mechanism} needs the Secrets Manager secret holding the credentials",
                $"pulumi config set --path '{Paths.Kafka}.saslSecret' AmazonMSK_<name>");
        if (scram && kafka.SaslSecret is { Length: > 0 } secret && !secret.StartsWith("AmazonMSK_", StringComparison.Ordinal))
            yield return Error($"{Paths.Kafka}.saslSecret", $"MSK only associates SCRAM secrets whose name starts with AmazonMSK_, not \"{secret}\"",
                $"rename it to AmazonMSK_{secret}");
        if (kafka.UseExistingSaslSecret)
        {
            if (mechanism is null)
                yield return Warning($"{Paths.Kafka}.useExistingSaslSecret", $"ignored: {kafka.SecurityProtocol} uses no SASL secret", $"remove it: pulumi config rm --path '{Paths.Kafka}.useExistingSaslSecret'");
            if (kafka.ClusterArn is not null)
                yield return Warning($"{Paths.Kafka}.clusterArn", $"ignored: the stack associates only a SASL secret it creates, and {kafka.SaslSecret} already exists",
                    $"associate it once yourself (aws kafka batch-associate-scram-secret --cluster-arn {kafka.ClusterArn} --secret-arn-list <its ARN>), then pulumi config rm --path '{Paths.Kafka}.clusterArn'");
            foreach (var key in new[] { StackConfigKeys.KafkaSaslUsername, StackConfigKeys.KafkaSaslPassword }.Where(c.SecretKeysSet.Contains))
                yield return Warning(StackConfigKeys.Qualified(key), $"ignored: the SASL credentials are read from the existing secret {kafka.SaslSecret}",
                    $"pulumi config rm {StackConfigKeys.Qualified(key)}");
        }
        // The key encrypts the SCRAM secret the stack creates; an existing secret already has its own.
        if (scram && c.Cloud == CloudProvider.Aws && !kafka.UseExistingSaslSecret)
        {
            var key = c.Secrets.KmsKeyId;
            if (string.IsNullOrWhiteSpace(key))
                yield return Error($"{Paths.Secrets}.kmsKeyId", "an MSK SCRAM secret must be encrypted with a customer-managed KMS key",
                    $"pulumi config set --path '{Paths.Secrets}.kmsKeyId' alias/<your key>");
            else if (key == "alias/aws/secretsmanager")
                yield return Error($"{Paths.Secrets}.kmsKeyId", "MSK cannot use secrets encrypted with the default aws/secretsmanager key",
                    "create a customer-managed key and name it here");
        }

        if (kafka.Partitions < 1)
            yield return Error($"{Paths.Kafka}.partitions", $"must be at least 1, got {kafka.Partitions}", "6 is a good start; a writer never scales past it");
        if (kafka.ReplicationFactor < 1)
            yield return Error($"{Paths.Kafka}.replicationFactor", $"must be at least 1, got {kafka.ReplicationFactor}", "MSK with three brokers: 3");
        if (kafka.RetentionHours < 1)
            yield return Error($"{Paths.Kafka}.retentionHours", $"must be at least 1, got {kafka.RetentionHours}", "168 keeps a week to recover from an outage");
    }
}
