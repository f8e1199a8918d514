using System.Globalization;
using System.Text.RegularExpressions;
using Npgsql;
using Persistence.Contracts.V1;
using Persistence.Sinks;
using Persistence.Writer.Cli;
using Persistence.Writer.Local;
using StackExchange.Redis;

namespace Persistence.Stores.Tests;

/// <summary>
/// `persistence-writer local --redis --postgres`: every writer persists the workload into its real store, the
/// summary reconciles from those stores, and the data there is what the workload generated.
/// </summary>
public sealed class LocalRunOnRealStoresTests(RedisFixture redis, PostgresFixture postgres, RedisClusterFixture cluster)
    : IClassFixture<RedisFixture>, IClassFixture<PostgresFixture>, IClassFixture<RedisClusterFixture>
{
    private static async Task<(int Code, string Text)> RunLocalAsync(params string[] args)
    {
        var output = new StringWriter();
        var outDir = Directory.CreateTempSubdirectory("local-real-").FullName;
        var code = await LocalCommand.RunAsync([.. args, "--out", outDir, "--quiet"], output, CancellationToken.None);
        return (code, output.ToString());
    }

    private static string NewRunId() => $"t{Guid.NewGuid():N}"[..20];

    private string[] RealStores(string runId) =>
        ["--redis", $"127.0.0.1:{redis.Port}", "--postgres", postgres.ConnectionString, "--run-id", runId];

    private async Task<long> CountAsync(string sql)
    {
        await using var command = postgres.DataSource.CreateCommand(sql);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private static List<RedisKey> Keys(IConnectionMultiplexer multiplexer, string pattern) =>
        multiplexer.GetServers().Where(s => !s.IsReplica).SelectMany(s => s.Keys(pattern: pattern, pageSize: 1_000)).ToList();

    /// <summary>The "landed / expected" figure the summary printed for one line.</summary>
    private static long Landed(string text, string what)
    {
        var match = Regex.Match(text, $@"{Regex.Escape(what)}\s+(\d+) / (\d+)\s+ok");
        Assert.True(match.Success, $"no ok line for '{what}' in:{Environment.NewLine}{text}");
        return long.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
    }

    [Fact]
    public async Task A_local_run_on_redis_and_postgres_reconciles_and_the_data_is_in_those_stores()
    {
        redis.SkipIfMissing();
        postgres.SkipIfMissing();
        var runId = NewRunId();
        var (code, text) = await RunLocalAsync(["--queries", "300", "--rows", "3", "--malformed", "0.03", "--bulk-files", "2", .. RealStores(runId)]);

        Assert.True(code == 0, text);
        Assert.Contains("RECONCILED", text);
        Assert.Contains($"counted in Redis keys local:{runId}:*, PostgreSQL schema local_{runId}", text);

        // Redis: every online key the summary counted is there; user.age is a pure function of the user id.
        var prefix = $"local:{runId}:";
        var db = redis.Redis.GetDatabase();
        var onlineKeys = Keys(redis.Redis, prefix + "online:*");
        Assert.Equal(Landed(text, "online store keys"), onlineKeys.Count);
        var ageKeys = onlineKeys.Where(k => k.ToString().StartsWith(prefix + "online:user.age:user:", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(ageKeys);
        foreach (var key in ageKeys.Take(50))
        {
            var userId = long.Parse(key.ToString().Split(':')[^1], CultureInfo.InvariantCulture);
            var value = Value.Parser.ParseFrom((byte[])(await db.HashGetAsync(key, "v"))!);
            if (!Values.IsNull(value)) Assert.Equal(18 + userId % 70, value.IntValue);
            var ttl = await db.KeyTimeToLiveAsync(key);
            Assert.InRange(ttl!.Value, TimeSpan.FromHours(23), TimeSpan.FromDays(1)); // user.age's max_staleness
        }
        Assert.Empty(Keys(redis.Redis, prefix + "online:user.name:*")); // no max_staleness: never online

        var vectorKeys = Keys(redis.Redis, prefix + "vector:user.embedding:*");
        Assert.Equal(Landed(text, "vector store vectors"), vectorKeys.Count);
        Assert.Equal(8 * sizeof(float), ((byte[])(await db.HashGetAsync(vectorKeys[0], "embedding"))!).Length);

        // PostgreSQL: the run's schema holds the offline tables and metrics, and nothing landed outside it.
        var schema = $"local_{runId}";
        Assert.Equal(500, await CountAsync($"SELECT count(*) FROM {schema}.feature__user__credit_score_offline")); // 2 bulk files, one never uploaded
        Assert.Equal(Landed(text, "offline query_log"), await CountAsync($"SELECT count(*) FROM {schema}.query_log"));
        Assert.Equal(Landed(text, "metrics store rows"), await CountAsync($"SELECT count(*) FROM {schema}.feature_metrics"));
        Assert.True(Landed(text, "metrics store rows") > 0);
        Assert.Equal(0, await CountAsync(
            $"SELECT count(*) FROM {schema}.feature__user__age WHERE value IS NOT NULL AND value <> 18 + split_part(entity_key, ':', 2)::bigint % 70"));
        Assert.Equal(0, await CountAsync("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"));
    }

    [Fact]
    public async Task A_reused_run_id_starts_from_an_empty_namespace()
    {
        redis.SkipIfMissing();
        postgres.SkipIfMissing();
        var runId = NewRunId();
        var first = await RunLocalAsync(["--queries", "150", "--rows", "2", "--bulk-files", "1", "--seed", "1", .. RealStores(runId)]);
        Assert.True(first.Code == 0, first.Text);

        // Another seed picks other users: keys or rows left from the first run would break this run's reconciliation.
        var (code, text) = await RunLocalAsync(["--queries", "100", "--rows", "2", "--bulk-files", "1", "--seed", "2", .. RealStores(runId)]);
        Assert.True(code == 0, text);
        Assert.Equal(Landed(text, "online store keys"), Keys(redis.Redis, $"local:{runId}:online:*").Count);
        Assert.Equal(Landed(text, "offline query_log"), await CountAsync($"SELECT count(*) FROM local_{runId}.query_log"));
        Assert.True(Landed(text, "offline query_log") < Landed(first.Text, "offline query_log"));
    }

    [Fact]
    public async Task A_local_run_on_a_redis_cluster_reconciles_with_keys_spread_over_every_node()
    {
        cluster.SkipIfMissing();
        var runId = NewRunId();
        var (code, text) = await RunLocalAsync(["--queries", "200", "--rows", "3", "--bulk-files", "1",
            "--redis", $"127.0.0.1:{cluster.Ports[0]}", "--redis-clustered", "--run-id", runId]);

        Assert.True(code == 0, text);
        Assert.Contains("RECONCILED", text);
        var perNode = cluster.Redis.GetServers().Select(s => s.Keys(pattern: $"local:{runId}:*", pageSize: 1_000).Count()).ToList();
        Assert.Equal(3, perNode.Count);
        Assert.All(perNode, n => Assert.True(n > 0, $"a node holds none of the run's keys: {string.Join(", ", perNode)}"));
        Assert.Equal(Landed(text, "online store keys") + Landed(text, "vector store vectors"), perNode.Sum());
    }

    [Fact]
    public async Task Stores_that_do_not_answer_or_do_not_match_are_refused_naming_the_option()
    {
        var nobody = ServerProcess.FreePort();
        var redisDown = await Assert.ThrowsAsync<UsageException>(() => RunLocalAsync("--redis", $"127.0.0.1:{nobody}"));
        Assert.Contains($"Redis at --redis 127.0.0.1:{nobody} did not answer", redisDown.Message);

        var postgresDown = await Assert.ThrowsAsync<UsageException>(() => RunLocalAsync("--postgres", $"Host=127.0.0.1;Port={nobody};Username=postgres;Timeout=2"));
        Assert.Contains($"PostgreSQL at --postgres Host=127.0.0.1;Port={nobody}", postgresDown.Message);

        var notAConnectionString = await Assert.ThrowsAsync<UsageException>(() => RunLocalAsync("--postgres", "colour=blue"));
        Assert.Contains("--postgres is not an Npgsql connection string", notAConnectionString.Message);

        var badRunId = await Assert.ThrowsAsync<UsageException>(() => RunLocalAsync("--run-id", "My Run"));
        Assert.Contains("--run-id 'My Run' may hold only a-z, 0-9 and _", badRunId.Message);

        if (redis.SkipReason is null)
        {
            var notACluster = await Assert.ThrowsAsync<UsageException>(() => RunLocalAsync("--redis", $"127.0.0.1:{redis.Port}", "--redis-clustered"));
            Assert.Contains("is not a Redis Cluster node; drop --redis-clustered", notACluster.Message);
        }
    }
}
