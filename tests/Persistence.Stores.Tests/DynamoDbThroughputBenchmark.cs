using System.Diagnostics;
using System.Globalization;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Persistence.Stores.DynamoDb;

namespace Persistence.Stores.Tests;

/// <summary>
/// Not a test of speed (it asserts only that every value landed): a benchmark that prints values/s of the store against
/// the same conditional PutItems made by a plain AWS SDK client in parallel (same concurrency, same server). Explicit,
/// so it runs only when asked:
/// dotnet build -c Release tests/Persistence.Stores.Tests &amp;&amp; tests/Persistence.Stores.Tests/bin/Release/net10.0/Persistence.Stores.Tests
///   -class Persistence.Stores.Tests.DynamoDbThroughputBenchmark -explicit only -diagnostics
/// Sizes: DYNAMODB_BENCH_VALUES (default 5000), DYNAMODB_BENCH_CONCURRENCY (default 32).
/// </summary>
public sealed class DynamoDbThroughputBenchmark(DynaliteFixture fixture) : IClassFixture<DynaliteFixture>
{
    private static int Setting(string name, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), CultureInfo.InvariantCulture, out var n) && n > 0 ? n : fallback;

    [Fact(Explicit = true)]
    public async Task Store_values_per_second_against_plain_parallel_conditional_puts()
    {
        fixture.SkipIfMissing();
        var count = Setting("DYNAMODB_BENCH_VALUES", 5_000);
        var concurrency = Setting("DYNAMODB_BENCH_CONCURRENCY", 32);
        var now = DateTimeOffset.UtcNow;
        List<OnlineValue> Workload() => [.. Enumerable.Range(0, count).Select(i =>
            new OnlineValue($"online:user.score:user:{i}", "user.score", Values.Of(i * 0.5), now, TimeSpan.FromMinutes(30)))];

        // Warm-up (connections, JIT) on a throwaway table.
        var warm = await fixture.CreateTableAsync();
        await new DynamoDbOnlineStore(fixture.Client, fixture.Options(warm, concurrency)).WriteAsync(Workload()[..Math.Min(500, count)], default);

        // Alternating rounds, best of each, so neither side gets the warmer server.
        var (plainBest, storeBest) = (TimeSpan.MaxValue, TimeSpan.MaxValue);
        for (var round = 0; round < 2; round++)
        {
            var plainTable = await fixture.CreateTableAsync();
            var plain = Stopwatch.StartNew();
            // The plain client: `concurrency` workers draining one queue of conditional puts, no batches.
            var queue = new System.Collections.Concurrent.ConcurrentQueue<OnlineValue>(Workload());
            await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
            {
                while (queue.TryDequeue(out var v)) await fixture.Client.PutItemAsync(DynamoDbOnlineStore.Request(plainTable, v));
            }));
            plain.Stop();

            var storeTable = await fixture.CreateTableAsync();
            var store = new DynamoDbOnlineStore(fixture.Client, fixture.Options(storeTable, concurrency));
            var timed = Stopwatch.StartNew();
            // As the online writer hands them over: batches of 500.
            foreach (var batch in Workload().Chunk(500)) await store.WriteAsync(batch, default);
            timed.Stop();

            Assert.Equal(count, store.Written);
            Assert.Equal(count, await CountAsync(storeTable));
            Assert.Equal(count, await CountAsync(plainTable));
            (plainBest, storeBest) = (plain.Elapsed < plainBest ? plain.Elapsed : plainBest, timed.Elapsed < storeBest ? timed.Elapsed : storeBest);
        }
        var storeRate = count / storeBest.TotalSeconds;
        var plainRate = count / plainBest.TotalSeconds;
        TestContext.Current.SendDiagnosticMessage($"DynamoDB online store on dynalite: {count} values, concurrency {concurrency}: " +
            $"store {storeRate:F0} values/s ({storeBest.TotalSeconds:F2}s), plain SDK {plainRate:F0} values/s ({plainBest.TotalSeconds:F2}s), ratio {storeRate / plainRate:F2} (best of 2 alternating rounds)");
    }

    private async Task<int> CountAsync(string table)
    {
        var total = 0;
        Dictionary<string, AttributeValue>? start = null;
        do
        {
            var page = await fixture.Client.ScanAsync(new ScanRequest { TableName = table, Select = Select.COUNT, ExclusiveStartKey = start });
            total += page.Count ?? 0;
            start = page.LastEvaluatedKey is { Count: > 0 } next ? next : null;
        }
        while (start is not null);
        return total;
    }
}
