using System.Net.Http.Headers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http.Resilience;
using Polly;
using Polly.Timeout;

namespace Persistence.Stores.Http.Mirror;

/// <summary>
/// The query mirror's HttpClient: Microsoft.Extensions.Http.Resilience's standard pipeline (rate limiter → total
/// timeout → retry → circuit breaker → attempt timeout), customised for replaying queries:
/// <list type="bullet">
/// <item>the attempt timeout is Stores:Mirror:RequestTimeoutSeconds;</item>
/// <item>a retry follows the server's Retry-After, shortened to Stores:Mirror:MaxRetryAfterSeconds, else
/// exponential back-off with jitter;</item>
/// <item>only answers that say "not processed, try again" are retried (408, 429, 5xx) and connection failures;
/// a final answer (2xx, 3xx, other 4xx) is never sent again, and neither is a query that timed out, since the
/// server may have answered it after all: the batch fails and the writer loop decides;</item>
/// <item>no redirects are followed (a POST must not turn into a GET).</item>
/// </list>
/// The rate and concurrency caps are not in this pipeline but in <see cref="MirrorLimits"/>, held by the target,
/// so a batch that has seen a failure can stop starting requests.
/// </summary>
public static class MirrorHttpClient
{
    public const string Name = "query-mirror";
    public const int RetryAttempts = 2;
    private static readonly TimeSpan BackoffBase = TimeSpan.FromSeconds(1);

    /// <summary>Registers the named client <see cref="Name"/> for the mirror target.</summary>
    public static IHttpClientBuilder AddQueryMirrorHttpClient(this IServiceCollection services, HttpMirrorOptions options)
    {
        // The pipeline times each attempt; the client's timeout is the backstop for a body that stalls after its headers.
        var builder = services.AddHttpClient(Name, http => http.Timeout = TotalTimeout(options) + TimeSpan.FromSeconds(options.RequestTimeoutSeconds))
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler
            {
                AllowAutoRedirect = false,
                MaxConnectionsPerServer = options.MaxConcurrency,
                PooledConnectionLifetime = TimeSpan.FromMinutes(5), // DNS changes are picked up here...
            })
            .SetHandlerLifetime(Timeout.InfiniteTimeSpan); // ...so the factory need not rotate the handler
        builder.AddStandardResilienceHandler(pipeline => Configure(pipeline, options));
        return builder;
    }

    /// <summary>A client for callers without a service provider of their own (tests, `run` until it composes through DI).</summary>
    public static HttpClient Create(HttpMirrorOptions options)
    {
        var services = new ServiceCollection();
        services.AddQueryMirrorHttpClient(options);
        return services.BuildServiceProvider().GetRequiredService<IHttpClientFactory>().CreateClient(Name);
    }

    public static void Configure(HttpStandardResilienceOptions pipeline, HttpMirrorOptions options)
    {
        var attempt = TimeSpan.FromSeconds(options.RequestTimeoutSeconds);
        var maxRetryAfter = TimeSpan.FromSeconds(options.MaxRetryAfterSeconds);
        pipeline.AttemptTimeout.Timeout = attempt;
        pipeline.Retry.MaxRetryAttempts = RetryAttempts;
        pipeline.Retry.BackoffType = DelayBackoffType.Exponential;
        pipeline.Retry.UseJitter = true;
        pipeline.Retry.Delay = BackoffBase;
        pipeline.Retry.ShouldRetryAfterHeader = false; // its delay is unbounded; ours is capped below
        pipeline.Retry.DelayGenerator = args => ValueTask.FromResult(
            args.Outcome.Result is { } response ? RetryAfter(response.Headers.RetryAfter, TimeProvider.System, maxRetryAfter) : null);
        pipeline.Retry.ShouldHandle = args => ValueTask.FromResult(
            args.Outcome.Exception is not TimeoutRejectedException && HttpClientResiliencePredicates.IsTransient(args.Outcome));
        pipeline.TotalRequestTimeout.Timeout = TotalTimeout(options);
        // The standard validation wants the breaker's window at least twice the attempt timeout.
        if (pipeline.CircuitBreaker.SamplingDuration < attempt * 2) pipeline.CircuitBreaker.SamplingDuration = attempt * 2;
    }

    /// <summary>Every attempt, every Retry-After wait and the back-off must fit, or the total timeout would cut a retry short.</summary>
    public static TimeSpan TotalTimeout(HttpMirrorOptions options)
    {
        var attempt = TimeSpan.FromSeconds(options.RequestTimeoutSeconds);
        var maxRetryAfter = TimeSpan.FromSeconds(options.MaxRetryAfterSeconds);
        var backoff = BackoffBase * ((1 << (RetryAttempts + 1)) - 1); // exponential, with jitter's headroom
        return attempt * (RetryAttempts + 1) + (maxRetryAfter > backoff ? maxRetryAfter : backoff) * RetryAttempts + TimeSpan.FromSeconds(1);
    }

    /// <summary>How long a Retry-After asks to wait, at most <paramref name="max"/>; null without one.</summary>
    public static TimeSpan? RetryAfter(RetryConditionHeaderValue? header, TimeProvider clock, TimeSpan max)
    {
        var wait = header?.Delta ?? (header?.Date is { } date ? date - clock.GetUtcNow() : null);
        if (wait is not { } value) return null;
        return value <= TimeSpan.Zero ? TimeSpan.Zero : value > max ? max : value;
    }
}
