namespace Persistence.Contracts;

/// <summary>
/// Configuration keys the writer binds and the infra renders into each Deployment's environment.
/// Environment variables use .NET's "__" separator for ":" so they bind to the typed options directly.
/// </summary>
public static class SettingNames
{
    public static string ToEnvironmentVariable(string key) => key.Replace(":", "__", StringComparison.Ordinal);

    public static class Writer
    {
        public const string Section = "Writer";
        public const string Type = "Writer:Type";
        public const string Name = "Writer:Name";
        public const string Subscription = "Writer:Subscription";
        public const string OutputTopic = "Writer:OutputTopic";
        public const string MaxBatchMessages = "Writer:MaxBatchMessages";
        public const string MaxBatchBytes = "Writer:MaxBatchBytes";
        public const string MemoryBudgetBytes = "Writer:MemoryBudgetBytes";
        /// <summary>The container's memory limit in bytes (downward API, limits.memory).</summary>
        public const string MemoryLimitBytes = "Writer:MemoryLimitBytes";
        public const string DrainTimeoutSeconds = "Writer:DrainTimeoutSeconds";
        /// <summary>Attempts for an unclassified write error before the batch is split and the failing message dead-lettered (default 5).</summary>
        public const string MaxAttemptsBeforeIsolation = "Writer:MaxAttemptsBeforeIsolation";
        /// <summary>Port of /healthz, /readyz and /metrics (the image sets 8080).</summary>
        public const string HealthPort = "Writer:HealthPort";
        /// <summary>How long a writer waits at start for its bus and stores to answer before it exits 3 (default 60).</summary>
        public const string StartupTimeoutSeconds = "Writer:StartupTimeoutSeconds";
    }

    public static class Bus
    {
        public const string Section = "Bus";
        public const string Backend = "Bus:Backend";
        public const string DeadLetterTopic = "Bus:DeadLetterTopic";
        public const string KafkaBootstrapServers = "Bus:Kafka:BootstrapServers";
        public const string KafkaSecurityProtocol = "Bus:Kafka:SecurityProtocol";
        public const string KafkaSaslMechanism = "Bus:Kafka:SaslMechanism";
        /// <summary>Directory or file where the SASL secret (JSON {"username","password"}) is mounted.</summary>
        public const string KafkaSaslSecretPath = "Bus:Kafka:SaslSecretPath";
        public const string KafkaSaslUsername = "Bus:Kafka:SaslUsername";
        public const string KafkaSaslPassword = "Bus:Kafka:SaslPassword";
        public const string KafkaConsumerGroup = "Bus:Kafka:ConsumerGroup";
        public const string PubSubProjectId = "Bus:PubSub:ProjectId";
        public const string PubSubEmulatorHost = "Bus:PubSub:EmulatorHost";
        public const string PubSubAckDeadlineSeconds = "Bus:PubSub:AckDeadlineSeconds";
    }

    public static class Stores
    {
        public const string Section = "Stores";
        public const string RedisConnection = "Stores:Redis:Connection";
        public const string RedisClustered = "Stores:Redis:Clustered";
        /// <summary>PEM file of the CA(s) that sign the Redis server's TLS certificate (Memorystore's server CA); trusted for Redis only.</summary>
        public const string RedisCaCertificatePath = "Stores:Redis:CaCertificatePath";
        // The DynamoDB online store (AWS): set the table to write online values there instead of Redis.
        public const string DynamoDbSection = "Stores:DynamoDb";
        public const string DynamoDbTable = "Stores:DynamoDb:Table";
        /// <summary>A DynamoDB-compatible endpoint (dynalite, DynamoDB Local); empty means AWS.</summary>
        public const string DynamoDbServiceUrl = "Stores:DynamoDb:ServiceUrl";
        public const string DynamoDbRegion = "Stores:DynamoDb:Region";
        /// <summary>Conditional writes in flight at once per batch.</summary>
        public const string DynamoDbMaxConcurrency = "Stores:DynamoDb:MaxConcurrency";
        public const string DynamoDbRequestTimeoutSeconds = "Stores:DynamoDb:RequestTimeoutSeconds";
        /// <summary>Put before every Redis key the writer writes; empty in the cluster, a per-run namespace in `local`.</summary>
        public const string RedisKeyPrefix = "Stores:Redis:KeyPrefix";
        public const string PostgresConnection = "Stores:Postgres:Connection";
        public const string PostgresPasswordPath = "Stores:Postgres:PasswordPath";
        public const string UploadBucket = "Stores:UploadBucket";
        public const string Cloud = "Stores:Cloud";
        public const string ApiServerHost = "Stores:Mirror:ApiServerHost";
        public const string MetadataProvider = "Stores:MetadataProvider";
        public const string SnowflakeStorageIntegration = "Stores:SnowflakeStorageIntegration";
        /// <summary>File of the embedded DuckDB store (fallback stores, the mirror's outcome log); must be writable.</summary>
        public const string EmbeddedPath = "Stores:Embedded:Path";
        /// <summary>Where the bulk insert writer spools objects while loading them (default: the directory of <see cref="EmbeddedPath"/>); needs room for the largest file.</summary>
        public const string BulkInsertSpoolDirectory = "Stores:BulkInsert:SpoolDirectory";
        // Object stores the bulk insert writer reads (s3://, gs://); credentials come from IRSA / Workload Identity.
        public const string S3Region = "Stores:S3:Region";
        public const string S3ServiceUrl = "Stores:S3:ServiceUrl";
        public const string S3RequestTimeoutSeconds = "Stores:S3:RequestTimeoutSeconds";
        public const string GcsEndpoint = "Stores:Gcs:Endpoint";
        public const string GcsMetadataHost = "Stores:Gcs:MetadataHost";
        public const string GcsAuthentication = "Stores:Gcs:Authentication";
        public const string GcsRequestTimeoutSeconds = "Stores:Gcs:RequestTimeoutSeconds";
        // The HTTP query mirror (QUERY_MIRROR_CONSUMER) replaying to ApiServerHost.
        public const string MirrorSection = "Stores:Mirror";
        public const string MirrorRatePerSecond = "Stores:Mirror:RatePerSecond";
        public const string MirrorMaxConcurrency = "Stores:Mirror:MaxConcurrency";
        public const string MirrorRequestTimeoutSeconds = "Stores:Mirror:RequestTimeoutSeconds";
        public const string MirrorPath = "Stores:Mirror:Path";
        public const string MirrorTokenPath = "Stores:Mirror:TokenPath";
        public const string MirrorMaxRetryAfterSeconds = "Stores:Mirror:MaxRetryAfterSeconds";
    }
}
