using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Amazon.Runtime;
using Persistence.Contracts;
using Persistence.Stores.DynamoDb;

namespace Persistence.Stores.Tests;

/// <summary>The DynamoDB online store against dynalite: TTL values, newer-wins under redelivery and reordering, known nulls, bounded parallel writes.</summary>
public sealed class DynamoDbOnlineStoreTests(DynaliteFixture fixture) : IClassFixture<DynaliteFixture>
{
    private static OnlineValue Online(string key, Persistence.Contracts.V1.Value value, DateTimeOffset observedAt, TimeSpan maxStaleness) =>
        new(key, "user.score", value, observedAt, maxStaleness - (DateTimeOffset.UtcNow - observedAt)) { ExpiresAt = observedAt + maxStaleness };

    private static string NewKey() => $"online:user.score:user:{Guid.NewGuid():N}";

    private async Task<Dictionary<string, AttributeValue>?> ItemAsync(string table, string key)
    {
        var response = await fixture.Client.GetItemAsync(new GetItemRequest
        {
            TableName = table, ConsistentRead = true, Key = new() { [OnlineTableLayout.Key] = new AttributeValue { S = key } },
        });
        return response.IsItemSet && response.Item is { Count: > 0 } item ? item : null;
    }

    private static Persistence.Contracts.V1.Value ValueOf(Dictionary<string, AttributeValue> item) =>
        Persistence.Contracts.V1.Value.Parser.ParseFrom(item[OnlineTableLayout.Value].B.ToArray());

    [Fact]
    public async Task An_item_holds_the_value_its_observed_at_in_ms_and_a_ttl_of_observed_at_plus_max_staleness_in_seconds()
    {
        fixture.SkipIfMissing();
        var table = await fixture.CreateTableAsync();
        var store = new DynamoDbOnlineStore(fixture.Client, fixture.Options(table));
        var key = NewKey();
        var observedAt = DateTimeOffset.FromUnixTimeMilliseconds(DateTimeOffset.UtcNow.AddMinutes(-1).ToUnixTimeMilliseconds() + 123 - DateTimeOffset.UtcNow.Millisecond);

        await store.WriteAsync([Online(key, Values.Of(2.5), observedAt, TimeSpan.FromMinutes(10))], default);

        var item = await ItemAsync(table, key) ?? throw new Xunit.Sdk.XunitException($"{key} was not written");
        Assert.Equal(2.5, ValueOf(item).FloatValue);
        Assert.Equal(observedAt.ToUnixTimeMilliseconds().ToString(), item[OnlineTableLayout.ObservedAt].N);
        Assert.Equal((observedAt + TimeSpan.FromMinutes(10)).ToUnixTimeSeconds().ToString(), item[OnlineTableLayout.ExpiresAt].N);
        Assert.Equal(1, store.Written);
    }

    [Fact]
    public async Task A_redelivered_value_is_a_skip_and_an_older_observation_arriving_later_never_replaces_a_newer_one()
    {
        fixture.SkipIfMissing();
        var table = await fixture.CreateTableAsync();
        var store = new DynamoDbOnlineStore(fixture.Client, fixture.Options(table));
        var key = NewKey();
        var now = DateTimeOffset.UtcNow;
        var newer = Online(key, Values.Of(2.0), now, TimeSpan.FromMinutes(10));

        await store.WriteAsync([newer], default);
        await store.WriteAsync([newer], default); // redelivery
        await store.WriteAsync([Online(key, Values.Of(1.0), now.AddMinutes(-1), TimeSpan.FromMinutes(10))], default); // older, arrives later

        var item = (await ItemAsync(table, key))!;
        Assert.Equal(2.0, ValueOf(item).FloatValue);
        Assert.Equal(now.ToUnixTimeMilliseconds().ToString(), item[OnlineTableLayout.ObservedAt].N);
        Assert.Equal((1, 2), (store.Written, store.Skipped));

        await store.WriteAsync([Online(key, Values.Of(3.0), now.AddSeconds(1), TimeSpan.FromMinutes(10))], default);
        Assert.Equal(3.0, ValueOf((await ItemAsync(table, key))!).FloatValue);
    }

    [Fact]
    public async Task Observations_of_one_key_written_in_parallel_in_any_order_leave_the_newest()
    {
        fixture.SkipIfMissing();
        var table = await fixture.CreateTableAsync();
        var store = new DynamoDbOnlineStore(fixture.Client, fixture.Options(table, maxConcurrency: 8));
        var key = NewKey();
        var now = DateTimeOffset.UtcNow;
        var shuffled = Enumerable.Range(0, 40).OrderBy(_ => Random.Shared.Next())
            .Select(i => Online(key, Values.Of((double)i), now.AddSeconds(-60 + i), TimeSpan.FromMinutes(10))).ToList();

        await store.WriteAsync(shuffled, default);

        Assert.Equal(39.0, ValueOf((await ItemAsync(table, key))!).FloatValue);
        Assert.Equal(40, store.Written + store.Skipped);
    }

    [Fact]
    public async Task A_null_is_stored_as_a_known_null_distinct_from_a_miss()
    {
        fixture.SkipIfMissing();
        var table = await fixture.CreateTableAsync();
        var key = NewKey();
        await new DynamoDbOnlineStore(fixture.Client, fixture.Options(table)).WriteAsync([Online(key, Values.Null(), DateTimeOffset.UtcNow, TimeSpan.FromMinutes(1))], default);

        Assert.True(Values.IsNull(ValueOf((await ItemAsync(table, key))!)));
        Assert.Null(await ItemAsync(table, key + ":absent"));
    }

    [Fact]
    public async Task A_batch_goes_out_in_parallel_never_more_than_max_concurrency_at_once_and_every_value_lands()
    {
        fixture.SkipIfMissing();
        var table = await fixture.CreateTableAsync();
        var counting = new CountingHttpClientFactory();
        var options = fixture.Options(table, maxConcurrency: 4);
        var config = options.CreateConfig();
        config.HttpClientFactory = counting;
        using var client = new AmazonDynamoDBClient(new BasicAWSCredentials("local", "local"), config);
        var now = DateTimeOffset.UtcNow;
        var keys = Enumerable.Range(0, 200).Select(_ => NewKey()).ToList();

        await new DynamoDbOnlineStore(client, options).WriteAsync([.. keys.Select(k => Online(k, Values.Of(1.0), now, TimeSpan.FromMinutes(5)))], default);

        Assert.InRange(counting.Peak, 2, 4);
        foreach (var key in keys) Assert.NotNull(await ItemAsync(table, key));
    }

    /// <summary>Counts requests in flight through the SDK's HTTP client, to see the store's parallelism from outside.</summary>
    private sealed class CountingHttpClientFactory : HttpClientFactory
    {
        private int _inFlight;
        private int _peak;
        public int Peak => Volatile.Read(ref _peak);

        public override HttpClient CreateHttpClient(IClientConfig clientConfig) => new(new Counter(this));

        private sealed class Counter(CountingHttpClientFactory owner) : DelegatingHandler(new SocketsHttpHandler())
        {
            protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
            {
                var now = Interlocked.Increment(ref owner._inFlight);
                int peak;
                while (now > (peak = Volatile.Read(ref owner._peak)) && Interlocked.CompareExchange(ref owner._peak, now, peak) != peak) { }
                try
                {
                    return await base.SendAsync(request, cancellationToken);
                }
                finally
                {
                    Interlocked.Decrement(ref owner._inFlight);
                }
            }
        }
    }
}
