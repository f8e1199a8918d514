using DuckDB.NET.Data;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Persistence.Contracts;
using Persistence.Runtime.Bus;
using Persistence.Sinks.Registry;
using Persistence.Stores;
using Persistence.Stores.DynamoDb;
using Persistence.Stores.Embedded;
using Persistence.Stores.Http.Mirror;
using Persistence.Stores.Objects;
using Persistence.Stores.Postgres;
using Persistence.Stores.Redis;
using Persistence.Writer.Hosting.Settings;
using StackExchange.Redis;
using StackExchange.Redis.KeyspaceIsolation;

namespace Persistence.Writer.Hosting;

/// <summary>
/// The store clients of one writer host, built from its <see cref="StoreSettings"/>: the Redis connection, the
/// PostgreSQL data source and the embedded DuckDB file, each opened on first use, so a writer opens only what
/// its type uses. A singleton of the host's container, which disposes it (Redis and Npgsql closed) at shutdown.
/// </summary>
public sealed class SelectedStores(StoreSettings settings) : IAsyncDisposable
{
    private readonly Lazy<IConnectionMultiplexer> _redis = new(() => settings.Redis.ConnectAsync().GetAwaiter().GetResult());
    private readonly Lazy<NpgsqlDataSource> _postgres = new(settings.Postgres.CreateDataSource);
    private readonly Lazy<Amazon.DynamoDBv2.IAmazonDynamoDB> _dynamoDb = new(() => settings.DynamoDb!.CreateClient());
    private readonly Lazy<DuckDbDatabase> _embedded = new(() => OpenEmbedded(settings.EmbeddedPath));

    public StoreSettings Settings => settings;

    /// <summary>Online values and vectors go to Redis (Stores:Redis:Connection is set).</summary>
    public bool UsesRedis => !string.IsNullOrWhiteSpace(settings.Redis.Connection);

    /// <summary>Offline tables, metrics and the mirror's outcome log go to PostgreSQL (Stores:Postgres:Connection is set).</summary>
    public bool UsesPostgres => !string.IsNullOrWhiteSpace(settings.Postgres.Connection);

    /// <summary>Online values go to this DynamoDB table instead of Redis (Stores:DynamoDb:Table is set).</summary>
    public DynamoDbStoreOptions? DynamoDb => settings.DynamoDb;

    public bool UsesDynamoDb => settings.DynamoDb is not null;

    /// <summary>One client (its connection pool) for every online write of this host.</summary>
    public Amazon.DynamoDBv2.IAmazonDynamoDB DynamoDbClient => UsesDynamoDb ? _dynamoDb.Value : throw new InvalidOperationException("no DynamoDB store is configured");

    public string EmbeddedPath => settings.EmbeddedPath;

    public IConnectionMultiplexer Redis => UsesRedis ? _redis.Value : throw new InvalidOperationException("no Redis store is configured");

    public NpgsqlDataSource Postgres => UsesPostgres ? _postgres.Value : throw new InvalidOperationException("no PostgreSQL store is configured");

    /// <summary>The embedded file, opened on first use; a file another process holds is a configuration problem (exit 3).</summary>
    public DuckDbDatabase Embedded => _embedded.Value;

    /// <summary>Whether a writer of <paramref name="type"/> keeps anything in the embedded file with these settings.</summary>
    public bool NeedsEmbedded(WriterType type) => type switch
    {
        WriterType.ONLINE_WRITER => !UsesRedis && !UsesDynamoDb,
        WriterType.ONLINE_VECTOR_STORE_WRITER => !UsesRedis,
        WriterType.OFFLINE_WRITER or WriterType.OFFLINE_STORE_STREAMING_INSERT_WRITER or WriterType.OFFLINE_STORE_BULK_INSERT_WRITER
            or WriterType.METRICS_BUS_WRITER => !UsesPostgres,
        WriterType.QUERY_MIRROR_CONSUMER => settings.Mirror is null || !UsesPostgres,
        _ => false,
    };

    /// <summary>The stores a writer of <paramref name="type"/> uses, and nothing else; null builds every role (tests of the selection).</summary>
    public WriterDependencies Build(IMessageBus bus, WriterType? type = null)
    {
        bool Serves(params WriterType[] types) => type is null || types.Contains(type.Value);
        IOnlineStore? online = null;
        IVectorStore? vectors = null;
        IOfflineStore? offline = null;
        IMetricsStore? metrics = null;
        IQueryMirrorTarget? mirror = null;
        List<IObjectStore>? objects = null;
        if (Serves(WriterType.ONLINE_WRITER))
            online = UsesDynamoDb ? new DynamoDbOnlineStore(DynamoDbClient, settings.DynamoDb!)
                : UsesRedis ? new RedisOnlineStore(RedisDatabase()) : new DuckDbOnlineStore(Embedded);
        if (Serves(WriterType.ONLINE_VECTOR_STORE_WRITER)) vectors = UsesRedis ? new RedisVectorStore(RedisDatabase()) : new DuckDbVectorStore(Embedded);
        if (Serves(WriterType.OFFLINE_WRITER, WriterType.OFFLINE_STORE_STREAMING_INSERT_WRITER, WriterType.OFFLINE_STORE_BULK_INSERT_WRITER, WriterType.METRICS_BUS_WRITER))
        {
            var tables = UsesPostgres ? new PostgresOfflineStore(Postgres) : null;
            offline = tables is null ? new DuckDbOfflineStore(Embedded) : tables;
            if (Serves(WriterType.METRICS_BUS_WRITER)) metrics = tables is null ? new DuckDbMetricsStore(Embedded) : new PostgresMetricsStore(tables);
        }
        if (Serves(WriterType.OFFLINE_STORE_BULK_INSERT_WRITER))
        {
            objects = [new FileObjectStore()];
            if (settings.S3 is not null) objects.Add(ObjectStoreFactory.CreateS3(settings.S3));
            if (settings.Gcs is not null) objects.Add(ObjectStoreFactory.CreateGcs(settings.Gcs));
        }
        if (Serves(WriterType.QUERY_MIRROR_CONSUMER))
            mirror = settings.Mirror is null
                ? new DuckDbMirrorLog(Embedded)
                : new HttpQueryMirrorTarget(HttpQueryMirrorTarget.CreateHttpClient(settings.Mirror), settings.Mirror,
                    UsesPostgres ? new PostgresMirrorOutcomeLog(Postgres) : new DuckDbMirrorOutcomeLog(Embedded), NullLogger.Instance);
        // The embedded file's directory is a writable emptyDir in rendered Deployments: spool there unless told otherwise.
        var spool = settings.SpoolDirectory ?? Path.GetDirectoryName(Path.GetFullPath(settings.EmbeddedPath));
        return new WriterDependencies(topic => new TracePropagatingPublisher(bus.OpenPublisher(topic)), online, offline, metrics, vectors, mirror, objects, settings.UploadBucket, SpoolDirectory: spool);
    }

    private IDatabase RedisDatabase()
    {
        IDatabase db = Redis.GetDatabase();
        return settings.RedisKeyPrefix.Length > 0 ? db.WithKeyPrefix(settings.RedisKeyPrefix) : db;
    }

    private static DuckDbDatabase OpenEmbedded(string path)
    {
        try
        {
            return new DuckDbDatabase(path);
        }
        catch (DuckDBException e) when (e.Message.Contains("lock", StringComparison.OrdinalIgnoreCase))
        {
            throw new ConfigurationProblemException([
                $"{SettingNames.Stores.EmbeddedPath}: {Path.GetFullPath(path)} is held by another process ({FirstLine(e.Message)}); " +
                "give each writer its own file, or configure Stores:Redis / Stores:Postgres so this writer needs no embedded store"]);
        }
        catch (DuckDBException e)
        {
            throw new ConfigurationProblemException([$"{SettingNames.Stores.EmbeddedPath}: cannot open {Path.GetFullPath(path)} ({FirstLine(e.Message)}); name a writable file"]);
        }
    }

    private static string FirstLine(string text) => text.Split('\n', 2)[0].Trim();

    public async ValueTask DisposeAsync()
    {
        if (_redis.IsValueCreated) await _redis.Value.DisposeAsync().ConfigureAwait(false);
        if (_postgres.IsValueCreated) await _postgres.Value.DisposeAsync().ConfigureAwait(false);
        if (_dynamoDb.IsValueCreated) _dynamoDb.Value.Dispose();
        if (_embedded.IsValueCreated) await _embedded.Value.DisposeAsync().ConfigureAwait(false);
    }
}
