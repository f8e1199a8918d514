namespace Persistence.Infra.Config;

/// <summary>The keys allowed under the <c>persistence:</c> namespace.</summary>
public static class StackConfigKeys
{
    public const string Namespace = "persistence";

    public const string Cloud = "cloud";
    public const string KubernetesNamespace = "namespace";
    public const string ServiceAccount = "serviceAccount";
    public const string SecretsKey = "secrets";
    public const string Bus = "bus";
    public const string Stores = "stores";
    public const string Images = "images";
    public const string Writers = "writers";
    public const string Keda = "keda";

    /// <summary>Typed keys: their values build <see cref="StackConfig"/>.</summary>
    public static readonly IReadOnlyList<string> Typed =
        [Cloud, KubernetesNamespace, ServiceAccount, SecretsKey, Bus, Stores, Images, Writers, Keda];

    // Secret config: set with `pulumi config set --secret persistence:<key> <value>`, read by the host with RequireSecret.
    public const string KafkaSaslUsername = "kafkaSaslUsername";
    public const string KafkaSaslPassword = "kafkaSaslPassword";
    public const string PostgresPassword = "postgresPassword";
    public const string RedisPassword = "redisPassword";

    /// <summary>Secret keys: their values must be <c>{secure: ...}</c> leaves and are never read into typed config.</summary>
    public static readonly IReadOnlyList<string> Secrets =
        [KafkaSaslUsername, KafkaSaslPassword, PostgresPassword, RedisPassword];

    public static readonly IReadOnlyList<string> All = [.. Typed, .. Secrets];

    /// <summary>"persistence:writers"</summary>
    public static string Qualified(string key) => $"{Namespace}:{key}";
}
