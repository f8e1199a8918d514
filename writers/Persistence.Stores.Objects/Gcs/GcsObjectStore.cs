using System.Net;
using Google;
using Google.Cloud.Storage.V1;
using Persistence.Contracts;
using Persistence.Stores;

namespace Persistence.Stores.Objects.Gcs;

/// <summary>
/// gs:// objects through Google.Cloud.Storage.V1, which checks each download against the object's CRC32C
/// (x-goog-hash) and retries nothing itself (see <see cref="GcsClients"/>): the writer loop owns retrying.
/// 404 is <see cref="FileNotFoundException"/> (dead-lettered with the URI); 401/403 after one fresh token is
/// permanent and names the bucket and the role to grant; 5xx, 429, 408, a hash mismatch, a timeout and network
/// errors are thrown as <see cref="IOException"/> for the writer loop to retry with backoff; any other answer is
/// permanent.
/// </summary>
public sealed class GcsObjectStore(GcsClients clients) : IObjectStore, IDisposable
{
    // Always: a download whose bytes do not match the hash GCS declares is an error, never a silent load.
    private static readonly DownloadObjectOptions Download = new() { DownloadValidationMode = DownloadValidationMode.Always };

    public IReadOnlyCollection<string> Schemes { get; } = ["gs"];

    public async Task CopyToAsync(Uri uri, Stream destination, CancellationToken cancellationToken)
    {
        var location = ObjectLocation.Parse(uri);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var client = await clients.GetAsync(cancellationToken).ConfigureAwait(false);
                await client.DownloadObjectAsync(location.Bucket, location.Key, destination, Download, cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (GoogleApiException e) when (e.HttpStatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden && attempt == 1)
            {
                // An expired or revoked token: one more try with a fresh one.
                await clients.RefreshTokenAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (GoogleApiException e)
            {
                throw Classify(e, location);
            }
            catch (HttpRequestException e)
            {
                throw new IOException($"GCS unreachable at {clients.Endpoint} reading {location} (transient, retrying): {e.Message}", e);
            }
            catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
            {
                throw new IOException($"GCS did not answer within {clients.RequestTimeout.TotalSeconds:0}s reading {location} (transient, retrying)", e);
            }
            catch (IOException e) when (e is not FileNotFoundException)
            {
                // A cut connection, or a body that does not match its hash: the next attempt downloads it afresh.
                throw new IOException($"GCS download of {location} failed (transient, retrying): {e.Message}", e);
            }
        }
    }

    private static Exception Classify(GoogleApiException e, ObjectLocation location) => e.HttpStatusCode switch
    {
        HttpStatusCode.NotFound => new FileNotFoundException($"object {location} does not exist", location.ToString()),
        HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden => new PermanentWriteException(
            $"access denied ({(int)e.HttpStatusCode}) reading {location}: grant the writer's Google service account " +
            $"roles/storage.objectViewer on bucket {location.Bucket} (Workload Identity maps the pod's Kubernetes service account to it)"),
        HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests or >= HttpStatusCode.InternalServerError =>
            new IOException($"GCS answered {(int)e.HttpStatusCode} reading {location} (transient, retrying)", e),
        // Any other answer (400 for an invalid object name, 3xx) will not change on retry.
        _ => new PermanentWriteException($"GCS refused reading {location}: {(int)e.HttpStatusCode} {Truncate(e.Error?.Message ?? e.Message, 300)}"),
    };

    private static string Truncate(string text, int length) => text.Length <= length ? text : text[..length] + "…";

    public void Dispose() => clients.Dispose();
}
