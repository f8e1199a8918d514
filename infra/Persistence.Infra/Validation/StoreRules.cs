using Persistence.Contracts;
using Persistence.Infra.Config;
using static Persistence.Infra.Validation.ConfigProblem;

namespace Persistence.Infra.Validation;

/// <summary>Each writer's store is configured, and the upload bucket is on the stack's cloud.</summary>
internal static class StoreRules
{
    private static readonly WriterType[] RedisWriters = [WriterType.ONLINE_WRITER, WriterType.ONLINE_VECTOR_STORE_WRITER];

    private static readonly WriterType[] OfflineStoreWriters =
        [WriterType.OFFLINE_WRITER, WriterType.OFFLINE_STORE_STREAMING_INSERT_WRITER, WriterType.OFFLINE_STORE_BULK_INSERT_WRITER, WriterType.METRICS_BUS_WRITER];

    public static IEnumerable<ConfigProblem> Check(StackConfig c)
    {
        var s = c.Stores;
        var types = c.Writers.Select(w => w.Type).ToHashSet();

        if (s.UploadBucket is { } bucket)
        {
            var (prefix, store) = c.Cloud == CloudProvider.Aws ? ("s3://", "S3") : ("gs://", "GCS");
            if (!bucket.StartsWith(prefix, StringComparison.Ordinal))
                yield return Error($"{Paths.Stores}.uploadBucket", $"\"{bucket}\" does not start with {prefix}: on {c.Cloud.ToString().ToLowerInvariant()} the bulk insert writer reads {store}",
                    $"write it as {prefix}<bucket>");
            else if (bucket.Length == prefix.Length)
                yield return Error($"{Paths.Stores}.uploadBucket", "the bucket name is missing", $"write it as {prefix}<bucket>");
        }
        else if (types.Contains(WriterType.OFFLINE_STORE_BULK_INSERT_WRITER))
            yield return Error($"{Paths.Stores}.uploadBucket", "OFFLINE_STORE_BULK_INSERT_WRITER loads parquet from the upload bucket, which is not set",
                $"pulumi config set --path '{Paths.Stores}.uploadBucket' {(c.Cloud == CloudProvider.Aws ? "s3" : "gs")}://<bucket>");

        if (s.OfflineStore == OfflineStoreKind.Snowflake && types.Contains(WriterType.OFFLINE_STORE_BULK_INSERT_WRITER) && string.IsNullOrWhiteSpace(s.SnowflakeStorageIntegration))
            yield return Error($"{Paths.Stores}.snowflakeStorageIntegration", "Snowflake's COPY INTO reads the bucket through a storage integration, which is not set",
                $"pulumi config set --path '{Paths.Stores}.snowflakeStorageIntegration' <integration name>");
        if (s.OfflineStore != OfflineStoreKind.Snowflake && s.SnowflakeStorageIntegration is not null)
            yield return Warning($"{Paths.Stores}.snowflakeStorageIntegration", $"ignored: the offline store is {s.OfflineStore.ToString().ToLowerInvariant()}", "remove it");

        // With online.kind dynamodb the online writer needs no Redis; the vector writer always does.
        var redisWriter = RedisWriters.Where(t => types.Contains(t) && !(t == WriterType.ONLINE_WRITER && s.Online.Kind == OnlineStoreKind.DynamoDb))
            .Cast<WriterType?>().FirstOrDefault();
        if (redisWriter is not null && s.Redis is null)
            yield return Error($"{Paths.Stores}.redis", $"{redisWriter} writes to Redis, which is not configured", $"set {Paths.Stores}.redis.host (host:port)");
        if (s.Redis is { } redis && !Names.IsHostPort(redis.Host))
            yield return Error($"{Paths.Stores}.redis.host", $"\"{redis.Host}\" is not host:port", "e.g. online.abc123.clustercfg.use1.cache.amazonaws.com:6379");

        var offlineWriter = OfflineStoreWriters.FirstOrDefault(types.Contains);
        if (types.Contains(offlineWriter))
        {
            if (s.OfflineStore == OfflineStoreKind.Postgres && s.Postgres is null)
                yield return Error($"{Paths.Stores}.postgres", $"{offlineWriter} writes to the PostgreSQL offline store, which is not configured",
                    $"set {Paths.Stores}.postgres.host and .database");
            if (s.OfflineStore != OfflineStoreKind.Postgres)
                yield return Warning($"{Paths.Stores}.offlineStore",
                    $"persistence-writer writes offline data and metrics to PostgreSQL only; it has no {s.OfflineStore.ToString().ToLowerInvariant()} client yet, so {offlineWriter} would not reach that store",
                    "use postgres, or deploy these writers only once the store client exists");
        }
        if (s.Postgres is { } pg && pg.Port is < 1 or > 65535)
            yield return Error($"{Paths.Stores}.postgres.port", $"{pg.Port} is not a TCP port", "5432");

        if (types.Contains(WriterType.QUERY_MIRROR_CONSUMER) && string.IsNullOrWhiteSpace(s.ApiServerHost))
            yield return Error($"{Paths.Stores}.apiServerHost", "QUERY_MIRROR_CONSUMER replays queries against the API server, which is not set",
                $"pulumi config set --path '{Paths.Stores}.apiServerHost' <host:port>");
        if (s.ApiServerHost is { } api && api.Contains("://", StringComparison.Ordinal))
            yield return Error($"{Paths.Stores}.apiServerHost", "the API server host has no scheme", "write host or host:port");

        if (s.MetadataProvider != "GRPC_SERVER")
            yield return Error($"{Paths.Stores}.metadataProvider", $"unknown metadata provider \"{s.MetadataProvider}\"; the only one is GRPC_SERVER", "set it to GRPC_SERVER or remove it");
    }
}
