using System.Net.Http.Json;
using System.Text.Json.Serialization;

namespace Persistence.Stores.Objects.Gcs;

/// <summary>
/// Access tokens of the pod's Google service account from the GKE metadata server (Workload Identity).
/// Cached until a minute before expiry; the token itself is never logged or put into an error.
/// </summary>
public sealed class MetadataServerTokenSource(HttpClient http, string metadataHost, TimeProvider clock) : IGcsTokenSource
{
    private readonly SemaphoreSlim _refresh = new(1, 1);
    private (string Token, DateTimeOffset RefreshAt)? _cached;

    public async ValueTask<string?> GetTokenAsync(CancellationToken cancellationToken)
    {
        if (_cached is { } current && clock.GetUtcNow() < current.RefreshAt) return current.Token;
        await _refresh.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_cached is { } fresh && clock.GetUtcNow() < fresh.RefreshAt) return fresh.Token;
            var url = $"http://{metadataHost}/computeMetadata/v1/instance/service-accounts/default/token";
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            request.Headers.Add("Metadata-Flavor", "Google");
            HttpResponseMessage response;
            try
            {
                response = await http.SendAsync(request, cancellationToken).ConfigureAwait(false);
            }
            catch (HttpRequestException e)
            {
                throw new IOException($"GKE metadata server at {metadataHost} unreachable for a GCS token (transient, retrying; outside GKE set Stores:Gcs:Endpoint to an emulator): {e.Message}", e);
            }
            using (response)
            {
                if (!response.IsSuccessStatusCode)
                    throw new IOException($"GKE metadata server at {metadataHost} answered {(int)response.StatusCode} for a GCS token; check that Workload Identity binds the writer's Kubernetes service account to a Google service account");
                var body = await response.Content.ReadFromJsonAsync<TokenResponse>(cancellationToken).ConfigureAwait(false);
                if (body is null || string.IsNullOrEmpty(body.AccessToken))
                    throw new IOException($"GKE metadata server at {metadataHost} returned no access_token");
                var lifetime = TimeSpan.FromSeconds(Math.Max(0, body.ExpiresIn - 60));
                _cached = (body.AccessToken, clock.GetUtcNow() + lifetime);
                return body.AccessToken;
            }
        }
        finally
        {
            _refresh.Release();
        }
    }

    public void Invalidate() => _cached = null;

    private sealed record TokenResponse(
        [property: JsonPropertyName("access_token")] string AccessToken,
        [property: JsonPropertyName("expires_in")] int ExpiresIn);
}
