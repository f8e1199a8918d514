using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using Microsoft.Extensions.Logging;
using Polly.CircuitBreaker;
using Polly.RateLimiting;
using Polly.Timeout;
using Persistence.Contracts.V1;
using Persistence.Stores;

namespace Persistence.Stores.Http.Mirror;

/// <summary>
/// QUERY_MIRROR_CONSUMER's target: replays each query-log entry as one request (<see cref="MirrorRequest"/>),
/// starting at most RatePerSecond requests per second with at most MaxConcurrency in flight, both across every
/// batch of the writer (<see cref="MirrorLimits"/>). Every answered query's status and latency go to the outcome log.
/// <para>
/// A failing target is not amplified: the HTTP pipeline (<see cref="MirrorHttpClient"/>) retries a 5xx, 429,
/// 408 or connection failure a couple of times after Retry-After or a back-off, holding its concurrency slot;
/// when that is not enough, or a request times out, the batch sends nothing more, waits for what is in flight,
/// records what completed and throws, so the writer loop backs off and redelivers. Queries already answered are
/// not sent again on the retry; a Retry-After holds every batch back until it has passed. Other 4xx answers are
/// outcomes (recorded, acknowledged), not retries.
/// </para>
/// </summary>
public sealed class HttpQueryMirrorTarget(HttpClient http, HttpMirrorOptions options, IMirrorOutcomeLog log, ILogger logger, TimeProvider? clock = null)
    : IQueryMirrorTarget, IDisposable
{
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;
    private readonly Uri _url = options.TargetUrl;
    private readonly MirrorLimits _limits = new(options.RatePerSecond, options.MaxConcurrency);
    private readonly RecentlyReplayed _replayed = new(100_000);
    private readonly Lock _gate = new();
    private DateTimeOffset _notBefore = DateTimeOffset.MinValue;

    /// <summary>Builds the HTTP client the target needs (<see cref="MirrorHttpClient"/>); with DI, register it by <see cref="MirrorHttpClient.AddQueryMirrorHttpClient"/>.</summary>
    public static HttpClient CreateHttpClient(HttpMirrorOptions options) => MirrorHttpClient.Create(options);

    public async Task<IReadOnlyList<MirrorOutcome>> ReplayAsync(IReadOnlyList<QueryLogEntry> entries, CancellationToken cancellationToken)
    {
        await WaitOutRetryAfterAsync(cancellationToken).ConfigureAwait(false);
        var token = ReadToken();
        var pending = entries.Where(e => !_replayed.Contains(e.QueryId)).DistinctBy(e => e.QueryId, StringComparer.Ordinal).ToList();
        var outcomes = new MirrorOutcome?[pending.Count];
        string? failure = null;
        var sends = new List<Task>();
        try
        {
            foreach (var (entry, index) in pending.Select((e, i) => (e, i)))
            {
                var slot = await _limits.SlotAsync(cancellationToken).ConfigureAwait(false);
                var started = false;
                try
                {
                    if (Volatile.Read(ref failure) is not null) break;
                    await _limits.StartAsync(cancellationToken).ConfigureAwait(false);
                    if (Volatile.Read(ref failure) is not null) break;
                    sends.Add(SendOneAsync(entry, token, index, slot));
                    started = true;
                }
                finally
                {
                    if (!started) slot.Dispose();
                }
            }
        }
        finally
        {
            await Task.WhenAll(sends).ConfigureAwait(false);
        }

        var answered = pending.Zip(outcomes).Where(p => p.Second is not null).ToList();
        await log.RecordAsync(answered.Select(p => p.First).ToList(), answered.Select(p => p.Second!).ToList(), cancellationToken).ConfigureAwait(false);
        foreach (var (entry, _) in answered) _replayed.Add(entry.QueryId);
        if (failure is not null)
            throw new MirrorTargetUnavailableException(
                $"mirror target {_url} is failing ({failure}); stopped the batch after {sends.Count} of {pending.Count} requests, {answered.Count} answered; backing off");
        logger.LogDebug("mirrored {Count} queries to {Url}", answered.Count, _url);
        return answered.Select(p => p.Second!).ToList();

        async Task SendOneAsync(QueryLogEntry entry, string? bearer, int index, IDisposable slot)
        {
            try
            {
                var (outcome, problem) = await SendAsync(entry, bearer, cancellationToken).ConfigureAwait(false);
                if (outcome is not null) outcomes[index] = outcome;
                else Interlocked.CompareExchange(ref failure, problem, null);
            }
            finally
            {
                slot.Dispose();
            }
        }
    }

    /// <summary>An outcome for an answered query, or the reason the target counts as failing.</summary>
    private async Task<(MirrorOutcome? Outcome, string? Failure)> SendAsync(QueryLogEntry entry, string? bearer, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, _url) { Content = new ByteArrayContent(MirrorRequest.Body(entry)) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.Add(MirrorRequest.MirrorHeader, "1");
        request.Headers.Add(MirrorRequest.QueryIdHeader, entry.QueryId);
        request.Headers.Add("Idempotency-Key", "mirror-" + entry.QueryId);
        if (bearer is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);

        var watch = Stopwatch.StartNew();
        try
        {
            using var response = await http.SendAsync(request, cancellationToken).ConfigureAwait(false);
            var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            var latency = watch.Elapsed;
            var status = (int)response.StatusCode;
            if (status is 408 or 429 or >= 500)
            {
                NoteRetryAfter(response.Headers.RetryAfter);
                return (null, $"HTTP {status} for query {entry.QueryId}");
            }
            var error = response.IsSuccessStatusCode ? null
                : status is >= 300 and < 400 ? $"redirected to {response.Headers.Location}; point {Contracts.SettingNames.Stores.ApiServerHost} at the final address"
                : Truncate(body, 300);
            return (new MirrorOutcome(entry.QueryId, status, latency, error), null);
        }
        catch (Exception e) when (e is TimeoutRejectedException || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            return (null, $"query {entry.QueryId} timed out after {options.RequestTimeoutSeconds}s");
        }
        catch (BrokenCircuitException)
        {
            return (null, "its circuit breaker is open after repeated failures");
        }
        catch (RateLimiterRejectedException)
        {
            return (null, "the HTTP pipeline's bulkhead refused the request");
        }
        catch (HttpRequestException e)
        {
            return (null, $"unreachable: {e.Message}");
        }
    }

    private void NoteRetryAfter(RetryConditionHeaderValue? retryAfter)
    {
        var now = _clock.GetUtcNow();
        if (MirrorHttpClient.RetryAfter(retryAfter, _clock, TimeSpan.FromSeconds(options.MaxRetryAfterSeconds)) is not { } wait || wait <= TimeSpan.Zero) return;
        lock (_gate)
            if (now + wait > _notBefore) _notBefore = now + wait;
    }

    private async Task WaitOutRetryAfterAsync(CancellationToken cancellationToken)
    {
        TimeSpan wait;
        lock (_gate) wait = _notBefore - _clock.GetUtcNow();
        if (wait <= TimeSpan.Zero) return;
        logger.LogInformation("mirror target {Url} asked to retry after {Seconds:F1}s; waiting", _url, wait.TotalSeconds);
        await Task.Delay(wait, _clock, cancellationToken).ConfigureAwait(false);
    }

    private string? ReadToken() =>
        string.IsNullOrEmpty(options.TokenPath) ? null : File.ReadAllText(options.TokenPath).Trim();

    private static string Truncate(string text, int length) => text.Length <= length ? text : text[..length] + "…";

    public void Dispose() => _limits.Dispose();
}
