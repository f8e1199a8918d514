using Microsoft.Extensions.Configuration;
using Persistence.Contracts;
using Persistence.Runtime.Bus;
using Persistence.Sinks.Registry;
using Persistence.Sinks.Stores;
using Persistence.Stores.Embedded;
using Persistence.Stores.Postgres;
using Persistence.Stores.Redis;

namespace Persistence.Writer.Hosting;

/// <summary>
/// Chooses the stores from the Stores section: Redis for online values and vectors when
/// Stores:Redis:Connection is set, PostgreSQL for offline tables and metrics when
/// Stores:Postgres:Connection is set, an embedded DuckDB file (Stores:Embedded:Path) for the rest.
/// </summary>
public static class StoreSelection
{
    public static Func<IMessageBus, WriterDependencies>? Create(IConfiguration configuration, List<string> problems)
    {
        var redis = configuration.GetSection("Stores:Redis").Get<RedisStoreOptions>() ?? new RedisStoreOptions();
        var postgres = configuration.GetSection("Stores:Postgres").Get<PostgresStoreOptions>() ?? new PostgresStoreOptions();
        if (!string.IsNullOrEmpty(postgres.PasswordPath) && !File.Exists(postgres.PasswordPath))
            problems.Add($"{SettingNames.Stores.PostgresPasswordPath} names {postgres.PasswordPath}, which does not exist; mount the secret there");
        var uploadBucket = configuration[SettingNames.Stores.UploadBucket];
        var cloud = configuration[SettingNames.Stores.Cloud];
        if (UploadBucketProblem(uploadBucket, cloud) is { } bucketProblem)
            problems.Add(bucketProblem);
        var embeddedPath = configuration["Stores:Embedded:Path"] ?? "persistence.duckdb";

        return bus =>
        {
            var embedded = new DuckDbDatabase(embeddedPath);
            IOnlineStore online = new DuckDbOnlineStore(embedded);
            IVectorStore vectors = new DuckDbVectorStore(embedded);
            if (!string.IsNullOrWhiteSpace(redis.Connection))
            {
                var db = redis.ConnectAsync().GetAwaiter().GetResult().GetDatabase();
                (online, vectors) = (new RedisOnlineStore(db), new RedisVectorStore(db));
            }
            IOfflineStore offline = new DuckDbOfflineStore(embedded);
            IMetricsStore metrics = new DuckDbMetricsStore(embedded);
            if (!string.IsNullOrWhiteSpace(postgres.Connection))
            {
                var tables = new PostgresOfflineStore(postgres.CreateDataSource());
                (offline, metrics) = (tables, new PostgresMetricsStore(tables));
            }
            return new WriterDependencies(bus.OpenPublisher, online, offline, metrics, vectors, new DuckDbMirrorLog(embedded),
                [new FileObjectStore()], uploadBucket);
        };
    }

    /// <summary>The debugging guide's wrong-prefix pitfall: s3:// belongs to AWS, gs:// to GCP.</summary>
    public static string? UploadBucketProblem(string? bucket, string? cloud)
    {
        if (string.IsNullOrWhiteSpace(bucket)) return null;
        var expected = cloud?.ToUpperInvariant() switch { "AWS" => "s3://", "GCP" => "gs://", _ => null };
        if (expected is null)
            return bucket.StartsWith("s3://", StringComparison.Ordinal) || bucket.StartsWith("gs://", StringComparison.Ordinal) || bucket.StartsWith("file://", StringComparison.Ordinal)
                ? null
                : $"{SettingNames.Stores.UploadBucket} '{bucket}' must start with s3:// (AWS) or gs:// (GCP)";
        return bucket.StartsWith(expected, StringComparison.Ordinal)
            ? null
            : $"{SettingNames.Stores.UploadBucket} '{bucket}' does not match {SettingNames.Stores.Cloud}={cloud}: use a {expected} bucket";
    }
}
