namespace Persistence.Infra.Config;

public sealed record StoresConfig
{
    public required OfflineStoreKind OfflineStore { get; init; }

    /// <summary>API server the query mirror replays against; required with QUERY_MIRROR_CONSUMER.</summary>
    public string? ApiServerHost { get; init; }

    /// <summary>Online and vector store; required with ONLINE_WRITER or ONLINE_VECTOR_STORE_WRITER.</summary>
    public RedisConfig? Redis { get; init; }

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
}

public sealed record PostgresConfig
{
    public required string Host { get; init; }
    public int Port { get; init; } = 5432;
    public required string Database { get; init; }
    public string Username { get; init; } = "persistence";
}
