using System.Net;
using Npgsql;
using Persistence.Stores.Tests;

[assembly: AssemblyFixture(typeof(Persistence.EndToEnd.Tests.LoopbackFixture))]
// Each test runs eight writer processes; on a small machine two such tests at once would only starve each other.
[assembly: CollectionBehavior(CollectionBehavior.CollectionPerAssembly)]

namespace Persistence.EndToEnd.Tests;

/// <summary>
/// The real servers every end-to-end test writes to, started once: Redis standalone (prod: Memorystore) and a
/// three-node Redis Cluster (dev: ElastiCache cluster mode), PostgreSQL with the stacks' database and user, the
/// Pub/Sub emulator, and an HTTP server standing in for the API server the query mirror replays to.
/// </summary>
public sealed class LoopbackFixture : IAsyncLifetime
{
    public const string PostgresPassword = "loopback-postgres-password";

    public RedisFixture Redis { get; } = new();
    public RedisClusterFixture RedisCluster { get; } = new();
    public PostgresFixture Postgres { get; } = new();
    public PubSubEmulator PubSub { get; } = new();
    public MirrorTarget Mirror { get; } = new();
    private PubSubFrontEnd? _pubSubFrontEnd;

    /// <summary>
    /// Where writer processes reach the emulator: through a front end that ends a killed writer's stream, as
    /// Google's service does; the emulator alone never would (see <see cref="PubSubFrontEnd"/>).
    /// </summary>
    public string WritersPubSubHostPort => _pubSubFrontEnd?.HostPort ?? PubSub.HostPort;

    public string PubSubFrontEndReport => _pubSubFrontEnd?.ToString() ?? "no Pub/Sub front end";

    public async ValueTask InitializeAsync()
    {
        await Task.WhenAll(Redis.InitializeAsync().AsTask(), RedisCluster.InitializeAsync().AsTask(), Postgres.InitializeAsync().AsTask(), PubSub.InitializeAsync().AsTask());
        if (PubSub.SkipReason is null) _pubSubFrontEnd = new PubSubFrontEnd(PubSub.HostPort);
        Mirror.Start();
    }

    public void SkipIfMissing()
    {
        Redis.SkipIfMissing();
        RedisCluster.SkipIfMissing();
        Postgres.SkipIfMissing();
        PubSub.SkipIfMissing();
    }

    /// <summary>A fresh `features` database owned by the stacks' `persistence` user, and empty Redis servers.</summary>
    public async Task ResetStoresAsync(string database, string username)
    {
        await using (var admin = Postgres.DataSource.CreateConnection())
        {
            await admin.OpenAsync();
            foreach (var sql in new[]
            {
                $"DROP DATABASE IF EXISTS {database} WITH (FORCE)",
                $"DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{username}') THEN CREATE ROLE {username} LOGIN PASSWORD '{PostgresPassword}'; END IF; END $$",
                $"CREATE DATABASE {database} OWNER {username}",
            })
                await new NpgsqlCommand(sql, admin).ExecuteNonQueryAsync();
        }
        foreach (var port in RedisCluster.Ports.Append(Redis.Port))
            await ServerProcess.RunAsync("redis-cli", "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "flushall");
        Mirror.Clear();
    }

    public NpgsqlDataSource Database(string database) =>
        NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(Postgres.ConnectionString) { Database = database }.ConnectionString);

    public async ValueTask DisposeAsync()
    {
        Mirror.Dispose();
        _pubSubFrontEnd?.Dispose();
        await PubSub.DisposeAsync();
        await Postgres.DisposeAsync();
        await RedisCluster.DisposeAsync();
        await Redis.DisposeAsync();
    }
}

/// <summary>The API server the query mirror replays to: counts requests by path and answers 200.</summary>
public sealed class MirrorTarget : IDisposable
{
    private readonly HttpListener _listener = new();
    private int _requests;
    public int Port { get; } = ServerProcess.FreePort();
    public string Url => $"http://127.0.0.1:{Port}";
    public int Requests => Volatile.Read(ref _requests);

    public void Start()
    {
        _listener.Prefixes.Add($"{Url}/");
        _listener.Start();
        _ = Task.Run(async () =>
        {
            while (_listener.IsListening)
            {
                HttpListenerContext context;
                try { context = await _listener.GetContextAsync(); }
                catch (Exception e) when (e is HttpListenerException or ObjectDisposedException) { return; }
                await context.Request.InputStream.CopyToAsync(Stream.Null);
                Interlocked.Increment(ref _requests);
                context.Response.StatusCode = 200;
                context.Response.Close();
            }
        });
    }

    public void Clear() => Interlocked.Exchange(ref _requests, 0);

    public void Dispose() => _listener.Close();
}
