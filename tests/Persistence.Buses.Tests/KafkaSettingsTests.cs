using Persistence.Buses.Kafka;

namespace Persistence.Buses.Tests;

/// <summary>Kafka settings errors name the key and the fix, and never echo the secret.</summary>
public sealed class KafkaSettingsTests
{
    [Fact]
    public void Sasl_without_a_secret_or_with_an_unknown_mechanism_is_refused()
    {
        var problems = new KafkaBusOptions { BootstrapServers = "b:9096", SecurityProtocol = "SASL_SSL", SaslMechanism = "SCRAM-SHA-1024" }.Problems().ToList();
        Assert.Contains(problems, p => p.StartsWith("Bus:Kafka:SaslMechanism 'SCRAM-SHA-1024' is not one of SCRAM-SHA-512"));
        Assert.Contains(problems, p => p.StartsWith("Bus:Kafka:SaslSecretPath is required with SASL_SSL"));
        Assert.Contains(new KafkaBusOptions().Problems(), p => p.StartsWith("Bus:Kafka:BootstrapServers is required"));
    }

    [Fact]
    public void A_mounted_scram_secret_is_read_and_a_malformed_one_is_refused_without_echoing_it()
    {
        var path = Path.GetTempFileName();
        File.WriteAllText(path, """{"username": "writer", "password": "s3cr3t-value"}""");
        var config = new KafkaBusOptions { BootstrapServers = "b:9096", SecurityProtocol = "SASL_SSL", SaslMechanism = "SCRAM-SHA-512", SaslSecretPath = path }.ClientConfig();
        Assert.Equal(("writer", "s3cr3t-value", Confluent.Kafka.SaslMechanism.ScramSha512, Confluent.Kafka.SecurityProtocol.SaslSsl),
            (config.SaslUsername, config.SaslPassword, config.SaslMechanism!.Value, config.SecurityProtocol!.Value));

        File.WriteAllText(path, "password=s3cr3t-value");
        var error = Assert.Throws<InvalidOperationException>(() => new KafkaBusOptions { BootstrapServers = "b:9096", SecurityProtocol = "SASL_SSL", SaslMechanism = "SCRAM-SHA-512", SaslSecretPath = path }.ClientConfig());
        Assert.Contains("must hold JSON", error.Message);
        Assert.DoesNotContain("s3cr3t", error.Message);
    }

    [Fact]
    public void Credentials_can_come_from_the_environment_instead_of_a_file()
    {
        var config = new KafkaBusOptions { BootstrapServers = "b:9096", SecurityProtocol = "SASL_SSL", SaslMechanism = "SCRAM-SHA-256", SaslUsername = "writer", SaslPassword = "from-env" }.ClientConfig();
        Assert.Equal(("writer", "from-env", Confluent.Kafka.SaslMechanism.ScramSha256), (config.SaslUsername, config.SaslPassword, config.SaslMechanism!.Value));
        var half = new KafkaBusOptions { BootstrapServers = "b:9096", SecurityProtocol = "SASL_SSL", SaslMechanism = "SCRAM-SHA-512", SaslUsername = "writer" }.Problems();
        Assert.Contains(half, p => p.Contains("Bus:Kafka:SaslPassword") && !p.Contains("writer"));
    }
}
