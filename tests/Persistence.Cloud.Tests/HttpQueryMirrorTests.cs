using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;
using Persistence.Contracts;
using Persistence.Contracts.V1;
using Persistence.Sinks;
using Persistence.Sinks.Registry;
using Persistence.Stores;
using Persistence.Stores.Http.Mirror;

namespace Persistence.Cloud.Tests;

/// <summary>QUERY_MIRROR_CONSUMER replaying to an API server: a Kestrel server on loopback records what arrives.</summary>
public sealed class HttpQueryMirrorTests
{
    /// <summary>What the API server saw: each request's arrival, body, and how many were in flight at once.</summary>
    private sealed class ApiServer
    {
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private int _inFlight;
        public int MaxInFlight;
        public volatile bool Failing;
        public int RetryAfterSeconds;
        /// <summary>Answers this many requests 503 (with RetryAfterSeconds) before answering normally.</summary>
        public int FailNext;
        /// <summary>Requests received, counted on arrival (Requests records them once answered).</summary>
        public int Arrivals;
        public TimeSpan Delay = TimeSpan.Zero;
        public ConcurrentQueue<(TimeSpan At, string QueryId, int Status, Dictionary<string, string> Headers, JsonDocument Body)> Requests { get; } = new();

        public IEnumerable<string> Answered(int status) => Requests.Where(r => r.Status == status).Select(r => r.QueryId);

        public async Task HandleAsync(HttpContext context)
        {
            Interlocked.Increment(ref Arrivals);
            var now = Interlocked.Increment(ref _inFlight);
            int seen;
            while ((seen = Volatile.Read(ref MaxInFlight)) < now && Interlocked.CompareExchange(ref MaxInFlight, now, seen) != seen) { }
            try
            {
                var at = _clock.Elapsed;
                var body = await JsonDocument.ParseAsync(context.Request.Body);
                var queryId = body.RootElement.GetProperty("mirror_of").GetProperty("query_id").GetString()!;
                if (Delay > TimeSpan.Zero) await Task.Delay(Delay);
                var status = Failing || Interlocked.Decrement(ref FailNext) >= 0 ? 503 : queryId.StartsWith("bad", StringComparison.Ordinal) ? 400 : 200;
                // Kestrel reuses its header collections after the response: keep a copy.
                var headers = context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
                Requests.Enqueue((at, queryId, status, headers, body));
                context.Response.StatusCode = status;
                if (status == 503 && RetryAfterSeconds > 0) context.Response.Headers.RetryAfter = RetryAfterSeconds.ToString();
                await context.Response.WriteAsync(status == 400 ? "{\"error\":\"unknown feature user.nope\"}" : "{}");
            }
            finally
            {
                Interlocked.Decrement(ref _inFlight);
            }
        }
    }

    private sealed class RecordingLog : IMirrorOutcomeLog
    {
        public ConcurrentDictionary<string, MirrorOutcome> Outcomes { get; } = new();

        public Task RecordAsync(IReadOnlyList<QueryLogEntry> entries, IReadOnlyList<MirrorOutcome> outcomes, CancellationToken cancellationToken)
        {
            foreach (var outcome in outcomes) Outcomes.TryAdd(outcome.QueryId, outcome);
            return Task.CompletedTask;
        }
    }

    private static QueryLogEntry Entry(string queryId) => new()
    {
        QueryId = queryId, Environment = "prod", DeploymentId = "dep-7", OperationName = "score_users",
        StartedAt = Timestamp.FromDateTimeOffset(new DateTimeOffset(2024, 5, 1, 12, 0, 0, TimeSpan.Zero)),
        Latency = Duration.FromTimeSpan(TimeSpan.FromMilliseconds(12.5)), RowCount = 3,
        Inputs = { ["user.id"] = Values.Of(42L) }, Outputs = { "user.score", "user.name" },
    };

    private static HttpQueryMirrorTarget Target(StubHttpServer server, IMirrorOutcomeLog log, double rate = 1000, int concurrency = 4, int timeoutSeconds = 5, int maxRetryAfterSeconds = 300)
    {
        var options = new HttpMirrorOptions
        {
            ApiServerHost = server.Address.ToString(), RatePerSecond = rate, MaxConcurrency = concurrency, RequestTimeoutSeconds = timeoutSeconds,
            MaxRetryAfterSeconds = maxRetryAfterSeconds,
        };
        return new HttpQueryMirrorTarget(HttpQueryMirrorTarget.CreateHttpClient(options), options, log, NullLogger.Instance);
    }

    [Fact]
    public async Task A_query_arrives_as_a_marked_post_with_its_inputs_and_outputs_and_its_outcome_is_recorded()
    {
        var api = new ApiServer();
        await using var server = await StubHttpServer.StartAsync(api.HandleAsync);
        await using var store = new TempOfflineStore();
        var entry = Entry("q-1");
        entry.Inputs["user.tags"] = Values.Of(new float[] { 0.5f, 1 });
        entry.Inputs["user.seen"] = Values.Of(new DateTimeOffset(2024, 5, 1, 0, 0, 0, TimeSpan.Zero));
        entry.Inputs["user.nickname"] = Values.Null();

        var outcomes = await Target(server, new DuckDbMirrorOutcomeLog(store.Db)).ReplayAsync([entry], default);

        var (_, queryId, _, headers, body) = Assert.Single(api.Requests);
        Assert.Equal("q-1", queryId);
        Assert.Equal("1", headers[MirrorRequest.MirrorHeader]);
        Assert.Equal("mirror-q-1", headers["Idempotency-Key"]);
        var json = body.RootElement;
        Assert.Equal(42, json.GetProperty("inputs").GetProperty("user.id").GetInt64());
        Assert.Equal([0.5, 1.0], json.GetProperty("inputs").GetProperty("user.tags").EnumerateArray().Select(v => v.GetDouble()));
        Assert.Equal("2024-05-01T00:00:00.0000000Z", json.GetProperty("inputs").GetProperty("user.seen").GetString());
        Assert.Equal(JsonValueKind.Null, json.GetProperty("inputs").GetProperty("user.nickname").ValueKind);
        Assert.Equal(["user.score", "user.name"], json.GetProperty("outputs").EnumerateArray().Select(v => v.GetString()));
        Assert.Equal("score_users", json.GetProperty("operation_name").GetString());
        Assert.Equal(12.5, json.GetProperty("mirror_of").GetProperty("latency_ms").GetDouble());
        Assert.Equal(200, Assert.Single(outcomes).Status);
        Assert.Equal(1, store.Count("SELECT count(*) FROM query_mirror WHERE query_id = 'q-1' AND status = 200 AND latency_ms > 0 AND error IS NULL"));
    }

    [Fact]
    public async Task The_rate_limit_holds_at_the_server()
    {
        var api = new ApiServer();
        await using var server = await StubHttpServer.StartAsync(api.HandleAsync);
        const double rate = 20;
        var target = Target(server, new RecordingLog(), rate: rate, concurrency: 8);
        // Open the connection first, then let the bucket refill to its burst, so only pacing is measured.
        await target.ReplayAsync([Entry("warm-up")], default);
        await Task.Delay(300);
        api.Requests.Clear();

        await target.ReplayAsync(Enumerable.Range(0, 40).Select(i => Entry($"rate-{i}")).ToList(), default);

        var arrivals = api.Requests.Select(r => r.At.TotalSeconds).Order().ToList();
        Assert.Equal(40, arrivals.Count);
        // A burst of rate/10 = 2, then one every 50 ms: 38 more need at least 1.9 s.
        Assert.True(arrivals[^1] - arrivals[0] >= 1.8, $"40 requests at {rate}/s arrived within {arrivals[^1] - arrivals[0]:F2}s");
        for (var i = 0; i < arrivals.Count; i++)
        {
            var inHalfSecond = arrivals.Count(a => a >= arrivals[i] && a < arrivals[i] + 0.5);
            Assert.True(inHalfSecond <= rate * 0.5 + 2 + 1, $"{inHalfSecond} requests arrived within 0.5 s of request {i}");
        }
    }

    [Fact]
    public async Task The_concurrency_cap_holds_across_concurrent_batches()
    {
        var api = new ApiServer { Delay = TimeSpan.FromMilliseconds(150) };
        await using var server = await StubHttpServer.StartAsync(api.HandleAsync);
        var target = Target(server, new RecordingLog(), concurrency: 3);

        await Task.WhenAll(
            target.ReplayAsync(Enumerable.Range(0, 12).Select(i => Entry($"a-{i}")).ToList(), default),
            target.ReplayAsync(Enumerable.Range(0, 12).Select(i => Entry($"b-{i}")).ToList(), default));

        Assert.Equal(24, api.Requests.Count);
        Assert.Equal(3, api.MaxInFlight);
    }

    [Fact]
    public async Task A_client_error_is_a_recorded_outcome_not_a_retry()
    {
        var api = new ApiServer();
        await using var server = await StubHttpServer.StartAsync(api.HandleAsync);
        var log = new RecordingLog();
        await using var writer = new WriterHarness(WriterType.QUERY_MIRROR_CONSUMER,
            new WriterDependencies(_ => throw new InvalidOperationException(), Mirror: Target(server, log)));

        await writer.PublishAsync(Entry("bad-1"), Entry("good-1"));
        await Eventually.WaitAsync(() => writer.Input.Acked == 2, "both entries acknowledged");

        Assert.Equal(2, api.Requests.Count);
        Assert.Equal(400, log.Outcomes["bad-1"].Status);
        Assert.Contains("unknown feature user.nope", log.Outcomes["bad-1"].Error);
        Assert.Equal(200, log.Outcomes["good-1"].Status);
        Assert.Equal(0, writer.Writer.Stats.Retries);
        Assert.Equal(0, writer.Writer.Stats.DeadLettered);
    }

    [Fact]
    public async Task A_failing_target_sees_a_bounded_number_of_requests_honours_retry_after_and_gets_everything_once_it_recovers()
    {
        const int concurrency = 2;
        var api = new ApiServer { Failing = true, RetryAfterSeconds = 2 };
        await using var server = await StubHttpServer.StartAsync(api.HandleAsync);
        var log = new RecordingLog();
        await using var writer = new WriterHarness(WriterType.QUERY_MIRROR_CONSUMER,
            new WriterDependencies(_ => throw new InvalidOperationException(), Mirror: Target(server, log, concurrency: concurrency)));
        var ids = Enumerable.Range(0, 60).Select(i => $"fail-{i}").ToList();

        await writer.PublishAsync(ids.Select(Entry).ToArray());
        await Eventually.WaitAsync(() => !api.Requests.IsEmpty, "the first request");
        await Task.Delay(TimeSpan.FromSeconds(3));
        api.Failing = false;
        var whileFailing = api.Requests.ToList();
        await Eventually.WaitAsync(() => writer.Input.Acked == 60, "every entry replayed after recovery");

        // Each attempt stops at its first failure: at most the in-flight requests of both concurrent batches,
        // and Retry-After: 2 allows two attempts in three seconds.
        Assert.True(whileFailing.Count <= 2 * (2 * concurrency), $"a failing target received {whileFailing.Count} requests in 3 s");
        var first = whileFailing.Min(r => r.At);
        Assert.DoesNotContain(whileFailing, r => r.At > first + TimeSpan.FromSeconds(0.5) && r.At < first + TimeSpan.FromSeconds(1.9));
        Assert.Equal(ids.Order(), api.Answered(200).Order());
        Assert.Equal(ids.Order(), log.Outcomes.Keys.Order());
        Assert.All(log.Outcomes.Values, o => Assert.Equal(200, o.Status));
        Assert.Equal(0, writer.Writer.Stats.DeadLettered);
    }

    [Fact]
    public async Task A_503_is_retried_after_its_retry_after_shortened_to_the_maximum_and_the_query_is_answered_once()
    {
        var api = new ApiServer { FailNext = 1, RetryAfterSeconds = 3600 };
        await using var server = await StubHttpServer.StartAsync(api.HandleAsync);
        var log = new RecordingLog();
        using var bounded = new CancellationTokenSource(TimeSpan.FromSeconds(60)); // an hour's Retry-After obeyed would end here

        var outcomes = await Target(server, log, maxRetryAfterSeconds: 1).ReplayAsync([Entry("q-retry"), Entry("q-other")], bounded.Token);

        Assert.Equal([200, 200], outcomes.Select(o => o.Status));
        var tries = api.Requests.Where(r => r.Status == 503).ToList();
        var retried = Assert.Single(tries).QueryId;
        var answers = api.Requests.Where(r => r.QueryId == retried).OrderBy(r => r.At).ToList();
        Assert.Equal([503, 200], answers.Select(r => r.Status));
        Assert.True(answers[1].At - answers[0].At >= TimeSpan.FromSeconds(0.9), $"re-sent {(answers[1].At - answers[0].At).TotalSeconds:F2}s after the 503");
        Assert.Equal(["q-other", "q-retry"], api.Answered(200).Order());
        Assert.All(log.Outcomes.Values, o => Assert.Equal(200, o.Status));
    }

    [Fact]
    public async Task A_timeout_is_a_transient_failure_naming_the_query()
    {
        var api = new ApiServer { Delay = TimeSpan.FromSeconds(3) };
        await using var server = await StubHttpServer.StartAsync(api.HandleAsync);
        var log = new RecordingLog();

        var error = await Assert.ThrowsAsync<MirrorTargetUnavailableException>(() => Target(server, log, timeoutSeconds: 1).ReplayAsync([Entry("slow-1")], default));

        Assert.Contains("query slow-1 timed out after 1s", error.Message);
        Assert.Empty(log.Outcomes);
        // The server may still answer a query that timed out: it is not sent again behind the batch's back
        // (a pipeline retry would have arrived while the first request was still being served).
        await Eventually.WaitAsync(() => !api.Requests.IsEmpty, "the slow request served");
        Assert.Equal(1, Volatile.Read(ref api.Arrivals));
    }
}
