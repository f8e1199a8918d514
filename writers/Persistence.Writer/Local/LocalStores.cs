using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;
using Npgsql;
using Persistence.Contracts;
using Persistence.Writer.Cli;
using Persistence.Writer.Hosting;
using Persistence.Writer.Hosting.Settings;
using StackExchange.Redis;

namespace Persistence.Writer.Local;

/// <summary>
/// The stores a `local` run writes to: embedded DuckDB by default; with --redis the online and vector
/// writers use Redis, with --postgres the offline stages and the metrics bus writer use PostgreSQL, with --dynamodb
/// the online writer uses a DynamoDB table (vectors stay in Redis or DuckDB). They are
/// chosen by the same <see cref="StoreSelection"/> as `run`, from the same Stores settings.
/// </summary>
/// <remarks>
/// Each run owns a namespace in the real stores: Redis keys under "local:{run}:", the PostgreSQL schema
/// "local_{run}" and the DynamoDB table "local_{run}". The run id is fresh by default, so a run reconciles against its own data only and never
/// reads or changes keys and tables it did not write; a reused --run-id has its namespace emptied first, for
/// the same reason. Nothing is deleted afterwards, so what landed can be inspected.
/// </remarks>
public sealed partial class LocalStores : IAsyncDisposable
{
    private LocalStores(SelectedStores selected, IReadOnlyDictionary<string, string?> settings, string runId, string? redisEndpoint, string? dynamoDbEndpoint = null)
    {
        DynamoDbEndpoint = dynamoDbEndpoint;
        Selected = selected;
        WriterSettings = settings;
        RunId = runId;
        RedisEndpoint = redisEndpoint;
    }

    /// <summary>The run's own clients, to prepare its namespace and count what landed; the writers get theirs from <see cref="WriterSettings"/>.</summary>
    public SelectedStores Selected { get; }

    /// <summary>The Stores settings every writer host of the run is built with, as `run` reads them from its environment.</summary>
    public IReadOnlyDictionary<string, string?> WriterSettings { get; }
    public string RunId { get; }
    private string? RedisEndpoint { get; }
    private string? DynamoDbEndpoint { get; }
    public string RedisKeyPrefix => PrefixOf(RunId);
    public string PostgresSchema => SchemaOf(RunId);

    public static async Task<LocalStores> OpenAsync(LocalArguments args, string databasePath, CancellationToken cancellationToken)
    {
        var runId = args.RunId ?? $"{DateTime.UtcNow:yyyyMMdd_HHmmss}_{Random.Shared.Next(0x10000):x4}";
        if (!RunIdPattern().IsMatch(runId))
            throw new UsageException($"local: --run-id '{runId}' may hold only a-z, 0-9 and _ (at most 40), as it names a Redis key prefix and a PostgreSQL schema");
        var redis = args.Redis;
        var postgres = args.Postgres;
        var dynamoDb = args.DynamoDb;
        if (args.RedisClustered && redis is null)
            throw new UsageException("local: --redis-clustered needs --redis HOST:PORT (any node of the cluster)");

        var settings = new Dictionary<string, string?> { [SettingNames.Stores.EmbeddedPath] = databasePath, [SettingNames.Stores.RedisKeyPrefix] = PrefixOf(runId),
            [StoreSettings.RecordOnlyMirrorKey] = "true" };
        string? shownRedis = null;
        if (redis is not null)
        {
            // Shown without any password=... the option may carry.
            try { shownRedis = ConfigurationOptions.Parse(redis).ToString(includePassword: false); }
            catch (ArgumentException e) { throw new UsageException($"local: --redis is not a Redis endpoint ({e.Message}); use HOST:PORT, e.g. 127.0.0.1:6379"); }
            settings[SettingNames.Stores.RedisConnection] = redis;
            settings[SettingNames.Stores.RedisClustered] = args.RedisClustered ? "true" : "false";
        }
        if (postgres is not null)
            settings[SettingNames.Stores.PostgresConnection] = WithSearchPath(postgres, SchemaOf(runId));
        if (dynamoDb is not null)
        {
            settings[SettingNames.Stores.DynamoDbServiceUrl] = dynamoDb;
            settings[SettingNames.Stores.DynamoDbTable] = LocalDynamoDbTable.NameOf(runId);
        }

        var problems = new List<string>();
        var selected = StoreSelection.Select(new ConfigurationBuilder().AddInMemoryCollection(settings).Build(), problems);
        if (problems.Count > 0) throw new UsageException($"local: {string.Join("; ", problems)}");
        var stores = new LocalStores(selected, settings, runId, shownRedis, dynamoDb);
        try
        {
            if (selected.UsesRedis) await stores.PrepareRedisAsync(args.RedisClustered).ConfigureAwait(false);
            if (selected.UsesPostgres) await stores.PreparePostgresAsync(cancellationToken).ConfigureAwait(false);
            if (selected.UsesDynamoDb)
                await LocalDynamoDbTable.PrepareAsync(selected.DynamoDbClient, selected.DynamoDb!.Table, dynamoDb!, cancellationToken).ConfigureAwait(false);
            return stores;
        }
        catch
        {
            await stores.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private static string PrefixOf(string runId) => $"local:{runId}:";
    private static string SchemaOf(string runId) => $"local_{runId}";

    /// <summary>The run's schema first on the search path: the offline store creates and finds its tables there.</summary>
    private static string WithSearchPath(string connection, string schema)
    {
        try
        {
            return new NpgsqlConnectionStringBuilder(connection) { SearchPath = schema }.ConnectionString;
        }
        catch (ArgumentException e)
        {
            throw new UsageException($"local: --postgres is not an Npgsql connection string ({e.Message}); e.g. \"Host=127.0.0.1;Port=5432;Username=postgres;Database=postgres\"");
        }
    }

    private async Task PrepareRedisAsync(bool clustered)
    {
        IConnectionMultiplexer redis;
        try
        {
            redis = Selected.Redis;
            await redis.GetDatabase().PingAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            throw new UsageException($"local: Redis at --redis {RedisEndpoint} did not answer ({e.Message}); is redis-server running there?");
        }
        var primaries = redis.GetServers().Where(s => !s.IsReplica).ToList();
        if (clustered && primaries.Any(s => s.ServerType != ServerType.Cluster))
            throw new UsageException($"local: --redis-clustered, but {RedisEndpoint} is not a Redis Cluster node; drop --redis-clustered or name a cluster node");
        if (!clustered && primaries.Any(s => s.ServerType == ServerType.Cluster))
            throw new UsageException($"local: {RedisEndpoint} is a Redis Cluster node; add --redis-clustered (as redis_is_clustered in the spec)");
        // A reused run id: remove its old keys one by one (single-key deletes work across cluster slots).
        var db = redis.GetDatabase();
        foreach (var server in primaries)
            await foreach (var key in server.KeysAsync(pattern: RedisKeyPrefix + "*", pageSize: 1_000).ConfigureAwait(false))
                await db.KeyDeleteAsync(key).ConfigureAwait(false);
    }

    private async Task PreparePostgresAsync(CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = await Selected.Postgres.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            var schema = QuoteIdentifier(PostgresSchema);
            await using var command = new NpgsqlCommand($"DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}", connection);
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException)
        {
            var builder = new NpgsqlConnectionStringBuilder(Selected.Postgres.ConnectionString);
            throw new UsageException($"local: PostgreSQL at --postgres Host={builder.Host};Port={builder.Port};Database={builder.Database} refused the run ({e.Message}); " +
                                     "is it running, and may that user create a schema?");
        }
    }

    /// <summary>Where each writer's data goes, for the run's first line.</summary>
    public string Description => string.Join("; ", new[]
    {
        Selected.UsesRedis ? $"online values and vectors in Redis at {RedisEndpoint} under {RedisKeyPrefix}" : null,
        Selected.UsesPostgres ? $"offline tables and metrics in PostgreSQL schema {PostgresSchema}" : null,
        Selected.UsesDynamoDb ? $"online values in DynamoDB at {DynamoDbEndpoint}, table {Selected.DynamoDb!.Table}" : null,
        $"{(Selected.UsesRedis || Selected.UsesPostgres || Selected.UsesDynamoDb ? "the rest" : "stores")} in {Selected.EmbeddedPath}",
    }.OfType<string>());

    public string InspectHint => string.Join(Environment.NewLine, new[]
    {
        $"Inspect the stores: duckdb {Selected.EmbeddedPath}  (tables: online_values, feature__*, query_log, feature_metrics, vectors, query_mirror)",
        Selected.UsesRedis ? $"  {RedisCli} --scan --pattern '{RedisKeyPrefix}*'   (hashes: v and t online, embedding and t vectors)" : null,
        Selected.UsesPostgres ? $"  psql: SET search_path = {PostgresSchema}; \\dt   (DROP SCHEMA {PostgresSchema} CASCADE when done)" : null,
        Selected.UsesDynamoDb ? $"  aws dynamodb scan --endpoint-url {DynamoDbEndpoint} --table-name {Selected.DynamoDb!.Table} --max-items 5   (items: online_key, value, observed_at, expires_at)" : null,
    }.OfType<string>());

    private string RedisCli => ConfigurationOptions.Parse(RedisEndpoint!).EndPoints.FirstOrDefault() switch
    {
        System.Net.DnsEndPoint dns => $"redis-cli -h {dns.Host} -p {dns.Port}",
        System.Net.IPEndPoint ip => $"redis-cli -h {ip.Address} -p {ip.Port}",
        _ => "redis-cli",
    };

    /// <summary>Counts from wherever this run wrote.</summary>
    public ILandedCounts OpenLandedCounts()
    {
        var embedded = new EmbeddedLandedCounts(Selected.EmbeddedPath);
        return Selected.UsesRedis || Selected.UsesPostgres || Selected.UsesDynamoDb ? new RealStoreLandedCounts(Selected, RedisKeyPrefix, PostgresSchema, embedded) : embedded;
    }

    public ValueTask DisposeAsync() => Selected.DisposeAsync();

    internal static string QuoteIdentifier(string name) => "\"" + name.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    [GeneratedRegex("^[a-z0-9_]{1,40}$")]
    private static partial Regex RunIdPattern();
}
