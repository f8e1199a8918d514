using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using Microsoft.Extensions.Logging;
using Persistence.Contracts.V1;
using Persistence.Stores;

namespace Persistence.Stores.Http.Mirror;

/// <summary>
/// QUERY_MIRROR_CONSUMER's target: replays each query-log entry as one request (<see cref="MirrorRequest"/>),
/// starting at most RatePerSecond requests per second with at most MaxConcurrency in flight, both across every
/// batch of the writer. Every answered query's status and latency go to the outcome log.
/// <para>
/// A failing target is not amplified: at the first 5xx, 429, 408, timeout or connection failure the batch
/// sends nothing more, waits for what is in flight, records what completed and throws, so the writer loop backs
/// off and redelivers. Queries already answered are not sent again on the retry; a Retry-After holds every
/// batch back until it has passed. Other 4xx answers are outcomes (recorded, acknowledged), not retries.
/// </para>
/// </summary>
public sealed class HttpQueryMirrorTarget(HttpClient http, HttpMirrorOptions options, IMirrorOutcomeLog log, ILogger logger, TimeProvider? clock = null)
    : IQueryMirrorTarget
{
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;
    private readonly Uri _url = options.TargetUrl;
    private readonly TokenBucket _rate = new(options.RatePerSecond, Math.Max(1, options.RatePerSecond / 10), clock ?? TimeProvider.System);
    private readonly SemaphoreSlim _inFlight = new(options.MaxConcurrency, options.MaxConcurrency);
    private readonly RecentlyReplayed _replayed = new(100_000);
    private readonly Lock _gate = new();
    private DateTimeOffset _notBefore = DateTimeOffset.MinValue;

    /// <summary>Builds the HTTP client the target needs: no redirects followed (a POST must not turn into a GET), no client-wide timeout.</summary>
    public static HttpClient CreateHttpClient(HttpMirrorOptions options) =>
        new(new SocketsHttpHandler { AllowAutoRedirect = false, MaxConnectionsPerServer = options.MaxConcurrency, PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
        { Timeout = Timeout.InfiniteTimeSpan };

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
                await _inFlight.WaitAsync(cancellationToken).ConfigureAwait(false);
                var started = false;
                try
                {
                    if (Volatile.Read(ref failure) is not null) break;
                    await _rate.TakeAsync(cancellationToken).ConfigureAwait(false);
                    if (Volatile.Read(ref failure) is not null) break;
                    sends.Add(SendOneAsync(entry, token, index));
                    started = true;
                }
                finally
                {
                    if (!started) _inFlight.Release();
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

        async Task SendOneAsync(QueryLogEntry entry, string? bearer, int index)
        {
            try
            {
                var (outcome, problem) = await SendAsync(entry, bearer, cancellationToken).ConfigureAwait(false);
                if (outcome is not null) outcomes[index] = outcome;
                else Interlocked.CompareExchange(ref failure, problem, null);
            }
            finally
            {
                _inFlight.Release();
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

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(options.RequestTimeoutSeconds));
        var watch = Stopwatch.StartNew();
        try
        {
            using var response = await http.SendAsync(request, timeout.Token).ConfigureAwait(false);
            var body = await response.Content.ReadAsStringAsync(timeout.Token).ConfigureAwait(false);
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
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return (null, $"query {entry.QueryId} timed out after {options.RequestTimeoutSeconds}s");
        }
        catch (HttpRequestException e)
        {
            return (null, $"unreachable: {e.Message}");
        }
    }

    private void NoteRetryAfter(RetryConditionHeaderValue? retryAfter)
    {
        var now = _clock.GetUtcNow();
        var wait = retryAfter?.Delta ?? (retryAfter?.Date is { } date ? date - now : TimeSpan.Zero);
        if (wait <= TimeSpan.Zero) return;
        wait = TimeSpan.FromSeconds(Math.Min(wait.TotalSeconds, options.MaxRetryAfterSeconds));
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
}
