using System.Net;
using Amazon.Runtime;
using Amazon.S3;
using Persistence.Contracts;
using Persistence.Stores;

namespace Persistence.Stores.Objects.S3;

/// <summary>
/// s3:// objects for the bulk insert writer. A missing object or bucket is <see cref="FileNotFoundException"/>
/// (the sink dead-letters the notification with its URI); access denied is permanent and names the bucket and
/// the IAM permission to grant; anything else (network, 5xx, throttling, expired credentials) is thrown as it
/// is, and the writer loop retries it with backoff.
/// </summary>
public sealed class S3ObjectStore(IAmazonS3 client) : IObjectStore
{
    public IReadOnlyCollection<string> Schemes { get; } = ["s3"];

    public async Task CopyToAsync(Uri uri, Stream destination, CancellationToken cancellationToken)
    {
        var location = ObjectLocation.Parse(uri);
        try
        {
            using var response = await client.GetObjectAsync(location.Bucket, location.Key, cancellationToken).ConfigureAwait(false);
            await response.ResponseStream.CopyToAsync(destination, cancellationToken).ConfigureAwait(false);
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound || e.ErrorCode is "NoSuchKey" or "NoSuchBucket")
        {
            throw new FileNotFoundException(e.ErrorCode == "NoSuchBucket"
                ? $"bucket {location.Bucket} does not exist (reading {location})"
                : $"object {location} does not exist", location.ToString(), e);
        }
        catch (AmazonS3Exception e) when (e.ErrorCode is "AccessDenied" or "AllAccessDisabled" or "AccountProblem")
        {
            // Retrying cannot fix a missing grant; the notification goes to the DLQ with what to fix, for replay.
            throw new PermanentWriteException(
                $"access denied reading {location}: the writer's IAM role (IRSA) needs s3:GetObject on arn:aws:s3:::{location.Bucket}/* " +
                $"(and s3:ListBucket on arn:aws:s3:::{location.Bucket} so that a missing object reads as missing, not denied); S3 said: {e.ErrorCode}", e);
        }
        catch (AmazonServiceException e) when (e is not AmazonS3Exception && e.InnerException is HttpRequestException or IOException)
        {
            throw new IOException($"S3 unreachable reading {location} (transient, retrying): {e.InnerException?.Message ?? e.Message}", e);
        }
        catch (Exception e) when (e is AmazonServiceException or AmazonClientException)
        {
            throw S3Errors.Transient(e, location);
        }
    }
}
