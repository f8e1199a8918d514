using Microsoft.Extensions.Configuration;
using Persistence.Contracts;
using Persistence.Runtime.Bus;
using Persistence.Sinks.Registry;
using Persistence.Stores.Embedded;
using Persistence.Stores.Http.Mirror;
using Persistence.Stores.Objects.Gcs;
using Persistence.Stores.Objects.S3;
using Persistence.Stores.Postgres;
using Persistence.Stores.Redis;

namespace Persistence.Writer.Hosting;

/// <summary>
/// Chooses the stores from the Stores section: Redis for online values and vectors when
/// Stores:Redis:Connection is set, PostgreSQL for offline tables and metrics when
/// Stores:Postgres:Connection is set, S3 and GCS object stores for bulk inserts on their cloud, the HTTP
/// mirror when Stores:Mirror:ApiServerHost is set, and an embedded DuckDB file (Stores:Embedded:Path) for the
/// rest (including the mirror's outcome log).
/// </summary>
public static class StoreSelection
{
    public static Func<IMessageBus, WriterDependencies>? Create(IConfiguration configuration, List<string> problems)
    {
        var stores = Select(configuration, problems);
        return bus => stores.Build(bus, new DuckDbDatabase(stores.EmbeddedPath));
    }

    /// <summary>Binds and checks the Stores section; every bad value is added to <paramref name="problems"/> by key.</summary>
    /// <param name="redisKeyPrefix">Put before every Redis key written; `local` gives each run its own.</param>
    public static SelectedStores Select(IConfiguration configuration, List<string> problems, string redisKeyPrefix = "")
    {
        var redis = configuration.GetSection("Stores:Redis").Get<RedisStoreOptions>() ?? new RedisStoreOptions();
        var postgres = configuration.GetSection("Stores:Postgres").Get<PostgresStoreOptions>() ?? new PostgresStoreOptions();
        if (!string.IsNullOrEmpty(postgres.PasswordPath) && !File.Exists(postgres.PasswordPath))
            problems.Add($"{SettingNames.Stores.PostgresPasswordPath} names {postgres.PasswordPath}, which does not exist; mount the secret there");
        var uploadBucket = configuration[SettingNames.Stores.UploadBucket];
        var cloud = configuration[SettingNames.Stores.Cloud];
        if (UploadBucketProblem(uploadBucket, cloud) is { } bucketProblem)
            problems.Add(bucketProblem);
        var s3 = Bind<S3ObjectStoreOptions>(configuration, "Stores:S3", problems);
        var gcs = Bind<GcsObjectStoreOptions>(configuration, "Stores:Gcs", problems);
        var mirror = Bind<HttpMirrorOptions>(configuration, SettingNames.Stores.MirrorSection, problems);
        problems.AddRange(s3.Problems());
        problems.AddRange(gcs.Problems());
        problems.AddRange(mirror.Problems());
        var mirrors = string.IsNullOrWhiteSpace(mirror.ApiServerHost) ? null : mirror;
        if (mirrors is null && string.Equals(configuration[SettingNames.Writer.Type], nameof(WriterType.QUERY_MIRROR_CONSUMER), StringComparison.OrdinalIgnoreCase))
            problems.Add($"{SettingNames.Stores.ApiServerHost} is required: {WriterType.QUERY_MIRROR_CONSUMER} replays queries to that API server (e.g. https://api.internal)");
        // Object stores only where objects are read (the writer with an upload bucket): built for every writer on AWS,
        // the S3 client made the rendered METRICS_WRITER & co. exit 134 at start (no region outside the bulk insert writer).
        var readsObjects = !string.IsNullOrWhiteSpace(uploadBucket);
        var servesS3 = readsObjects && (IsCloud(cloud, "AWS") || IsBucket(uploadBucket, "s3://")) || !string.IsNullOrEmpty(s3.ServiceUrl);
        var servesGcs = readsObjects && (IsCloud(cloud, "GCP") || IsBucket(uploadBucket, "gs://")) || !string.IsNullOrEmpty(gcs.Endpoint);
        var embeddedPath = configuration[SettingNames.Stores.EmbeddedPath] ?? "persistence.duckdb";
        var spoolDirectory = configuration[SettingNames.Stores.BulkInsertSpoolDirectory];
        if (!string.IsNullOrWhiteSpace(spoolDirectory) && !Directory.Exists(spoolDirectory))
            problems.Add($"{SettingNames.Stores.BulkInsertSpoolDirectory} names {spoolDirectory}, which does not exist; mount a writable volume there or unset it to spool beside {SettingNames.Stores.EmbeddedPath}");
        return new SelectedStores(redis, postgres, servesS3 ? s3 : null, servesGcs ? gcs : null, mirrors, uploadBucket, embeddedPath, redisKeyPrefix)
        {
            SpoolDirectory = string.IsNullOrWhiteSpace(spoolDirectory) ? null : spoolDirectory,
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

    private static bool IsCloud(string? cloud, string name) => string.Equals(cloud, name, StringComparison.OrdinalIgnoreCase);

    private static bool IsBucket(string? bucket, string prefix) => bucket?.StartsWith(prefix, StringComparison.Ordinal) == true;

    /// <summary>Binds a typed options section; a value that does not convert is a problem naming its key, not a crash.</summary>
    private static T Bind<T>(IConfiguration configuration, string section, List<string> problems) where T : new()
    {
        try
        {
            return configuration.GetSection(section).Get<T>() ?? new T();
        }
        catch (InvalidOperationException e)
        {
            problems.Add(e.InnerException is null ? e.Message : $"{e.Message} ({e.InnerException.Message})");
            return new T();
        }
    }
}
