using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Persistence.Runtime.Bus;
using Persistence.Sinks.Registry;
using Persistence.Stores;
using Persistence.Stores.DynamoDb;
using Persistence.Stores.Embedded;
using Persistence.Stores.Http.Mirror;
using Persistence.Stores.Objects;
using Persistence.Stores.Objects.Gcs;
using Persistence.Stores.Objects.S3;
using Persistence.Stores.Postgres;
using Persistence.Stores.Redis;
using StackExchange.Redis;
using StackExchange.Redis.KeyspaceIsolation;

namespace Persistence.Writer.Hosting;

/// <summary>
/// The stores <see cref="StoreSelection"/> chose and validated, and the one place writer dependencies are
/// built from them (`run` and `local` alike). The Redis connection and the PostgreSQL data source are
/// opened on first use and shared by every writer built from this selection.
/// </summary>
public sealed class SelectedStores : IAsyncDisposable
{
    private readonly Lazy<IConnectionMultiplexer> _redis;
    private readonly Lazy<NpgsqlDataSource> _postgres;
    private readonly Lazy<Amazon.DynamoDBv2.IAmazonDynamoDB> _dynamoDb;

    internal SelectedStores(RedisStoreOptions redis, PostgresStoreOptions postgres, S3ObjectStoreOptions? s3, GcsObjectStoreOptions? gcs,
        HttpMirrorOptions? mirror, string? uploadBucket, string embeddedPath, string redisKeyPrefix)
    {
        UsesRedis = !string.IsNullOrWhiteSpace(redis.Connection);
        UsesPostgres = !string.IsNullOrWhiteSpace(postgres.Connection);
        _redis = new(() => redis.ConnectAsync().GetAwaiter().GetResult());
        _postgres = new(postgres.CreateDataSource);
        _dynamoDb = new(() => DynamoDb!.CreateClient());
        S3 = s3;
        Gcs = gcs;
        Mirror = mirror;
        UploadBucket = uploadBucket;
        EmbeddedPath = embeddedPath;
        RedisKeyPrefix = redisKeyPrefix;
    }

    /// <summary>Online values and vectors go to Redis (Stores:Redis:Connection is set).</summary>
    public bool UsesRedis { get; }

    /// <summary>Offline tables and metrics go to PostgreSQL (Stores:Postgres:Connection is set).</summary>
    public bool UsesPostgres { get; }

    /// <summary>Online values go to this DynamoDB table instead of Redis (Stores:DynamoDb:Table is set); vectors stay where they were.</summary>
    public DynamoDbStoreOptions? DynamoDb { get; init; }

    public bool UsesDynamoDb => DynamoDb is not null;

    /// <summary>One client (its connection pool) for every writer built from this selection.</summary>
    public Amazon.DynamoDBv2.IAmazonDynamoDB DynamoDbClient => UsesDynamoDb ? _dynamoDb.Value : throw new InvalidOperationException("no DynamoDB store is configured");

    public S3ObjectStoreOptions? S3 { get; }
    public GcsObjectStoreOptions? Gcs { get; }
    public HttpMirrorOptions? Mirror { get; }
    public string? UploadBucket { get; }

    /// <summary>The DuckDB file for whatever has no real store configured (and the mirror's outcome log).</summary>
    public string EmbeddedPath { get; }

    /// <summary>Where the bulk insert writer spools objects (Stores:BulkInsert:SpoolDirectory); null means beside <see cref="EmbeddedPath"/>.</summary>
    public string? SpoolDirectory { get; init; }

    /// <summary>Prefix put before every Redis key this selection writes; empty in `run`, a per-run namespace in `local`.</summary>
    public string RedisKeyPrefix { get; }

    public IConnectionMultiplexer Redis => UsesRedis ? _redis.Value : throw new InvalidOperationException("no Redis store is configured");

    public NpgsqlDataSource Postgres => UsesPostgres ? _postgres.Value : throw new InvalidOperationException("no PostgreSQL store is configured");

    /// <param name="embedded">The caller's DuckDB connection (each writer owns one) for the stores that stay embedded.</param>
    public WriterDependencies Build(IMessageBus bus, DuckDbDatabase embedded)
    {
        IOnlineStore online = new DuckDbOnlineStore(embedded);
        IVectorStore vectors = new DuckDbVectorStore(embedded);
        if (UsesRedis)
        {
            IDatabase db = Redis.GetDatabase();
            if (RedisKeyPrefix.Length > 0) db = db.WithKeyPrefix(RedisKeyPrefix);
            (online, vectors) = (new RedisOnlineStore(db), new RedisVectorStore(db));
        }
        if (UsesDynamoDb) online = new DynamoDbOnlineStore(DynamoDbClient, DynamoDb!);
        IOfflineStore offline = new DuckDbOfflineStore(embedded);
        IMetricsStore metrics = new DuckDbMetricsStore(embedded);
        if (UsesPostgres)
        {
            var tables = new PostgresOfflineStore(Postgres);
            (offline, metrics) = (tables, new PostgresMetricsStore(tables));
        }
        List<IObjectStore> objects = [new FileObjectStore()];
        if (S3 is not null) objects.Add(ObjectStoreFactory.CreateS3(S3));
        if (Gcs is not null) objects.Add(ObjectStoreFactory.CreateGcs(Gcs));
        IQueryMirrorTarget mirrorTarget = Mirror is null
            ? new DuckDbMirrorLog(embedded)
            : new HttpQueryMirrorTarget(HttpQueryMirrorTarget.CreateHttpClient(Mirror), Mirror, new DuckDbMirrorOutcomeLog(embedded), NullLogger.Instance);
        // The embedded file's directory is a writable emptyDir in rendered Deployments: spool there unless told otherwise.
        var spool = SpoolDirectory ?? Path.GetDirectoryName(Path.GetFullPath(EmbeddedPath));
        return new WriterDependencies(bus.OpenPublisher, online, offline, metrics, vectors, mirrorTarget, objects, UploadBucket, SpoolDirectory: spool);
    }

    public async ValueTask DisposeAsync()
    {
        if (_redis.IsValueCreated) await _redis.Value.DisposeAsync().ConfigureAwait(false);
        if (_postgres.IsValueCreated) await _postgres.Value.DisposeAsync().ConfigureAwait(false);
        if (_dynamoDb.IsValueCreated) _dynamoDb.Value.Dispose();
    }
}
