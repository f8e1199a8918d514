using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;

namespace Persistence.Infra.Doctor;

/// <summary>
/// A subscription's undelivered messages from Cloud Monitoring (metric pubsub.googleapis.com/subscription/num_undelivered_messages,
/// the one the stack's KEDA scaler reads; timeSeries.list, https://cloud.google.com/monitoring/api/ref_v3/rest/v3/projects.timeSeries/list),
/// the last two points of the past 10 minutes giving the trend. The token comes from GOOGLE_OAUTH_ACCESS_TOKEN (e.g.
/// `gcloud auth print-access-token`) or the GKE metadata server; without either, or when the API does not answer, it says "not reachable".
/// </summary>
public sealed class PubSubBacklogProbe(HttpClient http, string endpoint, string projectId, TimeProvider clock)
{
    private Task<string?>? _token;

    public async Task<QueueReport> ProbeAsync(string subscription, CancellationToken cancel)
    {
        var source = $"pubsub {subscription}";
        try
        {
            // One token lookup for every subscription of the run.
            var token = await (_token ??= TokenAsync(cancel)).ConfigureAwait(false);
            if (token is null)
                return new QueueReport(source, "not reachable: no Cloud Monitoring token (set GOOGLE_OAUTH_ACCESS_TOKEN=$(gcloud auth print-access-token), or run in GKE)", null, null, null, null);
            var now = clock.GetUtcNow();
            var filter = $"metric.type=\"pubsub.googleapis.com/subscription/num_undelivered_messages\" AND resource.labels.subscription_id=\"{subscription}\"";
            var url = $"{endpoint.TrimEnd('/')}/v3/projects/{projectId}/timeSeries?filter={Uri.EscapeDataString(filter)}" +
                      $"&interval.startTime={Uri.EscapeDataString(now.AddMinutes(-10).ToString("O", CultureInfo.InvariantCulture))}&interval.endTime={Uri.EscapeDataString(now.ToString("O", CultureInfo.InvariantCulture))}";
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            using var response = await http.SendAsync(request, cancel).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
                return new QueueReport(source, $"not reachable: Cloud Monitoring answered {(int)response.StatusCode} {response.ReasonPhrase} (the identity needs roles/monitoring.viewer)", null, null, null, null);
            using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancel).ConfigureAwait(false));
            var points = json.RootElement.TryGetProperty("timeSeries", out var series) && series.GetArrayLength() > 0
                ? series[0].GetProperty("points").EnumerateArray().Select(p => long.Parse(p.GetProperty("value").GetProperty("int64Value").GetString()!, CultureInfo.InvariantCulture)).ToList()
                : [];
            if (points.Count == 0) return new QueueReport(source, "no data in the last 10 minutes", null, null, null, null);
            // Points come newest first.
            var latest = points[0];
            long? previous = points.Count > 1 ? points[1] : null;
            return new QueueReport(source, "ok", previous ?? latest, latest, previous is null ? null : KafkaLagProbe.Trend(previous.Value, latest), null);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException or KeyNotFoundException or FormatException && !cancel.IsCancellationRequested)
        {
            return new QueueReport(source, $"not reachable: {e.Message}", null, null, null, null);
        }
    }

    private async Task<string?> TokenAsync(CancellationToken cancel)
    {
        if (Environment.GetEnvironmentVariable("GOOGLE_OAUTH_ACCESS_TOKEN") is { Length: > 0 } token) return token;
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "http://metadata.google.internal/computeMetadata/v1/instance/service-accounts/default/token");
            request.Headers.Add("Metadata-Flavor", "Google");
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancel);
            timeout.CancelAfter(TimeSpan.FromSeconds(2));
            using var response = await http.SendAsync(request, timeout.Token).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode) return null;
            using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancel).ConfigureAwait(false));
            return json.RootElement.GetProperty("access_token").GetString();
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancel.IsCancellationRequested)
        {
            return null;
        }
    }
}
