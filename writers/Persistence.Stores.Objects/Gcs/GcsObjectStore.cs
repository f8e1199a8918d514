using System.Net;
using System.Net.Http.Headers;
using Persistence.Contracts;
using Persistence.Stores;

namespace Persistence.Stores.Objects.Gcs;

/// <summary>
/// gs:// objects over the GCS JSON API's media download: GET {endpoint}/storage/v1/b/{bucket}/o/{object}?alt=media.
/// 404 is <see cref="FileNotFoundException"/> (dead-lettered with the URI); 401/403 after one fresh token is
/// permanent and names the bucket and the role to grant; 5xx, 429, 408 and network errors are thrown for the
/// writer loop to retry with backoff; any other answer is permanent.
/// </summary>
public sealed class GcsObjectStore(HttpClient http, Uri endpoint, IGcsTokenSource tokens) : IObjectStore
{
    public IReadOnlyCollection<string> Schemes { get; } = ["gs"];

    public async Task CopyToAsync(Uri uri, Stream destination, CancellationToken cancellationToken)
    {
        var location = ObjectLocation.Parse(uri);
        var url = new Uri($"{endpoint.AbsoluteUri.TrimEnd('/')}/storage/v1/b/{Uri.EscapeDataString(location.Bucket)}/o/{Uri.EscapeDataString(location.Key)}?alt=media");
        for (var attempt = 1; ; attempt++)
        {
            using var response = await SendAsync(url, location, cancellationToken).ConfigureAwait(false);
            switch (response.StatusCode)
            {
                case HttpStatusCode.OK:
                    await response.Content.CopyToAsync(destination, cancellationToken).ConfigureAwait(false);
                    return;
                case HttpStatusCode.NotFound:
                    throw new FileNotFoundException($"object {location} does not exist", location.ToString());
                case HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden when attempt == 1:
                    tokens.Invalidate(); // an expired or revoked token: one retry with a fresh one
                    continue;
                case HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden:
                    throw new PermanentWriteException(
                        $"access denied ({(int)response.StatusCode}) reading {location}: grant the writer's Google service account " +
                        $"roles/storage.objectViewer on bucket {location.Bucket} (Workload Identity maps the pod's Kubernetes service account to it)");
                case HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests or >= HttpStatusCode.InternalServerError:
                    throw new IOException($"GCS answered {(int)response.StatusCode} {response.ReasonPhrase} reading {location} (transient, retrying)");
                default:
                    // Any other answer (400 for an invalid object name, 3xx) will not change on retry.
                    var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
                    throw new PermanentWriteException($"GCS refused reading {location}: {(int)response.StatusCode} {response.ReasonPhrase} {(body.Length > 300 ? body[..300] : body)}".TrimEnd());
            }
        }
    }

    private async Task<HttpResponseMessage> SendAsync(Uri url, ObjectLocation location, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        if (await tokens.GetTokenAsync(cancellationToken).ConfigureAwait(false) is { } token)
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        try
        {
            return await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            throw new IOException($"GCS unreachable at {endpoint} reading {location} (transient, retrying): {e.Message}", e);
        }
    }
}
