namespace Persistence.Infra.Config;

public sealed record StoresConfig
{
    public required OfflineStoreKind OfflineStore { get; init; }

    /// <summary>API server the query mirror replays against; required with QUERY_MIRROR_CONSUMER.</summary>
    public string? ApiServerHost { get; init; }

    /// <summary>Online and vector store; required with ONLINE_VECTOR_STORE_WRITER, and with ONLINE_WRITER unless online.kind is dynamodb.</summary>
    public RedisConfig? Redis { get; init; }

    /// <summary>Which store the online writer writes to: Redis (default) or, on AWS, a DynamoDB table.</summary>
    public OnlineStoreConfig Online { get; init; } = new();

    /// <summary>Offline and metrics store when offlineStore is postgres.</summary>
    public PostgresConfig? Postgres { get; init; }

    /// <summary>Bucket the bulk insert writer loads parquet from: s3://... on AWS, gs://... on GCP.</summary>
    public string? UploadBucket { get; init; }

    /// <summary>Snowflake storage integration used by COPY INTO; required for snowflake with the bulk insert writer.</summary>
    public string? SnowflakeStorageIntegration { get; init; }

    /// <summary>Where writers read feature metadata; only GRPC_SERVER exists.</summary>
    public string MetadataProvider { get; init; } = "GRPC_SERVER";
}

public sealed record RedisConfig
{
    /// <summary>host:port of the Redis endpoint (the configuration endpoint for a cluster).</summary>
    public required string Host { get; init; }

    public bool Clustered { get; init; }
    public bool Tls { get; init; }

    /// <summary>The CA that signed the Redis server's TLS certificate, when the image's trust store does not know it (Memorystore).</summary>
    public RedisServerCaConfig? ServerCa { get; init; }
}

/// <summary>
/// Where the Redis server CA comes from: exactly one of a Memorystore instance the stack reads it from (its
/// <c>serverCaCerts</c>, at `pulumi up`), or the PEM itself. Mounted into the online and vector writers only.
/// </summary>
public sealed record RedisServerCaConfig
{
    /// <summary>projects/&lt;project&gt;/locations/&lt;region&gt;/instances/&lt;name&gt; of a Memorystore for Redis instance.</summary>
    public string? MemorystoreInstance { get; init; }

    /// <summary>One or more PEM certificates (a CA certificate is public: plain config, not a secret).</summary>
    public string? Pem { get; init; }
}

public sealed record PostgresConfig
{
    public required string Host { get; init; }
    public int Port { get; init; } = 5432;
    public required string Database { get; init; }
    public string Username { get; init; } = "persistence";
}
