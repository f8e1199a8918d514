using System.Text.Json;
using Confluent.Kafka;
using Persistence.Contracts;

namespace Persistence.Buses.Kafka;

/// <summary>Bound from Bus:Kafka. Credentials come from a mounted secret file and are never logged.</summary>
public sealed class KafkaBusOptions
{
    public string BootstrapServers { get; set; } = "";
    /// <summary>PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL (MSK with SCRAM: SASL_SSL).</summary>
    public string SecurityProtocol { get; set; } = "PLAINTEXT";
    /// <summary>SCRAM-SHA-512, SCRAM-SHA-256 or PLAIN.</summary>
    public string SaslMechanism { get; set; } = "";
    /// <summary>File with {"username": ..., "password": ...}: the AWS Secrets Manager MSK secret, mounted.</summary>
    public string SaslSecretPath { get; set; } = "";
    /// <summary>Alternative to the file: username and password from the environment (e.g. a secretKeyRef).</summary>
    public string SaslUsername { get; set; } = "";
    public string SaslPassword { get; set; } = "";
    /// <summary>How long a consumer may go without reaching the cluster before receiving fails with the reason.</summary>
    public int UnreachableTimeoutSeconds { get; set; } = 30;
    /// <summary>How long the group waits for a silent member (a killed pod) before its partitions move on.</summary>
    public int SessionTimeoutMs { get; set; } = 45_000;
    /// <summary>Messages handed out but not yet taken by the writer before partitions are paused.</summary>
    public int PrefetchMessages { get; set; } = 1000;

    public IEnumerable<string> Problems()
    {
        if (string.IsNullOrWhiteSpace(BootstrapServers))
            yield return $"{SettingNames.Bus.KafkaBootstrapServers} is required: comma-separated host:port of the brokers (MSK SASL/SCRAM listens on 9096)";
        if (!TryProtocol(out var protocol))
            yield return $"{SettingNames.Bus.KafkaSecurityProtocol} '{SecurityProtocol}' is not one of PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL";
        else if (protocol is Confluent.Kafka.SecurityProtocol.SaslSsl or Confluent.Kafka.SecurityProtocol.SaslPlaintext)
        {
            if (!TryMechanism(out _))
                yield return $"{SettingNames.Bus.KafkaSaslMechanism} '{SaslMechanism}' is not one of SCRAM-SHA-512, SCRAM-SHA-256, PLAIN";
            if (string.IsNullOrWhiteSpace(SaslSecretPath) && !CredentialsFromEnvironment)
                yield return $"{SettingNames.Bus.KafkaSaslSecretPath} is required with {SecurityProtocol}: mount the SASL secret and name the file " +
                             $"(or set {SettingNames.Bus.KafkaSaslUsername} and {SettingNames.Bus.KafkaSaslPassword} from a secret)";
        }
    }

    /// <summary>Client settings shared by consumers, producers and the admin client.</summary>
    public ClientConfig ClientConfig()
    {
        var problems = Problems().ToList();
        if (problems.Count > 0) throw new InvalidOperationException(string.Join("; ", problems));
        TryProtocol(out var protocol);
        var config = new ClientConfig { BootstrapServers = BootstrapServers, SecurityProtocol = protocol };
        if (protocol is Confluent.Kafka.SecurityProtocol.SaslSsl or Confluent.Kafka.SecurityProtocol.SaslPlaintext)
        {
            TryMechanism(out var mechanism);
            var (user, password) = string.IsNullOrWhiteSpace(SaslSecretPath) ? (SaslUsername, SaslPassword) : ReadSecret(SaslSecretPath);
            config.SaslMechanism = mechanism;
            config.SaslUsername = user;
            config.SaslPassword = password;
        }
        return config;
    }

    public string SaslUser => !string.IsNullOrWhiteSpace(SaslSecretPath) && File.Exists(SaslSecretPath) ? ReadSecret(SaslSecretPath).User : SaslUsername;

    private bool CredentialsFromEnvironment => !string.IsNullOrEmpty(SaslUsername) && !string.IsNullOrEmpty(SaslPassword);

    private static (string User, string Password) ReadSecret(string path)
    {
        if (!File.Exists(path))
            throw new InvalidOperationException($"{SettingNames.Bus.KafkaSaslSecretPath} names {path}, which does not exist; mount the Kafka secret there");
        try
        {
            using var json = JsonDocument.Parse(File.ReadAllText(path));
            var user = json.RootElement.GetProperty("username").GetString();
            var password = json.RootElement.GetProperty("password").GetString();
            if (string.IsNullOrEmpty(user) || string.IsNullOrEmpty(password)) throw new KeyNotFoundException();
            return (user, password);
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            // Never echo the file: it holds the password.
            throw new InvalidOperationException($"{path} must hold JSON {{\"username\": \"...\", \"password\": \"...\"}} (the MSK SCRAM secret format)");
        }
    }

    private bool TryProtocol(out SecurityProtocol protocol) =>
        Enum.TryParse(SecurityProtocol.Replace("_", "", StringComparison.Ordinal), ignoreCase: true, out protocol);

    private bool TryMechanism(out SaslMechanism mechanism) =>
        Enum.TryParse(SaslMechanism.Replace("-", "", StringComparison.Ordinal), ignoreCase: true, out mechanism);
}
