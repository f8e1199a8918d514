using System.Globalization;
using k8s.Models;
using Persistence.Contracts;
using Persistence.Infra.Config;
using Persistence.Infra.Desired.Aws;
using static Persistence.Contracts.SettingNames;

namespace Persistence.Infra.Desired.Kubernetes;

/// <summary>
/// A writer container's environment, key by key from <see cref="SettingNames"/> (":" becomes "__"), so the names
/// are the ones the writer binds. Secret values never appear: files are mounted, and the only secretKeyRef is the
/// optional Redis password, referenced by name.
/// </summary>
public static class WriterEnvironment
{
    public const int HealthPortNumber = 8080;
    public const int DrainTimeout = 25;
    public const string DataPath = "/var/lib/persistence";

    /// <summary>Where the bulk insert writer spools the object it loads (its own emptyDir, sized by spoolSize).</summary>
    public const string SpoolPath = "/var/lib/persistence-spool";

    public static List<V1EnvVar> For(WriterConfig writer, StackConfig config, Credentials credentials)
    {
        var bus = config.Bus;
        var env = new List<V1EnvVar>();
        void Set(string key, string? value)
        {
            if (!string.IsNullOrWhiteSpace(value)) env.Add(Models.Env(ToEnvironmentVariable(key), value));
        }

        Set(SettingNames.Writer.Type, writer.Type.ToString());
        Set(SettingNames.Writer.Name, writer.Name);
        Set(SettingNames.Writer.Subscription, bus.ConsumedId(writer.Type));
        Set(SettingNames.Writer.OutputTopic, bus.PublishedTopic(writer.Type));
        // The runtime derives its in-flight byte budget from the limit; the downward API keeps them equal on every edit.
        env.Add(Models.Env(ToEnvironmentVariable(SettingNames.Writer.MemoryLimitBytes), new V1EnvVarSource
        {
            ResourceFieldRef = new V1ResourceFieldSelector { Resource = "limits.memory", ContainerName = WriterDeployments.ContainerName, Divisor = new ResourceQuantity("1") },
        }));
        // The GC's heap limit and conserve-memory mode, which the writer's budget is derived against (WriterGcSettings).
        foreach (var (name, value) in WriterGcSettings.Environment) env.Add(Models.Env(name, value));
        Set(SettingNames.Writer.DrainTimeoutSeconds, DrainTimeout.ToString(CultureInfo.InvariantCulture));
        Set(SettingNames.Writer.HealthPort, HealthPortNumber.ToString(CultureInfo.InvariantCulture));

        Set(Bus.Backend, bus.Backend == BusBackend.Kafka ? "Kafka" : "PubSub");
        Set(Bus.DeadLetterTopic, bus.DeadLetterTopic);
        if (bus.Backend == BusBackend.Kafka && bus.Kafka is { } kafka)
            env.AddRange(Kafka(kafka, credentials));
        if (bus.Backend == BusBackend.PubSub && bus.PubSub is { } pubsub)
        {
            Set(Bus.PubSubProjectId, pubsub.ProjectId);
            Set(Bus.PubSubAckDeadlineSeconds, pubsub.AckDeadlineSeconds.ToString(CultureInfo.InvariantCulture));
        }

        // No Stores__MetadataProvider or Stores__SnowflakeStorageIntegration: no writer reads them (docs/stack-config.md).
        var stores = config.Stores;
        Set(SettingNames.Stores.Cloud, config.Cloud == CloudProvider.Aws ? "AWS" : "GCP");
        Set(SettingNames.Stores.EmbeddedPath, $"{DataPath}/persistence.duckdb");
        var onlineTable = writer.Type == WriterType.ONLINE_WRITER ? AwsOnlineTable.For(config) : null;
        if (onlineTable is not null)
        {
            Set(SettingNames.Stores.DynamoDbTable, onlineTable.Name);
            Set(SettingNames.Stores.DynamoDbRegion, AwsNames.Region(config));
        }
        if (Credentials.UsesRedis(writer.Type, config) && stores.Redis is { } redis)
        {
            if (credentials.UsesRedisPassword(writer.Type))
                env.Add(Models.Env(Credentials.RedisPasswordVariable, new V1EnvVarSource
                {
                    SecretKeyRef = new V1SecretKeySelector { Key = Credentials.RedisPasswordKey, Name = Credentials.SecretName },
                }));
            Set(SettingNames.Stores.RedisConnection, RedisConnection(redis, credentials.UsesRedisPassword(writer.Type)));
            Set(SettingNames.Stores.RedisClustered, redis.Clustered ? "true" : "false");
            if (RedisServerCaMap.For(config) is not null) Set(SettingNames.Stores.RedisCaCertificatePath, RedisServerCaMap.File);
        }
        if (credentials.MountsPostgres(writer.Type) && stores.Postgres is { } pg)
        {
            Set(SettingNames.Stores.PostgresConnection,
                string.Create(CultureInfo.InvariantCulture, $"Host={pg.Host};Port={pg.Port};Database={pg.Database};Username={pg.Username}"));
            Set(SettingNames.Stores.PostgresPasswordPath, Credentials.PostgresPasswordFile);
        }
        if (writer.Type == WriterType.OFFLINE_STORE_BULK_INSERT_WRITER)
        {
            Set(SettingNames.Stores.BulkInsertSpoolDirectory, SpoolPath);
            Set(SettingNames.Stores.UploadBucket, stores.UploadBucket);
            if (config.Cloud == CloudProvider.Aws) Set(SettingNames.Stores.S3Region, AwsNames.Region(config));
        }
        if (writer.Type == WriterType.QUERY_MIRROR_CONSUMER)
            Set(SettingNames.Stores.ApiServerHost, stores.ApiServerHost);
        return env;
    }

    /// <summary>Kafka settings shared by the writers and the topics Job.</summary>
    public static IEnumerable<V1EnvVar> Kafka(KafkaConfig kafka, Credentials credentials)
    {
        yield return Models.Env(ToEnvironmentVariable(Bus.KafkaBootstrapServers), string.Join(',', kafka.BootstrapServers));
        yield return Models.Env(ToEnvironmentVariable(Bus.KafkaSecurityProtocol), kafka.SecurityProtocol);
        if (!credentials.KafkaSasl) yield break;
        yield return Models.Env(ToEnvironmentVariable(Bus.KafkaSaslMechanism), kafka.SaslMechanism);
        yield return Models.Env(ToEnvironmentVariable(Bus.KafkaSaslSecretPath), Credentials.KafkaSaslFile);
    }

    /// <summary>StackExchange.Redis configuration string; the password is a $(VAR) reference Kubernetes expands in the pod.</summary>
    public static string RedisConnection(RedisConfig redis, bool withPassword)
    {
        var parts = new List<string> { redis.Host };
        if (redis.Tls) parts.Add("ssl=true");
        if (withPassword) parts.Add($"password=$({Credentials.RedisPasswordVariable})");
        return string.Join(',', parts);
    }
}
