using Microsoft.Extensions.Configuration;
using Persistence.Contracts;
using Persistence.Stores.DynamoDb;
using Persistence.Stores.Http.Mirror;
using Persistence.Stores.Objects.Gcs;
using Persistence.Stores.Objects.S3;
using Persistence.Stores.Postgres;
using Persistence.Stores.Redis;

namespace Persistence.Writer.Hosting.Settings;

/// <summary>
/// The Stores section: Redis for online values and vectors when Stores:Redis:Connection is set (DynamoDB for online
/// values instead when Stores:DynamoDb:Table is set), PostgreSQL for
/// offline tables, metrics and the mirror's outcome log when Stores:Postgres:Connection is set, S3 and GCS for
/// bulk inserts on their cloud, the HTTP mirror when Stores:Mirror:ApiServerHost is set, and an embedded DuckDB
/// file (Stores:Embedded:Path) for whatever the writer needs and no real store serves.
/// </summary>
public sealed class StoreSettings
{
    public RedisStoreOptions Redis { get; private set; } = new();
    public string RedisKeyPrefix { get; private set; } = "";
    public PostgresStoreOptions Postgres { get; private set; } = new();

    /// <summary>Online values go to this DynamoDB table instead of Redis (Stores:DynamoDb:Table is set); vectors stay where they were.</summary>
    public DynamoDbStoreOptions? DynamoDb { get; private set; }
    public S3ObjectStoreOptions? S3 { get; private set; }
    public GcsObjectStoreOptions? Gcs { get; private set; }
    public HttpMirrorOptions? Mirror { get; private set; }
    public string? UploadBucket { get; private set; }
    public string EmbeddedPath { get; private set; } = "persistence.duckdb";
    public string? SpoolDirectory { get; private set; }

    /// <summary>`local` has no API server: the mirror consumer records each query as "not sent" in the embedded file.</summary>
    public bool MirrorRecordsOnly { get; private set; }

    /// <summary>Set by `local` only; a Deployment never has it, so there Stores:Mirror:ApiServerHost stays required.</summary>
    public const string RecordOnlyMirrorKey = "Stores:Mirror:RecordOnly";

    internal List<string> BindingProblems { get; } = [];

    internal static void Bind(IConfiguration configuration, StoreSettings settings)
    {
        var problems = settings.BindingProblems;
        settings.Redis = SectionBinding.Bind<RedisStoreOptions>(configuration, "Stores:Redis", problems);
        problems.AddRange(settings.Redis.Problems());
        var dynamoDb = SectionBinding.Bind<DynamoDbStoreOptions>(configuration, SettingNames.Stores.DynamoDbSection, problems);
        problems.AddRange(dynamoDb.Problems());
        settings.DynamoDb = dynamoDb.IsConfigured ? dynamoDb : null;
        settings.RedisKeyPrefix = configuration[SettingNames.Stores.RedisKeyPrefix] ?? "";
        settings.Postgres = SectionBinding.Bind<PostgresStoreOptions>(configuration, "Stores:Postgres", problems);
        if (!string.IsNullOrEmpty(settings.Postgres.PasswordPath) && !File.Exists(settings.Postgres.PasswordPath))
            problems.Add($"{SettingNames.Stores.PostgresPasswordPath} names {settings.Postgres.PasswordPath}, which does not exist; mount the secret there");
        var uploadBucket = configuration[SettingNames.Stores.UploadBucket];
        var cloud = configuration[SettingNames.Stores.Cloud];
        if (UploadBucketProblem(uploadBucket, cloud) is { } bucketProblem)
            problems.Add(bucketProblem);
        var s3 = SectionBinding.Bind<S3ObjectStoreOptions>(configuration, "Stores:S3", problems);
        var gcs = SectionBinding.Bind<GcsObjectStoreOptions>(configuration, "Stores:Gcs", problems);
        var mirror = SectionBinding.Bind<HttpMirrorOptions>(configuration, SettingNames.Stores.MirrorSection, problems);
        problems.AddRange(s3.Problems());
        problems.AddRange(gcs.Problems());
        problems.AddRange(mirror.Problems());
        var mirrors = string.IsNullOrWhiteSpace(mirror.ApiServerHost) ? null : mirror;
        settings.MirrorRecordsOnly = string.Equals(configuration[RecordOnlyMirrorKey], "true", StringComparison.OrdinalIgnoreCase);
        if (mirrors is null && !settings.MirrorRecordsOnly && string.Equals(configuration[SettingNames.Writer.Type], nameof(WriterType.QUERY_MIRROR_CONSUMER), StringComparison.OrdinalIgnoreCase))
            problems.Add($"{SettingNames.Stores.ApiServerHost} is required: {WriterType.QUERY_MIRROR_CONSUMER} replays queries to that API server (e.g. https://api.internal)");
        var servesS3 = IsCloud(cloud, "AWS") || IsBucket(uploadBucket, "s3://") || !string.IsNullOrEmpty(s3.ServiceUrl);
        var servesGcs = IsCloud(cloud, "GCP") || IsBucket(uploadBucket, "gs://") || !string.IsNullOrEmpty(gcs.Endpoint);
        var spoolDirectory = configuration[SettingNames.Stores.BulkInsertSpoolDirectory];
        if (!string.IsNullOrWhiteSpace(spoolDirectory) && !Directory.Exists(spoolDirectory))
            problems.Add($"{SettingNames.Stores.BulkInsertSpoolDirectory} names {spoolDirectory}, which does not exist; mount a writable volume there or unset it to spool beside {SettingNames.Stores.EmbeddedPath}");
        settings.S3 = servesS3 ? s3 : null;
        settings.Gcs = servesGcs ? gcs : null;
        settings.Mirror = mirrors;
        settings.UploadBucket = uploadBucket;
        settings.EmbeddedPath = configuration[SettingNames.Stores.EmbeddedPath] ?? "persistence.duckdb";
        settings.SpoolDirectory = string.IsNullOrWhiteSpace(spoolDirectory) ? null : spoolDirectory;
    }

    internal IEnumerable<string> Problems() => BindingProblems;

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
}
