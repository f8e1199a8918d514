using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Persistence.Contracts;
using Persistence.Contracts.V1;
using Persistence.Runtime.Pipeline;
using Persistence.Sinks;
using Persistence.Sinks.Online;
using Persistence.Sinks.Registry;
using Persistence.Stores.Redis;
using StackExchange.Redis;
using ValueType = Persistence.Contracts.V1.ValueType;
using static Persistence.Tests.Shared.Eventually;

namespace Persistence.Stores.Tests;

/// <summary>Redis errors are classified by the error Redis answers: WRONGTYPE and script errors are dead-lettered, a busy or loading server is retried.</summary>
public sealed class RedisErrorClassificationTests(RedisFixture redis) : IClassFixture<RedisFixture>
{
    [Theory]
    [InlineData("WRONGTYPE Operation against a key holding the wrong kind of value", WriteErrorKind.Permanent, "redis_wrongtype")]
    [InlineData("ERR Error running script (call to f_1): @user_script:2: WRONGTYPE Operation against a key", WriteErrorKind.Permanent, "redis_wrongtype")]
    [InlineData("ERR user_script:3: Script attempted to access nonexistent global variable 'x'", WriteErrorKind.Permanent, "redis_script")]
    [InlineData("LOADING Redis is loading the dataset in memory", WriteErrorKind.Transient, "redis_loading")]
    [InlineData("BUSY Redis is busy running a script", WriteErrorKind.Transient, "redis_busy")]
    [InlineData("OOM command not allowed when used memory > 'maxmemory'", WriteErrorKind.Transient, "redis_oom")]
    [InlineData("CLUSTERDOWN The cluster is down", WriteErrorKind.Transient, "redis_clusterdown")]
    [InlineData("ERR something new", WriteErrorKind.Unknown, nameof(RedisServerException))]
    public async Task A_server_error_is_classified_by_its_prefix(string message, WriteErrorKind kind, string errorClass)
    {
        redis.SkipIfMissing();
        // The real server answers with the error (a script returning it as an error reply), so the driver's exception is what a write would see.
        var error = await Assert.ThrowsAsync<RedisServerException>(() => redis.Redis.GetDatabase().ScriptEvaluateAsync("return redis.error_reply(ARGV[1])", [], [message]));
        Assert.Equal(new WriteError(kind, errorClass), WriteErrorClassifier.Classify(RedisErrors.Classify(error)));
    }

    [Fact]
    public async Task Connection_failures_and_timeouts_are_transient()
    {
        redis.SkipIfMissing();
        await using (var nowhere = await ConnectionMultiplexer.ConnectAsync(new ConfigurationOptions
        {
            EndPoints = { { "127.0.0.1", ServerProcess.FreePort() } }, AbortOnConnectFail = false, ConnectTimeout = 500, AsyncTimeout = 500,
        }))
        {
            var error = await Assert.ThrowsAnyAsync<RedisException>(() => nowhere.GetDatabase().PingAsync());
            Assert.Equal(WriteErrorKind.Transient, WriteErrorClassifier.Classify(RedisErrors.Classify(error)).Kind);
        }
        await using var impatient = await ConnectionMultiplexer.ConnectAsync(new ConfigurationOptions
        {
            EndPoints = { { "127.0.0.1", redis.Port } }, AsyncTimeout = 200,
        });
        // A blocking pop holds the multiplexer's one connection, so the next command cannot be answered in time.
        var slow = impatient.GetDatabase().ExecuteAsync("BLPOP", $"nothing-{Guid.NewGuid():N}", "1");
        var timeout = await Assert.ThrowsAsync<RedisTimeoutException>(() => impatient.GetDatabase().PingAsync());
        Assert.Equal(new WriteError(WriteErrorKind.Transient, "redis_timeout"), WriteErrorClassifier.Classify(RedisErrors.Classify(timeout)));
        await Assert.ThrowsAsync<RedisTimeoutException>(() => slow);
    }

    [Fact]
    public async Task A_key_holding_another_type_sends_its_value_to_the_dlq_and_the_other_values_land()
    {
        redis.SkipIfMissing();
        var db = redis.Redis.GetDatabase();
        var fqn = $"user.wrongtype_{Guid.NewGuid():N}"[..30];
        await db.StringSetAsync(OnlineKeys.For(fqn, "user:2"), "someone else's string"); // not a hash: HGET answers WRONGTYPE
        var feature = new FeatureDescriptor { Fqn = fqn, Type = ValueType.Float, MaxStaleness = Duration.FromTimeSpan(TimeSpan.FromHours(1)) };
        byte[] Result(int i) => new QueryResult
        {
            QueryId = $"wrongtype-{i}-{Guid.NewGuid():N}", Environment = "test", OperationName = "op", Namespace = "user", PrimaryKeys = { "user.id" },
            Features = { feature }, StoreOnline = true,
            Rows = { new ResultRow { PrimaryKeys = { Values.Of((long)i) }, Values = { Values.Of(i * 1.0) }, ObservedAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow) } },
        }.ToByteArray();

        var harness = new StoreWriterHarness(WriterType.ONLINE_WRITER, new WriterDependencies(_ => throw new InvalidOperationException(), Online: new RedisOnlineStore(db)));
        var writer = harness.Writer();
        using var stop = new CancellationTokenSource();
        var run = writer.RunAsync(stop.Token);
        await harness.PublishAsync(Enumerable.Range(0, 5).Select(Result));
        await WaitAsync(() => harness.Input.Acked == 5, "all five settled");
        await stop.CancelAsync();
        await run;

        var letter = Assert.Single(await harness.ReadDeadLettersAsync());
        Assert.Equal("redis_wrongtype", letter.Context.ErrorClass);
        Assert.Contains("WRONGTYPE", letter.Context.ErrorMessage);
        Assert.Equal(2.0, QueryResult.Parser.ParseFrom(letter.Payload).Rows[0].Values[0].FloatValue);
        foreach (var i in new[] { 0, 1, 3, 4 })
            Assert.True(await db.HashExistsAsync(OnlineKeys.For(fqn, $"user:{i}"), "v"), $"user:{i} missing");
        Assert.Equal("someone else's string", (string?)await db.StringGetAsync(OnlineKeys.For(fqn, "user:2")));
        Assert.Equal(0, writer.Stats.Retries);
    }
}
