using Persistence.Infra.Config;
using static Persistence.Infra.Validation.ConfigProblem;

namespace Persistence.Infra.Validation;

/// <summary>
/// Names the secret config `pulumi up` will need. A warning, not an error: stack files in git carry no
/// ciphertext until someone runs `pulumi config set --secret`, and preview/render never need the values.
/// </summary>
internal static class SecretRules
{
    public static IEnumerable<ConfigProblem> Check(StackConfig c)
    {
        var needed = new List<(string Key, string Why)>();
        if (c.Bus.Backend == BusBackend.Kafka && c.Bus.Kafka?.SaslMechanism is { } mechanism)
        {
            needed.Add((StackConfigKeys.KafkaSaslUsername, $"the {mechanism} credentials stored in {c.Bus.Kafka.SaslSecret}"));
            needed.Add((StackConfigKeys.KafkaSaslPassword, $"the {mechanism} credentials stored in {c.Bus.Kafka.SaslSecret}"));
        }
        if (c.Stores.Postgres is not null)
            needed.Add((StackConfigKeys.PostgresPassword, $"the password of {c.Stores.Postgres.Username}@{c.Stores.Postgres.Host}"));

        foreach (var (key, why) in needed.Where(n => !c.SecretKeysSet.Contains(n.Key)))
        {
            var path = StackConfigKeys.Qualified(key);
            yield return Warning(path, $"secret not set; pulumi up needs it for {why}",
                $"pulumi config set --secret {path} <value> (the value is stored encrypted and never printed)");
        }
    }
}
