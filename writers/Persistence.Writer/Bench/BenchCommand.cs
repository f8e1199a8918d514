using System.Diagnostics;
using System.Globalization;
using Persistence.Stores.Postgres;
using Persistence.Writer.Cli;

namespace Persistence.Writer.Bench;

/// <summary>
/// `persistence-writer bench`: each comparison of issue #12 side by side in one run — the real loop, sinks and
/// stores against the limit of the same work on the same server — min / median / max of --runs, with the
/// ratio of the medians and its target; each row first runs untimed for --warm-up-seconds (at least once). Exit 0 when every measured
/// row meets its target, 1 otherwise.
/// </summary>
public static class BenchCommand
{
    public const string Usage = """
          bench [options]            throughput and memory against the stores' own limits (docs/benchmarks.md)
              options: --only kafka,postgres,redis,offline,memory,pubsub,growth (all) --runs N (3) --scale F (1.0) --warm-up-seconds S (10)
                       --redis HOST:PORT --postgres "<Npgsql connection string>" --kafka BOOTSTRAP
                       --pubsub-emulator HOST:PORT   use these servers instead of starting them on loopback
                       --kafka-messages N (16000) --kafka-bytes N (1024) --pg-messages N (2000) --pg-rows N (100)
                       --online-results N (2000) --offline-results N (100000) --memory-limit-mib N (256)
        """;

    private static readonly string[] AllRows = ["kafka", "postgres", "redis", "offline", "memory", "pubsub", "growth"];

    private static readonly string[] Known =
    [
        "only", "runs", "scale", "redis", "postgres", "kafka", "pubsub-emulator", "kafka-messages", "kafka-bytes",
        "pg-messages", "pg-rows", "online-results", "offline-results", "memory-limit-mib", "warm-up-seconds",
    ];

    public static async Task<int> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        if (args.FirstOrDefault() == MemoryBench.ChildVerb) return await MemoryBench.ChildAsync(args[1..], cancellationToken).ConfigureAwait(false);
        var options = CommandArgs.Parse(args, "bench", Known);
        var only = (options.Get("only") ?? string.Join(',', AllRows)).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        foreach (var name in only.Where(o => !AllRows.Contains(o)))
            throw new UsageException($"bench: --only {name} is not one of {string.Join(", ", AllRows)}");
        var runs = Math.Max(1, options.Int("runs", 3));
        var scale = options.Double("scale", 1.0);
        var warmUp = TimeSpan.FromSeconds(Math.Max(0, options.Double("warm-up-seconds", 10)));
        int Scaled(string name, int fallback) => Math.Max(1, (int)(options.Int(name, fallback) * scale));

        PrintMachine();
        var rows = new List<BenchRow>();
        await using var servers = new BenchServers();
        bool Selected(string row) => only.Contains(row);

        if (Selected("kafka"))
        {
            servers.StartKafka(options.Get("kafka"));
            var shape = new KafkaBench.Shape(Scaled("kafka-messages", 16_000), options.Int("kafka-bytes", 1024));
            rows.Add(await MeasureAsync($"Kafka source vs bare consumer ({shape}, mock cluster)", "msg/s", 0.5, runs, warmUp,
                () => new KafkaBench(servers.KafkaBootstrap!).RunAsync(shape)).ConfigureAwait(false));
        }
        if (Selected("postgres") || Selected("growth") || Selected("offline")) // the offline row's catalog is the PostgreSQL store
            await servers.StartPostgresAsync(options.Get("postgres")).ConfigureAwait(false);
        if (Selected("postgres"))
        {
            var messages = Scaled("pg-messages", 2_000);
            var perMessage = options.Int("pg-rows", 100);
            foreach (var (shape, target) in new[]
            {
                (new PostgresBench.Shape(500, 8, perMessage, messages), 0.5),
                (new PostgresBench.Shape(500, 64, perMessage, messages), 0.3),
                (new PostgresBench.Shape(10, 8, perMessage, Math.Max(10, messages / 4)), 0.2),
            })
            {
                var path = $"streaming insert vs psql \\copy binary ({shape})";
                rows.Add(servers.Postgres is null ? BenchRow.Skip(path, servers.PostgresSkip!)
                    : await MeasureAsync(path, "rows/s", target, runs, warmUp, () => new PostgresBench(servers.Postgres).RunAsync(shape)).ConfigureAwait(false));
            }
        }
        if (Selected("redis") || Selected("memory"))
            await servers.StartRedisAsync(options.Get("redis")).ConfigureAwait(false);
        if (Selected("redis"))
        {
            var shape = new RedisBench.Shape(Scaled("online-results", 2_000), 8, 10);
            var path = $"ONLINE_WRITER vs redis-benchmark -P 64 EVALSHA ({shape})";
            rows.Add(servers.Redis is null ? BenchRow.Skip(path, servers.RedisSkip!)
                : await MeasureAsync(path, "values/s", 0.8, runs, warmUp, () => new RedisBench(servers.Redis).RunAsync(shape)).ConfigureAwait(false));
        }
        if (Selected("offline"))
        {
            // 100,000 results, timed in slices of 25,000 that the two sides take in turns: about a second per side. At
            // 20,000 in one piece (about 0.2 s) the VM's drift moved single runs' ratios from 0.60 to 0.97 in one invocation.
            var shape = new OfflineWriterBench.Shape(Scaled("offline-results", 100_000), 8, 10, 500);
            var catalog = servers.Postgres is { } pg
                ? () => (Persistence.Stores.IOfflineStore)new PostgresOfflineStore(Npgsql.NpgsqlDataSource.Create(pg.ConnectionString))
                : EmbeddedCatalog();
            var bench = new OfflineWriterBench(catalog);
            rows.Add(await MeasureAsync($"OFFLINE_WRITER vs its parquet codec alone ({shape})", "rows/s", 0.8, runs, warmUp,
                () => bench.RunAsync(shape), detail: () => bench.LastGc).ConfigureAwait(false));
        }
        if (Selected("memory"))
            rows.AddRange(await new MemoryBench(servers.Redis, servers.RedisSkip, options.Int("memory-limit-mib", 256), scale).RunAsync(runs, cancellationToken).ConfigureAwait(false));
        if (Selected("pubsub"))
        {
            await servers.StartPubSubAsync(options.Get("pubsub-emulator")).ConfigureAwait(false);
            var path = "Pub/Sub publish->visible p99 vs a plain StreamingPull subscriber (emulator, 200 results/s)";
            rows.Add(servers.PubSubEmulator is null ? BenchRow.Skip(path, servers.PubSubSkip!)
                : await MeasureAsync(path, "ms p99", 1.5, runs, warmUp, () => new PubSubBench(servers.PubSubEmulator).RunAsync(Scaled("online-results", 2_000) / 2), atMost: true).ConfigureAwait(false));
        }
        if (Selected("growth"))
        {
            if (servers.Postgres is null) rows.Add(BenchRow.Skip("growth of the streaming insert", servers.PostgresSkip!));
            else await Growth.PrintAsync(new PostgresBench(servers.Postgres), Scaled("pg-messages", 2_000) / 2).ConfigureAwait(false);
        }

        BenchTable.Print(Console.Out, rows, runs);
        var measured = rows.Where(r => r.Skipped is null).ToList();
        return measured.All(r => r.Met) ? 0 : 1;
    }

    private static Func<Persistence.Stores.IOfflineStore> EmbeddedCatalog()
    {
        var path = Path.Combine(Path.GetTempPath(), $"bench-{Guid.NewGuid():N}.duckdb");
        return () => new Persistence.Stores.Embedded.DuckDbOfflineStore(new Persistence.Stores.Embedded.DuckDbDatabase(path));
    }

    /// <summary>Runs ours and the limit <paramref name="runs"/> times, alternating, so drift on a shared machine hits both.</summary>
    private static async Task<BenchRow> MeasureAsync(string path, string unit, double target, int runs, TimeSpan warmUp, Func<Task<(double Ours, double Limit)>> once, bool atMost = false,
        Func<string?>? detail = null)
    {
        var ours = new List<double>();
        var limit = new List<double>();
        try
        {
            // Untimed runs first, for at least WarmUp: connection pools and server caches warm, and the JIT's tier-1 code in
            // place (it replaces tier-0 code only after that code has run a while), as in a writer that has been running.
            var warming = Stopwatch.StartNew();
            do await once().ConfigureAwait(false);
            while (warming.Elapsed < warmUp);
            for (var i = 0; i < runs; i++)
            {
                var (o, l) = await once().ConfigureAwait(false);
                ours.Add(o);
                limit.Add(l);
                Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {path}: run {i + 1}: ours {o:0.##} {unit}, limit {l:0.##} {unit}, this run's ratio {(l == 0 ? 0 : o / l):0.00}"));
                if (detail?.Invoke() is { } line) Console.Error.WriteLine($"    {line}");
            }
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException or IOException or Npgsql.NpgsqlException or StackExchange.Redis.RedisException or Confluent.Kafka.KafkaException)
        {
            return BenchRow.Skip(path, $"failed: {e.Message}");
        }
        return new BenchRow(path, unit, new Figures(ours), new Figures(limit), target, atMost);
    }

    private static void PrintMachine()
    {
        var memory = File.Exists("/proc/meminfo") ? File.ReadLines("/proc/meminfo").FirstOrDefault() ?? "" : "";
        var load = File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Trim() : "";
        Console.WriteLine($"machine: {Environment.ProcessorCount} cores, {memory.Replace("MemTotal:", "memory", StringComparison.Ordinal).Trim()}, load average {load}, .NET {Environment.Version}");
    }
}
