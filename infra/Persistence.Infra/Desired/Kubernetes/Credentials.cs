using Persistence.Contracts;
using Persistence.Infra.Config;

namespace Persistence.Infra.Desired.Kubernetes;

/// <summary>
/// Which credentials the stack carries into the cluster and which writer mounts which. One Secret holds them all;
/// each writer mounts only the keys it needs, read-only, as files (the writer reads files, never env values).
/// </summary>
public sealed class Credentials
{
    public const string SecretName = "persistence-writer-credentials";

    // Keys of the Kubernetes Secret.
    public const string KafkaUsernameKey = "username";
    public const string KafkaPasswordKey = "password";
    public const string KafkaSaslFileKey = "sasl.json";
    public const string PostgresPasswordKey = "postgres-password";
    public const string RedisPasswordKey = "redis-password";

    // Where they are mounted (directories) and the files the writer is pointed at.
    public const string KafkaMountPath = "/var/run/secrets/persistence/kafka";
    public const string PostgresMountPath = "/var/run/secrets/persistence/postgres";
    public static string KafkaSaslFile => $"{KafkaMountPath}/{KafkaSaslFileKey}";
    public static string PostgresPasswordFile => $"{PostgresMountPath}/password";

    /// <summary>Environment variable carrying the Redis password only so the connection string can refer to it as $(...).</summary>
    public const string RedisPasswordVariable = "REDIS_PASSWORD";

    public Credentials(StackConfig config)
    {
        var kafka = config.Bus.Kafka;
        KafkaSasl = config.Bus.Backend == BusBackend.Kafka && kafka is not null && kafka.SaslMechanism is not null
                    && kafka.SecurityProtocol.StartsWith("SASL_", StringComparison.OrdinalIgnoreCase);
        ExistingSaslSecret = KafkaSasl && kafka!.UseExistingSaslSecret ? kafka.SaslSecret : null;
        Postgres = config.Stores.Postgres is not null;
        // Redis AUTH is optional (ElastiCache without AUTH); only a set secret adds it, else $(REDIS_PASSWORD) would stay literal.
        Redis = config.Stores.Redis is not null && config.SecretKeysSet.Contains(StackConfigKeys.RedisPassword);
    }

    public bool KafkaSasl { get; }

    /// <summary>The existing MSK secret the SASL pair is read from (bus.kafka.useExistingSaslSecret), else null: the stack creates it.</summary>
    public string? ExistingSaslSecret { get; }
    public bool Postgres { get; }
    public bool Redis { get; }
    public bool Any => KafkaSasl || Postgres || Redis;

    /// <summary>The SASL pair: from secret config, or from the existing secret's {"username","password"} (MSK's format).</summary>
    public IReadOnlyList<SecretField> KafkaSaslFields =>
    [
        new(KafkaUsernameKey, StackConfigKeys.KafkaSaslUsername, ExistingSaslSecret is { } name ? new ExistingSecretValue(name, "username") : null),
        new(KafkaPasswordKey, StackConfigKeys.KafkaSaslPassword, ExistingSaslSecret is { } same ? new ExistingSecretValue(same, "password") : null),
    ];

    /// <summary>Store credentials (not the SASL pair): what the cloud credentials secret holds.</summary>
    public IReadOnlyList<SecretField> StoreFields =>
    [
        .. Postgres ? [new SecretField(PostgresPasswordKey, StackConfigKeys.PostgresPassword)] : Array.Empty<SecretField>(),
        .. Redis ? [new SecretField(RedisPasswordKey, StackConfigKeys.RedisPassword)] : Array.Empty<SecretField>(),
    ];

    public static bool UsesRedis(WriterType type) => type is WriterType.ONLINE_WRITER or WriterType.ONLINE_VECTOR_STORE_WRITER;

    /// <summary>Whether the writer talks to Redis in this stack: the online writer does not when stores.online.kind is dynamodb.</summary>
    public static bool UsesRedis(WriterType type, StackConfig config) =>
        UsesRedis(type) && !(type == WriterType.ONLINE_WRITER && config.Stores.Online.Kind == OnlineStoreKind.DynamoDb);

    /// <summary>Writers that touch offline tables or the metrics store (PostgreSQL when offlineStore is postgres).</summary>
    public static bool UsesOfflineStore(WriterType type) => type is WriterType.OFFLINE_WRITER
        or WriterType.OFFLINE_STORE_STREAMING_INSERT_WRITER or WriterType.OFFLINE_STORE_BULK_INSERT_WRITER or WriterType.METRICS_BUS_WRITER;

    /// <summary>The offline stages and the metrics store, and the query mirror for its outcome log (query_mirror).</summary>
    public bool MountsPostgres(WriterType type) => Postgres && (UsesOfflineStore(type) || type == WriterType.QUERY_MIRROR_CONSUMER);
    public bool UsesRedisPassword(WriterType type) => Redis && UsesRedis(type);
}
