using Persistence.Infra.Config;

namespace Persistence.Infra.Validation;

/// <summary>One secret config key the stack's resources are filled from, and why.</summary>
public sealed record RequiredSecret(string Key, string Why, bool IsSet)
{
    public string Path => StackConfigKeys.Qualified(Key);

    /// <summary>The exact command; with the stack name when it is known.</summary>
    public string SetCommand(string? stack) =>
        $"pulumi config set --secret {Path} <value>{(stack is null ? "" : $" -s {stack}")}";
}

/// <summary>
/// The secret config `pulumi up` fills resources from. `validate` and `pulumi preview` agree on it: a missing one is a
/// warning for both (a preview fills it with a masked placeholder), and only `pulumi up` refuses to run without it.
/// </summary>
public static class RequiredSecrets
{
    public static IReadOnlyList<RequiredSecret> For(StackConfig c)
    {
        var needed = new List<(string Key, string Why)>();
        if (c.Bus.Backend == BusBackend.Kafka && c.Bus.Kafka is { SaslMechanism: { } mechanism } kafka
            && kafka.SecurityProtocol.StartsWith("SASL_", StringComparison.OrdinalIgnoreCase) && !kafka.UseExistingSaslSecret)
        {
            needed.Add((StackConfigKeys.KafkaSaslUsername, $"the {mechanism} credentials stored in {kafka.SaslSecret}"));
            needed.Add((StackConfigKeys.KafkaSaslPassword, $"the {mechanism} credentials stored in {kafka.SaslSecret}"));
        }
        if (c.Stores.Postgres is { } pg)
            needed.Add((StackConfigKeys.PostgresPassword, $"the password of {pg.Username}@{pg.Host}"));
        return [.. needed.Select(n => new RequiredSecret(n.Key, n.Why, c.SecretKeysSet.Contains(n.Key)))];
    }

    public static IReadOnlyList<RequiredSecret> Missing(StackConfig c) => [.. For(c).Where(s => !s.IsSet)];

    /// <summary>The errors that stop `pulumi up` (never a preview): one per missing secret, with the command.</summary>
    public static IReadOnlyList<ConfigProblem> ForUp(StackConfig c, string? stack) =>
        [.. Missing(c).Select(s => ConfigProblem.Error(s.Path, $"secret not set; pulumi up fills {s.Why} from it", s.SetCommand(stack)))];
}
